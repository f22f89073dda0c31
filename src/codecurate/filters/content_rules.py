"""Content rules of Ling-Coder-Lite (section 2.2.1): documents dominated by URLs/IPs, by emails,
phone numbers and date-times, holding garbled characters, or made of repetition.

Every pattern has bounded repetition, so no input makes a rule slower than linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register

URL = re.compile(r"(?:https?|ftp|wss?)://[^\s<>\"'`]{1,2048}|www\.[^\s<>\"'`]{1,2048}")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])"
                  r"|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?![\w:])")
#: The domain part of an email, found from its "@"; the local part is walked back from there.
EMAIL_DOMAIN = re.compile(r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}")
PHONE = re.compile(r"(?<!\w)(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .-]\d{3,4}[ .-]\d{3,4}(?!\w)")
DATETIME = re.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
    r"|(?<!\d)\d{1,2}/\d{1,2}/\d{2,4}(?!\d)"
    r"|(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])"
)
#: Mojibake: UTF-8 decoded as Latin-1/cp1252, the usual shapes.
MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€[\u0080-\u00bf\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
                      "|Â[\u00a0-\u00bf]")
GARBLED = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f-\x9f]")

_WHITESPACE = b" \t\n\r\f\v"
_ASCII_GARBLED = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
#: Every character an IPv4/IPv6 match can hold, and every one a phone number or date-time can hold
#: (whitespace aside): counting them bounds a share from above, so most documents skip the regexes.
_IP_CHARS = b"0123456789abcdefABCDEF.:"
_CONTACT_CHARS = b"0123456789-/:.+()TZ"
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def _count(raw: bytes, chars: bytes) -> int:
    return len(raw) - len(raw.translate(None, chars))


def email_spans(text: str) -> list[tuple[int, int]]:
    """Spans of email addresses: a domain after "@" and 1 to 64 local-part characters before it."""
    spans = []
    for match in EMAIL_DOMAIN.finditer(text):
        at = match.start()
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        if start < at:
            spans.append((start, match.end()))
    return spans


def covered(text: str, spans: list[tuple[int, int]]) -> int:
    """Non-whitespace characters of ``text`` inside the union of ``spans``."""
    total = 0
    end_so_far = 0
    for start, end in sorted(spans):
        start = max(start, end_so_far)
        if end > start:
            piece = text[start:end]
            total += len(piece) - sum(piece.count(ch) for ch in " \t\n\r\f\v")
            end_so_far = end
    return total


def spans_of(text: str, patterns: Iterable[re.Pattern]) -> list[tuple[int, int]]:
    return [m.span() for pattern in patterns for m in pattern.finditer(text)]


def covered_share(text: str, patterns: Iterable[re.Pattern]) -> float:
    """Share of ``text``'s non-whitespace characters inside a match of any pattern (overlaps once)."""
    visible = len(text) - sum(text.count(ch) for ch in " \t\n\r\f\v")
    return covered(text, spans_of(text, patterns)) / visible if visible else 0.0


#: a line that only closes or opens a block: punctuation (``}``, ``});``, ``*/``, ``//``), or one
#: block keyword in punctuation (``end``, ``fi``, ``#endif``, ``break;``, ``} else {``), or one bare
#: annotation (``@Test``, ``#[test]``, ``[Fact]``); a line of a data table (``INVALID_ENTRY,``, ``0,``) is none
_STRUCTURAL = re.compile(
    r"\W*(?:(?:end|fi|done|esac|then|do|else|elif|endif|endfor|endwhile|endforeach|endswitch|begin|try"
    r"|finally|catch|except|pass|break|continue|return|default|loop|wend|next|end\s?if|end\s?sub"
    r"|end\s?function|end\s?module|end\s?select|in|let|where|defer|ensure|rescue|otherwise|end\s?case)"
    r"\W*)?"
    r"|@[A-Za-z_]\w*|#!?\[[A-Za-z_]\w*\]|\[[A-Za-z_]\w*\]", re.IGNORECASE)
