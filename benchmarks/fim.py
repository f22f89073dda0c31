"""SFIM and FIM on real code: how often the middle is a complete syntactic unit, its length in
lines, and documents per second per core.

Quality, per language with real files here (installed packages: Python, C, C++, JavaScript): for
every file, ``--draws`` SFIM spans; for each, a random span of the same length in the same file
(FIM with SFIM's length distribution). A span is a complete syntactic unit when, whitespace
trimmed, it is exactly one node of the file's tree or a run of consecutive children of one node.

Speed: the ``training_objectives`` block with SFIM only and with FIM only (header, span, format
and accounting included; SFIM parses each file) against bare tree-sitter parsing of the same files
in the same run, the floor under SFIM.

    python benchmarks/fim.py [--megabytes 16] [--draws 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate import metadata as keys  # noqa: E402
from codecurate import parsing  # noqa: E402
from codecurate.fim.objectives import TrainingObjectives  # noqa: E402
from codecurate.fim.spans import mine_sfim  # noqa: E402
from codecurate.readers import InstalledPackagesReader  # noqa: E402
from common import best_of  # noqa: E402

LANGUAGES = ["Python", "C", "C++", "JavaScript"]


def corpus(megabytes: float) -> dict[str, list]:
    per_language: dict[str, list] = {}
    sizes: dict[str, int] = {}
    reader = InstalledPackagesReader(articles=False, languages=LANGUAGES)
    for doc in reader.run():
        language = doc.metadata.get(keys.LANGUAGE)
        if doc.metadata.get(keys.DECODE_ERROR) or not (100 < len(doc.text) < 500_000):
            continue
        if sizes.get(language, 0) >= megabytes * 1024 * 1024:
            continue
        per_language.setdefault(language, []).append(doc)
        sizes[language] = sizes.get(language, 0) + len(doc.text.encode())
    return per_language


def complete_unit(tree, source: bytes, start: int, end: int) -> bool:
    while start < end and source[start:start + 1].isspace():
        start += 1
    while end > start and source[end - 1:end].isspace():
        end -= 1
    if start >= end:
        return False
    node = tree.root_node.descendant_for_byte_range(start, end)
    if node is None:
        return False
    if node.start_byte == start and node.end_byte == end:
        return True
    return start in {c.start_byte for c in node.children} and end in {c.end_byte for c in node.children}


def quality(per_language: dict[str, list], draws: int) -> None:
    print("| language | files | SFIM spans | SFIM complete units | random spans, same lengths | "
          "middle lines: mean / median / p90 |")
    print("|---|---|---|---|---|---|")
    for language, docs in sorted(per_language.items()):
        sfim_complete = random_complete = spans = 0
        lines = []
        for doc in docs:
            result = parsing.parse_document(doc, 5.0)
            if result is None or result.tree is None:
                continue
            text, source = doc.text, result.source
            ascii_only = len(source) == len(text)
            rng = random.Random(doc.id)
            for _ in range(draws):
                span = mine_sfim(text, source, result.tree, result.grammar, rng)
                if isinstance(span, str):
                    break
                if not ascii_only:  # byte offsets are needed; keep to ASCII files for the comparison
                    break
                length = span.end - span.start
                spans += 1
                lines.append(text.count("\n", span.start, span.end) + 1)
                sfim_complete += complete_unit(result.tree, source, span.start, span.end)
                start = rng.randint(0, len(text) - length)
                random_complete += complete_unit(result.tree, source, start, start + length)
        if spans:
            q = statistics.quantiles(lines, n=10)[-1] if len(lines) > 1 else lines[0]
            print(f"| {language} | {len(docs)} | {spans} | {sfim_complete / spans:.3f} | "
                  f"{random_complete / spans:.3f} | {statistics.mean(lines):.1f} / {statistics.median(lines):.0f} "
                  f"/ {q:.0f} |")


def speed(docs: list) -> None:
    megabytes = sum(len(d.text.encode()) for d in docs) / 1e6

    def timed(label: str, function) -> float:
        best = best_of(lambda: (parsing._cache.clear(), function()))  # every run parses afresh
        print(f"{label:<40} {best:7.3f} s  {len(docs) / best:8.0f} docs/s/core  {megabytes / best:6.2f} MB/s/core")
        return best

    def run(mix):
        block = TrainingObjectives(code_mix=mix, seed=1)
        copies = [d.__class__(text=d.text, id=d.id, metadata=dict(d.metadata)) for d in docs]
        start = time.perf_counter()
        for _ in block.run(iter(copies)):
            pass
        return time.perf_counter() - start

    def bare():
        for d in docs:
            parsing.get_parser(parsing.grammar_for(d)).parse(d.text.encode())

    print(f"\n{len(docs)} Python files, {megabytes:.1f} MB")
    floor = timed("peer: bare tree-sitter parse", bare)
    sfim = timed("training_objectives, SFIM only", lambda: run({"sfim": 1.0}))
    fim = timed("training_objectives, FIM only", lambda: run({"fim": 1.0}))
    print(f"SFIM / bare parse time: {sfim / floor:.2f}; FIM / bare parse time: {fim / floor:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=16)
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()
    per_language = corpus(args.megabytes)
    quality(per_language, args.draws)
    speed(per_language["Python"])


if __name__ == "__main__":
    main()
