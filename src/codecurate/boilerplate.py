"""Leading boilerplate of a source file: the comment blocks at its top, which of them are a licence
or copyright header, and the text near dedup shingles once the boilerplate is left out.

A file's **leading comment blocks** are the comments before its first line of code, after a BOM,
a shebang line and an opening ``<?php`` or ``<?xml ...?>`` line; a blank line or a change of comment
style starts a new block (Python's module docstring counts as one). The comment syntax is the
language's (``codecurate.languages``). A block is **boilerplate** when it reads as licence text
(``is_licence_text``) or when the repository repeats it (the same words, digits aside, at the top
of ``repeats`` or more of its files; ``header_key`` is what is compared). Near dedup shingles the
text with its boilerplate blocks blanked out; the document's text is never changed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
from dataclasses import dataclass

from codecurate.languages import LANGUAGES, Language

#: Only the top of a file is searched for its header (characters).
MAX_HEADER_CHARS = 32_000
#: Base names of licence and notice files (lower case, ``fnmatch`` patterns), as the licence stage names them.
NOTICE_FILE_PATTERNS = ("license*", "licence*", "copying*", "notice*", "unlicense*", "copyright*", "legal*",
                        "*-license", "*-licence", "*_license", "*.license", "patents*")
#: Extensions a licence or notice file may have (a ``license.c`` is code, not a licence file).
NOTICE_FILE_EXTENSIONS = ("", ".txt", ".md", ".markdown", ".rst", ".html", ".htm", ".adoc", ".asciidoc",
                          ".org", ".text", ".mit", ".apache", ".bsd", ".gpl", ".lgpl")

_LICENCE_SIGNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\bcopyright\b|\(c\)\s*(?:\d|[a-z])|©",
    r"\blicen[cs](?:e[ds]?|ing)\b",
    r"\bwarrant(?:y|ies)\b",
    r"\ball rights reserved\b",
    r"permission is hereby granted|redistribution and use|free software|you may not use this file|"
    r"public license|\b(?:L?GPL|MIT|BSD|Apache|MPL|EPL)\b|creative commons|public domain",
))
_SPDX = re.compile(r"SPDX-License-Identifier\s*:", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+")
_TRIPLE = re.compile(r"""[rRuUbB]{0,2}(\"\"\"|''')""")
_PROLOGUE = re.compile(r"\A(?:\ufeff)?(?:#![^\n]*\n|<\?php[ \t]*\n|<\?xml[^\n]*\?>[ \t]*\n)?")


@dataclass(frozen=True)
class HeaderBlock:
    """One leading comment block: ``[start, end)`` character offsets in the text, and its text."""

    start: int
    end: int
    text: str


def is_licence_text(text: str) -> bool:
    """Whether a comment block reads as a licence or copyright header: an SPDX identifier, or two
    of copyright, licence, warranty, "all rights reserved" and the words of a licence's grant or name."""
    if _SPDX.search(text):
        return True
    return sum(1 for sign in _LICENCE_SIGNS if sign.search(text)) >= 2


def is_notice_file(path: str | None) -> bool:
    """Whether ``path`` names a licence or notice file (``LICENSE``, ``COPYING.txt``, ``NOTICE.md``...)."""
    if not path:
        return False
    name = posixpath.basename(path).lower()
    stem, ext = posixpath.splitext(name)
    if ext not in NOTICE_FILE_EXTENSIONS:
        stem, ext = name, ""  # LICENSE.APACHE2, COPYING.LIB: the whole name is the stem
        if any(name.endswith(e) for e in (".c", ".h", ".py", ".java", ".cs", ".js", ".go", ".rs", ".cpp", ".rb")):
            return False
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(stem, p) for p in NOTICE_FILE_PATTERNS)


def header_key(block: str, repository: str = "") -> int:
    """What two files' header blocks must share to be the same header of a repository: the
    repository and the block's words, lower case, digits and punctuation left out (years and version
    numbers change from file to file); a 64-bit hash."""
    words = " ".join(_WORDS.findall(block.lower()))
    digest = hashlib.blake2b(f"{repository}\0{words}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def leading_comment_blocks(text: str, language: Language | str | None,
                           max_chars: int = MAX_HEADER_CHARS) -> list[HeaderBlock]:
    """The comment blocks at the top of ``text``, in order (none for a language without comments)."""
    if isinstance(language, str) or language is None:
        language = LANGUAGES.get(language or "")
    if language is None:
        return []
    line, block = language.line_comment, language.block_comment
    python = language.name == "Python"
    if not line and not block and not python:
        return []
    head = text[:max_chars]
    pos = _PROLOGUE.match(head).end()
    blocks: list[HeaderBlock] = []
    current: int | None = None  # start of the line-comment block being read
    current_end = 0
    size = len(head)
    while pos < size:
        eol = _line_end(head, pos)
        stripped = head[pos:eol].strip()
        indent = pos + len(head[pos:eol]) - len(head[pos:eol].lstrip())
        if not stripped:  # a blank line ends a line-comment block
            if current is not None:
                blocks.append(HeaderBlock(current, current_end, head[current:current_end]))
                current = None
            pos = eol
            continue
        if line and stripped.startswith(line) and not (block and stripped.startswith(block[0])):
            if current is None:
                current = pos
            current_end = eol
            pos = eol
            continue
        if current is not None:
            blocks.append(HeaderBlock(current, current_end, head[current:current_end]))
            current = None
        if block and stripped.startswith(block[0]):
            close = head.find(block[1], indent + len(block[0]))
            if close < 0:
                break  # unclosed within the searched head: not a header we can delimit
            end = close + len(block[1])
            rest_end = _line_end(head, end)
            if head[end:rest_end].strip():
                break  # code follows the comment on its line
            blocks.append(HeaderBlock(pos, rest_end, head[pos:rest_end]))
            pos = rest_end
            continue
        quote = _TRIPLE.match(head, indent) if python else None
        if quote:
            close = head.find(quote.group(1), quote.end())
            if close < 0:
                break
            end = close + 3
            rest_end = _line_end(head, end)
            if head[end:rest_end].strip():
                break
            blocks.append(HeaderBlock(pos, rest_end, head[pos:rest_end]))
            pos = rest_end
            continue
        break
    if current is not None:
        blocks.append(HeaderBlock(current, current_end, head[current:current_end]))
    return blocks


def strip_blocks(text: str, blocks: list[HeaderBlock]) -> str:
    """``text`` with ``blocks`` replaced by a newline each (what is shingled)."""
    if not blocks:
        return text
    parts, pos = [], 0
    for b in blocks:
        parts.append(text[pos : b.start])
        parts.append("\n")
        pos = b.end
    parts.append(text[pos:])
    return "".join(parts)

