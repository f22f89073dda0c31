"""The structure of a C or C++ file, judged without its macros: a second opinion when tree-sitter's
errors remain after ``codecurate.filters.syntax.c_macros`` has accounted for what it can.

tree-sitter reads C and C++ before the preprocessor, so what is left of its errors on real code is
mostly macros that no rule reaches (lowercase specifier macros such as zlib's ``local``, annotation
macros inside test bodies) and gaps of its grammar. The damage that makes a compiler reject a file
is of another kind, and a preprocessor-blind reader sees it reliably: a file cut short, a deleted
closing brace, a stray token, an unbalanced ``#if``, a merge conflict left in. ``structure_fault``
looks for exactly that, in every branch of every conditional, so that the syntax filter can keep a
file whose only errors are of the first kind (numbers in docs/syntax-agreement.md).
"""

from __future__ import annotations

import re

from codecurate.filters.syntax.c_macros import _CONDITIONAL, _MACRO, _blank

#: what is not code, in the order a C lexer meets it: comments, raw string literals (unterminated:
#: to the end, as a compiler reads them, which keeps the scan linear), string literals, numbers (whose
#: ``'`` digit separators are not character literals), character literals and preprocessor lines
#: (with their continuations and the block comments they open). A group named ``open_*`` matches
#: where such a comment or literal is left unclosed.
_LITERALS = (
    rb"(?=[/\"'.0-9uULR])(?:"  # the characters these start with: the engine skips the rest fast
    rb"//(?:\\\r?\n|[^\n])*"
    rb"|/\*(?:.*?\*/|(?P<open_comment>.*))"
    rb"|(?:u8|[uUL])?R\"(?P<delimiter>[^()\\\s\"]{0,16})\((?:.*?\)(?P=delimiter)\"|(?P<open_raw>.*))"
    rb"|(?:u8|[uUL])?\"(?:\\.|[^\"\\\n])*(?:\"|(?P<open_string>))"
    rb"|(?<![\w'])\.?\d(?:[eEpP][+-]|'(?=\w)|[\w.])*"
    rb"|(?:u8|[uUL])?'(?:\\.|[^'\\\n])*(?:'|(?P<open_char>))"
    rb")"
)
_COMMENTS_AND_LITERALS = re.compile(_LITERALS, re.DOTALL | re.MULTILINE)
_NOT_CODE = re.compile(
    _LITERALS + rb"|(?P<directive>^[ \t]*\#(?:/\*(?:.*?\*/|(?P<open_directive_comment>.*))|\\\r?\n|[^\n])*)",
    re.DOTALL | re.MULTILINE)
_OPEN_GROUPS = ("open_comment", "open_raw", "open_string", "open_char", "open_directive_comment")
#: a directive line: its name (none for the null directive and line markers) and the rest
_DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*([A-Za-z_]\w*)?(.*)", re.DOTALL)
_DIRECTIVE_NAMES = frozenset((
    b"include", b"include_next", b"import", b"define", b"undef", b"if", b"ifdef", b"ifndef", b"elif", b"elifdef",
    b"elifndef", b"else", b"endif", b"line", b"error", b"warning", b"pragma", b"ident", b"sccs", b"assert",
    b"unassert", b"using", b"region", b"endregion", b"embed"))
#: directives whose text is a message, free to hold any character
_MESSAGE_DIRECTIVES = frozenset((b"error", b"warning", b"pragma", b"ident", b"sccs", b"line", b"region",
                                 b"endregion"))
_INCLUDE_OPERAND = re.compile(rb"[ \t]*(?:\"[^\"\n]*\"|<[^>\n]*>|[A-Za-z_])")
_NAME_OPERAND = re.compile(rb"(?:[ \t]|\\\r?\n)+[A-Za-z_]")
_LINE_MARKER = re.compile(rb"[ \t]*(?:\d|/[*/]|\r?\n|\Z)")
#: merge conflict markers at a line start
_CONFLICT = re.compile(rb"^(?:<{7}|>{7})(?:[ \t]|$)|^={7}\r?$", re.MULTILINE)
_OPENERS = {0x28: 0x29, 0x5B: 0x5D, 0x7B: 0x7D}  # ( [ {
_CLOSERS = frozenset(_OPENERS.values())
_BRACKETS = re.compile(rb"[()\[\]{}]")
#: characters that are never C or C++ code outside literals and comments
_STRAY = re.compile(rb"[@`]")
#: configurations tried at most (a conditional with more branches has its later ones merged)
_MAX_CONFIGURATIONS = 8
#: bytes judged at most (a larger file is judged on its head: the filter's time budget rules it)
_MAX_BYTES = 4_000_000


def _blanked(source: bytes, pattern: re.Pattern) -> bytes:
    buffer = bytearray(source)
    for match in pattern.finditer(source):
        _blank(buffer, match.start(), match.end())
    return bytes(buffer)


