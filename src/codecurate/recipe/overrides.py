"""``--set dotted.key=value``: a change to the recipe's raw data before it is validated."""

from __future__ import annotations

from typing import Any

import yaml


def apply_override(data: dict, assignment: str) -> None:
    """Apply one ``--set dotted.key=value`` (value parsed as YAML) to the raw recipe ``data``.

    List items are addressed by index or, for ``stages`` and ``inputs``, by stage id / block name.
    """
    if "=" not in assignment:
        raise ValueError(f"--set {assignment!r}: expected dotted.key=value")
    dotted, raw_value = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else ""
    except yaml.YAMLError as error:
        raise ValueError(f"--set {assignment!r}: value is not valid YAML: {error}") from None
    parts = [p for p in dotted.strip().split(".") if p]
    if not parts:
        raise ValueError(f"--set {assignment!r}: empty key")
    target: Any = data
    for depth, part in enumerate(parts[:-1]):
        target = _step_into(target, part, parts[: depth + 1], assignment)
    last = parts[-1]
    if isinstance(target, list):
        target[_list_index(target, last, assignment)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise ValueError(f"--set {assignment!r}: {'.'.join(parts[:-1])} is not a mapping or list")


def _list_index(items: list, part: str, assignment: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if not -len(items) <= index < len(items):
            raise ValueError(f"--set {assignment!r}: index {index} out of range (list has {len(items)} items)")
        return index
    for index, item in enumerate(items):
        if isinstance(item, dict) and part in (item.get("id"), item.get("block"), item.get("reader")):
            return index
    raise ValueError(f"--set {assignment!r}: no list item with id, block or reader {part!r}")


def _step_into(target: Any, part: str, walked: list[str], assignment: str) -> Any:
    if isinstance(target, list):
        return target[_list_index(target, part, assignment)]
    if isinstance(target, dict):
        if target.get(part) is None:
            target[part] = {}
        return target[part]
    raise ValueError(f"--set {assignment!r}: {'.'.join(walked[:-1]) or 'recipe'} is not a mapping or list")