#: longer lines are never structural (and the pattern stays linear)
_STRUCTURAL_CHARS = 24
#: below this share of non-structural lines a file is judged on all its lines (a column of ``"",``)
_MIN_CONTENT_SHARE = 0.3
#: a parenthesis open over more lines than this joins none of them (a table, a column of ``foo(``)
MAX_STATEMENT_LINES = 32
REPETITION_MEASURES = ("statements", "code_lines", "all_lines")


def statements(lines: list[str]) -> list[str]:
    """Lines joined from one that opens a parenthesis to the one that closes it, when that is at
    most ``MAX_STATEMENT_LINES`` lines: a call or a signature a formatter laid out one argument a
    line is one statement; the lines of a longer or unclosed one stay lines."""
    joined: list[str] = []
    parts: list[str] = []
    depth = 0
    for line in lines:
        parts.append(line)
        depth = max(0, depth + line.count("(") - line.count(")"))
        if depth == 0:
            joined.append(" ".join(parts))
            parts = []
        elif len(parts) >= MAX_STATEMENT_LINES:
            joined += parts
            parts, depth = [], 0
    return joined + parts


def line_repetition(text: str, measure: str = "statements") -> float:
    """Share of non-blank lines (stripped) that repeat an earlier line.

    ``"all_lines"`` counts every line, as Ling-Coder-Lite words the rule. ``"code_lines"`` leaves
    out lines that only open or close a block (``}``, ``end``, ``fi``, ``#endif``, ``break;``):
    every language repeats them by its grammar, and they made maintained code cross 70% (Swift
    tests, a C# reader's async twin, Ruby's ``end``). A file that is mostly such lines (a column of
    ``"",``) is judged on all of them. ``"statements"`` (the default) does the same on statements:
    the lines of a call or signature that a formatter (rustfmt, Prettier) laid out one argument a
    line are joined first (``statements``), so ``a0: ArgReg<'_, A0>,`` in twelve signatures, or one
    ``target_os = "ios",`` in sixty ``#[cfg(...)]`` lists, is not twelve or sixty repeated lines.
    """
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return 0.0
    if measure == "statements":
        lines = statements(lines)
    if measure in ("code_lines", "statements"):
        content = [line for line in lines if len(line) > _STRUCTURAL_CHARS or not _STRUCTURAL.fullmatch(line)]
        if len(content) >= _MIN_CONTENT_SHARE * len(lines):
            lines = content
    return 1 - len(set(lines)) / len(lines) if lines else 0.0


def word_duplication(text: str, n: int = 5) -> float:
    """Share of word ``n``-grams (words: whitespace-separated tokens) that repeat an earlier one.

    The plain share of repeated words is no measure for code: identifiers repeat by design (on the
    installed packages' Python files its median is 0.64 and 38% of files exceed 0.7), while
    repeated 5-grams mark copy-paste and generated filler (median 0.05, none above 0.7).
    """
    words = text.split()
    if len(words) < n:
        return 0.0
    grams = list(zip(*(words[i:] for i in range(n))))
    return 1 - len(set(grams)) / len(grams)


