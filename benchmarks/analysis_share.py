"""The static-analysis stage's share of the whole recipe's CPU seconds (issue 29, item 6).

``benchmarks/recipe.py`` gives each stage's share of the task-seconds, which are wall seconds: on a
machine shared with other jobs they count the waits for a core, and an analyzer's run waits for its
tool. This runs the same measurement (``recipe.measure``, 1 worker, the recipe in this process, no
datatrove peer) and also counts CPU seconds (user + system of this process and of the tools it ran
and waited for): those of the whole recipe, and those spent inside the ``static_analysis`` block
(its batches, and closing its analyzers' long-lived processes at the end of a task)::

    python benchmarks/analysis_share.py --megabytes 32 --corpus multi

prints recipe.py's tables, then the analysis stage's CPU seconds, its share of the recipe's, each
analyzer's CPU seconds (its ``analyze`` and ``close`` calls, smoke test included), and the files
analyzed per analyzer and language.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import recipe as bench  # noqa: E402
from codecurate.filters.analysis.filter import ANALYZERS, StaticAnalysisFilter  # noqa: E402
from common import cpu_seconds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=32)
    parser.add_argument("--corpus", default="multi", help="python or multi")
    parser.add_argument("--every-family", action="store_true", help="as recipe.py's --every-family")
    args = parser.parse_args()

    spent = {"analysis": 0.0, "recipe": 0.0}
    per_analyzer: dict[str, float] = {}

    def timed(function, key: str, table: dict[str, float] = spent):
        def wrapper(*args, **kwargs):
            start = cpu_seconds()
            try:
                return function(*args, **kwargs)
            finally:
                table[key] = table.get(key, 0.0) + cpu_seconds() - start

        return wrapper

    StaticAnalysisFilter.filter_batch = timed(StaticAnalysisFilter.filter_batch, "analysis")
    for analyzer in dict.fromkeys(ANALYZERS.values()):
        if "close" in vars(analyzer):  # long-lived tool processes are reaped (and their CPU counted) here
            analyzer.close = timed(analyzer.close, "analysis")
        for method in ("analyze", "close"):
            setattr(analyzer, method, timed(getattr(analyzer, method), analyzer.name, per_analyzer))
    bench.run_recipe = timed(bench.run_recipe, "recipe")
    with tempfile.TemporaryDirectory() as tmp:
        bench.measure(args.corpus, args.megabytes, [1], Path(tmp), peer=False, every_family=args.every_family)
        analyzed = bench.stage_stats(Path(tmp) / "out1", "analysis", "analyzed/")
    print(
        f"\nstatic analysis: {spent['analysis']:.1f} of the recipe's {spent['recipe']:.1f} CPU s "
        f"({spent['analysis'] / max(spent['recipe'], 1e-9):.1%})"
    )
    print(
        "CPU s per analyzer: "
        + ", ".join(
            f"{name} {seconds:.1f}" for name, seconds in sorted(per_analyzer.items(), key=lambda item: -item[1])
        )
    )
    print(
        "files analyzed, per analyzer and language: "
        + ", ".join(f"{key} {int(count)}" for key, count in sorted(analyzed.items()))
    )


if __name__ == "__main__":
    main()
