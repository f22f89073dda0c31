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
- the gaps between segments (the engine's own work between two executors: plans, summaries);
- the tasks' CPU seconds (``Clock``'s ``segment_cpu_seconds``: the task's process and the programs it
  waited for), which a busy machine does not inflate: their sum, the longest task's, and the segment's
  share of the critical path, ``max(sum / min(workers, tasks), longest)``; over the run, the critical
  path's CPU seconds and the speed-up they allow over the run's total CPU, which needs no quiet machine.

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

from codecurate.recipe.clock import SEGMENT_CPU_SECONDS, SEGMENT_SECONDS  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import load_recipe  # noqa: E402
from common import build_multilanguage_repositories, build_repositories, cpu_seconds, write_license_sidecars  # noqa: E402

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"


def task_seconds(logs: Path, stat: str = SEGMENT_SECONDS) -> list[float]:
    """``stat`` (``Clock``'s seconds) of every task of a segment, from ``logs/stats/NNNNN.json``."""
    seconds = []
    for path in sorted((logs / "stats").glob("*.json")):
        for step in json.loads(path.read_text()):
            value = step.get("stats", {}).get(stat)
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
        cpu = task_seconds(logs, SEGMENT_CPU_SECONDS)
        cpu_total, cpu_longest = sum(cpu), max(cpu, default=0.0)
        rows.append(
            {
                "segment": segment["name"],
                "tasks": count,
                "wall": end - start,
                "task_cpu": cpu,
                "cpu": cpu_total,
                "cpu_longest": cpu_longest,
                "cpu_critical": max(cpu_total / max(1, min(workers, count)), cpu_longest),
                "task_seconds": total,
                "longest": longest,
                "imbalance": longest / (total / len(tasks)) if tasks and total else 1.0,
                "ideal": ideal,
                "lost": end - start - ideal,
                "gap_before": start - previous_end if previous_end is not None else 0.0,
            }
        )
        previous_end = end
    return rows


def critical_path(rows: list[dict], workers: int) -> float:
    """CPU seconds of the run's critical path with ``workers`` workers: per segment, its tasks' CPU
    spread over the workers it can use, or its longest task when that is longer."""
    return sum(
        max(sum(r["task_cpu"]) / max(1, min(workers, r["tasks"])), max(r["task_cpu"], default=0.0)) for r in rows
    )


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
            recipe = load_recipe(
                RECIPE,
                overrides=[*overrides, f"executor.workers={workers}"],
                output=str(output),
                input_path=str(tmp / "repos"),
            )
            load_before = os.getloadavg()[0]
            start, used = time.perf_counter(), cpu_seconds()
            run_recipe(recipe)
            wall, cpu = time.perf_counter() - start, cpu_seconds() - used
            totals[workers] = wall
            rows = segment_rows(output, workers)
            print(
                f"\n### {workers} worker(s): {wall:.1f} s wall, {cpu:.1f} CPU s ({mb / cpu:.2f} MB per CPU s); "
                f"load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n"
            )
            print(
                "| segment | tasks | wall s | task-seconds | longest task | imbalance | ideal s | lost s "
                "| gap before s | task CPU s | longest task CPU s | critical path CPU s |"
            )
            print("|---|---|---|---|---|---|---|---|---|---|---|---|")
            for r in rows:
                print(
                    f"| {r['segment']} | {r['tasks']} | {r['wall']:.1f} | {r['task_seconds']:.1f} "
                    f"| {r['longest']:.1f} | {r['imbalance']:.2f} | {r['ideal']:.1f} | {r['lost']:.1f} "
                    f"| {r['gap_before']:.1f} | {r['cpu']:.1f} | {r['cpu_longest']:.1f} | {r['cpu_critical']:.1f} |"
                )
            walls = sum(r["wall"] for r in rows)
            cpu_total, critical = sum(r["cpu"] for r in rows), sum(r["cpu_critical"] for r in rows)
            print(
                f"| all | | {walls:.1f} | {sum(r['task_seconds'] for r in rows):.1f} | | | "
                f"{sum(r['ideal'] for r in rows):.1f} | {sum(r['lost'] for r in rows):.1f} | "
                f"{sum(r['gap_before'] for r in rows):.1f} | {cpu_total:.1f} | | {critical:.1f} |"
            )
            for w in (2, 4, 8):
                path = critical_path(rows, w)
                if path:
                    print(
                        f"task CPU {cpu_total:.1f} s; with {w} workers the critical path is {path:.1f} CPU s "
                        f"({path / cpu_total:.0%}): at most {cpu_total / path:.2f}x the tasks run one after another"
                    )
            print(f"outside the segments (validation, planning, summary, report): {wall - walls:.1f} s", flush=True)
        if 1 in totals:
            gains = [f"{w} workers {totals[1] / t:.2f}x" for w, t in totals.items() if w != 1]
            print("\nspeed-up over 1 worker: " + ", ".join(gains))


if __name__ == "__main__":
    main()
