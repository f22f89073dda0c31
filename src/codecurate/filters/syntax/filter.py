"""Syntax: tree-sitter parses every file of a checked language; files whose tree holds ERROR or
MISSING nodes that nothing explains, or whose parse runs out of time, are dropped.

Which languages are checked, and how, is the table in ``policy`` (this package): C and C++ are
judged by their structure, which the preprocessor cannot hide (``c_structure``), so are C#, Swift,
Kotlin and PowerShell, whose grammars lag the language (``block_structure``), the rest of the C
family with the errors that unexpanded macros explain discounted, templates are not parsed as the
format they produce, and formats whose grammar is no oracle are skipped.
"""

from __future__ import annotations

import re
import time

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register
from codecurate.filters.syntax import block_structure
from codecurate.filters.syntax.c_macros import relaxed_errors
from codecurate.filters.syntax.c_structure import structure_fault
from codecurate.filters.syntax.jsonc import LANGUAGE as JSONC
from codecurate.filters.syntax.jsonc import jsonc_fault
from codecurate.filters.syntax.policy import TEMPLATE_HOSTS, is_template, policy_for
from codecurate.filters.syntax.python_limits import limit_exceeded
from codecurate.parsing import error_bytes, grammar_for, parse_document, parse_source


def first_error(root) -> dict:
    """Where the first ERROR or MISSING node of a tree starts: ``{"line", "column", "node"}`` (1-based;
    the column counts bytes), the evidence of a syntax error shown on the report page."""
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.is_error or node.is_missing:
            row, column = node.start_point
            return {"line": row + 1, "column": column + 1, "node": "ERROR" if node.is_error else f"MISSING {node.type}"}
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return {}


@register("syntax")
class SyntaxFilter(CodecurateFilter):
    """Drop files that do not parse (``syntax_error``) or whose parse times out (``parse_timeout``).

    A file nested deeper than its grammar's parser survives (``codecurate.parsing.NESTING_LIMITS``:
    YAML, Markdown, Perl) is not parsed and is dropped as ``too_deeply_nested``; so is a Python file
    that CPython's ``compile()`` refuses for its nesting limits (``codecurate.filters.syntax.python_limits``:
    200 brackets, 100 indentation levels, 20 nested blocks; counted ``python_limit/<message>``).

    Files pass, counted by why, when they are articles (``kind: text``), in a language without a
    grammar (``no_grammar``), in a language the policy skips (``skipped/<why>``: dialect, markup,
    template, prose...) or, when they do not parse, templates of a format (``template``: a Helm
    chart's YAML; a valid file that merely holds ``{{`` in a string is parsed and judged). C and C++
    files are judged by their structure (``codecurate.filters.syntax.c_structure``: brackets pair in every
    ``#if`` configuration, nothing left open, directives well formed, no stray character, no statement
    cut short): a fault is counted (``structure/<fault>``) and drops the file; a sound file whose
    tree has errors passes as ``tolerated``. C#, Swift, Kotlin and PowerShell files are judged the same
    way with each language's comments, strings and conditionals (``codecurate.filters.syntax.block_structure``).

    Args:
        max_error_ratio: share of the file's bytes allowed inside ERROR nodes (each MISSING node
            counts one byte); 0 drops any error.
        timeout_seconds: parse time allowed per file (all reparses included), plus
            ``timeout_per_mb`` seconds per MB.
        languages: check exactly these languages (names of ``codecurate.languages``), overriding the
            policy's skips; ``None``: the policy decides.
        relax_macros: account for what the preprocessor does in the C family, as the policy says (C and
            C++ judged by structure, the others with macro rewrites); ``False`` judges every error.
    """

    name = "syntax"

    def __init__(
        self,
        max_error_ratio: float = 0.0,
        timeout_seconds: float = 1.0,
        timeout_per_mb: float = 0.5,
        languages: list[str] | None = None,
        relax_macros: bool = True,
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
        self.relax_macros = relax_macros
        if languages is not None:
            from codecurate.languages import get_language

            languages = [get_language(name).name for name in languages]
        self.languages = frozenset(languages) if languages is not None else None

    def _skip_reason(self, document: Document) -> str | None:
        """Why ``document`` is not judged, or ``None`` when it is."""
        if document.metadata.get(keys.KIND) == keys.KIND_TEXT:
            return "text"
        language = document.metadata.get(keys.LANGUAGE)
        if self.languages is not None:
            return None if language in self.languages else "not_selected"
        policy = policy_for(language)
        return None if policy.check else f"skipped/{policy.why}"

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        skip = self._skip_reason(document)
        if skip is None and grammar_for(document) is None:
            skip = "no_grammar"
        if skip is not None:
            self.stat_update(skip)
            return True
        if document.metadata.get(keys.LANGUAGE) == JSONC:  # its readers allow comments and trailing commas
            fault = jsonc_fault(document.text)
            self.stat_update("parsed" if fault is None else f"jsonc/{fault}")
            if fault is None:
                return True
            document.metadata[keys.EVIDENCE] = {"fault": fault}
            return False, "syntax_error"
        if document.metadata.get(keys.LANGUAGE) == "Python" and (limit := limit_exceeded(document.text)):
            # CPython refuses it for its nesting limits, though tree-sitter would parse it
            self.stat_update(f"python_limit/{re.sub(r'[^a-z]+', '_', limit.lower()).strip('_')}")
            document.metadata[keys.EVIDENCE] = {"fault": limit}
            return False, "too_deeply_nested"
        timeout = self.timeout_seconds + self.timeout_per_mb * len(document.text) / 1_000_000
        deadline = time.perf_counter() + timeout
        result = parse_document(document, timeout)
        if result.refused is not None:  # nested deeper than the grammar's scanner survives
            return False, result.refused
        if result.timed_out:
            return False, "parse_timeout"
        errors = error_bytes(result.tree.root_node)
        policy = policy_for(document.metadata.get(keys.LANGUAGE))
        if self.relax_macros and policy.structure:
            # C and C++: the structure decides (docs/syntax-agreement.md); tree-sitter's errors there are
            # unexpanded macros and gaps of its grammar far more often than broken code; the same in
            # C#, Swift, Kotlin and PowerShell, whose grammars lag the language
            language = document.metadata.get(keys.LANGUAGE)
            fault = (block_structure.structure_fault(result.source, language)
                     if language in block_structure.LANGUAGES else structure_fault(result.source))
            if fault is not None:
                self.stat_update(f"structure/{fault}")
                document.metadata[keys.EVIDENCE] = {"fault": fault}
                return False, "syntax_error"
            if errors:
                self.stat_update("tolerated")
                return True
        if errors and self.relax_macros and policy.relax_macros:
            errors = self._relaxed(result, deadline)
            if errors is None:
                return False, "parse_timeout"
        if errors and errors > self.max_error_ratio * max(1, len(result.source)):
            if document.metadata.get(keys.LANGUAGE) in TEMPLATE_HOSTS and is_template(document.text):
                self.stat_update("template")  # a template of the format, not a file of it
                return True
            document.metadata[keys.EVIDENCE] = first_error(result.tree.root_node)
            return False, "syntax_error"
        self.stat_update("parsed")
        return True

    @staticmethod
    def _relaxed(result, deadline: float) -> int | None:
        """Errors left once macros are accounted for; ``None`` when the time runs out."""

        def parse(source: bytes):
            left = deadline - time.perf_counter()
            return parse_source(source, result.grammar, left).tree if left > 0 else None

        errors = relaxed_errors(result.source, result.tree, parse, error_bytes)
        if time.perf_counter() > deadline:
            return None
        return errors
