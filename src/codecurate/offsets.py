"""Text ranges: character offsets from UTF-8 byte offsets (tree-sitter and the token hashes work in
bytes, documents in characters), and merging of overlapping ranges."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def char_offsets(source: bytes, text: str, offsets: Iterable[int]) -> list[int]:
    """The character offsets in ``text`` of byte ``offsets`` in ``source`` (``text`` encoded as
    UTF-8 with surrogatepass); an offset at or past the end maps to ``len(text)``."""
    if len(source) == len(text):  # ASCII: bytes are characters
        return [int(o) for o in offsets]
    raw = np.frombuffer(source, dtype=np.uint8)
    index = np.cumsum((raw & 0xC0) != 0x80) - 1  # the character each byte belongs to
    return [int(index[o]) if o < raw.size else len(text) for o in offsets]


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` ranges with overlapping and touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
