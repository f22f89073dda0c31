"""Where workers wait: the aiXcoder recipe per segment with 1, 2 and 4 local workers (issue 35).

For each worker count the recipe runs on the same corpus (``recipe.py``'s ``python`` or ``multi``
corpus) and every segment is read back from its logs:

- ``wall``: from datatrove writing the segment's ``executor.json`` (its start) to its ``stats.json``
  (its end);
- ``tasks`` and the task seconds (``Clock``'s ``segment_seconds`` of every task): their sum, the
  longest, and the imbalance, the longest over the mean;
- ``ideal``: what the segment would take if its task-seconds were spread evenly over the workers it
  can use, ``max(sum / min(workers, tasks), longest)``; ``lost`` = ``wall - ideal``: pool and
  process start-up, imports in each new worker, pickling of the pipeline, and the waits a task's
  imbalance does not explain;
- the gaps between segments (the engine's own work between two executors: plans, summaries).

The machine's load average is printed before and after each run: a busy machine inflates ``wall``.

    python benchmarks/parallel.py [--megabytes 16] [--workers 1,2,4] [--corpus python] [--tasks N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.recipe.clock import SEGMENT_SECONDS  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import load_recipe  # noqa: E402
from common import build_multilanguage_repositories, build_repositories, cpu_seconds, write_license_sidecars  # noqa: E402

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"


def task_seconds(logs: Path) -> list[float]:
    """``segment_seconds`` of every task of a segment, from ``logs/stats/NNNNN.json``."""
    seconds = []
    for path in sorted((logs / "stats").glob("*.json")):
        for step in json.loads(path.read_text()):
            value = step.get("stats", {}).get(SEGMENT_SECONDS)
            if value is not None:
                seconds.append(value.get("total", 0.0) if isinstance(value, dict) else float(value))
    return seconds


def segment_rows(output: Path, workers: int) -> list[dict]:
    """One row per segment of the run in ``output`` (see the module docstring)."""
    plan = json.loads((output / "plan.json").read_text())
    rows, previous_end = [], None
    for segment in plan["segments"]:
        logs = output / "logs" / segment["name"]
        start_file, end_file = logs / "executor.json", logs / "stats.json"
        if not (start_file.is_file() and end_file.is_file()):
            continue
        start, end = start_file.stat().st_mtime, end_file.stat().st_mtime
        tasks = task_seconds(logs)
        total, longest = sum(tasks), max(tasks, default=0.0)
        count = segment["tasks"] or len(tasks)  # None: the recipe's task count
        ideal = max(total / max(1, min(workers, count)), longest)
        rows.append({"segment": segment["name"], "tasks": count, "wall": end - start,
                     "task_seconds": total, "longest": longest,
                     "imbalance": longest / (total / len(tasks)) if tasks and total else 1.0,
                     "ideal": ideal, "lost": end - start - ideal,
                     "gap_before": start - previous_end if previous_end is not None else 0.0})
        previous_end = end
    return rows


def build_corpus(corpus: str, megabytes: float, repos: Path) -> tuple[float, list[str]]:
    """The corpus of ``recipe.py`` in ``repos``: its MB and the recipe overrides it needs."""
    if corpus == "multi":
        size, _, _ = build_multilanguage_repositories(repos, int(megabytes * 1e6))
        return size / 1e6, ["stages.license.params.extra_permissive=[GPL-2.0-only]"]
    size = build_repositories(repos, int(megabytes * 1e6))
    write_license_sidecars(repos)
    return size / 1e6, []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=16)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--corpus", default="python", choices=["python", "multi"])
    parser.add_argument("--tasks", type=int, default=None, help="executor.tasks (default: the recipe's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mb, overrides = build_corpus(args.corpus, args.megabytes, tmp / "repos")
        if args.tasks:
            overrides.append(f"executor.tasks={args.tasks}")
        print(f"corpus {args.corpus}: {mb:.1f} MB; cores {os.cpu_count()}", flush=True)
        totals = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            output = tmp / f"out{workers}"
            recipe = load_recipe(RECIPE, overrides=[*overrides, f"executor.workers={workers}"], output=str(output),
                                 input_path=str(tmp / "repos"))
            load_before = os.getloadavg()[0]
            start, used = time.perf_counter(), cpu_seconds()
            run_recipe(recipe)
            wall, cpu = time.perf_counter() - start, cpu_seconds() - used
            totals[workers] = wall
            rows = segment_rows(output, workers)
            print(f"\n### {workers} worker(s): {wall:.1f} s wall, {cpu:.1f} CPU s ({mb / cpu:.2f} MB per CPU s); "
                  f"load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
            print("| segment | tasks | wall s | task-seconds | longest task | imbalance | ideal s | lost s "
                  "| gap before s |")
            print("|---|---|---|---|---|---|---|---|---|")
            for r in rows:
                print(f"| {r['segment']} | {r['tasks']} | {r['wall']:.1f} | {r['task_seconds']:.1f} "
                      f"| {r['longest']:.1f} | {r['imbalance']:.2f} | {r['ideal']:.1f} | {r['lost']:.1f} "
                      f"| {r['gap_before']:.1f} |")
            walls = sum(r["wall"] for r in rows)
            print(f"| all | | {walls:.1f} | {sum(r['task_seconds'] for r in rows):.1f} | | | "
                  f"{sum(r['ideal'] for r in rows):.1f} | {sum(r['lost'] for r in rows):.1f} | "
                  f"{sum(r['gap_before'] for r in rows):.1f} |")
            print(f"outside the segments (validation, planning, summary, report): {wall - walls:.1f} s", flush=True)
        if 1 in totals:
            gains = [f"{w} workers {totals[1] / t:.2f}x" for w, t in totals.items() if w != 1]
            print("\nspeed-up over 1 worker: " + ", ".join(gains))


if __name__ == "__main__":
    main()
