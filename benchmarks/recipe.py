"""Whole-recipe throughput: the aiXcoder recipe on a corpus of real code, MB/s per core.

The recipe runs with one task and one worker on a folder of repositories built from the installed
packages' sources. Peer, in the same run on the same bytes: a datatrove pipeline reading the same
files as parquet and writing jsonl.gz (datatrove's ParquetReader -> JsonlWriter), the least a
datatrove-based curation run does. The peer's ratio grows less meaningful as stages land; each
block also has its own benchmark.

    python benchmarks/recipe.py [--megabytes 64]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.writers import JsonlWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.readers import RepositoriesReader  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import load_recipe  # noqa: E402
from common import build_repositories, timed  # noqa: E402

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        size = build_repositories(tmp / "repos", int(args.megabytes * 1024 * 1024))
        mb = size / 1024 / 1024
        runs = iter(range(100))

        def ours() -> None:
            recipe = load_recipe(
                RECIPE,
                overrides=["executor.tasks=1", "executor.workers=1"],
                output=str(tmp / f"out{next(runs)}"),
                input_path=str(tmp / "repos"),
            )
            run_recipe(recipe)

        rows = [{"text": d.text, "id": d.id, "repo": d.metadata["repo"]}
                for d in RepositoriesReader(str(tmp / "repos")).run()]
        (tmp / "parquet").mkdir()
        pq.write_table(pa.Table.from_pylist(rows), tmp / "parquet" / "part.parquet")

        def peer() -> None:
            LocalPipelineExecutor(
                [ParquetReader(str(tmp / "parquet")), JsonlWriter(str(tmp / f"peer{next(runs)}"))],
                tasks=1, workers=1, logging_dir=str(tmp / f"peerlogs{next(runs)}"),
            ).run()

        ours_rate = timed("codecurate aixcoder7b recipe (1 task)", mb, ours)
        peer_rate = timed("peer: datatrove ParquetReader -> JsonlWriter", mb, peer)
    print(f"recipe: {ours_rate:.1f} MB/s/core, {ours_rate / peer_rate:.2f}x datatrove read+write")


if __name__ == "__main__":
    main()
