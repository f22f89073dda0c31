"""Python: ``import`` and ``from ... import`` (absolute and relative) resolved to modules of the repository.

A module's name is its dotted path from the repository's top, or from a source root: a folder
that is neither a package (no ``__init__.py``) nor inside one, such as ``src/``. Suffixes that
start inside a package are not importable names, so ``import sys`` never resolves to
``pkg/compat/sys.py``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from datatrove.data import Document

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text

LANGUAGES = ("Python",)
_QUERIES = {"python": "(import_statement) @import (import_from_statement) @from"}


def python_module_names(path: str) -> list[str]:
    """Dotted names a Python file can be imported as: its full dotted path and every suffix
    (``src/pkg/mod.py`` -> ``src.pkg.mod``, ``pkg.mod``, ``mod``)."""
    stem, _ = posixpath.splitext(path)
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]


def _dotted(node) -> str:
    return "".join(node_text(node).split()).replace("\\", "")  # a name may span lines with "\\"


def python_imports(document: Document) -> list[tuple[str, int]]:
    """``(dotted module, relative level)`` of every import in a Python file; ``from X import a, b``
    gives ``X.a`` and ``X.b`` (submodules if they exist) and ``X``."""
    found: list[tuple[str, int]] = []
    nodes = captures(document, _QUERIES)
    for node in nodes.get("import", []):
        for child in node.named_children:
            name = child.child_by_field_name("name") if child.type == "aliased_import" else child
            if name is not None and name.type == "dotted_name":
                found.append((_dotted(name), 0))
    for node in nodes.get("from", []):
        module = node.child_by_field_name("module_name")
        if module is None:
            continue
        text = _dotted(module)
        level = len(text) - len(text.lstrip("."))
        base = text[level:]
        found.append((base, level))
        for name in node.children_by_field_name("name"):
            target = name.child_by_field_name("name") if name.type == "aliased_import" else name
            if target is not None:
                found.append((f"{base}.{_dotted(target)}" if base else _dotted(target), level))
    return found


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    python = files.with_languages(LANGUAGES)
    packages = {posixpath.dirname(files.paths[i]) for i in python if files.paths[i].endswith("/__init__.py")}
    full_name: dict[str, int] = {}
    by_name: dict[str, set[int]] = {}
    # a stub (.pyi) beside its module (.py) is the same module: the .py file stands for it
    for i in sorted(python, key=lambda i: (files.paths[i].endswith(".pyi"), files.paths[i])):
        names = python_module_names(files.paths[i])
        if not names:  # a top-level __init__.py: the package the repository is, reached by relative imports
            full_name.setdefault("", i)
            continue
        if names[0] in full_name:
            continue
        full_name[names[0]] = i
        folders = files.paths[i].split("/")[:-1]
        for start, name in enumerate(names[1:], start=1):
            if any("/".join(folders[:end]) in packages for end in range(1, start + 1)):
                break  # inside a package: no shorter suffix starts at a source root either
            by_name.setdefault(name, set()).add(i)
    for i in python:
        names = python_module_names(files.paths[i])
        package = names[0].split(".") if names else []
        if not files.paths[i].endswith("__init__.py"):
            package = package[:-1]
        for module, level in python_imports(files.documents[i]):
            if level:
                anchor = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
                target = full_name.get(".".join([*anchor, module] if module else anchor))
            elif module in full_name:  # the dotted path from the repository's top
                target = full_name[module]
            else:  # under a source root (src/, lib/...): a unique suffix
                candidates = by_name.get(module, set())
                target = next(iter(candidates)) if len(candidates) == 1 else None
            if target is not None and target != i:
                yield i, target
