"""The syntax filter in C#, Swift, Kotlin and PowerShell (issue 30), on released files and their mutants.

The real files come from packages fetched here once (cached under ``~/.cache/codecurate/test-corpora``):
Debian's dbus-sharp sources (C#, ``apt-get source``), the npm tarballs of @capacitor/ios (Swift) and
@react-native/gradle-plugin (Kotlin), Debian's ansible-core package (PowerShell, ``apt-get download``);
the tests skip only when the tool or the network to fetch them is missing. A mutant is made from the
original's tree-sitter tree (a cut inside an open bracket, a deleted ``}`` token, a stray ``)`` at the
start of a line of code), so that it is broken whatever the filter thinks.
"""

from __future__ import annotations

import random

import pytest
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.filters.syntax.block_structure import code_only, structure_fault
from codecurate.filters.syntax.filter import SyntaxFilter
from codecurate.languages import LANGUAGES
from codecurate.parsing import error_bytes, parse_source
from tests.real_files import debian_package, debian_source, npm_package

#: files judged per language (the filter takes about 2 ms a file)
PER_LANGUAGE = 60


#: language -> (how its package is fetched, file suffixes)
SOURCES = {
    "C#": (lambda: debian_source("dbus-sharp"), (".cs",)),
    "Swift": (lambda: npm_package("@capacitor/ios@8.6.0"), (".swift",)),
    "Kotlin": (lambda: npm_package("@react-native/gradle-plugin@0.86.3"), (".kt",)),
    "PowerShell": (lambda: debian_package("ansible-core"), (".ps1", ".psm1")),
}


