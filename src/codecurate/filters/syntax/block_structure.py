"""The structure of a C#, Swift, Kotlin or PowerShell file, judged without its grammar: what decides
the syntax filter in those languages (numbers in docs/syntax-agreement.md, issue 30).

tree-sitter's grammars of these languages lag them (Swift's ``sending`` and ``nonisolated(unsafe)``,
Kotlin's ``..<`` and a primary constructor on its own line), and C# and Swift split statements
across ``#if`` branches that no single parse sees whole: on released code their errors drop 5-26% of
valid files. The damage that breaks a file is of another kind, and a reader that knows only the
language's comments and literals sees it as reliably as for C (``codecurate.filters.syntax.c_structure``,
whose conditional configurations this module reuses): a file cut short, a deleted or stray bracket,
a literal or comment left open, a character the language never has in code, an unbalanced ``#if``,
a merge conflict, a file that stops on an operator.

Each language's lexer knows its comments (nested in Kotlin and Swift), strings with their
interpolations (Kotlin ``${...}``, Swift ``\\(...)``, C# ``{...}`` in ``$"..."``, PowerShell
``$(...)``), raw and verbatim strings (Swift ``#"..."#``, C# ``@"..."`` and ``\"\"\"...\"\"\"``,
PowerShell here-strings), character literals and backquoted names. What it does not know (a Swift
regex literal ``/.../``) reads as code.
"""

from __future__ import annotations

import re

from codecurate.filters.syntax.c_macros import _blank
from codecurate.filters.syntax.c_structure import _CONFLICT, _bracket_fault, _conditionals, configurations

#: languages judged here
LANGUAGES = frozenset({"C#", "Swift", "Kotlin", "PowerShell"})
#: bytes judged at most (a larger file is judged on its head)
_MAX_BYTES = 4_000_000
#: interpolations nested deeper than this are read as the end of the file (a fault)
_MAX_DEPTH = 64


class _Unclosed(Exception):
    """A literal or comment runs to the end of the file."""


class _Lexer:
    """Blanks the comments and literals of one language in a copy of the source (newlines kept)."""

    #: what starts a comment, literal or name in code; subclasses set it
    starts: re.Pattern
    #: the interpolation's closing bracket inside a string (``}`` or ``)``), and its opener
    interpolation_close = 0x7D

    def __init__(self, source: bytes):
        self.source = source
        self.buffer = bytearray(source)
        self.depth = 0
        #: where the last literal ends (a file may end on one: ``val x = "a"``)
        self.literal_end = 0

    def run(self) -> bool:
        """Blank comments and literals; ``False`` when one is left open."""
        try:
            self.code(0, None)
        except (_Unclosed, RecursionError):
            return False
        return True

    def code(self, index: int, closer: int | None) -> int:
        """Scan code from ``index`` to the ``closer`` that ends an interpolation (past it), or the end."""
        source = self.source
        opener = {0x7D: 0x7B, 0x29: 0x28}.get(closer or 0)
        nested = 0
        while True:
            match = self.starts.search(source, index)
            if match is None:
                if closer is not None:
                    raise _Unclosed
                return len(source)
            index = match.start()
            char = source[index]
            if closer is not None and char in (opener, closer):
                if char == opener:
                    nested += 1
                elif nested:
                    nested -= 1
                else:
                    return index + 1
                index += 1
                continue
            end = self.token(match)
            if end is None:  # not a literal after all
                index = match.end()
                continue
            index = end

    def token(self, match: re.Match) -> int | None:
        raise NotImplementedError

    def blank(self, start: int, end: int) -> None:
        _blank(self.buffer, start, end)

    def literal(self, start: int, end: int) -> int:
        """Blank the literal ``source[start:end]``; returns ``end``."""
        _blank(self.buffer, start, end)
        self.literal_end = end
        return end

    def comment(self, start: int, nested: bool) -> int:
        """Past the block comment opening at ``start``."""
        source = self.source
        depth, index = 0, start
        pattern = _NESTED_COMMENT if nested else _COMMENT_END
        while True:
            match = pattern.search(source, index)
            if match is None:
                raise _Unclosed
            if match.group() == b"/*":
                depth += 1
            else:
                depth -= 1
            index = match.end()
            if depth <= 0 and index > start + 2:
                self.blank(start, index)
                return index

    def backquoted(self, start: int) -> int:
        """Past the backquoted name opening at ``start`` (Kotlin's and Swift's), which ends on its line."""
        end = self.source.find(b"`", start + 1)
        newline = self.source.find(b"\n", start + 1)
        if end < 0 or 0 <= newline < end:
            raise _Unclosed
        return self.literal(start, end + 1)

    def line_comment(self, start: int) -> int:
        end = self.source.find(b"\n", start)
        end = len(self.source) if end < 0 else end
        self.blank(start, end)
        return end

    def interpolate(self, index: int, closer: int) -> int:
        """Scan an interpolation's code from ``index``; past its closer."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Unclosed
        try:
            return self.code(index, closer)
        finally:
            self.depth -= 1


_COMMENT_END = re.compile(rb"\*/|/\*")
_NESTED_COMMENT = re.compile(rb"/\*|\*/")


class _KotlinLexer(_Lexer):
    starts = re.compile(rb'//|/\*|"""|"|\'|`|[{}]')

    def token(self, match: re.Match) -> int | None:
        start, text = match.start(), match.group()
        source = self.source
        if text == b"//":
            return self.line_comment(start)
        if text == b"/*":
            return self.comment(start, nested=True)
        if text == b"`":
            return self.backquoted(start)
        if text == b"'":
            literal = _KOTLIN_CHAR.match(source, start)
            if literal is None:
                raise _Unclosed
            self.literal(start, literal.end())
            return literal.end()
        if text in (b"{", b"}"):
            return None
        raw = text == b'"""'
        index = start + len(text)
        pattern = _KOTLIN_RAW if raw else _KOTLIN_STRING
        while True:
            found = pattern.search(source, index)
            if found is None:
                raise _Unclosed
            piece = found.group()
            if piece == b"\n":
                raise _Unclosed
            if piece == b"${":
                self.blank(start, found.start())
                index = self.interpolate(found.end(), 0x7D)
                start = index
                continue
            if piece.startswith(b"\\"):
                index = found.end()
                continue
            end = found.end()
            while raw and end < len(source) and source[end] == 0x22:  # """" ends on the last quote
                end += 1
            self.literal(start, end)
            return end


