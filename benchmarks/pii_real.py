"""PII precision on real multi-language repositories: redactions per MB by type, before/after, false ones counted.

Every file the maintainers ship (tests, docs, build files included) of released repositories in
C#, Java, PHP, C, JavaScript and Python, read with ``RepositoriesReader`` and redacted by
``pii_redaction`` (``scope: code``, the default) twice: with the recognizers of a baseline git
revision (``--baseline``, loaded from ``git show``) and with the working tree's. Each finding is
judged by ``benchmarks/pii_real_labels.tsv`` (type, value or pattern, verdict, why, and where a value
is both, a pattern that ``repository/path: context`` must hold; verdicts: ``false`` for something that is not personal
data or a secret, ``partial`` for half a name, ``true`` otherwise; written by reading each value in
its context); a finding no rule judges is counted as ``unjudged``.

- dev (the rules were changed while looking at these): Json.NET (``newtonsoft-json``, C#), Apache
  Commons Codec (Java), league/commonmark (PHP), curl (C), uuid, semver and intl-tel-input (npm),
  packaging (PyPI).
- heldout (judged only after the rules were final): jsoup (Java), Monolog (PHP), c-ares (C),
  validator and node-forge (npm), urllib3 (PyPI), dbus-sharp and pythonnet (C#).

Sources: Debian bookworm source packages (``apt-get source``), npm tarballs (``npm pack``), PyPI
sdists (``pip download --no-binary :all:``), fetched once into ``~/.cache/codecurate/corpora/pii``
(``--fetch``; needs root and network).

    python benchmarks/pii_real.py --baseline 0721745 [--split dev|heldout|both] [--dump findings.jsonl]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from codecurate import metadata as keys
from codecurate.pii.recognizers import ENTITIES
from codecurate.pii.redact import PIIRedactor
from codecurate.readers.repositories import RepositoriesReader

ROOT = Path(os.environ.get("CODECURATE_PII_CORPUS", str(Path.home() / ".cache/codecurate/corpora/pii")))
REPO = Path(__file__).resolve().parents[1]
LABELS = Path(__file__).with_name("pii_real_labels.tsv")
#: the types whose precision issue 31 is about; usernames and passwords are counted, not judged
JUDGED = ("EMAIL", "NAME", "IP_ADDRESS", "KEY")

#: split -> repository folder -> (kind, what to fetch, archive file name)
SOURCES = {
    "dev": {
        "newtonsoft-json": ("deb", "newtonsoft-json=6.0.8+dfsg-1.1", "newtonsoft-json_6.0.8+dfsg.orig.tar.gz"),
        "commons-codec": ("deb", "libcommons-codec-java=1.15-1", "libcommons-codec-java_1.15.orig.tar.xz"),
        "commonmark": ("deb", "php-league-commonmark=2.3.9-1+deb12u1", "php-league-commonmark_2.3.9.orig.tar.xz"),
        "curl": ("deb", "curl=7.88.1-10+deb12u15", "curl_7.88.1.orig.tar.gz"),
        "uuid": ("npm", "uuid@9.0.1", "uuid-9.0.1.tgz"),
        "semver": ("npm", "semver@7.6.0", "semver-7.6.0.tgz"),
        "packaging": ("pypi", "packaging==24.0", "packaging-24.0.tar.gz"),
        "intl-tel-input": ("npm", "intl-tel-input@12.1.0", "intl-tel-input-12.1.0.tgz"),
    },
    "heldout": {
        "jsoup": ("deb", "jsoup=1.15.3-1", "jsoup_1.15.3.orig.tar.xz"),
        "monolog": ("deb", "php-monolog=2.9.1-1", "php-monolog_2.9.1.orig.tar.xz"),
        "c-ares": ("deb", "c-ares=1.18.1-3", "c-ares_1.18.1.orig.tar.gz"),
        "dbus-sharp": ("deb", "dbus-sharp=0.8.1-2.1", "dbus-sharp_0.8.1.orig.tar.gz"),
        "validator": ("npm", "validator@13.11.0", "validator-13.11.0.tgz"),
        "node-forge": ("npm", "node-forge@1.3.1", "node-forge-1.3.1.tgz"),
        "urllib3": ("pypi", "urllib3==2.2.1", "urllib3-2.2.1.tar.gz"),
        "pythonnet": ("pypi", "pythonnet==3.2.1", "pythonnet-3.2.1.tar.gz"),
    },
}


def fetch(split: str) -> None:
    """Download and unpack the split's repositories that are not there yet."""
    downloads = ROOT / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for name, (kind, spec, archive) in SOURCES[split].items():
        target = ROOT / split / name
        if target.is_dir():
            continue
        if not (downloads / archive).is_file():
            argv = {"deb": ["apt-get", "source", "--download-only", spec], "npm": ["npm", "pack", spec],
                    "pypi": [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "-d", ".",
                             spec]}[kind]
            subprocess.run(argv, cwd=downloads, check=False, capture_output=True)
        if not (downloads / archive).is_file():
            print(f"{name}: {spec} could not be fetched ({' '.join(argv)})", file=sys.stderr)
            continue
        target.mkdir(parents=True)
        subprocess.run(["tar", "-xf", str(downloads / archive), "-C", str(target), "--strip-components=1"],
                       check=True)


