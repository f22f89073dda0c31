"""Reader throughput on real code (the installed packages' sources), MB/s per core.

Peers, measured in the same run on the same bytes:
- ``repositories`` against the floor of reading the same files with os.walk + read + decode;
- ``the_stack`` against datatrove's own ParquetReader on the same parquet file.

    python benchmarks/readers.py [--megabytes 64]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import deque
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.pipeline.readers import ParquetReader

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.readers import RepositoriesReader, TheStackReader  # noqa: E402
from common import build_repositories, timed  # noqa: E402


def floor_read(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            (Path(folder) / name).read_bytes().decode("utf-8", errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repos"
        size = build_repositories(root, int(args.megabytes * 1024 * 1024))
        mb = size / 1024 / 1024
        print(f"corpus: {mb:.1f} MB of real source files in {len(os.listdir(root))} repositories", file=sys.stderr)
        ours = timed("codecurate repositories reader", mb, lambda: deque(RepositoriesReader(str(root)).run(), 0))
        floor = timed("floor: os.walk + read + decode", mb, lambda: floor_read(root))
        rows = [
            {"content": d.text, "max_stars_repo_name": d.metadata["repo"], "max_stars_repo_path": d.metadata["path"],
             "max_stars_repo_licenses": ["MIT"], "max_stars_count": 1, "lang": "Python", "hexsha": d.id}
            for d in RepositoriesReader(str(root)).run()
        ]
        stack = Path(tmp) / "stack"
        stack.mkdir()
        pq.write_table(pa.Table.from_pylist(rows), stack / "part.parquet")
        stack_ours = timed("codecurate the_stack reader", mb, lambda: deque(TheStackReader(str(stack)).run(), 0))
        stack_peer = timed(
            "peer: datatrove ParquetReader (content column)", mb,
            lambda: deque(ParquetReader(str(stack), text_key="content", id_key="hexsha").run(), 0),
        )
    print(f"repositories reader: {ours:.1f} MB/s/core, {ours / floor:.2f}x the raw-read floor")
    print(f"the_stack reader: {stack_ours:.1f} MB/s/core, {stack_ours / stack_peer:.2f}x datatrove ParquetReader")


if __name__ == "__main__":
    main()