_KOTLIN_CHAR = re.compile(rb"'(?:\\u[0-9A-Fa-f]{4}|\\.|[^'\\\n])'")
_KOTLIN_STRING = re.compile(rb'\\.|\$\{|"|\n')
_KOTLIN_RAW = re.compile(rb'\$\{|"""')


class _SwiftLexer(_Lexer):
    starts = re.compile(rb'//|/\*|#+"|"|`|[()]')
    interpolation_close = 0x29

    def token(self, match: re.Match) -> int | None:
        start, text = match.start(), match.group()
        source = self.source
        if text == b"//":
            return self.line_comment(start)
        if text == b"/*":
            return self.comment(start, nested=True)
        if text == b"`":
            return self.backquoted(start)
        if text in (b"(", b")"):
            return None
        hashes = text.count(b"#")
        index = match.end()
        multi = source[index : index + 2] == b'""'
        if multi:
            index += 2
        close = (b'"""' if multi else b'"') + b"#" * hashes
        escape = b"\\" + b"#" * hashes
        pattern = re.compile(re.escape(escape) + rb"(?:\(|.)|" + re.escape(close) + (b"" if multi else rb"|\n"),
                             re.DOTALL)
        while True:
            found = pattern.search(source, index)
            if found is None:
                raise _Unclosed
            piece = found.group()
            if piece == b"\n":
                raise _Unclosed
            if piece.startswith(escape) and piece != close:
                if piece.endswith(b"(") and len(piece) == len(escape) + 1:
                    self.blank(start, found.start())
                    index = self.interpolate(found.end(), 0x29)
                    start = index
                    continue
                index = found.end()
                continue
            self.literal(start, found.end())
            return found.end()


class _CSharpLexer(_Lexer):
    starts = re.compile(rb'//|/\*|\$*@\$*"|\$*"+|\'|^[ \t]*#|[{}]', re.MULTILINE)

    def token(self, match: re.Match) -> int | None:
        start, text = match.start(), match.group()
        source = self.source
        if text == b"//":
            return self.line_comment(start)
        if text == b"/*":
            return self.comment(start, nested=False)
        if text.endswith(b"#"):  # a directive line: left as it is, for the configurations
            end = source.find(b"\n", start)
            return len(source) if end < 0 else end
        if text == b"'":
            literal = _CSHARP_CHAR.match(source, start)
            if literal is None:
                raise _Unclosed
            self.literal(start, literal.end())
            return literal.end()
        if text in (b"{", b"}"):
            return None
        dollars = text.count(b"$")
        verbatim = b"@" in text
        quotes = len(text) - dollars - verbatim
        if quotes >= 3:  # a raw string literal: ends on as many quotes
            close = b'"' * quotes
            end = source.find(close, match.end())
            if end < 0:
                raise _Unclosed
            end += quotes
            while end < len(source) and source[end] == 0x22:
                end += 1
            self.literal(start, end)
            return end
        if quotes == 2:  # an empty string ""
            self.literal(start, match.end())
            return match.end()
        index = match.end()
        pattern = _VERBATIM if verbatim else _REGULAR
        if dollars:
            pattern = _VERBATIM_INTERPOLATED if verbatim else _REGULAR_INTERPOLATED
        while True:
            found = pattern.search(source, index)
            if found is None:
                raise _Unclosed
            piece = found.group()
            if piece == b"\n":
                raise _Unclosed
            if piece == b"{":
                self.blank(start, found.start())
                index = self.interpolate(found.end(), 0x7D)
                start = index
                continue
            if piece != b'"':  # an escape: \x, "", {{ or }}
                index = found.end()
                continue
            self.literal(start, found.end())
            return found.end()