def baseline_engine(revision: str):
    """A presidio engine with the recognizers of ``revision`` (its ``recognizers.py``)."""
    source = subprocess.run(["git", "show", f"{revision}:src/codecurate/pii/recognizers.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("codecurate_pii_baseline_recognizers", file.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(file.name)
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    from codecurate.pii.engine import NoContextEnhancer

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in module.code_recognizers():
        registry.add_recognizer(recognizer)
    engine = AnalyzerEngine(registry=registry, supported_languages=["en"], context_aware_enhancer=NoContextEnhancer(),
                            nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]))
    return engine, list(module.ENTITIES)


class Labels:
    """The verdicts of ``LABELS``: per type, exact values first, then ``re:`` patterns (the whole
    value must match) in file order."""

    def __init__(self, path: Path = LABELS):
        self.rules: list[tuple[str, str | re.Pattern, re.Pattern | None, str]] = []
        with path.open(newline="") as file:
            for row in csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
                if not row or row[0].startswith("#"):
                    continue
                entity, value, verdict = row[:3]
                context = re.compile(row[4]) if len(row) > 4 and row[4] else None
                self.rules.append((entity, re.compile(value[3:]) if value.startswith("re:") else value, context,
                                   verdict))

    def get(self, finding: dict, default: str = "unjudged") -> str:
        """The first rule's verdict whose type, value and (when it has one) context pattern match."""
        for entity, value, context, verdict in self.rules:
            if entity != finding["type"]:
                continue
            if (value == finding["value"] if isinstance(value, str) else value.fullmatch(finding["value"])) and (
                    context is None or context.search(f"{finding['repo']}/{finding['path']}: {finding['context']}")):
                return verdict
        return default


def findings(redactor: PIIRedactor, split: str) -> tuple[list[dict], float, Counter]:
    """Every finding of ``redactor`` on the split's files (type, value, repository, path, context),
    the megabytes read and the files per language."""
    found, size, languages = [], 0, Counter()
    for document in RepositoriesReader(str(ROOT / split)).run(None, 0, 1):
        if document.metadata.get(keys.DECODE_ERROR):
            continue
        size += len(document.text.encode())
        languages[document.metadata.get(keys.LANGUAGE) or "(none)"] += 1
        text = document.text
        for start, end, entity in redactor.find(document) or []:
            found.append({"type": entity, "value": text[start:end], "repo": document.metadata.get(keys.REPO),
                          "path": document.metadata.get(keys.PATH),
                          "context": text[max(0, start - 60) : end + 30]})
    return found, size / 1_000_000, languages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="git revision whose recognizers are 'before'")
    parser.add_argument("--split", default="both", choices=("dev", "heldout", "both"))
    parser.add_argument("--fetch", action="store_true", help="download what is missing (root, network)")
    parser.add_argument("--dump", help="write every finding (before and after) as JSON lines here")
    args = parser.parse_args()
    labels = Labels()
    dump = open(args.dump, "w") if args.dump else None  # noqa: SIM115
    for split in ("dev", "heldout") if args.split == "both" else (args.split,):
        if args.fetch:
            fetch(split)
        missing = [name for name in SOURCES[split] if not (ROOT / split / name).is_dir()]
        if missing:
            print(f"{split}: missing {', '.join(missing)} under {ROOT / split} (run with --fetch)", file=sys.stderr)
            return 2
        before, after = PIIRedactor(scope="code"), PIIRedactor(scope="code")
        before._engine = baseline_engine(args.baseline)
        results = {}
        for label, redactor in (("before", before), ("after", after)):
            results[label], mb, languages = findings(redactor, split)
            if dump:
                for finding in results[label]:
                    dump.write(json.dumps({"split": split, "run": label, **finding}) + "\n")
        print(f"\n### {split}: {mb:.1f} MB, {sum(languages.values())} files ("
              + ", ".join(f"{n} {language}" for language, n in languages.most_common(10)) + ", ...)\n")
        print("| type | redactions/MB before | after | false/MB before | after | partial names/MB before | after "
              "| true/MB before | after | unjudged before | after |\n|---|---|---|---|---|---|---|---|---|---|---|")
        for entity in ENTITIES:
            counts = {label: Counter(labels.get(f) for f in results[label]
                                     if f["type"] == entity) for label in results}
            total = {label: sum(c.values()) for label, c in counts.items()}
            row = [f"{total['before'] / mb:.2f}", f"{total['after'] / mb:.2f}"]
            if entity in JUDGED:
                row += [f"{counts[label][verdict] / mb:.2f}" for verdict in ("false", "partial", "true")
                        for label in results]
                row += [str(counts["before"]["unjudged"]), str(counts["after"]["unjudged"])]
            else:
                row += ["(not judged)"] + [""] * 7
            print(f"| {entity} | " + " | ".join(row) + " |")
        unjudged = Counter((f["type"], f["value"]) for label in results for f in results[label]
                           if f["type"] in JUDGED and labels.get(f) == "unjudged")
        if unjudged:
            print(f"\n{len(unjudged)} values have no verdict in {LABELS.name}; the most frequent:")
            for (entity, value), n in unjudged.most_common(15):
                print(f"- {entity} `{value}` ({n})")
    if dump:
        dump.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
