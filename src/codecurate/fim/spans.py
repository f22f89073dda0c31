"""Where the middle goes: SFIM spans mined from syntax trees, and random FIM spans.

SFIM (aiXcoder-7B, SPEC.md section 3): pick a random function of the file, a random non-root,
non-leaf node of that function's tree, then a span inside the node's text whose start is random
and whose end is the end of a code line. Here the function's tree is its subtree in the file's
parse (parsing the function alone gives the same tree, minus context); its root is the function
node, so the node is a named descendant with children. A line end is the position of a ``\\n``
(or the end of the file) that closes a line holding more than whitespace; the middle stops there,
so the newline stays in the suffix. The node must reach such a line end. Start and end are both
uniform: the start over the node's bytes before its last line end, the end over its line ends
after the start.

Spans are ``(start, end)`` character offsets into the text.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cache

from codecurate.offsets import char_offsets

#: grammar -> node kinds that are functions (named functions, methods, constructors, and the
#: function expressions JavaScript and TypeScript name by assignment). Lambdas and closures of
#: other languages are left out: they are expressions inside functions.
FUNCTION_KINDS: dict[str, tuple[str, ...]] = {
    "python": ("function_definition",),
    "java": ("method_declaration", "constructor_declaration", "compact_constructor_declaration"),
    "javascript": ("function_declaration", "function_expression", "arrow_function", "method_definition",
                   "generator_function_declaration", "generator_function"),
    "c": ("function_definition",),
    "cpp": ("function_definition",),
    "csharp": ("method_declaration", "constructor_declaration", "destructor_declaration", "local_function_statement",
               "operator_declaration", "conversion_operator_declaration"),
    "go": ("function_declaration", "method_declaration"),
    "rust": ("function_item",),
    "php": ("function_definition", "method_declaration"),
    "ruby": ("method", "singleton_method"),
    "kotlin": ("function_declaration",),
    "scala": ("function_definition",),
    "swift": ("function_declaration", "init_declaration"),
    "lua": ("function_declaration",),
    "bash": ("function_definition",),
    "julia": ("function_definition",),
    "r": ("function_definition",),
    "perl": ("subroutine_declaration_statement",),
    "objc": ("function_definition", "method_definition"),
    "cuda": ("function_definition",),
    "glsl": ("function_definition",),
    "powershell": ("function_statement",),
    "haskell": ("function",),
    "erlang": ("fun_decl",),
    "commonlisp": ("defun",),
    "elisp": ("function_definition",),
    "ada": ("subprogram_body",),
    "cmake": ("function_def", "macro_def"),
}
FUNCTION_KINDS["typescript"] = FUNCTION_KINDS["tsx"] = FUNCTION_KINDS["javascript"]


@dataclass(frozen=True)
class SfimSpan:
    """A mined span: character offsets, and the kinds of the node and function it lies in."""

    start: int
    end: int
    node_kind: str
    function_kind: str


@cache
def _function_query(grammar: str):
    from tree_sitter import Query

    from codecurate.parsing import get_language

    return Query(get_language(grammar), "[" + " ".join(f"({kind})" for kind in FUNCTION_KINDS[grammar]) + "] @f")


def functions(tree, grammar: str) -> list:
    """The function nodes of a parsed file, in source order."""
    from tree_sitter import QueryCursor

    if grammar not in FUNCTION_KINDS:
        return []
    nodes = QueryCursor(_function_query(grammar)).captures(tree.root_node).get("f", [])
    return sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))


#: a code line: its first byte that is not whitespace (``bytes.strip``'s set, which is ``\\s``
#: for bytes), then the rest of the line; the match ends at the line's ``\\n`` or the end of the file
_CODE_LINE = re.compile(rb"\S[^\n]*")


def code_line_ends(source: bytes) -> list[int]:
    """Byte offsets where a line holding more than whitespace ends (its ``\\n``, or the end of the file)."""
    return [match.end() for match in _CODE_LINE.finditer(source)]


def _span_nodes(function, ends: list[int]) -> list:
    """The named nodes below ``function`` that have children and reach a line end, in source order.

    A node that reaches no line end has no descendant that does (a descendant's bytes lie inside
    its own), so its subtree is not visited."""
    nodes = []
    stack = list(function.named_children)
    while stack:
        node = stack.pop()
        if node.child_count == 0:
            continue
        # a line end e with node.start < e <= node.end
        if bisect_right(ends, node.end_byte) > bisect_right(ends, node.start_byte):
            nodes.append(node)
            stack.extend(node.named_children)
    nodes.sort(key=lambda n: (n.start_byte, n.end_byte, n.type))
    return nodes


def mine_sfim(text: str, source: bytes, tree, grammar: str, rng: random.Random) -> SfimSpan | str:
    """An SFIM span of a parsed file, or the reason there is none: ``no_function`` (the grammar has
    no function kinds or the file no function) or ``no_line_end`` (no node of any function reaches
    the end of a code line).

    The function is uniform among those holding a usable node: functions are tried in a random
    order until one has such a node, so a file has a span exactly when some function can give one
    (SFIM eligibility is a property of the file, not of one draw)."""
    remaining = functions(tree, grammar)
    if not remaining:
        return "no_function"
    ends = code_line_ends(source)
    while remaining:
        index = rng.randrange(len(remaining))
        function = remaining[index]
        remaining[index] = remaining[-1]
        remaining.pop()
        nodes = _span_nodes(function, ends)
        if nodes:
            break
    else:
        return "no_line_end"
    node = rng.choice(nodes)
    inside = ends[bisect_right(ends, node.start_byte): bisect_right(ends, node.end_byte)]
    start = rng.randrange(node.start_byte, inside[-1])
    while start > node.start_byte and source[start] & 0xC0 == 0x80:  # not inside a UTF-8 character
        start -= 1
    end = rng.choice(inside[bisect_left(inside, start + 1):])
    start, end = char_offsets(source, text, (start, end))
    return SfimSpan(start, end, node.type, function.type)


def random_span(length: int, rng: random.Random, boundaries: list[int] | None = None) -> tuple[int, int]:
    """A FIM span: two cut points drawn uniformly (from ``boundaries``, e.g. token offsets, when
    given; else any character position), in order."""
    if boundaries:
        a, b = rng.choice(boundaries), rng.choice(boundaries)
    else:
        a, b = rng.randint(0, length), rng.randint(0, length)
    return min(a, b), max(a, b)
