"""Nanotron's config as plain data: a dict or YAML file loaded into the mirrored classes, and back.

Loading is dacite's ``from_dict`` with ``strict=True``, as nanotron's ``get_config_from_dict`` calls it (its
``cast=[Path]`` kept; its type hooks turn strings into torch dtypes and enums, which the mirror keeps as
strings and checks in ``__post_init__``). Unknown keys, missing required keys, values of the wrong type and
whatever a class's ``__post_init__`` refuses become a ``ConfigError`` naming the key path at fault.

Deliberate differences from nanotron's loader, each a type hook: ``bool`` is not accepted where an ``int``
or ``float`` is expected; an ``int`` where a ``float`` is expected becomes a ``float``; and
``NanosetDatasetsArgs.dataset_folder`` also takes the older ``{folder: weight}`` mapping (nanotron's own
``examples/config_nanoset.yaml`` still uses it; the mirror turns it into ``dataset_folder`` +
``dataset_weights``). The other hooks only name the key at fault (unknown keys with a close match, the
index of a data stage, the member of a union that was meant) where dacite's own error does not.

No file but the YAML is read here: the Nanoset folders and the tokenizer are ``nanotron_data``'s.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dacite
import yaml

from codecurate.training import nanotron_mirror as schema
from codecurate.training.nanotron_mirror import Config, ConfigError

_NoneType = type(None)


def _kind(value: Any) -> str:
    """A value's type in YAML terms, with the value itself when it is a scalar."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _describe(tp: Any) -> str:
    """An annotation in YAML terms, for messages."""
    if tp is _NoneType:
        return "null"
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " | ".join(_describe(t) for t in typing.get_args(tp))
    if dataclasses.is_dataclass(tp):
        return f"a mapping ({tp.__name__})"
    args = typing.get_args(tp)
    if args:
        return f"{typing.get_origin(tp).__name__}[{', '.join(_describe(a) for a in args)}]"
    return getattr(tp, "__name__", repr(tp))


def _no_bool(tp: type):
    def hook(value: Any) -> Any:
        if isinstance(value, bool):
            raise ConfigError("", f"expected {tp.__name__}, got {_kind(value)}")
        if tp is float and isinstance(value, int):
            return float(value)
        if tp is float and isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return value
            raise ConfigError("", f"expected float, got {_kind(value)} (PyYAML reads exponent notation without "
                                  "a dot as a string: write 1.0e-5, not 1e-5)")
        return value

    return hook


def _unknown_keys(cls: type):
    """Refuses keys ``cls`` lacks, naming the first with its closest field (dacite's strict mode names none)."""

    def hook(data: Any) -> Any:
        if isinstance(data, Mapping):
            names = [f.name for f in dataclasses.fields(cls)]
            for key in data:
                if key not in names:
                    unused = [n for n in names if n not in data]
                    close = difflib.get_close_matches(str(key), unused, n=1, cutoff=0.8)
                    hint = f" (did you mean {close[0]!r}?)" if close else f" ({cls.__name__} has no such field)"
                    raise ConfigError(str(key), "unknown key" + hint)
        elif data is not None and not isinstance(data, cls):  # a built one passes (see _indexed)
            raise ConfigError("", f"expected {_describe(cls)}, got {_kind(data)}")
        return data

    return hook


def _indexed(item: type):
    """Builds a list of ``item`` mappings one by one, so that an error names the item's index."""

    def hook(data: Any) -> Any:
        if not isinstance(data, list):
            raise ConfigError("", f"expected list[{_describe(item)}], got {_kind(data)}")
        built = []
        for i, value in enumerate(data):
            try:
                built.append(_from_dict(item, value))
            except ConfigError as error:
                raise error.under(f"[{i}]") from None
        return built

    return hook


_HOOKS: dict[Any, Any] = {int: _no_bool(int), float: _no_bool(float)}
_HOOKS.update({cls: _unknown_keys(cls) for cls in vars(schema).values()
               if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == schema.__name__})
_HOOKS[list[schema.DatasetStageArgs]] = _indexed(schema.DatasetStageArgs)

#: nanotron's loader settings (``get_config_from_dict``), with the hooks above
DACITE = dacite.Config(cast=[Path], type_hooks=_HOOKS, strict=True)


def _reason(error: dacite.DaciteFieldError) -> str:
    if isinstance(error, dacite.MissingValueError):
        return "missing required key"
    if isinstance(error, dacite.WrongTypeError):
        tp, value = error.field_type, error.value
        if tp is _NoneType:
            return f"not covered by codecurate's nanotron schema, so only null is accepted; got {_kind(value)}"
        members = [t for t in typing.get_args(tp) if t is not _NoneType]
        if value is not None and len(members) == 1:  # Optional[X]: say X
            tp = members[0]
        if isinstance(error, dacite.UnionMatchError):
            return f"matches none of {_describe(tp)}; got {_kind(value)}"
        return f"expected {_describe(tp)}, got {_kind(value)}"
    return str(error)


def _explain_union(error: dacite.UnionMatchError) -> ConfigError | None:
    """For a mapping no member of a union of classes took, the error of the member whose fields cover
    the most of its keys (dacite swallows the members' errors)."""
    members = [t for t in typing.get_args(error.field_type) if dataclasses.is_dataclass(t)]
    if not isinstance(error.value, Mapping) or not members:
        return None

    def overlap(member: type) -> int:
        return sum(1 for key in error.value if key in {f.name for f in dataclasses.fields(member)})

    best = max(overlap(m) for m in members)
    errors = []
    for member in (m for m in members if overlap(m) == best):
        try:
            _from_dict(member, error.value)
        except ConfigError as member_error:
            errors.append((member, member_error))
        except Exception as other:  # noqa: BLE001 - dacite skipped it as well
            errors.append((member, ConfigError("", str(other))))
    if len(errors) == 1:
        return errors[0][1].under(error.field_path or "")
    details = "; ".join(f"as {m.__name__}: {e}" for m, e in errors)
    return ConfigError(error.field_path or "", f"matches none of {_describe(error.field_type)} ({details})")


def _from_dict(cls: type, data: Any) -> Any:
    """``cls`` from ``data`` with nanotron's dacite settings; every failure a ``ConfigError``."""
    data = _HOOKS[cls](data)
    if data is None:
        raise ConfigError("", f"expected {_describe(cls)}, got null")
    try:
        return dacite.from_dict(cls, data, DACITE)
    except ConfigError:
        raise
    except dacite.UnionMatchError as error:
        raise (_explain_union(error) or ConfigError(error.field_path or "", _reason(error))) from None
    except dacite.DaciteFieldError as error:
        raise ConfigError(error.field_path or "", _reason(error)) from None


def config_from_dict(data: Mapping[str, Any]) -> Config:
    """A ``Config`` built strictly from a plain dict (as loaded from YAML), nanotron's loading checks run
    but nothing read from disk (``nanotron_data.check_datasets`` does that). Raises ``ConfigError`` (a
    ``ValueError``) naming the key path at fault."""
    return _from_dict(Config, data)


def config_to_dict(config: Config) -> dict[str, Any]:
    """``config`` as plain dicts, lists and scalars (every field, nulls included), for ``yaml.safe_dump``."""
    if not isinstance(config, Config):
        raise TypeError(f"expected a Config, got {type(config).__name__}")
    return dataclasses.asdict(config)


def read_config(path: str | Path) -> Config:
    """The nanotron config YAML at ``path`` through ``config_from_dict``."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, Mapping):
        raise ConfigError("", f"{path}: expected a YAML mapping at the top level, got {_kind(data)}")
    return config_from_dict(data)
