"""Secrets written in pieces, made whole for the recognizers and mapped back to their pieces.

A secret can be split by how code is written: a private key's body one line comment per line
(``# MIIE...``, ``// MIIE...``, ``-- MIIE...``), a token across string literals joined by a
concatenation operator (``"AKIA" + "..."``, ``'sk_live_' . '...'``, ``"a" .. "b"``, ``'a' || 'b'``,
``"a" & "b"``) or written next to each other (``"AKIA" "..."`` in C and Python). A ``View`` is such
a text with what splits the secret left out: a list of spans of the original text, read one after
the other. The recognizers run on the view as on any text; what they find is mapped back to one
span per piece (``View.fragments``), so redaction replaces the secret's pieces and keeps the
markers, quotes and operators between them.

Also joined: a token's first piece in one literal and the rest in the literals near it, whatever
code stands between (variables, calls, ``concat!``, template substitutions: ``piece_views``); a
password's name at a line's end and the value alone on the next line (``label_views``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

#: Separates the segments that ``codecurate.pii.redact`` joins into one text for one presidio call
#: (and the views ``View.join`` reads as one). No recognizer pattern crosses it: none matches a NUL or
#: more than five whitespace characters in a row, and the longest look-back of a check (140
#: characters, the email's) ends inside it.
SEGMENT_BREAK = "\n\x00" + "\n" * 160

Span = tuple[int, int]

#: a string literal on one line, without escapes (an escaped quote ends the candidate); a template
#: literal without substitutions
_LITERAL = r"\"[^\"\\\n]{0,200}\"|'[^'\\\n]{0,200}'|`[^`\\\n$]{0,200}`"
#: a concatenation operator: + (most languages), . (PHP, Perl), .. (Lua), & (VB), || (SQL), ~ (D)
_OPERATOR = r"(?:\+|\.\.|\.|&|\|\||~)"
#: what may stand between two joined literals: an operator or nothing (adjacent literals), and at
#: most one line break (with a line continuation, \\ or VB's _, before it, or the operator after it)
_GAP = rf"[ \t]{{0,8}}(?:{_OPERATOR}[ \t]{{0,8}})?(?:[\\_]?\r?\n[ \t]{{0,40}}(?:{_OPERATOR}[ \t]{{0,8}})?)?"
#: a string prefix of Python (f, r, b, u, rb...) or C (u8, L...) before a quote
_PREFIX = r"(?:[rRbBuUfFL8]{1,2}(?=[\"']))?"
CONCATENATION = re.compile(rf"(?<![\w\"'`]){_PREFIX}(?:{_LITERAL})(?:{_GAP}{_PREFIX}(?:{_LITERAL}))+")
_LITERAL_AT = re.compile(f"{_PREFIX}({_LITERAL})")
#: where two literals meet: a quote, a gap that is not empty, a quote (a quick look for candidates)
_JUNCTION = re.compile(rf"[\"'`](?![\"'`]){_GAP}{_PREFIX}[\"'`]")
#: what ``codecurate.pii.scope.join_ranges`` joins two scanned ranges across
JOIN_GAP = re.compile(_GAP)
_GAP_AT = re.compile(_GAP)
#: at most this many characters of a concatenation's line before it go into its view (its context)
MAX_CONTEXT = 256

#: a line comment's marker at a line's start: # (Python, shell, Ruby, Perl, R, YAML), // (C, Go, JS,
#: Java, Rust...), -- (SQL, Lua, Haskell, Ada), ; (Lisp, assembly, INI), % (TeX, Erlang, MATLAB),
#: ! (Fortran), ' and REM (Visual Basic, batch), :: (batch), * (a block comment's inner lines), > (a quote)
LINE_COMMENT = re.compile(r"^[ \t]*(#+|//+!?|--+|;+|%+|!+|'+|(?i:rem)(?=[ \t])|::|\*|>+)[ \t]?", re.MULTILINE)
#: a line of a comment run that holds a piece of a key: a long run of key characters to its end
_KEY_LINE = re.compile(r"[A-Za-z0-9+/=_-]{16}[ \t]*\r?$", re.MULTILINE)


class View:
    """A text read from ``pieces`` of an original text (in order, not overlapping); several views
    are read as one, separated by ``SEGMENT_BREAK`` (``View.join``)."""

    __slots__ = ("pieces", "text", "offsets", "alone")

    def __init__(self, original: str, pieces: list[Span], alone: bool = False):
        self.pieces = [(start, end) for start, end in pieces if end > start]
        self.text = "".join(original[start:end] for start, end in self.pieces)
        self.offsets = [0, *accumulate(end - start for start, end in self.pieces)][:-1]
        #: per piece: whether a finding inside it alone counts (a value whose name the view put before it)
        self.alone = [alone] * len(self.pieces)

    @classmethod
    def join(cls, views: list[View]) -> View:
        """The views as one text, ``SEGMENT_BREAK`` between them (no finding crosses it)."""
        joined = cls.__new__(cls)
        joined.pieces, joined.offsets, joined.alone, texts, position = [], [], [], [], 0
        for view in views:
            joined.pieces += view.pieces
            joined.alone += view.alone
            joined.offsets += [position + offset for offset in view.offsets]
            texts.append(view.text)
            position += len(view.text) + len(SEGMENT_BREAK)
        joined.text = SEGMENT_BREAK.join(texts)
        return joined

    def counts_alone(self, start: int) -> bool:
        """Whether a finding starting at ``start`` of the view's text lies in a piece where it counts alone."""
        index = bisect_right(self.offsets, start) - 1
        return 0 <= index < len(self.alone) and self.alone[index]

    def fragments(self, start: int, end: int, original: str) -> list[Span]:
        """The spans of ``original`` that ``view.text[start:end]`` was read from, one per piece it
        touches; whitespace-only ones left out."""
        found = []
        for i in range(max(0, bisect_right(self.offsets, start) - 1), len(self.pieces)):
            offset = self.offsets[i]
            if offset >= end:
                break
            piece_start, piece_end = self.pieces[i]
            low = piece_start + max(0, start - offset)
            high = min(piece_end, piece_start + end - offset)
            if high > low and original[low:high].strip():
                found.append((low, high))
        return found


