import pytest

from codecurate.languages import (
    LANGUAGES,
    get_language,
    language_for_path,
    language_from_shebang,
    normalize_language,
)


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a/b/main.py", "Python"),
        ("x.cc", "C++"),
        ("x.H", "C"),
        ("Program.cs", "C#"),
        ("build/Makefile", "Makefile"),
        ("Dockerfile", "Dockerfile"),
        ("analysis.R", "R"),
        ("boot.S", "Assembly"),
        ("web/App.tsx", "TSX"),
        ("notes.unknownext", None),
        ("LICENSE", "Text"),
    ],
)
def test_language_for_path(path, language):
    assert language_for_path(path) == language


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("#!/usr/bin/env python3", "Python"),
        ("#!/usr/bin/python3.11", "Python"),
        ("#!/bin/bash", "Shell"),
        ("#! /usr/bin/env node", "JavaScript"),
        ("#!/usr/bin/perl -w", "Perl"),
        ("print('no shebang')", None),
    ],
)
def test_shebang(line, language):
    assert language_from_shebang(line) == language
    assert language_for_path("bin/tool", line) == language


def test_extension_beats_shebang():
    assert language_for_path("tool.rb", "#!/usr/bin/env python") == "Ruby"


def test_table_covers_the_stack_top_50_with_comment_syntax():
    assert len(LANGUAGES) >= 50
    for language in LANGUAGES.values():
        assert language.extensions or language.filenames, language.name  # meson.build has no extension
    programming = [lang for lang in LANGUAGES.values() if lang.name not in {"JSON", "Text"}]
    for language in programming:
        assert language.line_comment or language.block_comment, language.name
    assert get_language("python").comment("the file path is: a.py") == "# the file path is: a.py"
    assert get_language("HTML").comment("x") == "<!--x-->"  # aiXcoder's README header style


def test_normalize_language_aliases():
    assert normalize_language("c-sharp") == "C#"
    assert normalize_language("Jupyter Notebook") is None
    assert normalize_language("SHELL") == "Shell"
    with pytest.raises(KeyError, match="unknown language 'Klingon'"):
        get_language("Klingon")


def test_every_grammar_name_loads_from_the_language_pack():
    pack = pytest.importorskip("tree_sitter_language_pack")
    grammars = {lang.grammar for lang in LANGUAGES.values() if lang.grammar}
    assert len(grammars) >= 50
    for grammar in sorted(grammars):
        # loading only: some grammars (cobol) never return on some inputs; the syntax filter bounds parse time
        assert pack.get_language(grammar) is not None, grammar
