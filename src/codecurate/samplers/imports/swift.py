"""Swift: module-level references, resolved to the files of the same module declaring the types used.

Swift has no file imports: every file of a module sees every other's declarations. A file's module
is its ``Sources/<Module>/`` (or ``Tests/<Module>/``) folder in a Swift package; outside such a
layout (an iOS folder of a CocoaPods or npm package), the repository's other Swift files outside
packages. A file depends on the files of its module, and of each module it imports by name, that
declare (at top level) a type, protocol, alias, function or global it uses; an ``extension X``
depends on ``X``'s declaration.
"""

from __future__ import annotations

from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text

LANGUAGES = ("Swift",)
_QUERIES = {"swift": """
(import_declaration (identifier) @import)
(source_file [(class_declaration name: (type_identifier) @type) (protocol_declaration name: (type_identifier) @type)
              (typealias_declaration name: (type_identifier) @type)
              (function_declaration name: (simple_identifier) @type)
              (property_declaration name: (pattern (simple_identifier) @type))])
[(simple_identifier) (type_identifier)] @use
"""}
_LAYOUT = ("Sources", "Tests", "Source")


def module_of(path: str) -> str:
    """A file's module: ``pkg/Sources/Net/x/y.swift`` -> ``pkg/Sources/Net``; ``""`` outside a package layout."""
    parts = path.split("/")[:-1]
    for position in range(len(parts) - 2, -1, -1):
        if parts[position] in _LAYOUT:
            return "/".join(parts[: position + 2])
    return ""


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    swift = files.with_languages(LANGUAGES)
    declared: dict[str, dict[str, set[int]]] = {}
    facts = {}
    for i in swift:
        nodes = captures(files.documents[i], _QUERIES)
        module = module_of(files.paths[i])
        imports = {"".join(node_text(n).split()) for n in nodes.get("import", [])}
        facts[i] = (module, imports, {node_text(n) for n in nodes.get("use", [])})
        for name in {node_text(n) for n in nodes.get("type", [])}:
            declared.setdefault(module, {}).setdefault(name, set()).add(i)
    by_name: dict[str, list[str]] = {}
    for module in sorted(declared):
        if module:
            by_name.setdefault(module.rsplit("/", 1)[-1], []).append(module)
    for i in swift:
        module, imports, used = facts[i]
        modules = {module} | {m for name in imports for m in by_name.get(name, ())}
        targets: set[int] = set()
        for scope in sorted(modules):
            names = declared.get(scope, {})
            for name in used & names.keys():
                targets.update(names[name])
        targets.discard(i)
        yield from ((i, j) for j in sorted(targets))