def code_only(source: bytes) -> tuple[bytes, bool, list[tuple[int, int]]]:
    """``source`` with comments, literals and preprocessor lines blanked (offsets kept), whether a
    comment or literal is left unclosed, and where the directive lines are."""
    buffer = bytearray(source)
    unclosed = False
    directives = []
    for match in _NOT_CODE.finditer(source):
        _blank(buffer, match.start(), match.end())
        if match.lastgroup is not None:
            unclosed = unclosed or any(match.group(name) is not None for name in _OPEN_GROUPS)
            if match.group("directive") is not None:
                directives.append(match.span())
    return bytes(buffer), unclosed, directives


def _directive_fault(source: bytes, spans: list[tuple[int, int]]) -> bool:
    """Whether a directive line of ``source`` is malformed: an unknown directive, an ``#include`` of
    no file, a ``#define`` of no name, a stray character, or unpaired brackets in an ``#if``."""
    if not spans:
        return False
    for start, end in spans:
        match = _DIRECTIVE.match(source, start, end)
        name, rest = match.group(1), match.start(2)
        # the directive's text with its comments and literals blanked, at the same offsets
        literals_blanked = b" " * rest + _blanked(source[rest:end], _COMMENTS_AND_LITERALS)
        if name is None:
            if not _LINE_MARKER.match(literals_blanked, rest, end):
                return True
            continue
        if name not in _DIRECTIVE_NAMES:
            return True
        operand = _INCLUDE_OPERAND if name in (b"include", b"include_next", b"import") else \
            _NAME_OPERAND if name in (b"define", b"undef") else None
        if operand is not None and not operand.match(source, rest, end):
            return True
        if name not in _MESSAGE_DIRECTIVES and _STRAY.search(literals_blanked, rest, end):
            return True
        if name in (b"if", b"elif") and _bracket_fault(literals_blanked[rest:end]):
            return True
    return False


_DEFINED = re.compile(rb"(!?)defined\(?(\w+)\)?")


def _condition_key(directive: bytes, written: bytes) -> tuple[bytes, bool]:
    """What a conditional tests, and whether it tests its negation: ``#ifndef X``, ``#if !defined(X)``
    and ``#if !X`` test ``X`` negated, so that a configuration can hold them consistently."""
    text = re.sub(rb"\s+", b"", written)
    if directive != b"if":
        return text, directive == b"ifndef"
    defined = _DEFINED.fullmatch(text)
    if defined:
        return defined.group(2), bool(defined.group(1))
    if text.startswith(b"!") and not text.startswith(b"!="):
        return text[1:], True
    return text, False


def _conditionals(source: bytes):
    """The conditional directives of ``source`` as ``(match, group)`` pairs, where ``group`` numbers
    the ``#if`` a directive belongs to; per group its branch count, whether it is an ``#if 0``, and
    what it tests (``_condition_key``); and the fault of a malformed condition or a comment left open
    (``None`` when there is none). ``None`` when the directives do not balance."""
    directives = []
    groups: list[list] = []  # [branches, never, key, negated]
    stack: list[int] = []
    bad = False
    open_comment = False
    buffer = bytearray(source)
    for match in _COMMENTS_AND_LITERALS.finditer(source):
        _blank(buffer, match.start(), match.end())
        open_comment = open_comment or match.group("open_comment") is not None  # even where skipped
    for match in _CONDITIONAL.finditer(buffer):
        directive, condition = match.group(1), match.group(2)
        written = source[match.start(2) : match.end(2)].split(b"//")[0].split(b"/*")[0].strip()
        if directive in (b"if", b"elif"):
            bad = bad or _STRAY.search(condition) is not None or _bracket_fault(condition) or not written
        elif directive in (b"ifdef", b"ifndef", b"elifdef", b"elifndef"):
            bad = bad or _NAME_OPERAND.match(condition) is None
        if directive in (b"if", b"ifdef", b"ifndef"):
            stack.append(len(groups))
            never = directive == b"if" and written in (b"0", b"(0)", b"false")
            groups.append([1, never, *_condition_key(directive, written)])
        elif not stack:
            return None
        elif directive != b"endif":
            groups[stack[-1]][0] += 1
        directives.append((match, stack[-1]))
        if directive == b"endif":
            stack.pop()
    fault = "unclosed_literal" if open_comment else "bad_directive" if bad else None
    return (directives, groups, fault) if not stack else None


