"""A recipe's problems: each with its key path (``stages[1].params.buckets``) and, looked up in the
line map of ``yaml_lines``, the line it stands on; pydantic's validation errors turned into them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

KeyPath = tuple[str | int, ...]
Problem = tuple[KeyPath, int | None, str]

#: words for pydantic's type errors (https://docs.pydantic.dev/latest/errors/validation_errors/)
TYPE_WORDS = {
    "int": "int",
    "float": "float",
    "string": "str",
    "bool": "bool",
    "list": "list",
    "tuple": "list",
    "set": "list",
    "frozen_set": "list",
    "dict": "mapping",
    "model": "mapping",
    "model_attributes": "mapping",
    "none_required": "null",
    "callable": "callable",
    "bytes": "str",
}
#: constraint errors: the bound pydantic reports in ``ctx`` and how to say it
BOUND_WORDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
    "multiple_of": ("multiple_of", "a multiple of"),
}


class RecipeError(ValueError):
    """A recipe that cannot run. The message lists every problem with its key path and line."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the recipe:"]
        for path, line, message in problems:
            where = f"line {line}, " if line else ""
            lines.append(f"  {where}{format_path(path) or '<top level>'}: {message}")
        super().__init__("\n".join(lines))


def format_path(path: KeyPath) -> str:
    """``("stages", 1, "params", "x")`` -> ``stages[1].params.x``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _walk(value: Any, loc: tuple, key_error: bool) -> tuple[KeyPath, Any, bool]:
    """Follow pydantic's ``loc`` into ``value`` as far as it names items of it: the key path walked,
    the value there, and whether ``loc`` went on with a union member's tag (``'list[str]'``).
    ``key_error``: the last part of ``loc`` is a key missing from, or unknown to, a mapping."""
    walked: list[str | int] = []
    for index, part in enumerate(loc):
        if key_error and index == len(loc) - 1 and isinstance(value, dict):
            return (*walked, part), value.get(part), False
        inside = (
            part in value
            if isinstance(value, dict)
            else (isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value))
        )
        if not inside:
            return tuple(walked), value, True
        value = value[part]
        walked.append(part)
    return tuple(walked), value, False


def _expected(error: dict) -> str:
    kind = error["type"]
    for suffix in ("_type", "_parsing", "_from_float"):
        if kind.endswith(suffix) and kind.removesuffix(suffix) in TYPE_WORDS:
            return TYPE_WORDS[kind.removesuffix(suffix)]
    return TYPE_WORDS.get(kind, "")


def describe(error: dict, value: Any) -> str:
    """One pydantic error said for a recipe's author: what is expected, and what the recipe gave."""
    kind, ctx = error["type"], error.get("ctx") or {}
    got = f"got {value!r}"
    if expected := _expected(error):
        return f"expected {expected}, {got} ({type(value).__name__})"
    if kind == "literal_error":
        return f"expected one of {ctx['expected']}, {got}"
    if kind in BOUND_WORDS:
        key, words = BOUND_WORDS[kind]
        return f"must be {words} {ctx[key]}, {got}"
    if kind == "string_too_short":
        return f"must be a non-empty string, {got}"
    if kind in ("too_short", "too_long"):
        return f"{error['msg'].replace(' after validation', '')}"
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", error["msg"]))
        return message if repr(value) in message else f"{message}, {got}"
    return f"{error['msg']}, {got}"


def validation_problems(
    error: ValidationError,
    data: Any,
    prefix: KeyPath,
    missing: Callable[[KeyPath], str],
    unknown: Callable[[KeyPath], str],
) -> list[tuple[KeyPath, str]]:
    """``error`` (from validating ``data``) as ``(key path, message)`` problems under ``prefix``.

    A missing key is said by ``missing(path)``, an unknown one by ``unknown(path)``; the errors of one
    value against the members of a union are said once, naming every member it could have been."""
    problems: dict[KeyPath, list[str]] = {}
    members: dict[KeyPath, tuple[Any, list[str]]] = {}  # the union members a value did not fit
    for item in error.errors(include_url=False):
        path, value, in_union = _walk(data, item["loc"], item["type"] in ("missing", "extra_forbidden"))
        if item["type"] == "missing" and len(path) == len(item["loc"]):
            message = missing(path)
        elif item["type"] == "extra_forbidden":
            message = unknown(path)
        elif item["type"] == "missing":  # an item a tuple lacks
            message = f"too few items, got {value!r}"
        elif in_union:  # name the member by pydantic's tag ('list[str]')
            tag = str(item["loc"][len(path)]).replace("[any,any]", "").replace("[any]", "")
            members.setdefault(path, (value, []))[1].append(tag)
            continue
        else:
            message = describe(item, value)
        problems.setdefault(path, []).append(message)
    for path, (value, tags) in members.items():
        problems.setdefault(path, []).append(
            f"expected {' or '.join(dict.fromkeys(tags))}, got {value!r} ({type(value).__name__})"
        )
    return [((*prefix, *path), message) for path, messages in problems.items() for message in dict.fromkeys(messages)]