def concatenation_views(text: str) -> list[View]:
    """One view per run of joined string literals: the run's line before it (its context), the
    first literal up to its closing quote left out, the inner literals' contents, the last literal
    from its content on."""
    views = []
    if "'" not in text and '"' not in text:
        return views
    for run in _runs(text):
        literals = []
        position = run.start()
        while position < run.end():
            literal = _LITERAL_AT.match(text, position)
            literals.append(literal.span(1))
            position = _GAP_AT.match(text, literal.end()).end()
        first_start = literals[0][0]
        floor = max(0, first_start - MAX_CONTEXT)
        context = max(text.rfind("\n", floor, first_start) + 1, floor)
        pieces = [(context, literals[0][1] - 1)]
        pieces += [(start + 1, end - 1) for start, end in literals[1:-1]]
        pieces.append((literals[-1][0] + 1, literals[-1][1]))
        views.append(View(text, pieces))
    return views


def _runs(text: str):
    """``CONCATENATION``'s matches, searched from the start of each line where two literals may meet."""
    done = 0
    for junction in _JUNCTION.finditer(text):
        if junction.start() < done:
            continue  # inside a run found already
        line_start = text.rfind("\n", 0, junction.start()) + 1
        line_end = text.find("\n", junction.end())
        for candidate in CONCATENATION.finditer(text, max(line_start, done), len(text) if line_end < 0 else line_end):
            run = CONCATENATION.match(text, candidate.start())  # the whole run, past the junction
            done = run.end()
            yield run
        done = max(done, junction.start() + 1)


def comment_views(text: str) -> list[View]:
    """One view per run of at least two consecutive lines that start with the same line-comment
    marker and hold a line of key characters: each line's text after its marker, with the line
    breaks between them."""
    views = []
    run: list[tuple[int, int]] = []  # (content start, line end)
    marker = None
    position = 0
    for match in LINE_COMMENT.finditer(text):
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        if run and (match.start() != position or match.group(1) != marker):
            views += _comment_view(text, run)
            run = []
        marker = match.group(1)
        run.append((match.end(), line_end))
        position = line_end + 1
    views += _comment_view(text, run)
    return views


