"""The realised objective mix on real code: per language, the share of files that can serve SFIM and
the SFIM / FIM / NTP shares the ``training_objectives`` stage gives them, against the configuration.

The stage's three passes run in process (census per task, rates, objectives), on three corpora:

- ``installed``: the default recipe input, every installed distribution's files as the recipe's reader
  gives them (compiled artifacts left out; files over the recipe's long-file limits left out),
  one in ``--sample`` by a hash of the id;
- ``packages``: the mix test's corpus (tests/fim/test_mix.py): eight distributions' files with a
  known language, up to 40,000 characters;
- ``machine``: multi-language repositories from this machine where present: ``--per-source`` files
  each of Python (installed packages), C and C++ (/usr/include, Boost), Go (/usr/lib/go/src), Java
  (the JDK's src.zip), JavaScript and TypeScript (/usr/share/nodejs).

    python benchmarks/fim_mix.py [--corpus installed packages machine] [--sample 8] [--per-source 1500]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.fim.objectives import SfimCensus, SfimRates, TrainingObjectives
from codecurate.languages import detect_language
from codecurate.readers import InstalledPackagesReader
from codecurate.seeding import stable_bucket

COMPILED = ["*.pyc", "__pycache__", "*.so", "*.so.*", "*.pyd", "*.dylib", "*.dll", "*.a", "*.exe", "*.lib"]
PACKAGES = ["numpy", "pyarrow", "scikit-learn", "scipy", "networkx", "matplotlib", "sympy", "datatrove"]


def kept(text: str) -> bool:
    """Within the recipe's long-file limits (lines of at most 1,000 characters, 10,000 lines, 1 MB)."""
    lines = text.split("\n")
    return 0 < len(text.encode("utf-8", "surrogatepass")) <= 1_000_000 and len(lines) <= 10_000 \
        and max(map(len, lines)) <= 1000


def installed(sample: int) -> list[Document]:
    reader = InstalledPackagesReader(articles=False, exclude=COMPILED)
    return [d for d in reader.run() if stable_bucket(d.id, sample) == 0 and not d.metadata.get(keys.DECODE_ERROR)
            and kept(d.text)]


def packages() -> list[Document]:
    reader = InstalledPackagesReader(distributions=PACKAGES, articles=False, exclude=COMPILED)
    return [d for d in reader.run() if d.metadata.get(keys.LANGUAGE) and len(d.text) <= 40_000]


def files(root: str, suffixes: tuple[str, ...], count: int, seed: int = 0) -> list[Document]:
    paths = sorted(str(p) for p in Path(root).rglob("*") if p.suffix in suffixes and p.is_file()) \
        if os.path.isdir(root) else []
    random.Random(seed).shuffle(paths)
    docs = []
    for path in paths:
        if len(docs) >= count:
            break
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        relative = os.path.relpath(path, root)
        language = detect_language(relative, text)
        if language and kept(text):
            docs.append(Document(text=text, id=f"{root}:{relative}", metadata={
                keys.PATH: relative, keys.LANGUAGE: language, keys.KIND: keys.KIND_CODE, keys.REPO: root}))
    return docs


def java(count: int, seed: int = 0) -> list[Document]:
    source = "/usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip"
    if not os.path.isfile(source):
        return []
    archive = zipfile.ZipFile(source)
    names = sorted(n for n in archive.namelist() if n.endswith(".java"))
    random.Random(seed).shuffle(names)
    docs = []
    for name in names:
        if len(docs) >= count:
            break
        text = archive.read(name).decode("utf-8", "replace")
        if kept(text):
            docs.append(Document(text=text, id=f"jdk:{name}", metadata={
                keys.PATH: name, keys.LANGUAGE: "Java", keys.KIND: keys.KIND_CODE, keys.REPO: "jdk"}))
    return docs


def machine(per_source: int) -> list[Document]:
    import datatrove

    site = str(Path(datatrove.__file__).resolve().parents[1])
    c_family = files("/usr/include", (".h", ".c"), per_source // 2) + \
        files("/usr/include/boost", (".hpp", ".ipp"), per_source // 2, seed=1)
    seen, unique = set(), []
    for doc in files(site, (".py",), per_source) + c_family + files("/usr/lib/go/src", (".go",), per_source) + \
            java(per_source) + files("/usr/share/nodejs", (".js", ".mjs", ".cjs", ".ts"), per_source):
        if doc.id not in seen:
            seen.add(doc.id)
            unique.append(doc)
    return unique


def measure(name: str, docs: list[Document], tasks: int = 2) -> None:
    block = TrainingObjectives(seed=1234)
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        census = SfimCensus(block, f"{work}/census")
        for rank in range(tasks):
            list(census.run(iter(docs[rank::tasks]), rank, tasks))
        list(SfimRates(f"{work}/census", f"{work}/rates.json", block.sfim_share).run(None))
        block.sfim_rates = f"{work}/rates.json"
        import json

        table = json.loads(Path(f"{work}/rates.json").read_text())
        out = list(block.run(iter(docs)))
        seconds = time.perf_counter() - start
    groups: dict[str, Counter] = {}
    for doc in out:
        groups.setdefault(doc.metadata.get(keys.LANGUAGE) or "unknown", Counter())[doc.metadata[keys.OBJECTIVE]] += 1
    total = Counter()
    for counts in groups.values():
        total.update(counts)
    print(f"\n### {name}: {len(out):,} code files; {table['eligible_share']:.3f} can serve SFIM; SFIM 0.70 "
          f"{'reachable' if table['reachable'] else 'out of reach'} (level {table['level']:.3f}); {seconds:.0f} s\n")
    print("| language | files | can serve SFIM | P(SFIM given eligible) | SFIM | FIM | NTP |")
    print("|---|---|---|---|---|---|---|")
    rows = [("all code", total, table["eligible_share"], None)] + [
        (language, counts, table["languages"][language]["eligible"] / table["languages"][language]["files"],
         table["languages"][language]["sfim_acceptance"])
        for language, counts in sorted(groups.items(), key=lambda kv: -sum(kv[1].values()))]
    for language, counts, eligible, acceptance in rows:
        n = sum(counts.values())
        if n < 10 and language != "all code":
            continue
        shares = " | ".join(f"{counts[o] / n:.3f}" for o in ("sfim", "fim", "ntp"))
        given = '' if acceptance is None else f'{acceptance:.3f}'
        print(f"| {language} | {n:,} | {eligible:.3f} | {given} | {shares} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", default=["packages", "machine", "installed"],
                        choices=["installed", "packages", "machine"])
    parser.add_argument("--sample", type=int, default=8, help="installed: one file in SAMPLE")
    parser.add_argument("--per-source", type=int, default=1500, help="machine: files per source")
    args = parser.parse_args()
    for corpus in args.corpus:
        docs = {"installed": lambda: installed(args.sample), "packages": packages,
                "machine": lambda: machine(args.per_source)}[corpus]()
        measure(corpus, docs)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