_CSHARP_CHAR = re.compile(rb"'(?:\\[xuU][0-9A-Fa-f]{1,8}|\\.|[^'\\\n])'")
_REGULAR = re.compile(rb'\\.|"|\n')
_VERBATIM = re.compile(rb'""|"')
_REGULAR_INTERPOLATED = re.compile(rb'\\.|\{\{|\}\}|\{|"|\n')
_VERBATIM_INTERPOLATED = re.compile(rb'""|\{\{|\}\}|\{|"')


class _PowerShellLexer(_Lexer):
    starts = re.compile(rb'<#|(?:^|(?<=[\s;(){}|&]))#|@"[ \t]*\r?\n|@\'[ \t]*\r?\n|"|\'|`.|[()]', re.MULTILINE
                        | re.DOTALL)
    interpolation_close = 0x29

    def token(self, match: re.Match) -> int | None:
        start, text = match.start(), match.group()
        source = self.source
        if text == b"<#":
            end = source.find(b"#>", start + 2)
            if end < 0:
                raise _Unclosed
            self.blank(start, end + 2)
            return end + 2
        if text == b"#":
            return self.line_comment(start)
        if text.startswith(b"`"):  # an escaped character in code
            self.blank(start, match.end())
            return match.end()
        if text in (b"(", b")"):
            return None
        if text.startswith(b"@"):  # a here-string: ends on a line starting with "@ or '@
            close = re.compile(rb"^[ \t]*" + re.escape(text[1:2]) + rb"@", re.MULTILINE)
            found = close.search(source, match.end())
            if found is None:
                raise _Unclosed
            self.literal(start, found.end())
            return found.end()
        index = match.end()
        pattern = _PS_DOUBLE if text == b'"' else _PS_SINGLE
        while True:
            found = pattern.search(source, index)
            if found is None:
                raise _Unclosed
            piece = found.group()
            if piece == b"$(":
                self.blank(start, found.start())
                index = self.interpolate(found.end(), 0x29)
                start = index
                continue
            if len(piece) == 2 or piece not in (b'"', b"'", "\u201d".encode(), "\u2019".encode()):
                index = found.end()
                continue
            self.literal(start, found.end())
            return found.end()


#: PowerShell's quotes include the typographic ones
_PS_DOUBLE = re.compile(rb'`.|""|\$\(|"|' + "\u201d".encode(), re.DOTALL)
_PS_SINGLE = re.compile(rb"''|'|" + "\u2019".encode())

_LEXERS: dict[str, type[_Lexer]] = {"Kotlin": _KotlinLexer, "Swift": _SwiftLexer, "C#": _CSharpLexer,
                                    "PowerShell": _PowerShellLexer}

#: characters that are never code outside literals and comments, per language: a backquote in C#, a
#: ``#`` that no identifier follows (Swift's ``#if``, ``#available``), an ``@`` before no name
_STRAY = {
    "C#": re.compile(rb"`|#|@(?![\w\"$])|\\"),
    "Swift": re.compile(rb"#(?![A-Za-z_])|@(?![A-Za-z_])|'"),
    "Kotlin": re.compile(rb"#|(?<![\w`])@(?![A-Za-z_`])|\\"),
    "PowerShell": re.compile(rb"(?!)"),
}
#: Swift's conditional directives, rewritten to C's spelling at the same length for the configurations
_SWIFT_ELSEIF = re.compile(rb"^([ \t]*)#elseif\b", re.MULTILINE)
#: C#'s directive lines (blanked once the configurations are taken), and its regions
_CSHARP_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(\w*)[^\n]*", re.MULTILINE)
_REGION = {b"region": 1, b"endregion": -1}
#: what a complete file cannot end on: an operator that wants an operand, or a declaration keyword
_OPEN_END = {
    "C#": re.compile(rb"[^;}\]]\Z"),  # a C# file ends on a statement, a body or an assembly attribute
    "Kotlin": re.compile(rb"(?:[=+\-/%&|<.,:@]|\b(?:class|interface|object|fun|val|var|import|package|return"
                         rb"|private|public|internal|protected|override|if|else|when|is|in|as))\Z"),
    "Swift": re.compile(rb"(?:[=+\-/%&|^<.,:@]|\b(?:class|struct|protocol|enum|extension|func|let|var|import"
                        rb"|return|private|public|internal|fileprivate|open|static|override|if|else|guard|in|as))\Z"),
    "PowerShell": re.compile(rb"(?:[=+,|]|\b(?:function|param|if|elseif|else|foreach|while|switch|try|catch))\Z"),
}


