"""Code metrics of Ling-Coder-Lite (section 2.2.1): comment ratio and effective lines of code,
from the comment nodes of the file's syntax tree."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register
from codecurate.parsing import node_query, parse_document

#: every byte to a space but the line feed, which stays (``bytes.translate`` table)
_BLANK = bytes(0x0A if b == 0x0A else 0x20 for b in range(256))


def metrics(source: bytes, tree, grammar: str) -> tuple[float, int]:
    """``(comment ratio, effective lines)``: the share of non-whitespace bytes inside comments,
    and the number of lines holding something other than whitespace and comments."""
    cursor = node_query(grammar)
    blanked = bytearray(source)
    if cursor is not None:
        for node in cursor.captures(tree.root_node).get("node", []):
            start, end = node.start_byte, node.end_byte
            blanked[start:end] = source[start:end].translate(_BLANK)
    visible = len(source) - sum(source.count(c) for c in b" \t\n\r\f\v")
    remaining = len(blanked) - sum(blanked.count(c) for c in b" \t\n\r\f\v")
    ratio = (visible - remaining) / visible if visible else 0.0
    effective = sum(1 for line in bytes(blanked).split(b"\n") if line.strip())
    return ratio, effective


@register("code_metrics")
class CodeMetricsFilter(CodecurateFilter):
    """Store ``comment_ratio`` and ``effective_lines`` for files with a grammar; optionally drop by them.

    Reasons: ``comment_ratio_low``, ``comment_ratio_high``, ``too_few_effective_lines``. Every
    threshold is ``None`` (off) by default: the metrics are recorded for later sampling.
    """

    name = "code_metrics"

    def __init__(
        self,
        min_comment_ratio: float | None = None,
        max_comment_ratio: float | None = None,
        min_effective_lines: int | None = None,
        timeout_seconds: float = 1.0,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        self.min_comment_ratio = min_comment_ratio
        self.max_comment_ratio = max_comment_ratio
        self.min_effective_lines = min_effective_lines
        self.timeout_seconds = timeout_seconds

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        if document.metadata.get(keys.KIND) == keys.KIND_TEXT:
            return True
        result = parse_document(document, self.timeout_seconds)
        if result is None or result.tree is None:
            return True
        ratio, effective = metrics(result.source, result.tree, result.grammar)
        document.metadata[keys.COMMENT_RATIO] = round(ratio, 4)
        document.metadata[keys.EFFECTIVE_LINES] = effective
        if self.min_comment_ratio is not None and ratio < self.min_comment_ratio:
            return False, "comment_ratio_low"
        if self.max_comment_ratio is not None and ratio > self.max_comment_ratio:
            return False, "comment_ratio_high"
        if self.min_effective_lines is not None and effective < self.min_effective_lines:
            return False, "too_few_effective_lines"
        return True
