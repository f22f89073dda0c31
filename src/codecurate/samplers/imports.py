"""File dependency graphs from imports found with tree-sitter, resolved to files of the repository.

Python is resolved here (absolute and relative imports, packages and ``__init__.py``, source
roots such as ``src/``); the other languages of issue 7 are still to come, and files in them get
no edges (the dependency orderer then falls back to its cycle/tie rules, in path order).
"""

from __future__ import annotations

import posixpath

import networkx as nx
from datatrove.data import Document

from codecurate import documents as keys
from codecurate.parsing import parse_document


def python_module_names(path: str) -> list[str]:
    """Dotted names a Python file can be imported as: its full dotted path and every suffix
    (``src/pkg/mod.py`` -> ``src.pkg.mod``, ``pkg.mod``, ``mod``)."""
    stem, _ = posixpath.splitext(path)
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]


def python_imports(document: Document) -> list[tuple[str, int]]:
    """``(dotted module, relative level)`` of every import in a Python file; ``from X import a, b``
    gives ``X.a`` and ``X.b`` (submodules if they exist) and ``X``."""
    result = parse_document(document, 1.0)
    if result is None or result.tree is None:
        return []
    found: list[tuple[str, int]] = []
    stack = [result.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "import_statement":
            for child in node.named_children:
                name = child.child_by_field_name("name") if child.type == "aliased_import" else child
                if name is not None and name.type == "dotted_name":
                    found.append((name.text.decode(), 0))
        elif node.type == "import_from_statement":
            module = node.child_by_field_name("module_name")
            if module is None:
                continue
            text = module.text.decode()
            level = len(text) - len(text.lstrip("."))
            base = text[level:]
            found.append((base, level))
            for name in node.children_by_field_name("name"):
                target = name.child_by_field_name("name") if name.type == "aliased_import" else name
                if target is not None:
                    found.append((f"{base}.{target.text.decode()}" if base else target.text.decode(), level))
        else:
            stack.extend(node.named_children)
    return found


def dependency_graph(files: list[Document]) -> nx.DiGraph:
    """One node per file index, an edge importer -> imported for every import resolved to a file."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(files)))
    paths = [f.metadata.get(keys.PATH) or "" for f in files]
    python = [i for i, f in enumerate(files) if f.metadata.get(keys.LANGUAGE) == "Python"]
    by_name: dict[str, set[int]] = {}
    full_name: dict[str, int] = {}
    # a stub (.pyi) beside its module (.py) is the same module: the .py file stands for it
    for i in sorted(python, key=lambda i: (paths[i].endswith(".pyi"), paths[i])):
        names = python_module_names(paths[i])
        if names[0] in full_name:
            continue
        full_name[names[0]] = i
        for name in names:
            by_name.setdefault(name, set()).add(i)
    for i in python:
        package = python_module_names(paths[i])[0].split(".")
        if not paths[i].endswith("__init__.py"):
            package = package[:-1]
        for module, level in python_imports(files[i]):
            if level:
                anchor = package[: len(package) - (level - 1)] if level - 1 <= len(package) else []
                target = full_name.get(".".join([*anchor, module] if module else anchor))
            elif module in full_name:  # the dotted path from the repository's top
                target = full_name[module]
            else:  # under a source root (src/, lib/...): a unique suffix
                candidates = by_name.get(module, set())
                target = next(iter(candidates)) if len(candidates) == 1 else None
            if target is not None and target != i:
                graph.add_edge(i, target)
    return graph
