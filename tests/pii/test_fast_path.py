"""The fast path of ``pii_redaction`` (triggers, no parse without one, one presidio call per file)
finds exactly what one presidio call per comment or literal finds (``find_plain``), on real files
of the installed packages in several languages, with and without planted PII."""

import os
import random
import site
import string
from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")

from codecurate import metadata as keys  # noqa: E402
from codecurate.languages import detect_language  # noqa: E402
from codecurate.pii.joins import SEGMENT_BREAK  # noqa: E402
from codecurate.pii.recognizers import code_recognizers, fold  # noqa: E402
from codecurate.pii.redact import PIIRedactor, TriggerIndex  # noqa: E402
from tests.conftest import make_doc  # noqa: E402

SUFFIXES = (".py", ".pyi", ".c", ".h", ".cpp", ".hpp", ".cc", ".cu", ".cuh", ".js", ".mjs", ".ts", ".java", ".go",
            ".rs", ".rb", ".sh", ".html", ".css", ".json", ".yaml", ".toml", ".md", ".rst", ".txt", ".f90", ".pyx")
PER_SUFFIX = 14


def real_files() -> list[tuple[str, str]]:
    by_suffix: dict[str, list[Path]] = {s: [] for s in SUFFIXES}
    for root in site.getsitepackages():
        for folder, _, names in os.walk(root):
            for name in names:
                suffix = os.path.splitext(name)[1]
                if suffix in by_suffix and len(by_suffix[suffix]) < 200:
                    by_suffix[suffix].append(Path(folder, name))
    rng = random.Random(18)
    files = []
    for paths in by_suffix.values():
        for path in rng.sample(sorted(paths), min(PER_SUFFIX, len(paths))):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if 0 < len(text) < 60_000:
                files.append((str(path.relative_to(path.parents[1])), text))
    return files


def planted(rng: random.Random) -> list[str]:
    """PII values in the shapes the recognizers look for, each a line or a piece of a line."""
    alnum = string.ascii_letters + string.digits
    key = "".join(rng.choice(alnum) for _ in range(32))
    return [
        "# Author: Maria Garcia\n", "// Copyright (c) 2021 Chen Wang\n", " * @author Lars Berg\n",
        f"contact = 'priya.nair{rng.randint(1, 99)}@mail-{rng.randint(1, 999)}.com'\n",
        f'host = "{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"\n',
        'addr = "2001:4860:4860::8888"\n', f'API_KEY = "{key}"\n', f"'{key[::-1]}'", 'aws = "AKIAIOSFODNN7EXAMPLE"\n',
        'DB_PASSWORD = "Hunter2!xyz"\n', 'username: "olu_okafor"\n', "url = 'mysql://root:T0ps3cret@db.example.net/a'\n",
        "see https://www.corp-intranet.io/wiki?id=3 ", "secret_token = 'q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge'\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n",
    ]


def corpus() -> list:
    rng = random.Random(7)
    docs = []
    for path, text in real_files():
        language = detect_language(path, text)
        docs.append(make_doc(text, path, **{keys.LANGUAGE: language}))
        # the same file with PII planted: whole lines at line starts, pieces at random places
        # (inside comments, literals and code alike, sometimes cutting a token)
        lines = text.splitlines(keepends=True)
        for value in rng.sample(planted(rng), 6):
            if value.endswith("\n") and rng.random() < 0.6:
                lines.insert(rng.randrange(len(lines) + 1), value)
            else:
                i = rng.randrange(len(lines) + 1) if lines else 0
                line = lines[i] if i < len(lines) else ""
                cut = rng.randrange(len(line) + 1)
                lines[i:i + 1] = [line[:cut] + value + line[cut:]]
        docs.append(make_doc("".join(lines), path + ".planted", **{keys.LANGUAGE: language}))
    return docs


@pytest.fixture(scope="module")
def documents():
    docs = corpus()
    assert len(docs) > 300 and len({d.metadata[keys.LANGUAGE] for d in docs}) >= 10
    return docs


