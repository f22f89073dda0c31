"""PII redaction: labelled quality, false redactions on real code, and speed against presidio.

1. Labelled: real Python files of the installed packages, each with a block of planted PII (one
   value of each type, seeded, at a random line boundary) whose offsets are known. A finding counts
   as true when it overlaps a planted span of its type; findings the file already had before the
   planting (real authors, real addresses) are set aside. Per type: precision and recall.
2. Real code: every finding on unmodified files, per type per MB, with a sample to review.
3. Speed: the pii_redaction block (code scope, no NLP, no context enhancer) against presidio's
   AnalyzerEngine over whole files with the same recognizers and presidio's defaults otherwise
   (a blank spaCy pipeline as NLP engine, its lemma context enhancer), in the same run.

    python benchmarks/pii.py [--files 300] [--megabytes 4]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datatrove.data import Document  # noqa: E402

from codecurate import documents as keys  # noqa: E402
from codecurate.pii.recognizers import ENTITIES, code_recognizers  # noqa: E402
from codecurate.pii.redact import PIIRedactor  # noqa: E402
from codecurate.readers import InstalledPackagesReader  # noqa: E402


def real_files(count: int, seed: int = 0) -> list[Document]:
    docs = [d for d in InstalledPackagesReader(articles=False, languages=["Python"]).run()
            if 200 < len(d.text) < 100_000 and not d.metadata.get(keys.DECODE_ERROR)]
    random.Random(seed).shuffle(docs)
    return docs[:count]


def planted(rng: random.Random) -> list[tuple[str, str, str]]:
    """``(type, line template, value)``: one value of each type in the code's own idioms."""
    first, last = rng.choice(["Maria", "Chen", "Olu", "Priya", "Lars"]), rng.choice(["Garcia", "Wang", "Okafor",
                                                                                     "Nair", "Berg"])
    alnum = string.ascii_letters + string.digits
    return [
        ("NAME", "# Author: {}\n", f"{first} {last}"),
        ("EMAIL", "# Contact: {}\n",
         f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@mail-{rng.randint(1, 999)}.com"),
        ("IP_ADDRESS", 'SERVER_HOST = "{}"\n', f"{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
                                            f"{rng.randint(1, 254)}"),
        ("KEY", 'API_KEY = "{}"\n', "".join(rng.choice(alnum) for _ in range(32))),
        ("KEY", 'aws_key = "{}"\n', "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits)
                                                     for _ in range(16))),
        ("PASSWORD", 'DB_PASSWORD = "{}"\n', "".join(rng.choice(alnum + "!#%") for _ in range(14))),
        ("USERNAME", 'username = "{}"\n', f"{first.lower()}_{rng.randint(10, 999)}"),
    ]


def spans_of(redactor: PIIRedactor, document: Document) -> list[tuple[int, int, str]]:
    return redactor.find(document) or []


def labelled(redactor: PIIRedactor, docs: list[Document]) -> dict[str, Counter]:
    rng = random.Random(1)
    tally = {e: Counter() for e in ENTITIES}
    for doc in docs:
        before = spans_of(redactor, doc)
        lines = doc.text.splitlines(keepends=True)
        cut = rng.randrange(len(lines) + 1)
        # plant at a line boundary outside any multi-line string: between top-level statements
        while cut > 0 and (lines[cut - 1].startswith((" ", "\t")) or not lines[cut - 1].endswith("\n")):
            cut -= 1
        offset = sum(len(line) for line in lines[:cut])
        block, truth = "", []
        for entity, template, value in planted(rng):
            line = template.format(value)
            start = offset + len(block) + line.index(value)
            truth.append((start, start + len(value), entity))
            block += line
        text = "".join(lines[:cut]) + block + "".join(lines[cut:])
        shifted = {(s + (len(block) if s >= offset else 0), e + (len(block) if s >= offset else 0), t)
                   for s, e, t in before}
        found = spans_of(redactor, Document(text=text, id=doc.id, metadata=dict(doc.metadata)))
        for start, end, entity in truth:
            hit = any(t == entity and s < end and start < e for s, e, t in found)
            tally[entity]["planted"] += 1
            tally[entity]["found"] += hit
        for s, e, t in found:
            if (s, e, t) in shifted:
                continue
            tally[t]["reported"] += 1
            tally[t]["correct"] += any(t == te and s < ee and ss < e for ss, ee, te in truth)
    return tally


def presidio_peer(tmp: Path):
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    spacy.blank("en").to_disk(tmp / "blank")
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(tmp / "blank")}])
    nlp_engine.load()
    for nlp in nlp_engine.nlp.values():
        nlp.max_length = 50_000_000
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in code_recognizers():
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--megabytes", type=float, default=4)
    args = parser.parse_args()
    redactor = PIIRedactor(scope="code")
    docs = real_files(args.files)
    tally = labelled(redactor, docs)
    print("| type | planted | recall | reported | precision |\n|---|---|---|---|---|")
    total_reported = total_correct = 0
    for entity, t in tally.items():
        total_reported += t["reported"]
        total_correct += t["correct"]
        recall = t["found"] / t["planted"] if t["planted"] else float("nan")
        precision = t["correct"] / t["reported"] if t["reported"] else float("nan")
        print(f"| {entity} | {t['planted']} | {recall:.3f} | {t['reported']} | {precision:.3f} |")
    print(f"| all | | | {total_reported} | {total_correct / max(1, total_reported):.3f} |")

    corpus, size = [], 0
    for doc in real_files(10_000, seed=2):
        corpus.append(doc)
        size += len(doc.text.encode())
        if size >= args.megabytes * 1024 * 1024:
            break
    mb = size / 1024 / 1024
    counts: Counter = Counter()
    samples = []
    start = time.perf_counter()
    for doc in corpus:
        for s, e, t in spans_of(redactor, doc):
            counts[t] += 1
            samples.append((t, doc.id, doc.text[max(0, s - 30) : e + 10].replace("\n", "\\n")))
    ours = mb / (time.perf_counter() - start)
    print(f"\nreal code, unmodified: {mb:.1f} MB, {len(corpus)} files; findings per MB: "
          + ", ".join(f"{t} {counts[t] / mb:.1f}" for t in ENTITIES))
    print("\nsample of findings (type, file, context):")
    for t, doc_id, context in random.Random(3).sample(samples, min(25, len(samples))):
        print(f"- {t} | {doc_id} | `{context}`")
    with tempfile.TemporaryDirectory() as tmp:
        engine = presidio_peer(Path(tmp))
        start = time.perf_counter()
        for doc in corpus:
            engine.analyze(text=doc.text, language="en", entities=list(ENTITIES))
        peer = mb / (time.perf_counter() - start)
    whole = PIIRedactor(scope="whole")
    start = time.perf_counter()
    for doc in corpus:
        whole.find(doc)
    whole_rate = mb / (time.perf_counter() - start)
    print(f"\nspeed: pii_redaction (code scope) {ours:.2f} MB/s/core, (whole file) {whole_rate:.2f} MB/s/core; "
          f"presidio AnalyzerEngine, same recognizers, defaults otherwise, whole files {peer:.2f} MB/s/core; "
          f"ratio {ours / peer:.1f}x (code scope), {whole_rate / peer:.1f}x (whole file)")


if __name__ == "__main__":
    main()
