"""Fixed costs of a recipe run: the aiXcoder recipe on a tiny corpus, where nearly all of the time
is start-up (imports, engines and indexes loaded, datatrove's per-task logging and executor files,
one read and write of the documents per segment) rather than work on the bytes.

Each run is a fresh interpreter (imports are part of the cost), 1 worker and 2 tasks as in
``recipe.py``, on ``--kilobytes`` of installed Python sources with license sidecars, so that every
stage runs. ``--before PATH`` runs the same measurement with the package from another checkout
(``PATH/src``, e.g. a ``git worktree`` of an older commit) in the same session, for a before/after
table. Reported: wall and CPU seconds (the child's user + system, its analyzers included), the
segments run, CPU seconds per segment, and the seconds from the start to the first completed task.

    python benchmarks/startup.py [--kilobytes 200] [--before /tmp/base] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import build_repositories, cpu_seconds, write_license_sidecars  # noqa: E402

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"

CHILD = """
import json, sys, time
began, start = time.time(), time.perf_counter()
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import load_recipe
imported = time.perf_counter() - start
recipe = load_recipe(sys.argv[1], overrides=["executor.tasks=2", "executor.workers=1"], output=sys.argv[2],
                     input_path=sys.argv[3])
run_recipe(recipe)
print(json.dumps({"imports": imported, "wall": time.perf_counter() - start, "began": began}))
"""


def first_segment_seconds(output: Path, began: float) -> float | None:
    """Seconds from the interpreter's start to the first segment's first completed task."""
    markers = [p for p in (output / "logs").glob("*/completions/*") if p.is_file()]
    return min(p.stat().st_mtime for p in markers) - began if markers else None


def run_once(source: Path | None, repos: Path, output: Path) -> dict:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    used = cpu_seconds(own=False)
    done = subprocess.run([sys.executable, "-c", CHILD, str(RECIPE), str(output), str(repos)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the run failed ({source or 'this checkout'}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu"] = cpu_seconds(own=False) - used
    result["segments"] = len(json.loads((output / "plan.json").read_text())["segments"])
    result["first"] = first_segment_seconds(output, result["began"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kilobytes", type=float, default=200)
    parser.add_argument("--before", type=Path, help="another checkout whose src/ is measured as 'before'")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each checkout; the least CPU is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repos = Path(tmp) / "repos"
        size = build_repositories(repos, int(args.kilobytes * 1e3))
        write_license_sidecars(repos)
        print(f"corpus: {size / 1e3:.0f} kB of installed Python sources, "
              f"{sum(1 for p in repos.iterdir() if p.is_dir())} repositories\n")
        checkouts = ([("before", args.before)] if args.before else []) + [("after (this checkout)", None)]
        rows = []
        for label, source in checkouts:
            runs = [run_once(source, repos, Path(tmp) / f"out-{label[:5]}-{k}") for k in range(args.repeat)]
            rows.append((label, min(runs, key=lambda r: r["cpu"])))
        print("| checkout | segments | wall s | CPU s | CPU s per segment | imports s | first task done, s |\n"
              "|---|---|---|---|---|---|---|")
        for label, r in rows:
            first = f"{r['first']:.1f}" if r["first"] is not None else "-"
            print(f"| {label} | {r['segments']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['cpu'] / r['segments']:.2f} | "
                  f"{r['imports']:.2f} | {first} |")


if __name__ == "__main__":
    main()
