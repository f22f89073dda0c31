"""Rust: ``mod x;`` declarations, ``use`` trees and ``crate::``/``super::``/``self::`` paths,
resolved to module files.

A crate's root is the nearest folder holding ``lib.rs`` or ``main.rs``; below it, ``a/b.rs`` and
``a/b/mod.rs`` are module ``a::b``. A crate's name is its package folder's (``-`` as ``_``), so
one crate of a workspace using another resolves too. A path resolves to its longest prefix that is
a module file: ``use crate::a::b::Item`` depends on ``a/b.rs``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text

LANGUAGES = ("Rust",)
_QUERIES = {"rust": """
(mod_item !body name: (identifier) @module)
(use_declaration argument: (_) @use)
(scoped_identifier) @path
"""}


def expand_use(tree: str) -> list[list[str]]:
    """The paths a use tree names: ``a::{b, c::{d as e, *}}`` -> ``a::b``, ``a::c::d``, ``a::c``."""
    tree = re.sub(r"\s*(::|[{},])\s*", r"\1", " ".join(tree.split()))
    if "{" not in tree:
        path = [segment.split(" as ")[0] for segment in tree.split("::")]
        if path[-1] == "*":
            path = path[:-1]
        return [path] if path and path != [""] else []
    head, _, rest = tree.partition("{")
    inner = rest[: rest.rfind("}")]
    prefix = [p for p in head.split("::") if p]
    parts, depth, start = [], 0, 0
    for position, char in enumerate(inner):
        depth += char == "{"
        depth -= char == "}"
        if char == "," and depth == 0:
            parts.append(inner[start:position])
            start = position + 1
    parts.append(inner[start:])
    paths = []
    for part in parts:
        if part.split(" as ")[0] in ("self", "*"):
            paths.append(prefix)
        elif part:
            paths.extend(prefix + sub for sub in expand_use(part))
    return [p for p in paths if p] or ([prefix] if prefix else [])


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    rust = files.with_languages(LANGUAGES)
    roots = {posixpath.dirname(files.paths[i]) for i in rust
             if posixpath.basename(files.paths[i]) in ("lib.rs", "main.rs")}
    modules: dict[tuple[str, tuple[str, ...]], int] = {}
    place: dict[int, tuple[str, tuple[str, ...]]] = {}
    crates: dict[str, str] = {}
    for root in sorted(roots):
        package = posixpath.dirname(root) if posixpath.basename(root) == "src" else root
        crates.setdefault(posixpath.basename(package).replace("-", "_"), root)
    for i in sorted(rust, key=lambda i: files.paths[i]):
        folder = posixpath.dirname(files.paths[i])
        root = folder
        while root and root not in roots:
            root = posixpath.dirname(root)
        if root not in roots:
            root = folder
        relative = posixpath.relpath(files.paths[i], root) if root else files.paths[i]
        parts = relative[: -len(".rs")].split("/")
        if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
            parts = parts[:-1]
        place[i] = (root, tuple(parts))
        modules.setdefault(place[i], i)
    facts: dict[int, tuple[list[str], list[list[str]], list[list[str]]]] = {}
    for i in rust:
        nodes = captures(files.documents[i], _QUERIES)
        uses = [p for n in nodes.get("use", []) for p in expand_use(node_text(n))]
        paths = [node_text(n).replace(" ", "").split("::") for n in nodes.get("path", [])
                        if node_text(n).startswith(("crate::", "super::", "self::"))]
        facts[i] = ([node_text(n) for n in nodes.get("module", [])], uses, paths)
    # what a module brings into scope by ``use`` (``pub use a::B`` re-exports ``B``): name -> its path
    imported = {i: {path[-1]: path for path in uses if path} for i, (_, uses, _) in facts.items()}

    def resolve(i: int, path: list[str], depth: int = 0) -> int | None:
        root, module = place[i]
        base_root, base, explicit = root, list(module), True
        if path[0] == "crate":
            base, path = [], path[1:]
        elif path[0] in ("self", "super"):
            while path and path[0] in ("self", "super"):
                if path.pop(0) == "super":
                    base = base[:-1]
        elif path[0] in crates and (root, (*module, path[0])) not in modules:
            base_root, base, path = crates[path[0]], [], path[1:]
        elif (root, (*module, path[0])) not in modules:
            base, explicit = [], False  # a 2015-style path from the crate root, or another crate (std...)
        for length in range(len(path), -1 if explicit else 0, -1):
            target = modules.get((base_root, (*base, *path[:length])))
            if target is None:
                continue
            rest = path[length:]
            if rest and depth < 4 and rest[0] in imported.get(target, {}):  # a re-export: where it comes from
                origin = imported[target][rest[0]]
                if origin != [*path[:length], *rest[:1]]:
                    found = resolve(target, list(origin) + rest[1:], depth + 1)
                    if found is not None:
                        return found
            return target
        return None

    for i in rust:
        root, module = place[i]
        names, uses, paths = facts[i]
        targets = set()
        for name in names:
            target = modules.get((root, (*module, name)))
            if target is not None:
                targets.add(target)
        for path in uses + paths:
            target = resolve(i, list(path)) if path else None
            if target is not None and target != i:
                targets.add(target)
        yield from ((i, j) for j in sorted(targets))
