"""The block registry: recipe names -> block classes.

Blocks register themselves with ``@register("name")``. codecurate's own are the modules of
``BUILTIN_MODULES`` (the one list of them); other packages' arrive through the ``codecurate.blocks``
entry-point group: an entry point names a module whose import registers blocks
(``mine = "mypackage.blocks"``), or one block class, registered under the entry point's name
(``max_lines = "mypackage.blocks:MaxLines"``). Modules are imported on first use; they keep heavy
imports inside the blocks, so this stays cheap.

A recipe may also name any datatrove ``PipelineStep`` (or ``MultiStageBlock``) by its import path,
``package.module:ClassName``, without registering it.
"""

from __future__ import annotations

import importlib
import warnings
from enum import Enum
from importlib import metadata

from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseReader

from codecurate.core.passes import MultiStageBlock

#: the entry-point group other packages' blocks register through
ENTRY_POINT_GROUP = "codecurate.blocks"

#: codecurate's own block modules, in the order of the pipeline: importing one registers its blocks
BUILTIN_MODULES = (
    "codecurate.readers",
    "codecurate.writers",
    "codecurate.filters.opt_out",
    "codecurate.samplers.grouping",
    "codecurate.filters.license.repository",
    "codecurate.filters.license.files",
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
    "codecurate.filters.syntax.filter",
    "codecurate.filters.code_metrics",
    "codecurate.filters.analysis",
    "codecurate.pii.redact",
    "codecurate.samplers.repository_order",
    "codecurate.fim.objectives",
    "codecurate.tokens.tokenized_shards",
    "codecurate.training.nanotron_config",
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


def _load_entry_point(entry_point: metadata.EntryPoint) -> None:
    loaded = entry_point.load()
    if entry_point.attr is None:  # a module: importing it registered its blocks
        return
    if not isinstance(loaded, type) or not issubclass(loaded, (PipelineStep, MultiStageBlock)):
        raise TypeError(f"{entry_point.value} is not a datatrove PipelineStep class")
    if _REGISTRY.get(entry_point.name) is not loaded:
        register(entry_point.name)(loaded)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    seen = set()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if (entry_point.name, entry_point.value) in seen:  # one distribution found twice on the path
            continue
        seen.add((entry_point.name, entry_point.value))
        try:
            _load_entry_point(entry_point)
        except Exception as error:  # one broken package must not take every recipe down
            dist = getattr(entry_point.dist, "name", None) or "unknown distribution"
            warnings.warn(f"{ENTRY_POINT_GROUP} entry point {entry_point.name} = {entry_point.value} ({dist}) "
                          f"not loaded: {type(error).__name__}: {error}", stacklevel=2)
    _loaded = True


def is_import_path(name: str) -> bool:
    """Whether a recipe's block name is an import path (``package.module:ClassName``)."""
    return ":" in name


def import_block(path: str) -> type:
    """The class at ``package.module:ClassName``: a datatrove ``PipelineStep`` or a
    ``MultiStageBlock``; ``KeyError`` saying what is wrong otherwise."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise KeyError(f"block {path!r}: expected package.module:ClassName")
    try:
        target = importlib.import_module(module_name)
    except ImportError as error:
        raise KeyError(f"block {path!r}: cannot import {module_name!r}: {error}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise KeyError(f"block {path!r}: module {module_name!r} has no {attribute!r}") from None
    if not isinstance(target, type) or not issubclass(target, (PipelineStep, MultiStageBlock)):
        raise KeyError(f"block {path!r} is not a datatrove PipelineStep class")
    return target


def block_kind(cls: type) -> BlockKind:
    """Whether ``cls`` reads input, is one pipeline step, or plans several passes."""
    if isinstance(cls, type) and issubclass(cls, BaseReader):
        return BlockKind.READER
    if isinstance(cls, type) and issubclass(cls, MultiStageBlock):
        return BlockKind.MULTI_STAGE
    return BlockKind.STEP


def get_block(name: str) -> type:
    """The block class registered as ``name`` (or at the import path ``package.module:ClassName``);
    ``KeyError`` listing the known names otherwise."""
    if is_import_path(name):
        return import_block(name)
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown block {name!r}; known blocks: {', '.join(sorted(_REGISTRY))} "
                       "(or package.module:ClassName of any datatrove PipelineStep)") from None


def available(kind: BlockKind | None = None) -> list[str]:
    """Registered block names, optionally only those of one kind."""
    _load()
    return sorted(n for n, cls in _REGISTRY.items() if kind is None or block_kind(cls) is kind)
