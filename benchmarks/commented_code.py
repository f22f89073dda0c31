"""Commented-out code: the detector's agreement with a labelled sample of real comments, and the
cleaning block's speed.

Agreement: ``benchmarks/commented_code_labels.jsonl`` holds 433 comment blocks (as the block finds
them: consecutive line-alone comments) from real files on this machine: Python of site-packages,
C headers of /usr/include, C++ of /usr/include/c++ and site-packages, JavaScript of
/usr/lib/node_modules. Three strata: a random draw of blocks, blocks whose lines mostly look like
code to a regex, blocks whose every line does. Each was labelled by reading it: ``code``
(commented-out code), ``prose``, or ``mixed`` (prose with code in it: a deletion would take prose,
so the right answer is "not code"). The detector (``codecurate.filters.commented_code.is_code``)
must say code exactly for ``code``.

Speed: the ``commented_code`` block on real files of the installed packages (Python, C and C++
files as the reader yields them, up to ``--megabytes``);
peer: the bare tree-sitter parse of the same files (what the block adds on top of the parse every
tree-sitter block pays).

    python benchmarks/commented_code.py [--megabytes 8]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate import metadata as keys  # noqa: E402
from codecurate.filters.commented_code import CommentBlock, CommentedCodeCleaner, block_text, is_code  # noqa: E402
from codecurate.languages import LANGUAGES  # noqa: E402
from common import timed  # noqa: E402

LABELS = Path(__file__).resolve().parent / "commented_code_labels.jsonl"


def agreement() -> dict:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    groups: dict[str, Counter] = {}
    misses = []
    for row in rows:
        language = LANGUAGES[row["language"]]
        source = row["text"].encode("utf-8")
        block = CommentBlock(0, len(source), [tuple(n) for n in row["nodes"]], row["lines"])
        said = is_code(block_text(source, block, language), language.grammar)
        truth = row["label"] == "code"
        outcome = ("tp" if said else "fn") if truth else ("fp" if said else "tn")
        for group in ("all", row["language"], row["stratum"], f"label {row['label']}"):
            groups.setdefault(group, Counter())[outcome] += 1
        if outcome in ("fp", "fn"):
            misses.append((outcome, row["id"], row["language"], row["text"].strip().splitlines()[0][:80]))
    print("| group | blocks | code | agreement | precision (code) | recall (code) |")
    print("|---|---|---|---|---|---|")
    results = {}
    for group, c in groups.items():
        n = sum(c.values())
        said = c["tp"] + c["fp"]
        positives = c["tp"] + c["fn"]
        precision = c["tp"] / said if said else float("nan")
        recall = c["tp"] / positives if positives else float("nan")
        results[group] = {"blocks": n, "agreement": (c["tp"] + c["tn"]) / n, "precision": precision, "recall": recall}
        print(f"| {group} | {n} | {positives} | {(c['tp'] + c['tn']) / n:.3f} | "
              f"{precision:.3f} ({c['tp']}/{said}) | {recall:.3f} ({c['tp']}/{positives}) |")
    print("\ndisagreements:")
    for miss in misses:
        print("  ", *miss)
    return results


def speed(megabytes: float) -> None:
    from codecurate.parsing import parse_source
    from codecurate.readers import InstalledPackagesReader

    reader = InstalledPackagesReader(articles=False, languages=["Python", "C", "C++"])
    documents, total = [], 0
    for document in reader.run():
        if 1000 <= len(document.text) <= 200_000:
            documents.append(document)
            total += len(document.text.encode("utf-8", errors="surrogatepass"))
            if total >= megabytes * 1e6:
                break
    size = total / 1e6
    languages = Counter(d.metadata[keys.LANGUAGE] for d in documents)
    print(f"\n{len(documents)} files, {size:.1f} MB ({dict(languages)})", file=sys.stderr)

    def clean():
        block = CommentedCodeCleaner(seed=1)
        for document in documents:
            copy = type(document)(text=document.text, id=document.id, metadata=dict(document.metadata))
            block.filter(copy)
        return block

    def parse_only():
        for document in documents:
            parse_source(document.text.encode("utf-8", errors="surrogatepass"),
                         LANGUAGES[document.metadata[keys.LANGUAGE]].grammar, 1.0)

    ours = timed("commented_code (its own parse included)", size, clean)
    peer = timed("bare tree-sitter parse, same files", size, parse_only)
    block = clean()
    stats = {k: v.total for k, v in block.stats.stats.items()}
    print(f"| `commented_code` | {ours:.2f} | bare tree-sitter parse | {peer:.2f} | {ours / peer:.2f}x |")
    print(f"blocks {stats.get('comment_blocks', 0):.0f}, large {stats.get('large_blocks', 0):.0f}, of them code "
          f"{stats.get('large_code_blocks', 0):.0f}, deleted {stats.get('deleted_blocks', 0):.0f} "
          f"({stats.get('deleted_bytes', 0) / 1e3:.1f} kB, {stats.get('deleted_bytes', 0) / total:.4%} of the bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=8)
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    agreement()
    if not args.no_speed:
        speed(args.megabytes)


if __name__ == "__main__":
    main()
