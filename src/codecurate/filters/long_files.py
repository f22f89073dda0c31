"""Long files: the paper drops a file with any line over 1,000 characters, over 10,000 lines, or
over 1 MB."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register
from codecurate.metadata import EVIDENCE, text_bytes


def longest_line(text: str) -> int:
    """Length in characters of the longest ``\n``-separated line."""
    return max(map(len, text.split("\n")))


@register("long_files")
class LongFilesFilter(CodecurateFilter):
    """Drop files too big (``too_large``), with too many lines (``too_many_lines``) or with a line
    that is too long (``long_line``). Limits are inclusive: exactly ``max_lines`` lines is kept.

    Args:
        max_line_chars: longest line allowed, in characters (1000).
        max_lines: most lines allowed (10,000).
        max_bytes: largest file allowed, in UTF-8 bytes (1 MB = 1,000,000).
    """

    name = "long_files"

    def __init__(
        self,
        max_line_chars: int = 1000,
        max_lines: int = 10_000,
        max_bytes: int = 1_000_000,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        for label, value in (("max_line_chars", max_line_chars), ("max_lines", max_lines), ("max_bytes", max_bytes)):
            if value < 1:
                raise ValueError(f"{label} must be >= 1, got {value}")
        self.max_line_chars = max_line_chars
        self.max_lines = max_lines
        self.max_bytes = max_bytes

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        text = document.text
        # characters <= bytes: only encode when the character count leaves the answer open
        if len(text) > self.max_bytes or (len(text) * 4 > self.max_bytes and text_bytes(document) > self.max_bytes):
            return False, "too_large"
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if lines > self.max_lines:
            return False, "too_many_lines"
        if len(text) > self.max_line_chars and longest_line(text) > self.max_line_chars:
            line, chars = next((n, len(line)) for n, line in enumerate(text.split("\n"), 1)
                               if len(line) > self.max_line_chars)
            document.metadata[EVIDENCE] = {"line": line, "chars": chars, "limit": self.max_line_chars}
            return False, "long_line"
        return True