# Measured on this machine's packages: 492 documents (2.8 MB; C++, Python, C, Cuda, HTML, CSS,
# JSON, Markdown, reStructuredText, Fortran, YAML, JavaScript, Shell...), about 800 findings.


@pytest.mark.parametrize("options", [{}, {"urls": True, "redact_private_ips": True}, {"scope": "whole"}])
def test_fast_path_finds_what_the_per_literal_path_finds(documents, options):
    block = PIIRedactor(**options)
    found = parsed = 0
    for document in documents:
        fast = block.find(document)
        assert fast == block.find_plain(document), document.id
        found += len(fast)
        parsed += bool(TriggerIndex(block.triggers(), document.text))
    assert found > 300  # the planted values (and the files' own authors) are there to be found
    assert parsed < len(documents)  # some files are not parsed at all


def test_no_finding_crosses_the_segment_break():
    texts = ["# Author: Jane", "Doe <jane.doe@corp-mail.com>", "password =", '"Hunter2!xyz"', "v", "1.2.3.4",
             "https://bob:", "pw@host.org", "-----BEGIN RSA PRIVATE KEY-----", "x\n-----END RSA PRIVATE KEY-----",
             "token =", "'q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge'"]
    for recognizer in code_recognizers(url_allow_domains=()):
        joined = SEGMENT_BREAK.join(texts)
        bounds, position = [], 0
        for text in texts:
            bounds.append((position, position + len(text)))
            position += len(text) + len(SEGMENT_BREAK)
        for result in recognizer.analyze(joined, None):
            assert any(s <= result.start and result.end <= e for s, e in bounds), (recognizer, result)
        alone = sorted((s + r.start, s + r.end) for (s, _), text in zip(bounds, texts)
                       for r in recognizer.analyze(text, None))
        assert sorted((r.start, r.end) for r in recognizer.analyze(joined, None)) == alone, recognizer


@pytest.mark.parametrize("text", ["x = 'paſsword = \"Hunter2!xyz\"'", "# AUTHOR: x; Author: Jane Doe",
                                  "k = 'ſecret_key = q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge'", "İ USER = 'alice_w'"])
def test_case_folding_keeps_every_trigger(text):
    folded = fold(text)
    assert folded is not None and len(folded) == len(text)
    for recognizer in code_recognizers(url_allow_domains=()):
        for result in recognizer.analyze(text, None):
            assert any(s < result.end and result.start < e for s, e in recognizer.trigger_spans(text, folded)), \
                (recognizer, text)


def test_a_file_without_triggers_is_not_parsed(monkeypatch):
    import codecurate.pii.redact as redact

    def no_parse(*_):
        raise AssertionError("parsed")

    monkeypatch.setattr(redact, "scope_ranges", no_parse)
    document = make_doc("def add(a, b):\n    # the sum\n    return a + b  # 'plain'\n", "a.py",
                        **{keys.LANGUAGE: "Python"})
    assert PIIRedactor().find(document) == []


def test_minified_lines_are_not_rescanned_per_literal():
    # one call per literal, each with at most MAX_CONTEXT characters of its line before it (from the
    # line's start, the 20,000 literals of this one line would be 1.2 G characters analysed)
    from codecurate.pii.redact import MAX_CONTEXT

    text = "var a=" + ",".join(f'"s{i}"' for i in range(20_000)) + ";// by jane@corp-mail.com\n"
    document = make_doc(text, "a.min.js", **{keys.LANGUAGE: "JavaScript"})
    plain = PIIRedactor()
    engine, _ = plain.engine()
    assert MAX_CONTEXT <= 1024
    analysed, analyze = [], engine.analyze

    def bounded(text, **kwargs):  # fails at the first unbounded call, not after hours of them
        assert len(text) <= MAX_CONTEXT + 64, f"{len(text)} characters analysed for one literal"
        analysed.append(len(text))
        return analyze(text=text, **kwargs)

    engine.analyze = bounded
    assert plain.find_plain(document) == PIIRedactor().find(document) != []
    assert len(analysed) >= 20_000
