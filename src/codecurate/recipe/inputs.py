"""``--input PATH``: the reader that reads it, asked of the readers themselves.

A reader of code (``provides = "code"``) that can read a path given on the command line declares it:
``input_params(cls, path) -> dict | None``, a classmethod giving its parameters for ``path`` (or
``None``: not such an input), and ``reads_input``, what it reads, for the message when no reader does.
A reader that takes any folder sets ``input_fallback = True`` and is asked after the others.
"""

from __future__ import annotations

import copy
from pathlib import Path

from codecurate.core.folders import missing_filesystem
from codecurate.core.registry import BlockKind, available, get_block
from codecurate.recipe.parameters import signature_params

#: the classmethod a reader defines to read ``--input PATH``
INPUT_HOOK = "input_params"


def input_readers() -> list[tuple[str, type]]:
    """The registered code readers that read a ``--input`` path, in the order they are asked: by name,
    the fallbacks last."""
    readers = [(name, get_block(name)) for name in available(BlockKind.READER)]
    readers = [
        (name, cls)
        for name, cls in readers
        if getattr(cls, "provides", None) == "code" and callable(getattr(cls, INPUT_HOOK, None))
    ]
    return sorted(readers, key=lambda item: bool(getattr(item[1], "input_fallback", False)))


def input_entry(path: str) -> dict:
    """The recipe input for ``--input PATH``: the first reader whose ``input_params`` takes it."""
    if "://" in path and (missing := missing_filesystem(path)):
        raise ValueError(f"--input {missing}")
    readers = input_readers()
    for name, cls in readers:
        params = getattr(cls, INPUT_HOOK)(path)
        if params is not None:
            return {"reader": name, "params": params}
    hint = "" if "://" in path or Path(path).exists() else " (it does not exist)"
    read = "; ".join(f"{name} reads {getattr(cls, 'reads_input', 'some paths')}" for name, cls in readers)
    raise ValueError(f"--input {path}: no reader reads it{hint}: {read}")


def replace_code_input(data: dict, path: str) -> list[str]:
    """Replace the recipe's code inputs (readers that provide code) with the one for ``path``.

    ``--input`` changes where the code is read, nothing else: the first code input's ``id`` and its
    parameters that the new reader takes (``exclude``, ``max_file_bytes``, ``languages``...) are
    kept. Returns a note naming the parameters that could not be kept (the new reader has none such).
    """
    new = input_entry(path)
    kept, replaced = [], []
    for entry in data.get("inputs") or []:
        try:
            provides = getattr(get_block(entry["reader"]), "provides", None)
        except (KeyError, TypeError):
            provides = None
        (replaced if provides == "code" else kept).append(entry)
    data["inputs"] = [new, *kept]
    old = replaced[0] if replaced else None
    if not isinstance(old, dict) or not isinstance(old.get("params"), dict):
        return []
    if old.get("id") is not None:
        new["id"] = old["id"]
    cls = get_block(new["reader"])
    takes = set(signature_params(cls)) - set(getattr(cls, "path_params", ()))
    old_paths = set(getattr(get_block(old["reader"]), "path_params", ()))
    left = []
    for key, value in old["params"].items():
        if key in new["params"] or key in old_paths:  # where to read: what --input replaces
            continue
        if key in takes:
            new["params"][key] = copy.deepcopy(value)
        else:
            left.append(key)
    if not left:
        return []
    return [
        f"--input {path}: the {new['reader']} reader takes no {', '.join(left)}; the recipe's "
        f"{old['reader']} parameter(s) of that name are not applied"
    ]
