"""MB per CPU second of the ``static_analysis`` block, per language, on the corpora of
``benchmarks/analysis_languages`` (each module's ``INSTALL`` puts them on the machine).

The block runs with its defaults (every analyzer, ``batch_size`` files a batch) on up to ``--limit``
files of each module's split; CPU seconds are this process's and its children's (the tools), so a
machine shared with other jobs does not inflate them. A tool's start-up is paid once per batch, as
in a recipe.

    python benchmarks/analysis_speed_languages.py [--languages java,csharp] [--limit 400] [--split heldout]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from analysis_oracle import language_modules, module_documents  # noqa: E402
from codecurate import metadata as keys  # noqa: E402
from codecurate.filters.analysis import StaticAnalysisFilter  # noqa: E402
from common import cpu_seconds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="", help="modules, comma-separated (default: all)")
    parser.add_argument("--limit", type=int, default=400, help="files per module")
    parser.add_argument("--split", default="heldout")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    block = StaticAnalysisFilter()
    for analyzer in block.analyzers:  # smoke tests outside the measurement: a task pays them once
        analyzer.available()
    print("| language | files | MB | analyzed | CPU s | MB per CPU s |\n|---|---|---|---|---|---|")
    for module in language_modules([n for n in args.languages.split(",") if n]):
        docs = module_documents(module, random.Random(args.seed), args.limit, args.split)
        by_language = defaultdict(list)
        for doc in docs:
            by_language[doc.metadata[keys.LANGUAGE]].append(doc)
        for language, mine in sorted(by_language.items()):
            megabytes = sum(len(d.text.encode("utf-8", "replace")) for d in mine) / 1e6
            used = cpu_seconds()
            for start in range(0, len(mine), block.batch_size):
                block.filter_batch(mine[start:start + block.batch_size])
            spent = cpu_seconds() - used
            analyzed = sum(1 for d in mine if keys.ANALYSIS_DEFECTS in d.metadata)
            print(f"| {language} | {len(mine)} | {megabytes:.2f} | {analyzed} | {spent:.1f} | "
                  f"{megabytes / spent if spent else 0:.2f} |", flush=True)
    for analyzer in block.analyzers:
        analyzer.close()


if __name__ == "__main__":
    main()