def _choices(groups: list[list], pick: int) -> list[int]:
    """The branch each conditional takes in configuration ``pick`` (-1: none). The first conditional
    with several branches that tests a condition takes branch ``pick`` (its last when it has fewer), or
    else the first that tests it takes its branch; the others testing the same condition follow it
    (``#ifdef X`` after ``#ifndef X`` takes the other side); an ``#if 0`` branch is never taken."""
    decided: dict[bytes, tuple[int, bool]] = {}  # condition -> (deciding group, condition holds)
    for group, (branches, never, key, negated) in enumerate(groups):
        if branches > 1 and not never and key not in decided:
            decided[key] = (group, (min(pick, branches - 1) == 0) != negated)
    for group, (_, never, key, negated) in enumerate(groups):  # conditions no #else decides
        if not never and key not in decided:
            decided[key] = (group, not negated)
    choices = []
    for group, (branches, never, key, negated) in enumerate(groups):
        if never:
            choice = max(1, min(pick, branches - 1)) if branches > 1 else -1
        elif key not in decided:
            choice = 0
        elif decided[key][0] == group:
            choice = min(pick, branches - 1)
        else:
            choice = 0 if decided[key][1] != negated else (branches - 1 if branches > 1 else -1)
        choices.append(choice)
    return choices


def configurations(source: bytes, found=False) -> list[bytes] | None:
    """Preprocessor configurations of ``source`` that between them hold every branch of every
    conditional (``_choices``), with directive lines blanked; ``None`` when the conditionals do not
    balance, which a compiler rejects. ``found``: ``_conditionals(source)`` when already known."""
    found = _conditionals(source) if found is False else found
    if found is None:
        return None
    directives, groups, _ = found
    if not directives:
        return [source]
    results = []
    for pick in range(min(_MAX_CONFIGURATIONS, max(group[0] for group in groups))):
        choices = _choices(groups, pick)
        buffer = bytearray(source)
        stack: list[list] = []  # per open conditional: [branch index now, skipping this branch]
        skipping = 0  # open conditionals skipping their branch now
        skip_from = 0
        for match, group in directives:
            directive = match.group(1)
            was_skipping = skipping > 0
            if directive in (b"if", b"ifdef", b"ifndef"):
                stack.append([0, choices[group] != 0])
                skipping += stack[-1][1]
            elif directive == b"endif":
                skipping -= stack.pop()[1]
            else:
                entry = stack[-1]
                entry[0] += 1
                now = entry[0] != choices[group]
                skipping += now - entry[1]
                entry[1] = now
            if skipping and not was_skipping:
                skip_from = match.end()
            elif was_skipping and not skipping:
                _blank(buffer, skip_from, match.start())
            _blank(buffer, match.start(), match.end())
        results.append(bytes(buffer))
    return results


def _bracket_fault(code: bytes) -> bool:
    """Whether the brackets of ``code`` (literals and comments blanked) fail to pair."""
    stack: list[int] = []
    for match in _BRACKETS.finditer(code):
        char = code[match.start()]
        if char in _OPENERS:
            stack.append(_OPENERS[char])
        elif not stack or stack.pop() != char:  # a closer
            return True
    return bool(stack)


def _open_end(code: bytes) -> bool:
    """Whether ``code`` stops inside a statement: its last token is none of ``;``, ``}``, a macro
    name (``G_END_DECLS``) or the closing parenthesis of a macro use (``TEST_MAIN()``)."""
    stripped = code.rstrip()
    if not stripped:
        return False
    last = stripped[-1]
    if last in b";}":
        return False
    if last == 0x29:  # ")": a macro use closes the file
        depth = 0
        for index in range(len(stripped) - 1, -1, -1):
            char = stripped[index]
            if char == 0x29:
                depth += 1
            elif char == 0x28:
                depth -= 1
                if not depth:
                    stripped = stripped[:index].rstrip()
                    break
        else:
            return True
    match = re.search(rb"[A-Za-z_]\w*\Z", stripped)
    return match is None or _MACRO.fullmatch(match.group()) is None


def structure_fault(source: bytes) -> str | None:
    """Why ``source`` (C or C++) is broken in a way no macro explains, or ``None`` when it is not:
    ``unbalanced_conditionals``, ``unclosed_literal`` (a comment, string or character literal left
    open), ``bad_directive`` (an unknown directive, an ``#include`` of no file, a ``#define`` of no
    name, a stray character or unpaired brackets in a directive), ``conflict_marker``,
    ``stray_character`` (``@`` or a backtick in code),
    ``unbalanced_brackets`` (in any configuration of its conditionals) or ``open_end`` (the file
    stops inside a statement)."""
    source = source[:_MAX_BYTES]
    # conditionals are found in the source, where directive lines still stand
    conditionals = _conditionals(source)
    if conditionals is None:
        return "unbalanced_conditionals"
    if conditionals[2] is not None:
        return conditionals[2]
    variants = configurations(source, conditionals)
    first_code = b""
    for variant in variants:
        code, unclosed, directives = code_only(variant)
        first_code = first_code or code
        if unclosed:
            return "unclosed_literal"
        if _directive_fault(variant, directives):
            return "bad_directive"
        if _CONFLICT.search(code):
            return "conflict_marker"
        if _STRAY.search(code):
            return "stray_character"
        if _bracket_fault(code):
            return "unbalanced_brackets"
    if _open_end(first_code):
        return "open_end"
    return None