def real_files(language: str) -> list[tuple[str, str]]:
    """Up to ``PER_LANGUAGE`` released files of ``language`` (path, text), in a fixed order."""
    fetch, suffixes = SOURCES[language]
    folder = fetch()
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes)):
        try:
            files.append((str(path), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    assert files, f"no {language} file in {folder}"
    random.Random(0).shuffle(files)
    return files[:PER_LANGUAGE]


def _document(text: str, language: str, path: str = "x") -> Document:
    return Document(text=text, id=path, metadata={keys.LANGUAGE: language, keys.KIND: "code", keys.PATH: path})


def _kept(block: SyntaxFilter, text: str, language: str) -> bool:
    return block.filter(_document(text, language)) is True


def _leaves(root):
    cursor = root.walk()
    while True:
        if cursor.node.child_count == 0:
            yield cursor.node
        elif cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def _in_literal(node) -> bool:
    while node is not None:
        if node.is_error or "string" in node.type or "comment" in node.type:
            return True
        node = node.parent
    return False


def mutants(text: str, language: str, rng: random.Random) -> dict[str, str]:
    """Mutants of ``text`` that are broken by how they are made, read off its tree-sitter tree."""
    source = text.encode()
    tree = parse_source(source, LANGUAGES[language].grammar).tree
    depth, inside, closers, line_starts = 0, [], [], []
    for leaf in _leaves(tree.root_node):
        if leaf.is_missing:
            continue
        if leaf.start_byte > len(source) // 2 and depth > 0 and not _in_literal(leaf):
            inside.append(leaf.end_byte)
        depth += (leaf.type in ("{", "(", "[")) - (leaf.type in ("}", ")", "]"))
        if leaf.type == "}" and not _in_literal(leaf):
            closers.append(leaf.start_byte)
        if (leaf.start_point[1] == 0 or not source[leaf.start_byte - leaf.start_point[1] : leaf.start_byte].strip()) \
                and not _in_literal(leaf):
            line_starts.append(leaf.start_byte)
    made = {}
    if inside:
        made["truncate"] = source[: rng.choice(inside)]
    if closers:
        at = rng.choice(closers)
        made["delete-closer"] = source[:at] + source[at + 1 :]
    if line_starts:
        at = rng.choice(line_starts)
        made["stray-token"] = source[:at] + b") " + source[at:]
    return {how: data.decode(errors="surrogatepass") for how, data in made.items()}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def corpus(request) -> tuple[str, list[tuple[str, str]]]:
    return request.param, real_files(request.param)


def test_released_files_are_kept(corpus):
    """No released file is dropped, though tree-sitter's grammar rejects some of them."""
    language, files = corpus
    block = SyntaxFilter()
    dropped = [path for path, text in files if not _kept(block, text, language)]
    assert dropped == []
    grammar = LANGUAGES[language].grammar
    rejected = sum(1 for _, text in files if error_bytes(parse_source(text.encode(), grammar).tree.root_node))
    if language in ("C#", "Kotlin"):  # files of these corpora that the grammar alone would drop
        assert rejected > 0
    assert block.stats["tolerated"].total == rejected


def test_mutants_are_dropped(corpus):
    """Truncated files, deleted closing braces and stray tokens: at least 90% of each kind is dropped
    (all are, on these corpora)."""
    language, files = corpus
    block = SyntaxFilter()
    rng = random.Random(f"mutants:{language}")
    made: dict[str, list[bool]] = {}
    for _, text in files[:30]:
        for how, mutant in mutants(text, language, rng).items():
            made.setdefault(how, []).append(not _kept(block, mutant, language))
    assert set(made) == {"truncate", "delete-closer", "stray-token"} or language == "PowerShell"
    for how, dropped in made.items():
        assert len(dropped) >= 5, (how, len(dropped))
        assert sum(dropped) >= 0.9 * len(dropped), (how, dropped.count(False), len(dropped))


SOUND = {
    "C#": {
        "else under #if": "class A {\n void F(bool a) {\n  if (a) { G(); }\n#if NET45\n  else { H(); }\n#else\n"
                          "  else { I(); }\n#endif\n }\n}\n",
        "case labels under #if": "class A {\n int F(int k) {\n  switch (k) {\n#if X\n   case 1:\n#endif\n"
                                 "   case 2: return 1;\n  }\n  return 0;\n }\n}\n",
        "strings of every kind": 'class A {\n string a = "}\\"{", b = @"C:\\x"" }", c = $"{F("}")} {{", '
                                 'd = $@"{x}\n}", e = """\n raw " } \n""";\n char f = \'{\', g = \'\\\'\';\n}\n',
        "regions and a BOM": "\ufeff#region License\n// (c)\n#endregion\nnamespace N { class A { } }\n",
        "assembly attribute last": "using System.Reflection;\n[assembly: AssemblyVersion(\"1.0\")]\n",
    },
    "Swift": {
        "canImport branches": "#if canImport(UIKit)\nimport UIKit\nextension A {\n#elseif canImport(AppKit)\n"
                              "import AppKit\nextension A {\n#endif\n  func f() {}\n}\n",
        "newer syntax": "func f(_ x: sending T) { completion(.success(())) }\n"
                        "nonisolated(unsafe) var shared: Int = 0\n",
        "interpolations and raw strings": 'let a = "x \\(f(")")) }"\nlet b = #"a \\( " "#\nlet c = """\n }"\n"""\n',
        "nested comments and keywords": "/* a /* b */ ) */ @objc func g() { if #available(iOS 15, *) { } }\n",
    },
    "Kotlin": {
        "constructor on its own line": "class X\ninternal constructor(\n  private val a: Int,\n) {\n}\n",
        "variance and ranges": "fun f(a: Array<out T>) = when (x) {\n  in 0..<10 -> 1\n  else -> 2\n}\n",
        "templates with braces": 'val s = "a ${m["}"]} b"\nval r = """\n ${f { "}" }} "\n"""\nval c = \'}\'\n',
        "labels": "fun f() = list.forEach loop@{ if (it) return@loop }\n",
        "declarations and expressions that end a file": "package a\n\nval x =\n  foo\nclass Empty\n"
                                                          "@Target(A)\nannotation class Marker\nfun interface F\n",
    },
    "PowerShell": {
        "here-strings and subexpressions": '$a = @"\n } ( "\n"@\n$b = "x $(Get-Y "}") `" y"\n$c = \'it\'\'s\'\n',
        "comments": "<# a ) block\n#>\nfunction F { param($x) # ) }\n  $x\n}\nExport-ModuleMember -Function *\n",
    },
}
BROKEN = {
    "C#": {
        "cut short": ("class A {\n void F() {\n  G();\n", "unbalanced_brackets"),
        "else branch broken": ("class A {\n#if X\n void F() { }\n#else\n void F() {\n#endif\n}\n",
                               "unbalanced_brackets"),
        "region left open": ("#region A\nclass A { }\n", "bad_directive"),
        "string left open": ('class A { string s = "abc; }\n', "unclosed_literal"),
        "cut at the top level": ("using System;\nus", "open_end"),
        "stray backquote": ("class A { int `x; }\n", "stray_character"),
    },
    "Swift": {
        "elseif branch broken": ("#if os(iOS)\nfunc f() {}\n#elseif os(macOS)\nfunc f() {\n#endif\n",
                                 "unbalanced_brackets"),
        "if never closed": ("#if DEBUG\nlet a = 1\n", "unbalanced_conditionals"),
        "stray token": ("let a = 1\n@# let b = 2\n", "stray_character"),
        "ends on an operator": ("let a = b +", "open_end"),
        "interpolation left open": ('let a = "x \\(f(1) y"\n', "unclosed_literal"),
    },
    "Kotlin": {
        "deleted brace": ("class A {\n  fun f() {\n  \n}\n", "unbalanced_brackets"),
        "template left open": ('val s = "a ${b"\n', "unclosed_literal"),
        "ends on a keyword": ("val a = 1\nfun", "open_end"),
        "stray hash": ("val a = 1 # 2\n", "stray_character"),
        "cut in a declaration's first words": ("package a\n\nimport b.C\n\npublic clas", "open_end"),
        "function head cut": ("package a\n\ninternal fun Float.equalWithR", "open_end"),
        "annotation of nothing": ('@Target(A)\n@Suppress("x")\n@Ret', "open_end"),
    },
    "PowerShell": {
        "stray parenthesis": ("function F {\n  ) $x\n}\n", "unbalanced_brackets"),
        "here-string left open": ('$a = @"\n text\n', "unclosed_literal"),
        "ends on a pipe": ("Get-Item x |", "open_end"),
    },
}


@pytest.mark.parametrize(("language", "name"), [(lang, name) for lang in SOUND for name in SOUND[lang]])
def test_sound(language, name):
    assert structure_fault(SOUND[language][name].encode(), language) is None
    assert _kept(SyntaxFilter(), SOUND[language][name], language)


@pytest.mark.parametrize(("language", "name"), [(lang, name) for lang in BROKEN for name in BROKEN[lang]])
def test_broken(language, name):
    text, fault = BROKEN[language][name]
    assert structure_fault(text.encode(), language) == fault
    block = SyntaxFilter()
    assert block.filter(_document(text, language)) == (False, "syntax_error")
    assert block.stats[f"structure/{fault}"].total == 1


def test_literals_are_blanked_in_place():
    """Comments and literals become blanks at the same offsets; an interpolation's code stays code."""
    source = b'val s = "a ${m["}"]} b" // }\nval t = 1\n'
    assert code_only(source, "Kotlin") == b'val s =    ${m[   ]}        \nval t = 1\n'
    assert code_only(b'let a = "\\(f(")")) }"\n', "Swift") == b'let a =  \\(f(   ))   \n'
    assert code_only(b'var a = $"{F("}")} {{";', "C#") == b'var a =   {F(   )}    ;'
    assert code_only(b'$a = "x $(G "}") y" # )', "PowerShell") == b'$a =    $(G    )       '
    assert code_only(b'val s = "open\nval t = 1\n', "Kotlin") is None


def test_relax_macros_off_judges_every_error():
    """``relax_macros=False`` leaves the structure aside: tree-sitter's errors decide, as before issue 30."""
    text = SOUND["Kotlin"]["variance and ranges"]
    assert error_bytes(parse_source(text.encode(), "kotlin").tree.root_node)
    assert SyntaxFilter(relax_macros=False).filter(_document(text, "Kotlin")) == (False, "syntax_error")
