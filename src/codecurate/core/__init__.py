"""The core every block builds on, and that knows nothing of the recipe engine: the block base
classes and their accounting (``blocks``), the multi-pass protocol (``passes``), and registration
(``registry``).

Block modules import from here (or from ``codecurate.core.<module>``); the engine
(``codecurate.recipe``, ``codecurate.cli``) imports the blocks, never the reverse.
"""

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
    Verdict,
)
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import BlockKind, available, block_kind, get_block, register

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
    "BlockKind",
    "CodecurateFilter",
    "MultiStageBlock",
    "PlanContext",
    "Segment",
    "SharedFolder",
    "Verdict",
    "available",
    "block_kind",
    "get_block",
    "register",
]
