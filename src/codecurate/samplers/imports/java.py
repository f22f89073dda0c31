"""Java: imports (single-type, static, on-demand) and same-package type references, resolved to the
files that declare the types.

A file's types are the classes, interfaces, enums, records and annotation types it declares, in the
package of its ``package`` line. Edges: an imported type's file; and for the file's own package and
every ``import p.*``, the files declaring a type whose name the file uses (Java needs no import for
those, so the use is the dependency).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text

LANGUAGES = ("Java",)
_DECLARATIONS = ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                 "annotation_type_declaration")
_QUERIES = {"java": f"""
(package_declaration [(scoped_identifier) (identifier)] @package)
(import_declaration) @import
[{' '.join(f'({kind} name: (identifier) @type)' for kind in _DECLARATIONS)}]
[(type_identifier) (identifier)] @use
"""}
_IMPORT = re.compile(r"import\s+(static\s+)?([\w.$\s]+?)\s*(\.\s*\*)?\s*;?$")


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    java = files.with_languages(LANGUAGES)
    facts = {}
    qualified: dict[str, int] = {}
    by_package: dict[str, dict[str, set[int]]] = {}
    for i in java:
        nodes = captures(files.documents[i], _QUERIES)
        package = "".join(node_text(nodes["package"][0]).split()) if nodes.get("package") else ""
        types = {node_text(n) for n in nodes.get("type", [])}
        facts[i] = (package, nodes.get("import", []), {node_text(n) for n in nodes.get("use", [])})
        for name in sorted(types):
            qualified.setdefault(f"{package}.{name}" if package else name, i)
            by_package.setdefault(package, {}).setdefault(name, set()).add(i)
    for i in java:
        package, imports, used = facts[i]
        visible = [package]
        targets: set[int] = set()
        for node in imports:
            match = _IMPORT.match(" ".join(node_text(node).split()))
            if match is None:
                continue
            name = "".join(match.group(2).split())
            if match.group(3):  # on-demand: a package (or, static, a type's members)
                visible.append(name)
            while name:  # a type, or a member or nested type of one: the longest prefix declared here
                if name in qualified:
                    targets.add(qualified[name])
                    break
                name = name.rpartition(".")[0]
        for scope in visible:
            declared = by_package.get(scope, {})
            for name in used & declared.keys():
                targets.update(declared[name])
        targets.discard(i)
        yield from ((i, j) for j in sorted(targets))
