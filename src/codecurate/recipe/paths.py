"""The paths a recipe names: normalised, refused when they climb out of a folder they name, and a URL
refused when its filesystem is not installed."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from codecurate.core.folders import missing_filesystem
from codecurate.recipe.problems import KeyPath

#: parameters holding paths, by how they are named (besides those a block declares: ``path_params``,
#: paths that must exist, and ``path_or_name_params``, a path or a name such as a hub id): normalised,
#: and refused when they climb out of a folder they name
PATH_PARAM = re.compile(r"(^|_)(folder|folders|dir|directory|file|files|path|paths|root)$")


def climbed_out_of(path: str) -> str | None:
    """The folder ``path`` names and then leaves with ``..`` (``a`` in ``a/../../b``), or ``None``.
    Leading ``..`` (``../data``) says where it goes and is not climbing out."""
    text = path.replace(os.sep, "/")
    seen: list[str] = []
    named = 0
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and named:
            return ("/" if text.startswith("/") else "") + "/".join(seen)
        seen.append(part)
        named += part != ".."
    return None


def normalise_paths(value: Any, where: KeyPath, problem: Callable[[KeyPath, str], None]) -> Any:
    """``value`` (a path, or a list or mapping of them) normalised (``os.path.normpath``: no ``.``, no
    doubled or trailing ``/``); a path that climbs out of a folder it names is reported to ``problem``
    and left as it is. URLs (``scheme://``) are left alone; one whose filesystem is not installed is
    reported, naming what to install."""
    if isinstance(value, list):
        return [normalise_paths(item, (*where, index), problem) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: normalise_paths(item, (*where, key), problem) for key, item in value.items()}
    if isinstance(value, str) and "://" in value:
        missing = missing_filesystem(value)
        if missing:
            problem(where, missing)
        return value
    if not isinstance(value, str) or not value:
        return value
    left = climbed_out_of(value)
    if left is not None:
        problem(
            where,
            f"{value!r} names {left!r} and climbs out of it with '..' (it means "
            f"{os.path.normpath(value)!r}); write the path it means",
        )
        return value
    return os.path.normpath(value)


def normalise_params(params: dict, names: Iterable[str], where: KeyPath, problem) -> None:
    """Normalise, in place, the values of ``params`` that are paths (``names``, or named like one)."""
    for key in list(params):
        if key in names or PATH_PARAM.search(key):
            params[key] = normalise_paths(params[key], (*where, key), problem)
