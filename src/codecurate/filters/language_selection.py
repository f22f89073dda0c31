"""Language selection: keep the files of the languages a corpus is for, drop the rest with a reason.

A repository carries more than code: license texts, changelogs, dotfiles, data files (a license
scanner's thousands of rule files, fixtures, datasets). They pass every cleaning stage as "code"
and would fill the training bytes. The default list is the languages aiXcoder-7B supports
(``assets/main_supported_lang.txt`` of its official repository: its classes 1 to 3) as named in
``codecurate.languages``; documentation formats (Markdown, reStructuredText), which that list also
names, are the user's choice (``include_documentation``).
"""

from __future__ import annotations

import posixpath

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import STAT_DROPPED_EXTENSION, CodecurateFilter
from codecurate.core.registry import register

#: aiXcoder-7B's supported languages in codecurate's names; its "React" is JSX (JavaScript) and TSX
AIXCODER_LANGUAGES = (
    # class 1
    "C", "C++", "C#", "Go", "JavaScript", "Java", "Kotlin", "Python", "TypeScript",
    # class 2 (Markdown is documentation, below)
    "CMake", "Cuda", "Julia", "Makefile", "Mathematica", "PHP", "PowerShell", "Ruby", "Rust", "Shell",
    "SQL", "Swift", "Vue", "TSX",
    # class 3 (reStructuredText is documentation, below)
    "Lean", "Haskell", "Protocol Buffer", "Racket", "Scheme", "Dart", "Erlang", "Common Lisp", "Ada",
    "Dockerfile", "CSS", "Clojure", "Elm", "OCaml", "Perl", "GLSL", "Emacs Lisp", "Zig", "JSON", "Agda",
    "Thrift", "Pascal", "Elixir", "R", "YAML", "Lua", "Fortran", "HTML", "VHDL", "Verilog", "Scala",
    # JSON's dialect that TypeScript, ESLint and VS Code read (tsconfig.json): JSON to aiXcoder
    "JSON with Comments",
)
DOCUMENTATION = ("Markdown", "reStructuredText")
REASON_UNKNOWN = "unknown_language"
REASON_NOT_SELECTED = "language_not_selected"
#: longest extension counted by name; longer ones (and names with odd characters) count as "other"
_EXTENSION_CHARS = 16


def extension_label(path: str) -> str:
    """What the summary calls a file's kind: its extension (``.yml``), its name when it has none
    (``LICENSE``, ``.gitignore``), ``other`` for anything long or odd."""
    name = posixpath.basename(path)
    stem, extension = posixpath.splitext(name)
    label = extension.lower() if extension and stem else name
    if not label or len(label) > _EXTENSION_CHARS or not all(c.isalnum() or c in "._-+" for c in label):
        return "other"
    return label


@register("language_selection")
class LanguageSelectionFilter(CodecurateFilter):
    """Keep code files of the selected languages; drop files of no known language
    (``unknown_language``) and of other languages (``language_not_selected``). Articles
    (``kind: text``) pass. Dropped files are also counted per extension, so the summary shows what
    was left out (``dropped.<reason>.extensions``).

    Args:
        languages: languages to keep (names or aliases of ``codecurate.languages``); ``None``: the
            languages aiXcoder-7B supports (``AIXCODER_LANGUAGES``).
        include_documentation: keep Markdown and reStructuredText too.
    """

    name = "language_selection"

    def __init__(
        self,
        languages: list[str] | None = None,
        include_documentation: bool = False,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        from codecurate.languages import get_language

        chosen = list(AIXCODER_LANGUAGES if languages is None else languages)
        if include_documentation:
            chosen += DOCUMENTATION
        self.languages = frozenset(get_language(name).name for name in chosen)
        if not self.languages:
            raise ValueError("languages is empty: every code file would be dropped")
        self.include_documentation = include_documentation

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        if document.metadata.get(keys.KIND) == keys.KIND_TEXT:
            return True
        language = document.metadata.get(keys.LANGUAGE)
        if language in self.languages:
            return True
        reason = REASON_UNKNOWN if language is None else REASON_NOT_SELECTED
        self.stat_update(f"{STAT_DROPPED_EXTENSION}{reason}/{extension_label(document.metadata.get(keys.PATH) or '')}")
        return False, reason
