"""Macro-tolerant parsing for C-family files.

tree-sitter parses C and C++ before the preprocessor runs, so it sees macros unexpanded: an export
macro before a declaration (``GTEST_API_ void f();``), a macro that expands to a declaration and
ends without a semicolon (``DECLARE_FLAG(x)``), a test macro used as a function head
(``MATCHER(IsEven, "") { ... }``), a macro whose arguments are types (``KIND_OF(bool)``), and
``#if`` branches that each open a brace the other closes. A compiler, which expands them, accepts
such files; tree-sitter reports errors.

``relaxed_errors`` undoes only that: it rewrites the source where tree-sitter found errors and
reparses, keeping a rewrite only when it lowers the errors:

0. a few constructs of valid C++ that tree-sitter's grammar misreads (pointers to members,
   ``new const T``) become an equivalent shape it reads;
1. conditional branches: keep one branch of every ``#if``/``#ifdef`` (the first, or the ``#else`` of
   ``#if 0``) and blank the directive lines, as one configuration of the preprocessor would;
2. macro uses near an error (all-caps identifiers of three or more characters, with their argument
   list): in an expression the arguments are blanked (``KIND_OF(bool)`` -> ``KIND_OF()``); as the head
   of a braced body the arguments are blanked (``MATCHER()  { ... }`` is a function definition);
   after a declarator it is blanked whole (``f() const LOCKS_EXCLUDED(mu);``); anywhere else the use
   is blanked whole (an attribute or a declaration macro). ``class API_ Name {`` is rewritten wherever
   it is, since its errors surface far below it.

What the rewrites cannot explain stays an error: a missing closing brace, a stray token, a file cut
short. Blanking keeps every byte offset and line number, so error positions still point at the
original text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

#: comments, string and character literals, and preprocessor lines (with continuations): never rewritten
_NOT_CODE = re.compile(
    rb"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?"
    rb"|^[ \t]*#(?:[^\n]*\\\r?\n)*[^\n]*",
    re.DOTALL | re.MULTILINE,
)
#: macro-like names: all capitals (``GTEST_API_``), a prefix and capitals (``PyObject_HEAD``), or
#: compiler-extension words (``__global__``)
_MACRO = re.compile(rb"\b(?:[A-Z_][A-Z0-9_]{2,}|[A-Z][A-Za-z0-9]*_[A-Z0-9_]*[A-Z][A-Z0-9_]*|__[a-z][a-z0-9_]*__)\b")
_CONDITIONAL = re.compile(
    rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b((?:[^\n]*\\\r?\n)*[^\n]*)", re.MULTILINE)
#: characters after which a macro use is an operand (its result is a value or a type)
_EXPRESSION_BEFORE = frozenset(b"(,=?[!~+-*/%&|^<>")
_EXPRESSION_WORDS = (b"return", b"sizeof", b"case", b"throw", b"co_return", b"co_yield")
#: words after which a macro use names a type (``typedef REMOVE_CONST(T) Raw;``)
_TYPE_WORDS = (b"typedef", b"typename", b"const", b"volatile", b"unsigned", b"signed")
#: words after which a macro use is an export or attribute macro (``class API_ Name {``)
_HEAD_WORDS = (b"class", b"struct", b"union", b"enum")
#: qualifiers between a parameter list and an attribute macro
_QUALIFIERS = (b"const", b"override", b"final", b"noexcept", b"volatile")
#: words that are not a declarator's name: after them a macro use is not an attribute of a name
_PRIMITIVES = (b"void", b"bool", b"char", b"short", b"int", b"long", b"float", b"double", b"auto")
_KEYWORDS = frozenset((*_TYPE_WORDS, *_HEAD_WORDS, *_QUALIFIERS, *_PRIMITIVES, b"static", b"inline", b"extern",
                       b"virtual", b"explicit",
                       b"constexpr", b"friend", b"template", b"operator", b"else", b"do", b"goto", b"public",
                       b"private", b"protected", b"namespace", b"using"))
#: what follows a declarator: after one, a macro use is an attribute (``f() OVERRIDE;``)
_DECLARATOR_END = frozenset(b";{:=,")
#: a class head with an export macro, ``class API_ Name {``: its errors surface far below it, in the body
_EXPORTED_CLASS = re.compile(rb"\b(?:class|struct|union)[ \t]+[A-Z_][A-Z0-9_]{2,}[ \t]+[A-Za-z_]")
#: valid C++ that tree-sitter's C++ grammar misreads, and an equivalent shape it reads: pointers to
#: members (``(obj->*method)()``, ``void (C::*f)()``) and ``new const T``
#: members (``(obj->*method)()``, ``void (C::*f)()``), ``new const T``, ``{}`` as a default argument and
#: ``type* = nullptr`` as a template parameter's default;
#: each replacement keeps the length of what it replaces
_GRAMMAR_GAPS = [(re.compile(rb"->\*"), b"-> "), (re.compile(rb"(?<=[\w)\]])\.\*(?=[\w(])"), b". "),
                 (re.compile(rb"\b(?:\w+[ \t]*::[ \t]*)+\*"), b"*"), (re.compile(rb"\bnew[ \t]+const\b"), b"new"),
                 (re.compile(rb"=[ \t]*\{[^{}();\n]*\}(?=[ \t]*[,)])"), b"=0"),
                 (re.compile(rb"(?<=[\w>])[ \t]*\*[ \t]*=[ \t]*(?:nullptr|0)(?=[ \t]*[>,])"), b"=0")]
#: the null directive, ``#`` alone or before a comment (Boost.Preprocessor's ``# /* ... */``)
_NULL_DIRECTIVE = re.compile(rb"^[ \t]*#(?=[ \t]*(?:/[*/]|\r?$))", re.MULTILINE)
#: how far the rewriter looks past blanks and comments for a neighbour (bounds its work per macro)
_LOOK = 256
#: macro uses rewritten in one round at most (bounds the work on a file that is all macros)
_MAX_USES = 5_000
#: how far above an error the heads of the nodes around it are looked at
_ANCESTOR_LINES = 20
#: rounds of rewriting and reparsing before giving up
_MAX_ROUNDS = 4


#: every byte to a space, but newlines
_TO_BLANK = bytes(byte if byte in (0x0A, 0x0D) else 0x20 for byte in range(256))


def _blank(buffer: bytearray, start: int, end: int) -> None:
    """Replace ``buffer[start:end]`` by spaces, keeping newlines (and so every line number)."""
    buffer[start:end] = buffer[start:end].translate(_TO_BLANK)


def _code_mask(source: bytes) -> bytearray:
    """1 for bytes of code, 0 for comments, literals and preprocessor lines."""
    mask = bytearray(b"\x01" * len(source))
    for match in _NOT_CODE.finditer(source):
        mask[match.start() : match.end()] = bytes(match.end() - match.start())
    return mask


def flatten_conditionals(source: bytes) -> bytes | None:
    """One preprocessor configuration: the first branch of each conditional (the ``#else`` branch of
    ``#if 0``), with every conditional directive line blanked; ``None`` when the conditionals do not
    balance (an ``#if`` never closed, an ``#endif`` never opened), which a compiler rejects."""
    buffer = bytearray(source)
    # stack of (branch taken so far, skipping now) per open conditional; skipping is inherited
    stack: list[tuple[bool, bool]] = []
    skip_from: int | None = None

    def skipping() -> bool:
        return any(skip for _, skip in stack)

    for match in _CONDITIONAL.finditer(source):
        directive, condition = match.group(1), match.group(2).strip()
        was_skipping = skipping()
        if directive in (b"if", b"ifdef", b"ifndef"):
            never = directive == b"if" and condition in (b"0", b"(0)", b"false")
            stack.append((not never, never))
        elif not stack:
            return None
        elif directive == b"endif":
            stack.pop()
        else:  # elif / else: taken only when no earlier branch was
            taken, _ = stack[-1]
            stack[-1] = (True, taken)
        now_skipping = skipping()
        if now_skipping and not was_skipping:
            skip_from = match.end()
        elif was_skipping and not now_skipping and skip_from is not None:
            _blank(buffer, skip_from, match.start())
            skip_from = None
        _blank(buffer, match.start(), match.end())
    return None if stack else bytes(buffer)


def _paren_pairs(source: bytes, mask: bytearray) -> dict[int, int]:
    """For every ``(`` in code, the index just past its matching ``)`` (unmatched ones are absent)."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    for match in re.finditer(rb"[()]", source):
        index = match.start()
        if not mask[index]:
            continue
        if source[index] == 0x28:
            opened.append(index)
        elif opened:
            pairs[opened.pop()] = index + 1
    return pairs


def _previous_code(source: bytes, mask: bytearray, index: int) -> tuple[int, bytes]:
    """The last code character before ``index`` (0 at the start, or past ``_LOOK`` bytes of blanks and
    comments) and the word ending there."""
    stop = max(-1, index - 1 - _LOOK)
    index -= 1
    while index > stop and (not mask[index] or source[index] in b" \t\r\n"):
        index -= 1
    if index <= stop:
        return 0, b""
    end = index + 1
    stop = max(-1, index - _LOOK)
    while index > stop and (chr(source[index]).isalnum() or source[index] == 0x5F):
        index -= 1
    return source[end - 1], bytes(source[index + 1 : end])


def _next_code_index(source: bytes, mask: bytearray, index: int) -> int:
    """Where the first code character at or after ``index`` is (``len(source)`` when there is none
    within ``_LOOK`` bytes)."""
    stop = min(len(source), index + _LOOK)
    while index < stop and (not mask[index] or source[index] in b" \t\r\n"):
        index += 1
    return index if index < stop else len(source)


def _next_code(source: bytes, mask: bytearray, index: int) -> int:
    """The first code character at or after ``index`` (0 at the end, or past ``_LOOK`` bytes)."""
    index = _next_code_index(source, mask, index)
    return source[index] if index < len(source) else 0


def _is_word_start(char: int) -> bool:
    return chr(char).isalpha() or char == 0x5F


def _touches_literal(source: bytes, start: int, end: int) -> bool:
    """Whether a string literal sits right before ``start`` or right after ``end`` (a macro that
    expands to a string, glued to others: ``"foo" PATH_SEP "bar"``)."""
    while start > 0 and source[start - 1] in b" \t":
        start -= 1
    while end < len(source) and source[end] in b" \t":
        end += 1
    return (start > 0 and source[start - 1] == 0x22) or (end < len(source) and source[end] == 0x22)


def _closing_angle(source: bytes, index: int) -> int | None:
    """Index just past the ``>`` closing the ``<`` at ``index`` (within ``_LOOK`` bytes, no ``;{}``)."""
    depth = 0
    for position in range(index, min(len(source), index + _LOOK)):
        char = source[position]
        if char == 0x3C:
            depth += 1
        elif char == 0x3E:
            depth -= 1
            if not depth:
                return position + 1
        elif char in b";{}":
            return None
    return None


def _words_after(source: bytes, mask: bytearray, index: int) -> tuple[int, int]:
    """How many identifiers (up to two) follow ``index``, through ``*``, ``&`` and ``::``, and the
    first code character after them."""
    count = 0
    for _ in range(16):
        index = _next_code_index(source, mask, index)
        char = source[index] if index < len(source) else 0
        if char and _is_word_start(char):
            count += 1
            if count == 2:  # two are enough to tell
                return count, char
            while index < len(source) and (_is_word_start(source[index]) or chr(source[index]).isdigit()):
                index += 1
        elif char in (0x2A, 0x26):  # "*", "&"
            index += 1
        elif char == 0x3C and count:  # template arguments of the type just read: "Result<T> f();"
            closing = _closing_angle(source, index)
            if closing is None:
                return count, char
            index = closing
        elif source[index : index + 2] == b"::":
            index += 2
        else:
            return count, char
    return count, 0


def _rewrite_one(source: bytes, mask: bytearray, buffer: bytearray, pairs: dict[int, int], start: int,
                 name_end: int) -> None:
    """Rewrite the macro use whose name spans ``source[start:name_end]`` (see the module docstring)."""
    before, word = _previous_code(buffer, mask, start)
    operand = before in _EXPRESSION_BEFORE or word in _EXPRESSION_WORDS
    after_declarator = _after_declarator(buffer, mask, start)
    after_name = bool(word) and _is_word_start(word[0]) and word not in _KEYWORDS
    trailing = not operand and (after_declarator or after_name)
    if _next_code(source, mask, name_end) == 0x28:  # "(": a function-like use
        open_at = source.index(b"(", name_end)
        close_at = pairs.get(open_at)
        if close_at is None:
            return
        after = _next_code(source, mask, close_at)
        if _touches_literal(source, start, close_at):
            _blank(buffer, start, close_at)  # a string piece
        elif after_name and not after_declarator and after != 0x3B:
            _blank(buffer, start, name_end)  # "min NO_EXPAND() const": the parentheses are the function's
        elif trailing and after in _DECLARATOR_END:
            _blank(buffer, start, close_at)  # an attribute after a declarator: nothing
        elif word in _TYPE_WORDS or source[_next_code_index(source, mask, close_at):][:2] == b"::":
            _blank(buffer, open_at, close_at)  # a type or a scope: NAME
        elif operand or after in (0x7B, 0x3B, 0x3D):  # "{", ";", "="
            _blank(buffer, open_at + 1, close_at - 1)  # a value, a function head, a statement: NAME()
        else:
            _blank(buffer, start, close_at)  # a declaration or an attribute: nothing
        return
    if _touches_literal(source, start, name_end):
        _blank(buffer, start, name_end)
        return
    words, after = _words_after(source, mask, name_end)
    if trailing and not words and after in _DECLARATOR_END:
        _blank(buffer, start, name_end)  # "f() const OVERRIDE;", "x UNUSED = 1;"
    elif words >= 2 or (words == 1 and word in _HEAD_WORDS and after in (0x7B, 0x3A)):
        _blank(buffer, start, name_end)  # "API_ void f();", "class API_ Name {"
    elif words == 1 and after == 0x28 and (after_name or word in _PRIMITIVES or word == b"explicit"
                                           or (before in b"*&>" and before)):
        _blank(buffer, start, name_end)  # between a type and a name: "int API_ f(", "explicit CONSTEXPR_ A("
    elif before in (0, 0x3B, 0x7B, 0x7D) and ((after in (0, 0x7D, 0x23) and not words)
                                             or _alone(source, start, name_end)):
        _blank(buffer, start, name_end)  # a statement of its own: "NAMESPACE_END"


def _alone(source: bytes, start: int, end: int) -> bool:
    """Whether ``source[start:end]`` is the only thing on its line (comments aside)."""
    line_start = source.rfind(b"\n", 0, start) + 1
    line_end = source.find(b"\n", end)
    rest = source[end : len(source) if line_end < 0 else line_end].strip()
    return not source[line_start:start].strip() and (not rest or rest.startswith((b"//", b"/*")))


def _after_declarator(buffer: bytearray, mask: bytearray, index: int) -> bool:
    """Whether the code before ``index``, past ``const``/``override``/``noexcept``-like words, ends a
    parameter list: ``f() const MACRO``."""
    while True:
        char, word = _previous_code(buffer, mask, index)
        if word in _QUALIFIERS:
            index = buffer.rfind(word, 0, index)
            continue
        return char == 0x29


def rewrite_macros(source: bytes, lines: set[int]) -> bytes:
    """Rewrite the macro uses that start on ``lines`` (0-based) as the module docstring says."""
    buffer = bytearray(source)
    mask = _code_mask(source)
    pairs = _paren_pairs(source, mask)
    line_starts = [0, *(m.end() for m in re.finditer(rb"\n", source))]
    uses = 0
    for line in sorted(lines):
        if line >= len(line_starts):
            continue
        begin = line_starts[line]
        end = line_starts[line + 1] if line + 1 < len(line_starts) else len(source)
        for match in _MACRO.finditer(source, begin, end):
            if mask[match.start()] and buffer[match.start()] != 0x20:  # code, not yet rewritten
                _rewrite_one(source, mask, buffer, pairs, match.start(), match.end())
                uses += 1
                if uses >= _MAX_USES:
                    return bytes(buffer)
    return bytes(buffer)


def _mend_grammar_gaps(source: bytes) -> bytes:
    """``source`` with the ``_GRAMMAR_GAPS`` constructs, in code only, rewritten to the same length."""
    buffer = bytearray(source)
    for match in _NULL_DIRECTIVE.finditer(source):
        buffer[match.end() - 1] = 0x20
    source = bytes(buffer)
    mask = _code_mask(source)
    for pattern, replacement in _GRAMMAR_GAPS:
        for match in pattern.finditer(source):
            if mask[match.start()]:
                width = match.end() - match.start()
                buffer[match.start() : match.end()] = replacement.ljust(width) if replacement != b"*" \
                    else replacement.rjust(width)
    return bytes(buffer)


def error_lines(root, limit: int = 400) -> set[int]:
    """Lines (0-based) where a macro may explain an error: those of every ERROR and MISSING node
    (at most ``limit`` lines of a long one), of the code just before it and of the heads of the
    nodes around it that start at most ``_ANCESTOR_LINES`` lines above it.

    The walk carries each node's ancestors and previous sibling: tree-sitter finds a node's parent
    by descending from the root, so asking each error for its ancestors took cubic time on deeply
    nested junk (a minute for 6 KB). An ancestor is walked past once per lower window."""
    lines: set[int] = set()
    # a link of the ancestor chain: [start line, the link above, the lowest line a walk past it reached]
    stack: list[tuple[object, list | None, object]] = [(root, None, None)]
    while stack and len(lines) < 20_000:
        node, ancestors, previous = stack.pop()
        if node.is_error or node.is_missing:
            first, last = node.start_point[0], node.end_point[0]
            lines.update(range(first, min(last, first + limit) + 1))
            if previous is not None:
                lines.update(range(previous.end_point[0], first))
                lines.add(previous.start_point[0])
            floor = first - _ANCESTOR_LINES
            link = ancestors
            while link is not None and link[0] >= floor and (link[2] is None or link[2] > floor):
                lines.add(link[0])  # the head of the declaration or statement in error
                link[2] = floor
                link = link[1]
        elif node.has_error:
            chain = [node.start_point[0], ancestors, None]
            children = node.children
            stack.extend((child, chain, children[i - 1] if i else None) for i, child in enumerate(children))
    return lines


def _line_numbers(source: bytes, offsets: list[int]) -> list[int]:
    """The 0-based line of each offset (ascending) in ``source``."""
    if not offsets:
        return []
    line_starts = [m.end() for m in re.finditer(rb"\n", source)]
    return [bisect.bisect_right(line_starts, offset) for offset in offsets]


def relaxed_errors(source: bytes, tree, parse: Callable[[bytes], object], count_errors: Callable[[object], int]) -> int:
    """Errors left in ``source`` once unexpanded macros and conditional branches are accounted for.

    ``tree`` is the parse of ``source``; ``parse`` reparses rewritten bytes (returning ``None`` when it
    times out); ``count_errors`` measures a tree's errors (``codecurate.parsing.error_bytes``).
    """
    return relax(source, tree, parse, count_errors)[2]


def relax(source: bytes, tree, parse: Callable[[bytes], object], count_errors: Callable[[object], int]):
    """``relaxed_errors`` with its work shown: the rewritten source, its tree and the errors left."""
    best = count_errors(tree.root_node)
    if not best:
        return source, tree, 0
    mended = _mend_grammar_gaps(source)
    if mended != source:
        mended_tree = parse(mended)
        if mended_tree is not None and count_errors(mended_tree.root_node) < best:
            source, tree, best = mended, mended_tree, count_errors(mended_tree.root_node)
    if _CONDITIONAL.search(source):
        flat = flatten_conditionals(source)
        flat_tree = parse(flat) if flat is not None else None
        if flat_tree is not None and count_errors(flat_tree.root_node) < best:
            source, tree, best = flat, flat_tree, count_errors(flat_tree.root_node)
    for _ in range(_MAX_ROUNDS):
        if not best:
            break
        lines = error_lines(tree.root_node)
        lines.update(_line_numbers(source, [m.start() for m in _EXPORTED_CLASS.finditer(source)]))
        rewritten = rewrite_macros(source, lines)
        if rewritten == source:
            break
        new_tree = parse(rewritten)
        if new_tree is None:
            break
        errors = count_errors(new_tree.root_node)
        if errors >= best:
            break
        source, tree, best = rewritten, new_tree, errors
    return source, tree, best
