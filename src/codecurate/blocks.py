"""The block base classes, for code written against this module: they live in
``codecurate.core.blocks`` (and ``codecurate.core`` exports them with the rest of the core)."""

from codecurate.core.blocks import (
    STAT_DROPPED,
    STAT_DROPPED_BYTES,
    STAT_DROPPED_EXTENSION,
    STAT_IN,
    STAT_IN_BYTES,
    STAT_KEPT,
    STAT_KEPT_BYTES,
    Accounting,
    BlockError,
    CodecurateFilter,
    SharedFolder,
)

__all__ = [
    "STAT_DROPPED",
    "STAT_DROPPED_BYTES",
    "STAT_DROPPED_EXTENSION",
    "STAT_IN",
    "STAT_IN_BYTES",
    "STAT_KEPT",
    "STAT_KEPT_BYTES",
    "Accounting",
    "BlockError",
    "CodecurateFilter",
    "SharedFolder",
]
