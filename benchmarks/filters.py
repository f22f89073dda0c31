"""File-level cleaning chain on real code, MB/s per core: trivial -> long files -> content rules ->
sensitive words, each block alone and chained.

Peers in the same run, on the same documents: datatrove's GopherRepetitionFilter (its repetition
heuristics, the closest to our content rules) and the chain GopherRepetitionFilter ->
GopherQualityFilter (datatrove's usual per-document heuristics). Peers need ``codecurate[bench]``.

    python benchmarks/filters.py [--megabytes 64]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.filters.content_rules import ContentRulesFilter  # noqa: E402
from codecurate.filters.long_files import LongFilesFilter  # noqa: E402
from codecurate.filters.sensitive_words import SensitiveWordsFilter  # noqa: E402
from codecurate.filters.trivial import TrivialFilesFilter  # noqa: E402
from codecurate.readers import RepositoriesReader  # noqa: E402
from common import build_repositories, timed  # noqa: E402


def chain(blocks, documents) -> int:
    data = iter(documents)
    for block in blocks:
        data = block.run(data)
    return sum(1 for _ in data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_repositories(Path(tmp) / "repos", int(args.megabytes * 1024 * 1024))
        documents = list(RepositoriesReader(str(Path(tmp) / "repos")).run())
    mb = sum(len(d.text.encode("utf-8")) for d in documents) / 1024 / 1024
    print(f"corpus: {mb:.1f} MB, {len(documents)} files", file=sys.stderr)
    rng = random.Random(0)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 12))) for _ in range(2000)]

    def ours():
        return [TrivialFilesFilter(), LongFilesFilter(), ContentRulesFilter(), SensitiveWordsFilter(words=words)]

    rates = {}
    for block in ours():
        rates[block.name] = timed(f"codecurate {block.name}", mb, lambda b=block: chain([b], documents))
    rates["chain"] = timed("codecurate chain (4 blocks)", mb, lambda: chain(ours(), documents))
    try:
        from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter
    except ImportError:
        print("peers need codecurate[bench] (datatrove[processing])", file=sys.stderr)
        return
    peer_rep = timed("peer: datatrove GopherRepetitionFilter", mb,
                     lambda: chain([GopherRepetitionFilter()], documents))
    peer_chain = timed("peer: datatrove GopherRepetition -> GopherQuality", mb,
                       lambda: chain([GopherRepetitionFilter(), GopherQualityFilter()], documents))
    for name, rate in rates.items():
        print(f"{name}: {rate:.1f} MB/s/core")
    print(f"content_rules: {rates['content_rules'] / peer_rep:.2f}x datatrove GopherRepetitionFilter")
    print(f"chain: {rates['chain'] / peer_chain:.2f}x datatrove GopherRepetition -> GopherQuality")


if __name__ == "__main__":
    main()
