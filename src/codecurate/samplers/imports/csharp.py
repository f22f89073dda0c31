"""C#: ``using`` directives and namespace-visible type references, resolved to the files declaring the types.

A file's types (classes, structs, interfaces, enums, records, delegates) live in the namespaces it
declares. A type name the file uses is looked up in its own namespaces, their enclosing
namespaces, the global namespace and every ``using`` namespace; ``using static T`` and
``using Alias = T`` name a type directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text

LANGUAGES = ("C#",)
_DECLARATIONS = ("class_declaration", "struct_declaration", "interface_declaration", "enum_declaration",
                 "record_declaration", "delegate_declaration")
_QUERIES = {"csharp": f"""
(using_directive) @using
(namespace_declaration name: (_) @namespace)
(file_scoped_namespace_declaration name: (_) @namespace)
[{' '.join(f'({kind} name: (identifier) @type)' for kind in _DECLARATIONS)}]
(identifier) @use
"""}
_USING = re.compile(r"(?:global\s+)?using\s+(static\s+)?(?:(\w+)\s*=\s*)?([\w.]+)")


def _enclosing(namespace: str) -> list[str]:
    parts = namespace.split(".") if namespace else []
    return [".".join(parts[:n]) for n in range(len(parts), -1, -1)]


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    csharp = files.with_languages(LANGUAGES)
    facts = {}
    qualified: dict[str, int] = {}
    by_namespace: dict[str, dict[str, set[int]]] = {}
    for i in csharp:
        nodes = captures(files.documents[i], _QUERIES)
        namespaces = sorted({"".join(node_text(n).split()) for n in nodes.get("namespace", [])}) or [""]
        types = {node_text(n) for n in nodes.get("type", [])}
        facts[i] = (namespaces, nodes.get("using", []), {node_text(n) for n in nodes.get("use", [])})
        for namespace in namespaces:
            for name in sorted(types):
                qualified.setdefault(f"{namespace}.{name}" if namespace else name, i)
                by_namespace.setdefault(namespace, {}).setdefault(name, set()).add(i)
    for i in csharp:
        namespaces, usings, used = facts[i]
        visible = {scope for namespace in namespaces for scope in _enclosing(namespace)}
        targets: set[int] = set()
        for node in usings:
            match = _USING.match(" ".join(node_text(node).split()))
            if match is None:
                continue
            if match.group(1) or match.group(2):  # a type
                if match.group(3) in qualified:
                    targets.add(qualified[match.group(3)])
            else:
                visible.add(match.group(3))
        for scope in sorted(visible):
            declared = by_namespace.get(scope, {})
            for name in used & declared.keys():
                targets.update(declared[name])
        targets.discard(i)
        yield from ((i, j) for j in sorted(targets))
