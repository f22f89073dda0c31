"""The block registry: recipe names -> block classes.

Blocks register themselves with ``@register("name")``. The registry imports the modules that hold
blocks on first use; those modules keep heavy imports inside the blocks, so this stays cheap.
"""

from __future__ import annotations

import importlib
from enum import Enum

from datatrove.pipeline.readers.base import BaseReader

from codecurate.core.passes import MultiStageBlock

#: Modules of codecurate whose import registers blocks. A new block module is added here.
BUILTIN_MODULES = (
    "codecurate.readers",
    "codecurate.writers",
    "codecurate.samplers.grouping",
    "codecurate.filters.license",
    "codecurate.dedup.projects",
    "codecurate.filters.repo_quality",
    "codecurate.filters.trivial",
    "codecurate.filters.language_selection",
    "codecurate.filters.long_files",
    "codecurate.filters.content_rules",
    "codecurate.filters.sensitive_words",
    "codecurate.filters.decontamination",
    "codecurate.dedup.exact",
    "codecurate.dedup.near",
    "codecurate.filters.commented_code",
    "codecurate.filters.syntax",
    "codecurate.filters.code_metrics",
    "codecurate.filters.analysis",
    "codecurate.pii.redact",
    "codecurate.samplers.ordering",
    "codecurate.fim.objectives",
    "codecurate.tokens.stage",
    "codecurate.training.stage",
)

_REGISTRY: dict[str, type] = {}
_loaded = False


class BlockKind(str, Enum):
    READER = "reader"
    STEP = "step"
    MULTI_STAGE = "multi_stage"


def register(name: str):
    """Class decorator: make a block available to recipes under ``name``."""

    def decorate(cls: type) -> type:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not cls:
            raise ValueError(f"block name {name!r} is already registered by {existing.__module__}.{existing.__name__}")
        _REGISTRY[name] = cls
        cls.registry_name = name
        return cls

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        _loaded = True


def block_kind(cls: type) -> BlockKind:
    """Whether ``cls`` reads input, is one pipeline step, or plans several passes."""
    if isinstance(cls, type) and issubclass(cls, BaseReader):
        return BlockKind.READER
    if isinstance(cls, type) and issubclass(cls, MultiStageBlock):
        return BlockKind.MULTI_STAGE
    return BlockKind.STEP


def get_block(name: str) -> type:
    """The block class registered as ``name``; ``KeyError`` listing the known names otherwise."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown block {name!r}; known blocks: {', '.join(sorted(_REGISTRY))}") from None


def available(kind: BlockKind | None = None) -> list[str]:
    """Registered block names, optionally only those of one kind."""
    _load()
    return sorted(n for n, cls in _REGISTRY.items() if kind is None or block_kind(cls) is kind)
