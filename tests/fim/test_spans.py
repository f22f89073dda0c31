"""SFIM spans on real code (this package's own sources and the installed packages) and on generated
code: every middle ends at a line end and lies inside one non-root, non-leaf node of a function."""

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecurate.fim.spans import FUNCTION_KINDS, code_line_ends, functions, mine_sfim, random_span
from codecurate.parsing import get_language, parse_source

pytest.importorskip("tree_sitter_language_pack")

SAMPLES = {
    "python": "def f(a):\n    if a:\n        return 1\n    return 2\n",
    "java": "class A {\n  int f(int a) {\n    if (a > 0) {\n      return 1;\n    }\n    return 2;\n  }\n}\n",
    "javascript": "const f = (a) => {\n  if (a) {\n    return 1;\n  }\n  return 2;\n};\n",
    "typescript": "function f(a: number): number {\n  if (a) {\n    return 1;\n  }\n  return 2;\n}\n",
    "c": "int f(int a) {\n  if (a) {\n    return 1;\n  }\n  return 2;\n}\n",
    "cpp": "int A::f(int a) {\n  for (auto x : v) {\n    a += x;\n  }\n  return a;\n}\n",
    "csharp": "class A {\n  int F(int a) {\n    if (a > 0) {\n      return 1;\n    }\n    return 2;\n  }\n}\n",
    "go": "package m\n\nfunc f(a int) int {\n\tif a > 0 {\n\t\treturn 1\n\t}\n\treturn 2\n}\n",
    "rust": "fn f(a: i32) -> i32 {\n    if a > 0 {\n        return 1;\n    }\n    2\n}\n",
    "php": "<?php\nfunction f($a) {\n  if ($a) {\n    return 1;\n  }\n  return 2;\n}\n",
    "ruby": "def f(a)\n  if a\n    return 1\n  end\n  2\nend\n",
    "cuda": "__global__ void add(int n, float *x) {\n  int i = threadIdx.x;\n  if (i < n) {\n    x[i] += 1;\n  }\n}\n",
    "glsl": "void main() {\n  vec4 c = texture(t, uv);\n  if (c.a < 0.5) {\n    discard;\n  }\n  color = c;\n}\n",
    "powershell": "function Get-Thing($a) {\n  if ($a) {\n    return 1\n  }\n  return 2\n}\n",
    "haskell": "f :: Int -> Int\nf a =\n  if a > 0\n    then 1\n    else 2\n",
    "erlang": "-module(m).\nf(A) ->\n  case A of\n    0 -> 1;\n    _ -> 2\n  end.\n",
    "commonlisp": "(defun f (a)\n  (if a\n      1\n      2))\n",
    "elisp": "(defun f (a)\n  (if a\n      1\n    2))\n",
    "ada": "procedure P is\nbegin\n   if A then\n      B;\n   end if;\nend P;\n",
    "cmake": "function(f a)\n  if(a)\n    message(STATUS \"x\")\n  endif()\nendfunction()\n",
}


def check_span(text: str, grammar: str, seed: int):
    source = text.encode("utf-8", errors="surrogatepass")
    tree = parse_source(source, grammar).tree
    span = mine_sfim(text, source, tree, grammar, random.Random(seed))
    if isinstance(span, str):
        return span
    assert 0 <= span.start < span.end <= len(text)
    assert span.end == len(text) or text[span.end] == "\n"  # the middle ends at a line end
    assert text[: span.end].rsplit("\n", 1)[-1].strip()  # ... of a line holding code
    start_byte = len(text[: span.start].encode("utf-8", errors="surrogatepass"))
    end_byte = len(text[: span.end].encode("utf-8", errors="surrogatepass"))
    # inside one non-root, non-leaf node of a function, of the kind recorded
    holders = []
    for function in functions(tree, grammar):
        stack = list(function.named_children)
        while stack:
            node = stack.pop()
            if node.child_count and node.start_byte <= start_byte and end_byte <= node.end_byte:
                holders.append(node.type)
            stack.extend(node.named_children)
    assert span.node_kind in holders
    return span


def test_function_kinds_exist_in_their_grammars():
    required = {"python", "java", "javascript", "typescript", "c", "cpp", "csharp", "go", "rust", "php", "ruby"}
    assert required <= FUNCTION_KINDS.keys()
    for grammar, kinds in FUNCTION_KINDS.items():
        language = get_language(grammar)
        names = {language.node_kind_for_id(i) for i in range(language.node_kind_count)}
        assert set(kinds) <= names, grammar


@pytest.mark.parametrize("grammar", sorted(SAMPLES))
def test_every_required_language_yields_sfim_spans(grammar):
    for seed in range(30):
        span = check_span(SAMPLES[grammar], grammar, seed)
        assert not isinstance(span, str), (grammar, span)