def _comment_view(text: str, run: list[tuple[int, int]]) -> list[View]:
    if len(run) < 2 or not any(_KEY_LINE.search(text, start, end) for start, end in run):
        return []
    pieces = []
    for start, end in run:
        pieces += [(start, end), (end, end + 1)]
    return [View(text, pieces[:-1])]


#: the names ``label_views`` looks for (lower case), then what must follow one at a line's end
_LABEL_WORDS = ("password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "api_key", "api-key")
_LABEL_END = re.compile(r"[ \t]*[:=][ \t]*\r?\n")
_ALONE = re.compile(r"[ \t]*([^\s\"'`]{4,128})[ \t]*\r?(?:\n|$)")


def _labels(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each name of ``_LABEL_WORDS`` (any case, not after a letter) followed by ``:``
    or ``=`` at its line's end, ``end`` after the line break; found with plain searches."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: the slow way
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    found = []
    for word in _LABEL_WORDS:
        position = lowered.find(word)
        while position >= 0:
            end = _LABEL_END.match(lowered, position + len(word))
            if end is not None and not (position and text[position - 1].isascii() and text[position - 1].isalpha()):
                found.append((position, end.end()))
            position = lowered.find(word, position + 1)
    return sorted(found)


def label_views(text: str) -> list[View]:
    """One view per line ending in a password's or key's name and ``:`` or ``=`` whose next line holds
    one word (after the same line-comment marker, when the name's line has one): the name's line
    from the name on, then the word (``password:`` / ``Tr0ub4dor&3``)."""
    found = []
    for start, end in _labels(text):
        line_start = text.rfind("\n", 0, start) + 1
        marker = LINE_COMMENT.match(text, line_start)
        position = end
        if marker is not None and marker.end() <= start:
            following = LINE_COMMENT.match(text, position)
            if following is None or following.group(1) != marker.group(1):
                continue
            position = following.end()
        value = _ALONE.match(text, position)
        if value is not None:
            colon = text[start:end].rstrip()
            found.append(View(text, [(start, start + len(colon)), value.span(1)], alone=True))
    return found


#: the first piece of a token ``KeyRecognizer.TOKENS`` knows, at a literal's end (or before a template's
#: ``${``), and the least length of the whole token
TOKEN_PREFIXES = {
    "AKIA": 20,
    "ASIA": 20,
    "AGPA": 20,
    "AIDA": 20,
    "AROA": 20,
    "ANPA": 20,
    "ANVA": 20,
    "AIPA": 20,
    "ghp_": 40,
    "gho_": 40,
    "ghu_": 40,
    "ghs_": 40,
    "ghr_": 40,
    "github_pat_": 33,
    "glpat-": 26,
    "xoxa-": 15,
    "xoxb-": 15,
    "xoxp-": 15,
    "xoxo-": 15,
    "xoxs-": 15,
    "xoxr-": 15,
    "AIza": 39,
    "sk_live_": 24,
    "sk_test_": 24,
    "rk_live_": 24,
    "rk_test_": 24,
    "pk_live_": 24,
    "pk_test_": 24,
    "hf_": 33,
    "npm_": 40,
}
#: where a token's first piece may start, one pattern per leading literal (each scan jumps from one
#: to the next), with how many characters of the prefix lie before the match (``sk_`` found at ``k_``)
_PIECE_STARTS = tuple(
    (re.compile(pattern + r"[A-Za-z0-9_-]*(?=[\"'`]|\$\{)"), back)
    for pattern, back in (
        (r"A(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA|Iza)", 0),
        (r"gh(?:[pousr]_|ithub_pat_)", 0),
        (r"glpat-", 0),
        (r"xox[abposr]-", 0),
        (r"k_(?:live|test)_", 1),
        (r"hf_", 0),
        (r"npm_", 0),
    )
)
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _piece_starts(text: str) -> list[Span]:
    """The first pieces of tokens in ``text``: a prefix of ``TOKEN_PREFIXES`` not after a token character,
    token characters up to a quote or a template's ``${``, shorter than the token."""
    found = []
    for pattern, back in _PIECE_STARTS:
        for match in pattern.finditer(text):
            start = match.start() - back
            if start < 0 or start and text[start - 1] in _TOKEN_CHARS:
                continue
            prefix = next((p for p in TOKEN_PREFIXES if text.startswith(p, start)), None)
            if prefix is not None and match.end() - start < TOKEN_PREFIXES[prefix]:
                found.append((start, match.end()))
    return sorted(found)


#: how far from a token's first piece the rest is looked for: lines, and literals on each side
PIECE_LINES, PIECES_AFTER, PIECES_BEFORE = 6, 3, 2


def _literal_pieces(text: str, start: int, end: int) -> list[Span]:
    """The contents of the string literals in ``text[start:end]``, in order: quoted strings on one line,
    and a template literal's text between its substitutions (whose own literals are read too)."""
    pieces: list[Span] = []
    position, depth = start, 0  # depth: inside a template's ${...}
    while position < end:
        char = text[position]
        if char in "\"'":
            close = position + 1
            while close < end and text[close] not in (char, "\n"):
                close += 2 if text[close] == "\\" else 1
            if close < end and text[close] == char:
                pieces.append((position + 1, close))
            position = close + 1
        elif char == "`" or (char == "}" and depth):
            depth -= char == "}"
            piece = position + 1
            while piece < end and text[piece] != "`" and not text.startswith("${", piece):
                piece += 2 if text[piece] == "\\" else 1
            pieces.append((position + 1, piece))
            if text.startswith("${", piece):
                depth += 1
                position = piece + 2
            else:
                position = piece + 1
        else:
            position += 1
    return [piece for piece in pieces if piece[1] > piece[0]]


def piece_views(text: str) -> list[list[View]]:
    """For each literal ending in a token's first piece (``TOKEN_PREFIXES``, shorter than the token), the
    views of that piece followed by the next one, two or three literals within ``PIECE_LINES`` lines,
    then by the one or two before it, in that order: the token's rest held by variables, a call's
    arguments, ``concat!``, a template's substitutions."""
    found = []
    for first in _piece_starts(text):
        low = high = first[0]
        for _ in range(PIECE_LINES + 1):
            low = max(0, text.rfind("\n", 0, max(low - 1, 0)))
        for _ in range(PIECE_LINES + 1):
            found_end = text.find("\n", high + 1)
            high = len(text) if found_end < 0 else found_end
        pieces = _literal_pieces(text, low, high)
        index = next((i for i, (a, b) in enumerate(pieces) if a <= first[0] < b and b == first[1]), None)
        if index is None:
            continue
        after = pieces[index + 1 : index + 1 + PIECES_AFTER]
        before = pieces[max(0, index - PIECES_BEFORE) : index][::-1]
        found.append(
            [View(text, [first, *after[:n]]) for n in range(1, len(after) + 1)]
            + [View(text, [first, *before[:n]]) for n in range(1, len(before) + 1)]
        )
    return found


def views(text: str) -> View | None:
    """Every view of ``text`` (its joined concatenations, its comment runs, its names with the value on
    the next line) read as one, or ``None`` when it has none; the last text's kept. Comment runs are
    joined only in a text holding ``PRIVATE KEY`` (a value after its name on the next comment line is
    ``label_views``' business): the same findings on the real-code corpus, 6% less CPU."""
    global _LAST
    if _LAST[0] is not text:
        found = concatenation_views(text) + label_views(text)
        if "PRIVATE KEY" in text:  # what a comment run is joined for: a key block one comment line per line
            found += comment_views(text)
        _LAST = (text, View.join(found) if found else None)
    return _LAST[1]


_LAST: tuple[str | None, View | None] = (None, None)


def without_markers(text: str, start: int, end: int) -> list[Span]:
    """``text[start:end]`` (one finding across lines) as one span per line without the line-comment
    markers, when every line after the first starts with the same marker; else the span itself."""
    if "\n" not in text[start:end]:
        return [(start, end)]
    line_start = text.rfind("\n", 0, start) + 1
    first = LINE_COMMENT.match(text, line_start)
    if first is None or first.end() > start:
        return [(start, end)]
    spans, position = [], start
    while True:
        line_end = text.find("\n", position, end)
        spans.append((position, end if line_end < 0 else line_end))
        if line_end < 0:
            break
        marker = LINE_COMMENT.match(text, line_end + 1)
        if marker is None or marker.group(1) != first.group(1) or marker.end() > end:
            return [(start, end)]
        position = marker.end()
    return [span for span in spans if text[span[0] : span[1]].strip()]
