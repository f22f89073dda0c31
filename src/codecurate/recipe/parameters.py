"""A block's parameters checked against its own ``__init__``: names, types and the constraints it
declares (``buckets: Annotated[int, Field(ge=1)]``), by pydantic, before the block is built (which
runs the block's own checks)."""

from __future__ import annotations

import functools
import inspect
import json
import typing
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from codecurate.recipe.problems import KeyPath, validation_problems

#: Constructor parameters the engine sets itself; a recipe may not give them.
ENGINE_PARAMS = frozenset({"self", "exclusion_writer", "pipeline", "logging_dir", "depends", "adapter"})


def signature_params(cls: type) -> dict[str, tuple[Any, Any]]:
    """``name -> (annotation, default)`` of the parameters a recipe may give to ``cls``."""
    init = cls.__init__
    try:
        hints = typing.get_type_hints(init, include_extras=True)
    except Exception:  # forward references we cannot resolve: check names only
        hints = {}
    params = {}
    for name, param in inspect.signature(init).parameters.items():
        if name in ENGINE_PARAMS or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        params[name] = (hints.get(name, Any), param.default)
    return params


def _from_yaml(annotation: Any, default: Any) -> Any:
    """``annotation`` as pydantic checks it: ``None`` allowed where it is the default (``x: str = None``),
    ``Any`` for a type no YAML value can be (a ``DataFolder``: the constructor judges it)."""
    if default is None:
        annotation = typing.Optional[annotation]  # noqa: UP045 (a value, not an annotation)
    try:
        TypeAdapter(annotation)
    except Exception:
        return Any
    return annotation


@functools.cache
def parameters_adapter(cls: type, constraints: tuple[tuple[str, Any], ...] = ()) -> TypeAdapter:
    """A pydantic adapter checking a mapping of ``cls``'s parameters: unknown names refused, required
    ones demanded, each value against its annotation (``constraints``: annotations the engine puts
    in place of the signature's, for the executors' sizes)."""
    fields = {}
    replaced = dict(constraints)
    for name, (annotation, default) in signature_params(cls).items():
        annotation = _from_yaml(replaced.get(name, annotation), default)
        fields[name] = annotation if default is inspect.Parameter.empty else NotRequired[annotation]
    shape = TypedDict(f"{cls.__name__}Parameters", fields)  # type: ignore[misc]
    shape.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[attr-defined]
    return TypeAdapter(shape)


def parameter_problems(
    cls: type, params: dict, path: KeyPath, label: str, constraints: dict[str, Any] | None = None
) -> list[tuple[KeyPath, str]]:
    """Every unknown, missing, mistyped or out-of-bounds parameter of ``cls`` in ``params``, with its
    key path under ``path``.

    Values are checked as the recipe's data they are (pydantic's strict JSON mode: a list is fine for
    a tuple, a string for a ``Path``, ``"3"`` is no int); the block gets them as they are."""
    adapter = parameters_adapter(cls, tuple(sorted((constraints or {}).items())))
    try:
        try:
            text = json.dumps(params)
        except (TypeError, ValueError):  # a YAML date or set: no JSON form; checked as Python data
            adapter.validate_python(params, strict=True)
        else:
            adapter.validate_json(text, strict=True)
    except ValidationError as error:
        known = ", ".join(signature_params(cls)) or "none"
        return validation_problems(
            error,
            params,
            path,
            missing=lambda key: f"missing required parameter {key[-1]!r} for {label}",
            unknown=lambda key: f"unknown parameter {key[-1]!r} for {label}; known: {known}",
        )
    return []
