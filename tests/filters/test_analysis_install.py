"""The analyzers come with ``pip install 'codecurate[analysis]'``: every default analyzer works here
(no skip: a missing one is a broken install), and together they read every class-1 language of
aiXcoder and the class-2 languages a tool exists for."""

import pytest

from codecurate import metadata as keys
from codecurate.filters.analysis import ANALYZERS, DEFAULT_ANALYZERS, StaticAnalysisFilter
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer, shipped_rules
from tests.conftest import make_doc

#: aiXcoder's class-1 languages (assets/main_supported_lang.txt), as codecurate names them
CLASS_1 = {"C", "C++", "C#", "Go", "Java", "JavaScript", "Kotlin", "Python", "TypeScript"}
#: class-2 languages with an analyzer
CLASS_2 = {"PHP", "Ruby", "Rust", "Shell", "Swift"}


@pytest.mark.parametrize("name", DEFAULT_ANALYZERS)
def test_every_default_analyzer_is_installed_and_works(name):
    assert ANALYZERS[name]().available() is None


def test_the_default_analyzers_read_every_main_language():
    analyzers = [ANALYZERS[name]() for name in DEFAULT_ANALYZERS]
    read = set().union(*(analyzer.languages for analyzer in analyzers))
    assert read >= CLASS_1 | CLASS_2, sorted((CLASS_1 | CLASS_2) - read)
    fallback = set().union(*(analyzer.fallback_languages for analyzer in analyzers))
    assert {"Go", "C", "C++"} <= fallback


def test_every_semgrep_rule_has_a_severity_and_a_reason():
    rules = shipped_rules()
    assert len(rules) >= 40
    for rule, entry in rules.items():
        assert entry["why"], rule
        assert entry["languages"], rule
    assert SemgrepAnalyzer.covered() >= {"Java", "C#", "Kotlin", "PHP", "Ruby", "Rust", "Swift", "Go", "C", "C++"}


def test_a_language_no_analyzer_reads_is_counted():
    block = StaticAnalysisFilter(analyzers=["ruff"])
    docs = [make_doc("local x = 1\n", "a.lua", language="Lua"), make_doc("x = 1\n", "a.py", language="Python")]
    assert block.filter_batch(docs) == [True, True]
    assert block.stats["no_analyzer/Lua"].total == 1
    assert block.stats["analyzed/ruff/Python"].total == 1
    assert keys.ANALYSIS_DEFECTS not in docs[0].metadata


def test_the_docs_list_every_rule_as_the_code_counts_it():
    from pathlib import Path

    from codecurate.filters.analysis.__main__ import rules_markdown

    docs = (Path(__file__).parents[2] / "docs" / "static-analysis.md").read_text(encoding="utf-8")
    listed = docs.split("<!-- rules:start -->\n", 1)[1].split("\n<!-- rules:end -->", 1)[0]
    assert listed.strip() == rules_markdown().strip(), "run: python -m codecurate.filters.analysis"
