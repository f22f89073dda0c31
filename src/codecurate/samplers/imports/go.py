"""Go: imported packages and same-package references, resolved to the files that declare what is used.

An import path names a folder: the repository folder that is the longest suffix of the path (the
module path in ``go.mod`` is the prefix). Of that folder's files, the edges go to those declaring a
name the importer uses as ``pkg.Name``; a blank (``_``) import depends on the whole folder. Inside a
folder, files of one package see each other's top-level names without imports: a file depends on
the files declaring the names it uses.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text, unquote

LANGUAGES = ("Go",)
_QUERIES = {"go": """
(package_clause (package_identifier) @package)
(import_spec) @import
(source_file (function_declaration name: (identifier) @declared))
(type_spec name: (type_identifier) @declared)
(source_file (const_declaration (const_spec name: (identifier) @declared)))
(source_file (var_declaration (var_spec name: (identifier) @declared)))
(selector_expression operand: (identifier)) @selector
(qualified_type) @selector
[(identifier) (type_identifier)] @use
"""}


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    go = files.with_languages(LANGUAGES)
    facts = {}
    folders: dict[str, list[int]] = {}
    for i in go:
        nodes = captures(files.documents[i], _QUERIES)
        package = node_text(nodes["package"][0]) if nodes.get("package") else ""
        selected: dict[str, set[str]] = {}
        for node in nodes.get("selector", []):
            qualifier = node.child_by_field_name("operand" if node.type == "selector_expression" else "package")
            member = node.child_by_field_name("field" if node.type == "selector_expression" else "name")
            if qualifier is not None and member is not None:
                selected.setdefault(node_text(qualifier), set()).add(node_text(member))
        facts[i] = (package, {node_text(n) for n in nodes.get("declared", [])}, nodes.get("import", []),
                    selected, {node_text(n) for n in nodes.get("use", [])})
        folders.setdefault(posixpath.dirname(files.paths[i]), []).append(i)
    for i in go:
        package, _, imports, selected, used = facts[i]
        folder = posixpath.dirname(files.paths[i])
        targets = {j for j in folders[folder] if facts[j][0] == package and used & facts[j][1]}
        for node in imports:
            path_node, alias_node = node.child_by_field_name("path"), node.child_by_field_name("name")
            if path_node is None:
                continue
            path = unquote(node_text(path_node))
            matches = [f for f in folders if f and (path == f or path.endswith("/" + f))]
            if not matches:
                continue
            members = folders[max(matches, key=len)]
            alias = node_text(alias_node) if alias_node is not None else None
            if alias == "_":
                targets.update(members)
                continue
            if alias == ".":
                names = used
            else:
                qualifier = alias or next((facts[j][0] for j in members if facts[j][0]), path.rsplit("/", 1)[-1])
                names = selected.get(qualifier, set())
            targets.update(j for j in members if names & facts[j][1])
        targets.discard(i)
        yield from ((i, j) for j in sorted(targets))
