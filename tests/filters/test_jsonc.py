"""JSON with Comments judged by the syntax filter as TypeScript reads it: released ``tsconfig.json``
files with comments and trailing commas are kept (the JSON grammar drops them), the same files cut
short or with a comma taken out are dropped."""

from __future__ import annotations

import json

import pytest

from codecurate import metadata as keys
from codecurate.filters.syntax.filter import SyntaxFilter
from codecurate.filters.syntax.jsonc import jsonc_fault, strip_jsonc
from codecurate.languages import detect_language
from tests.conftest import make_doc, verdict
from tests.real_files import npm_package

pytest.importorskip("tree_sitter_language_pack")

SAMPLE = """{
  // compiler options
  "compilerOptions": {
    "target": "es2020", /* the "//" in a string is no comment: */ "outDir": "http://x//y",
    "lib": ["dom", "es2020",],
  },
}
"""


def _doc(text: str, path: str = "tsconfig.json"):
    return make_doc(text, path, **{keys.LANGUAGE: detect_language(path, text)})


def test_comments_and_trailing_commas_are_allowed():
    assert jsonc_fault(SAMPLE) is None
    stripped, _ = strip_jsonc(SAMPLE)
    assert json.loads(strip_jsonc(stripped)[0])["compilerOptions"]["outDir"] == "http://x//y"
    assert len(stripped) == len(SAMPLE)  # blanked, offsets kept
    assert jsonc_fault('{"a": [1, // one\n]}') is None  # a comma before a comment before "]"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ('{"a": 1', "invalid"),  # cut short
        ('{"a": 1 "b": 2}', "invalid"),  # a comma missing
        ('{"a": 1, /* open', "unclosed_comment"),
        ("// only a comment\n", "empty"),
        ('{"a": [1,,]}', "invalid"),  # two commas are no trailing comma
        ("[,]", "invalid"),
    ],
)
def test_broken_files_are_caught(text, fault):
    assert jsonc_fault(text) == fault


def test_syntax_filter_keeps_released_tsconfigs_and_drops_truncated_ones():
    # get-proto's tsconfig.json has comments and trailing commas; es-errors' has comments
    configs = [npm_package(spec) / "tsconfig.json" for spec in ("get-proto@1.0.1", "es-errors@1.3.0")]
    block = SyntaxFilter()
    for path in configs:
        text = path.read_text()
        with pytest.raises(ValueError):
            json.loads(text)  # not JSON: the JSON judge would drop it
        assert verdict(block, _doc(text)) is None, path
        cut = text[: len(text) * 2 // 3]
        assert verdict(block, _doc(cut)) == "syntax_error", path
    assert verdict(block, _doc('{"a": 1,}', "package.json")) == "syntax_error"  # plain JSON stays strict


def test_linear_on_hostile_input():
    import time

    start = time.perf_counter()
    for text in ("/*" * 100_000, "[,]" * 50_000, '"' * 200_000, "," * 200_000 + "]", "// x\n" * 50_000):
        jsonc_fault(text)
    assert time.perf_counter() - start < 10
