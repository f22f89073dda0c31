"""Syntax: tree-sitter parses every file whose language has a grammar; files whose tree holds
ERROR or MISSING nodes, or whose parse runs out of time, are dropped."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import documents as keys
from codecurate.blocks import CodecurateFilter
from codecurate.parsing import error_bytes, grammar_for, parse_document
from codecurate.recipe.registry import register

#: Prose and markup formats left out by default: their grammars accept almost anything, or real
#: files routinely fall outside them.
PROSE = frozenset({"Markdown", "reStructuredText", "TeX", "Text"})


@register("syntax")
class SyntaxFilter(CodecurateFilter):
    """Drop files that do not parse (``syntax_error``) or whose parse times out (``parse_timeout``).

    Files in languages without a grammar pass and are counted (``no_grammar`` stat); so do
    articles (``kind: text``) and the ``PROSE`` formats unless listed in ``languages``.

    Args:
        max_error_ratio: share of the file's bytes allowed inside ERROR nodes (each MISSING node
            counts one byte); 0 drops any error.
        timeout_seconds: parse time allowed per file, plus ``timeout_per_mb`` seconds per MB.
        languages: only check these languages (names of ``codecurate.languages``); ``None``: every
            language with a grammar but the prose formats.
    """

    name = "syntax"

    def __init__(
        self,
        max_error_ratio: float = 0.0,
        timeout_seconds: float = 1.0,
        timeout_per_mb: float = 0.5,
        languages: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        if not 0 <= max_error_ratio < 1:
            raise ValueError(f"max_error_ratio must be in [0, 1), got {max_error_ratio}")
        if timeout_seconds <= 0 or timeout_per_mb < 0:
            raise ValueError("timeout_seconds must be > 0 and timeout_per_mb >= 0")
        self.max_error_ratio = max_error_ratio
        self.timeout_seconds = timeout_seconds
        self.timeout_per_mb = timeout_per_mb
        if languages is not None:
            from codecurate.languages import get_language

            languages = [get_language(name).name for name in languages]
        self.languages = frozenset(languages) if languages is not None else None

    def _checked(self, document: Document) -> bool:
        if document.metadata.get(keys.KIND) == keys.KIND_TEXT:
            return False
        language = document.metadata.get(keys.LANGUAGE)
        return language in self.languages if self.languages is not None else language not in PROSE

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        if not self._checked(document) or grammar_for(document) is None:
            self.stat_update("no_grammar")
            return True
        timeout = self.timeout_seconds + self.timeout_per_mb * len(document.text) / 1_000_000
        result = parse_document(document, timeout)
        if result.timed_out:
            return False, "parse_timeout"
        errors = error_bytes(result.tree.root_node)
        if errors and errors > self.max_error_ratio * max(1, len(result.source)):
            return False, "syntax_error"
        self.stat_update("parsed")
        return True