@register("content_rules")
class ContentRulesFilter(CodecurateFilter):
    """Drop documents by Ling-Coder-Lite's content rules; a threshold of ``None`` disables a rule.

    Reasons: ``url_ip_share`` (URLs and IPv4/6 addresses above ``max_url_ip_share`` of the
    non-whitespace characters), ``contact_datetime_share`` (emails, phone numbers and date-times
    above ``max_contact_datetime_share``), ``garbled`` (more than ``max_garbled_chars`` replacement
    characters, stray control characters or mojibake sequences), ``line_repetition`` and
    ``word_duplication`` (above ``max_line_repetition`` / ``max_word_duplication``, see
    ``line_repetition`` and ``word_duplication``). ``repetition_measure``: ``"statements"`` (a file
    whose lines repeat above the limit is judged again on its statements, a call's or signature's
    lines joined, and kept when they do not: never dropped for its statements alone), ``"code_lines"``
    (lines that only open or close a block left out) or ``"all_lines"`` (the paper's wording).
    """

    name = "content_rules"

    def __init__(
        self,
        max_url_ip_share: float | None = 0.6,
        max_contact_datetime_share: float | None = 0.5,
        max_garbled_chars: int | None = 0,
        max_line_repetition: float | None = 0.7,
        max_word_duplication: float | None = 0.7,
        duplication_ngram: int = 5,
        repetition_measure: str = "statements",
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        for label, value in (("max_url_ip_share", max_url_ip_share),
                             ("max_contact_datetime_share", max_contact_datetime_share),
                             ("max_line_repetition", max_line_repetition),
                             ("max_word_duplication", max_word_duplication)):
            if value is not None and not 0 <= value <= 1:
                raise ValueError(f"{label} must be in [0, 1] or null, got {value}")
        if max_garbled_chars is not None and max_garbled_chars < 0:
            raise ValueError(f"max_garbled_chars must be >= 0 or null, got {max_garbled_chars}")
        if repetition_measure not in REPETITION_MEASURES:
            raise ValueError(f"repetition_measure must be one of {REPETITION_MEASURES}, got {repetition_measure!r}")
        if duplication_ngram < 1:
            raise ValueError(f"duplication_ngram must be >= 1, got {duplication_ngram}")
        self.max_url_ip_share = max_url_ip_share
        self.max_contact_datetime_share = max_contact_datetime_share
        self.max_garbled_chars = max_garbled_chars
        self.max_line_repetition = max_line_repetition
        self.max_word_duplication = max_word_duplication
        self.duplication_ngram = duplication_ngram
        self.repetition_measure = repetition_measure

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        text = document.text
        raw = text.encode("utf-8", errors="surrogatepass")
        if self.max_garbled_chars is not None:
            if len(raw) == len(text):  # ASCII: only stray control characters can be garbled
                garbled = _count(raw, _ASCII_GARBLED)
            else:
                garbled = len(GARBLED.findall(text)) + len(MOJIBAKE.findall(text))
            if garbled > self.max_garbled_chars:
                document.metadata[keys.EVIDENCE] = {"count": garbled, "limit": self.max_garbled_chars}
                return False, "garbled"
        if self.max_url_ip_share is not None or self.max_contact_datetime_share is not None:
            visible = len(text) - _count(raw, _WHITESPACE)
            reason = self._share_above(text, raw, visible) if visible else None
            if reason:
                return False, reason
        if self.max_line_repetition is not None:
            by_statements = self.repetition_measure == "statements"
            share = line_repetition(text, "code_lines" if by_statements else self.repetition_measure)
            if share > self.max_line_repetition and by_statements:  # statements only where lines repeat
                share = min(share, line_repetition(text, "statements"))
            if share > self.max_line_repetition:
                document.metadata[keys.EVIDENCE] = {"share": round(share, 4), "limit": self.max_line_repetition}
                return False, "line_repetition"
        if self.max_word_duplication is not None:
            share = word_duplication(text, self.duplication_ngram)
            if share > self.max_word_duplication:
                document.metadata[keys.EVIDENCE] = {"share": round(share, 4), "limit": self.max_word_duplication}
                return False, "word_duplication"
        return True

    def _share_above(self, text: str, raw: bytes, visible: int) -> str | None:
        """The share rule ``text`` breaks, if any; the regexes run only when the bound allows it."""
        if self.max_url_ip_share is not None:
            limit = self.max_url_ip_share * visible
            spans = spans_of(text, (URL,)) if ("://" in text or "www." in text) else []
            if (covered(text, spans) + _count(raw, _IP_CHARS) > limit
                    and covered(text, spans + spans_of(text, (IPV4, IPV6))) > limit):
                return "url_ip_share"
        if self.max_contact_datetime_share is not None:
            limit = self.max_contact_datetime_share * visible
            spans = email_spans(text) if "@" in text else []
            if (covered(text, spans) + _count(raw, _CONTACT_CHARS) > limit
                    and covered(text, spans + spans_of(text, (PHONE, DATETIME))) > limit):
                return "contact_datetime_share"
        return None
