"""Syntax filter, code metrics and ruff analysis on real code, MB/s per core.

Peer in the same run, on the same files: bare tree-sitter parsing (one reused parser per language,
``parser.parse(bytes)``), the floor under the syntax filter; the filter's overhead over it (target
<= 15%) is the time limit machinery, the error walk and the accounting.

    python benchmarks/syntax.py [--megabytes 32]
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate import metadata as keys  # noqa: E402
from codecurate import parsing  # noqa: E402
from codecurate.filters.analysis import StaticAnalysisFilter  # noqa: E402
from codecurate.filters.code_metrics import CodeMetricsFilter  # noqa: E402
from codecurate.filters.syntax.filter import SyntaxFilter  # noqa: E402
from codecurate.readers import InstalledPackagesReader  # noqa: E402
from common import timed  # noqa: E402


def corpus(megabytes: float) -> list:
    docs, total = [], 0
    reader = InstalledPackagesReader(articles=False, languages=["Python", "JavaScript", "C", "C++", "JSON"])
    for doc in reader.run():
        if doc.metadata.get(keys.DECODE_ERROR) or not (100 < len(doc.text) < 1_000_000):
            continue
        docs.append(doc)
        total += len(doc.text.encode())
        if total >= megabytes * 1024 * 1024:
            break
    return docs


def bare(docs) -> None:
    for doc in docs:
        grammar = parsing.grammar_for(doc)
        parsing.get_parser(grammar).parse(doc.text.encode())


def through(block, docs) -> None:
    parsing._cache.clear()
    deque(block.run(iter(docs)), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=32)
    args = parser.parse_args()
    docs = corpus(args.megabytes)
    mb = sum(len(d.text.encode()) for d in docs) / 1024 / 1024
    python = [d for d in docs if d.metadata[keys.LANGUAGE] == "Python"]
    python_mb = sum(len(d.text.encode()) for d in python) / 1024 / 1024
    print(f"corpus: {mb:.1f} MB, {len(docs)} files ({python_mb:.1f} MB Python)", file=sys.stderr)
    bare(docs[:50])  # load every grammar once
    floor = timed("bare tree-sitter parse", mb, lambda: bare(docs))
    ours = timed("codecurate syntax filter", mb, lambda: through(SyntaxFilter(), docs))
    metrics = timed("codecurate code_metrics (parse included)", mb, lambda: through(CodeMetricsFilter(), docs))
    ruff = timed("codecurate static_analysis (ruff, Python files)", python_mb,
                 lambda: through(StaticAnalysisFilter(), python), repeat=1)
    print(f"syntax filter: {ours:.2f} MB/s/core; bare parse {floor:.2f} MB/s/core; "
          f"overhead {floor / ours - 1:.1%}")
    print(f"code_metrics: {metrics:.2f} MB/s/core; static_analysis (ruff): {ruff:.2f} MB/s/core")


if __name__ == "__main__":
    main()
