"""Block registration, for code written against this module: it lives in
``codecurate.core.registry`` (a block imports it from there, not from the engine)."""

from codecurate.core.registry import BlockKind, available, block_kind, get_block, register

__all__ = ["BlockKind", "available", "block_kind", "get_block", "register"]