#: Kotlin's last line of code when it is words alone (``public clas``), a declaration that may end a file
#: (``class Name``, ``object Name``, ``package name``), a function head without its parameters
#: (``internal fun Type.na``; ``fun interface Name`` is a declaration), an annotation of nothing (``@Targ``)
_KOTLIN_WORDS = re.compile(rb"(?:^|\n)[ \t]*([A-Za-z_]\w*(?:[ \t]+[A-Za-z_]\w*)*)[ \t]*\Z")
_KOTLIN_DECLARATION = re.compile(rb"(?:\w+[ \t]+)*(?:class|interface|object|package|import)[ \t]+\w+")
_KOTLIN_FUN_HEAD = re.compile(rb"(?:^|\n)[ \t]*(?:\w+[ \t]+)*fun\b(?![ \t]+interface\b)[^(=\n]*\Z")
_KOTLIN_ANNOTATION_END = re.compile(rb"(?<!@file:)(?<![\w.])@[A-Za-z_][\w.]*[ \t]*\Z")


def _kotlin_open_tail(code: bytes) -> bool:
    """Whether Kotlin ``code`` (literals blanked, trailing blanks stripped) stops inside a top-level
    declaration that brackets do not show: a cut in its first words (measured on the mutants of
    syntax_oracle.py: 26 of 26 such cuts that Kotlin's parser rejects, no released file of 2,415)."""
    words = _KOTLIN_WORDS.search(code)
    if words is not None and not _KOTLIN_DECLARATION.fullmatch(words.group(1)):
        before = code[: words.start(1)].rstrip()
        if not before or before[-1] in b"})];" or before[-1:].isalnum() or before[-1] == 0x5F:
            return True
    return _KOTLIN_FUN_HEAD.search(code) is not None or _KOTLIN_ANNOTATION_END.search(code) is not None


#: a byte-order mark, and a shebang line (Kotlin and Swift scripts): blanked before lexing
_PREAMBLE = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:#![^\n]*)?")


def _lex(source: bytes, language: str) -> _Lexer | None:
    lexer = _LEXERS[language](_PREAMBLE.sub(lambda m: b" " * len(m.group()), source, count=1))
    return lexer if lexer.run() else None


def code_only(source: bytes, language: str) -> bytes | None:
    """``source`` with the comments and literals of ``language`` blanked (offsets and lines kept), or
    ``None`` when one is left open."""
    lexer = _lex(source, language)
    return None if lexer is None else bytes(lexer.buffer)


def structure_fault(source: bytes, language: str) -> str | None:
    """Why ``source`` (in one of ``LANGUAGES``) is broken in a way no grammar gap explains, or
    ``None``: ``unclosed_literal``, ``unbalanced_conditionals`` or ``bad_directive`` (C# and Swift
    ``#if``, C#'s ``#region`` left open), ``conflict_marker``, ``stray_character``,
    ``unbalanced_brackets`` (in any configuration of the conditionals) or ``open_end`` (the file
    stops on an operator or a declaration keyword; a C# file on anything but ``;``, ``}`` or ``]``)."""
    source = source[:_MAX_BYTES]
    if _CONFLICT.search(source):
        return "conflict_marker"
    lexer = _lex(source, language)
    if lexer is None:
        return "unclosed_literal"
    code = bytes(lexer.buffer)
    if language == "Swift":
        code = _SWIFT_ELSEIF.sub(rb"\1#elif  ", code)
    variants = [code]
    if language in ("C#", "Swift"):
        conditionals = _conditionals(code)
        if conditionals is None:
            return "unbalanced_conditionals"
        if conditionals[2] is not None:
            return conditionals[2]
        variants = configurations(code, conditionals)
    stray = _STRAY[language]
    first = None
    for variant in variants:
        if language == "C#":  # directives blanked, #region and #endregion paired
            buffer = bytearray(variant)
            regions = 0
            for match in _CSHARP_DIRECTIVE.finditer(variant):
                _blank(buffer, match.start(), match.end())
                regions += _REGION.get(match.group(1), 0)
                if regions < 0:
                    return "bad_directive"
            if regions:
                return "bad_directive"
            variant = bytes(buffer)
        first = variant if first is None else first
        if stray.search(variant):
            return "stray_character"
        if _bracket_fault(variant):
            return "unbalanced_brackets"
    last = (first or b"").rstrip()
    if len(last) > lexer.literal_end and (_OPEN_END[language].search(last)
                                          or (language == "Kotlin" and _kotlin_open_tail(last))):
        return "open_end"
    return None