def test_no_function_and_no_line_end_are_reasons():
    assert check_span("x = 1\n", "python", 0) == "no_function"
    assert check_span("def f(): return 1", "python", 0) != "no_function"


def real_python_files() -> list[Path]:
    import datatrove

    roots = [Path(__file__).resolve().parents[2] / "src" / "codecurate", Path(datatrove.__file__).parent]
    return sorted(p for root in roots for p in root.rglob("*.py") if p.stat().st_size < 200_000)


REAL = real_python_files()


@settings(max_examples=150, deadline=None)
@given(index=st.integers(0, len(REAL) - 1), seed=st.integers(0, 2**32))
def test_sfim_invariants_on_real_code(index, seed):
    check_span(REAL[index].read_text(encoding="utf-8"), "python", seed)


identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in {"if", "for", "in", "def", "return", "else", "and", "or", "not", "is", "as", "del"}
    and not s.startswith(("if", "for", "in", "def", "return", "else", "and", "or", "not", "is", "as"))
)
expressions = st.one_of(identifiers, st.integers(0, 999).map(str), st.text(max_size=5).map(repr))


@st.composite
def blocks(draw, depth=0):
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(st.integers(0, 3 if depth < 3 else 1))
        if choice == 0:
            lines.append(f"{draw(identifiers)} = {draw(expressions)}")
        elif choice == 1:
            lines.append(f"return {draw(expressions)}")
        else:
            header = f"if {draw(expressions)}:" if choice == 2 else f"for {draw(identifiers)} in {draw(expressions)}:"
            lines.append(header)
            lines.extend("    " + line for line in draw(blocks(depth + 1)))
    return lines


@st.composite
def python_modules(draw):
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        body = draw(blocks())
        parts.append(f"def {draw(identifiers)}({draw(identifiers)}):\n" + "\n".join("    " + b for b in body) + "\n")
    return "\n".join(parts)


@settings(max_examples=150, deadline=None)
@given(text=python_modules(), seed=st.integers(0, 2**32))
def test_sfim_invariants_on_generated_code(text, seed):
    span = check_span(text, "python", seed)
    assert span != "no_function"


@given(length=st.integers(0, 1000), seed=st.integers(0, 2**32))
def test_random_spans_are_ordered_and_in_range(length, seed):
    start, end = random_span(length, random.Random(seed))
    assert 0 <= start <= end <= length
    start, end = random_span(length, random.Random(seed), boundaries=[0, 3, 7])
    assert {start, end} <= {0, 3, 7}


def test_code_line_ends_skip_blank_lines():
    assert code_line_ends(b"a\n\n  \nb") == [1, 7]


def line_by_line_code_line_ends(source: bytes) -> list[int]:
    """The plain statement: each line's end (its newline, or the end of the file) when the line,
    stripped of whitespace, is not empty."""
    ends, start = [], 0
    while start <= len(source):
        end = source.find(b"\n", start)
        if end < 0:
            end = len(source)
        if source[start:end].strip():
            ends.append(end)
        start = end + 1
    return ends


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x85", b"\xa0", b"x",
                                 b"\xc3\xa9", b"\r\n", bytes([0])]), max_size=40).map(b"".join))
def test_code_line_ends_equal_the_line_by_line_statement(source):
    assert code_line_ends(source) == line_by_line_code_line_ends(source)
    every_byte = bytes(range(256)) + b"\n" + source
    assert code_line_ends(every_byte) == line_by_line_code_line_ends(every_byte)


def every_span_node(function, ends: list[int]) -> list:
    """The plain statement of the SFIM node choice: every named descendant of ``function`` with
    children that reaches a line end, by a walk of the whole subtree."""
    from bisect import bisect_right

    nodes, stack = [], list(function.named_children)
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.child_count and bisect_right(ends, node.end_byte) > bisect_right(ends, node.start_byte):
            nodes.append(node)
    return sorted(nodes, key=lambda n: (n.start_byte, n.end_byte, n.type))


def test_span_nodes_equal_the_whole_subtree_walk():
    from codecurate.fim.spans import _span_nodes

    sources = [(grammar, text.encode()) for grammar, text in SAMPLES.items()]
    sources += [("python", path.read_bytes()) for path in sorted(Path(random.__file__).parent.glob("[a-c]*.py"))]
    checked = 0
    for grammar, source in sources:
        result = parse_source(source, grammar)
        ends = code_line_ends(source)
        for function in functions(result.tree, grammar):
            key = [(n.start_byte, n.end_byte, n.type) for n in _span_nodes(function, ends)]
            assert key == [(n.start_byte, n.end_byte, n.type) for n in every_span_node(function, ends)]
            checked += 1
    assert checked > 100
