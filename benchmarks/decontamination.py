"""Benchmark decontamination on the installed packages: every file that matches HumanEval, listed
for review, and MB/s per core of the block's matching.

Peer, in the same run on the same files: BigCode's decontamination method, a Python ``in`` test of
every benchmark string (prompts and canonical solutions) against the file's text.

    python benchmarks/decontamination.py [--min-overlap 0.1]
"""

from __future__ import annotations

import argparse
import time

from codecurate import metadata as keys
from codecurate.filters.decontamination import DecontaminationIndex, humaneval_items
from codecurate.readers import InstalledPackagesReader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-overlap", type=float, default=0.1)
    args = parser.parse_args()
    items = humaneval_items()
    index = DecontaminationIndex(items)
    docs = [d for d in InstalledPackagesReader(articles=True).run() if not d.metadata.get(keys.DECODE_ERROR)]
    megabytes = sum(len(d.text.encode("utf-8", errors="surrogatepass")) for d in docs) / 1e6
    index.matches("warm up")
    start = time.perf_counter()
    found = [(d, index.matches(d.text, args.min_overlap)) for d in docs]
    ours = time.perf_counter() - start
    strings = [t for item in items for t in item.texts[:2] if t.strip()]
    start = time.perf_counter()
    peer_hits = sum(1 for d in docs if any(s in d.text for s in strings))
    peer = time.perf_counter() - start
    owner = {t: item for item in items for t in item.texts[:2]}
    peer_matches = [(d.id, owner[s].item, len(s.strip())) for d in docs for s in strings if s in d.text]
    matched = [(d, m) for d, m in found if m]
    print(f"{len(docs)} files, {megabytes:.1f} MB; HumanEval: {len(items)} items")
    print(f"{'benchmark_decontamination (index)':<40} {ours:7.2f} s {megabytes / ours:8.2f} MB/s/core")
    print(f"{'peer: BigCode substring `in` test':<40} {peer:7.2f} s {megabytes / peer:8.2f} MB/s/core "
          f"({peer_hits} files match exactly)")
    print(f"ratio: {peer / ours:.1f}x\n")
    print(f"{len(matched)} files match (min_overlap={args.min_overlap}):\n")
    print("| file | item | kind | n-grams | overlap |\n|---|---|---|---|---|")
    for doc, matches in matched:
        for m in matches:
            print(f"| {doc.id} | {m['item']} | {m['kind']} | {m['ngrams']} | {m['overlap']} |")
    print(f"\nthe peer's {len(peer_matches)} matches (file, item, characters of the matched string):\n")
    print("| file | item | characters |\n|---|---|---|")
    for doc_id, item, length in peer_matches:
        print(f"| {doc_id} | {item} | {length} |")


if __name__ == "__main__":
    main()
