"""Whole-recipe throughput: the aiXcoder recipe on real code, MB/s per core, the share of each
stage in the time, the speed-up from 1 to 2 local workers, and the projection to 3.5 TB.

The corpus: a folder of repositories built from the installed packages' sources (``--megabytes``).
The recipe runs with 2 tasks on 1 worker, then on 2 workers. Peer, in the same run on the same
bytes: datatrove's ParquetReader -> JsonlWriter, the least a datatrove-based curation run does.
The 1-worker run runs in this process, which counts its tree-sitter parses (``parse_counts``):
full parses of a file per file parsed, and by block; and the license stage's verdict cache
(answers from this task's memory, the shipped detections, the run's verdict folder, ScanCode).

    python benchmarks/recipe.py [--megabytes 64] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.writers import JsonlWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.parsing import parse_counts, reset_parse_counts  # noqa: E402
from codecurate.readers import RepositoriesReader  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import load_recipe  # noqa: E402
from common import build_repositories  # noqa: E402

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"
CORPUS_TB = 3.5
CORES = 512


def stage_seconds(output: Path) -> dict[str, float]:
    """Task-seconds per stage: every step of every segment, steps without a stage id (the passes of
    a multi-stage block, the readers of intermediate data, the writers) charged to the stage the
    segment belongs to, or to ``read/write``."""
    plan = json.loads((output / "plan.json").read_text())
    seconds: dict[str, float] = defaultdict(float)
    for segment in plan["segments"]:
        owner = re.sub(r"^\d+-", "", segment["name"])
        owner = owner.rsplit("-", 1)[0] if "-" in owner else None
        for stats in (output / "logs" / segment["name"] / "stats").glob("*.json"):
            for stage_id, step in zip(segment["stage_ids"], json.loads(stats.read_text())):
                spent = step.get("time_stats", {})
                spent = spent.get("total", 0) if isinstance(spent, dict) else (spent or 0)
                seconds[stage_id or owner or "read/write"] += spent
    return dict(seconds)


def stage_stats(output: Path, stage: str, prefix: str) -> dict[str, float]:
    """The stats named ``prefix...`` of ``stage``'s steps, summed over its tasks."""
    plan = json.loads((output / "plan.json").read_text())
    found: dict[str, float] = defaultdict(float)
    for segment in plan["segments"]:
        for stats in (output / "logs" / segment["name"] / "stats").glob("*.json"):
            for stage_id, step in zip(segment["stage_ids"], json.loads(stats.read_text())):
                if stage_id != stage:
                    continue
                for name, value in step.get("stats", {}).items():
                    if name.startswith(prefix):
                        found[name[len(prefix):]] += value.get("total", 0) if isinstance(value, dict) else value
    return dict(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=64)
    parser.add_argument("--workers", default="1,2", help="worker counts to run: 1,2 (default) or 1")
    args = parser.parse_args()
    runs = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        size = build_repositories(tmp / "repos", int(args.megabytes * 1e6))
        mb = size / 1e6

        def ours(workers: int) -> tuple[float, Path]:
            output = tmp / f"out{workers}"
            recipe = load_recipe(RECIPE, overrides=["executor.tasks=2", f"executor.workers={workers}"],
                                 output=str(output), input_path=str(tmp / "repos"))
            start = time.perf_counter()
            run_recipe(recipe)
            return time.perf_counter() - start, output

        reset_parse_counts(track_documents=True)
        one, output = ours(1)
        parses = parse_counts()
        two = ours(2)[0] if 2 in runs else None
        rows = [{"text": d.text, "id": d.id, "repo": d.metadata["repo"]}
                for d in RepositoriesReader(str(tmp / "repos")).run()]
        (tmp / "parquet").mkdir()
        pq.write_table(pa.Table.from_pylist(rows), tmp / "parquet" / "part.parquet")
        start = time.perf_counter()
        LocalPipelineExecutor([ParquetReader(str(tmp / "parquet")), JsonlWriter(str(tmp / "peer"))],
                              tasks=1, workers=1, logging_dir=str(tmp / "peerlogs")).run()
        peer = time.perf_counter() - start
        shares = stage_seconds(output)
        cache = stage_stats(output, "license", "license_cache/")
    rate = mb / one
    print(f"corpus: {mb:.1f} MB of real code")
    print(f"1 worker : {one:7.1f} s  {rate:6.2f} MB/s/core")
    if two is not None:
        speedup = one / two
        efficiency = speedup / 2
        print(f"2 workers: {two:7.1f} s  {mb / two / 2:6.2f} MB/s/core  speed-up {speedup:.2f}x "
              f"(efficiency {efficiency:.2f})")
    else:
        efficiency = 1.0
    print(f"peer: datatrove ParquetReader -> JsonlWriter {peer:.1f} s, {mb / peer:.2f} MB/s/core; "
          f"recipe / peer: {rate / (mb / peer):.3f}x")
    total = sum(shares.values())
    print("\n| stage | task-seconds | share |\n|---|---|---|")
    for stage, spent in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"| {stage} | {spent:.1f} | {spent / total:.1%} |")
    files = parses.get("documents", 0)
    print(f"\nparses (1-worker run): {parses.get('file', 0)} full parses of {files} files = "
          f"{parses.get('file', 0) / max(1, files):.2f} per file; {parses.get('cached', 0)} answered from the "
          f"parse cache; {parses.get('fragment', 0)} other parses (comment texts, rewritten sources)")
    print("\n| module | full parses | per file | cache hits |\n|---|---|---|---|")
    for name in sorted({k.split("/", 1)[1] for k in parses if k.startswith(("file/", "cached/"))}):
        print(f"| {name} | {parses.get('file/' + name, 0)} | {parses.get('file/' + name, 0) / max(1, files):.2f} | "
              f"{parses.get('cached/' + name, 0)} |")
    if cache:
        asked = sum(cache.values())
        print(f"\nlicense texts: {asked:.0f}; " + ", ".join(f"{k} {v:.0f} ({v / asked:.0%})"
                                                         for k, v in sorted(cache.items())))
    corpus_mb = CORPUS_TB * 1e6
    hours = corpus_mb / (rate * CORES * efficiency) / 3600
    if two is None:
        return
    print(f"\nprojection: {CORPUS_TB} TB = {corpus_mb:,.0f} MB; {rate:.2f} MB/s/core x {CORES} cores x "
          f"{efficiency:.2f} parallel efficiency = {rate * CORES * efficiency:,.0f} MB/s; "
          f"{corpus_mb:,.0f} / {rate * CORES * efficiency:,.0f} = {corpus_mb / (rate * CORES * efficiency):,.0f} s "
          f"= {hours:.1f} h")


if __name__ == "__main__":
    main()
