"""Kotlin (and Kotlin with Java): ``package`` and ``import`` headers and same-package references,
resolved to the files declaring the names used.

A file's top-level classes, objects, interfaces, type aliases, functions and properties live in its
package. An import names one of them (its longest declared prefix, so ``a.B.member`` and nested
types resolve), ``import p.*`` makes a package's names visible; the file's own package is always
visible. In a repository mixing Kotlin and Java, Kotlin files resolve Java types the same way and
Java files resolve Kotlin types through their imports and their package (Java-to-Java edges are
the Java resolver's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import PackageIndex, RepositoryFiles, captures, node_text

LANGUAGES = ("Kotlin",)
_QUERIES = {"kotlin": """
(package_header (identifier) @package)
(import_header (identifier) @import . (wildcard_import)? @wildcard)
(source_file [(class_declaration (type_identifier) @type) (object_declaration (type_identifier) @type)
              (type_alias (type_identifier) @type) (function_declaration (simple_identifier) @type)
              (property_declaration (variable_declaration (simple_identifier) @type))])
[(simple_identifier) (type_identifier)] @use
"""}
_JAVA_DECLARATIONS = ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                      "annotation_type_declaration")
_JAVA_QUERIES = {"java": f"""
(package_declaration [(scoped_identifier) (identifier)] @package)
(import_declaration) @import
(program [{' '.join(f'({kind} name: (identifier) @type)' for kind in _JAVA_DECLARATIONS)}])
[(type_identifier) (identifier)] @use
"""}
_JAVA_IMPORT = re.compile(r"import\s+(?:static\s+)?([\w.$\s]+?)\s*(\.\s*\*)?\s*;?$")


def _dotted(node) -> str:
    return "".join(node_text(node).split())


def _kotlin_facts(nodes: dict) -> tuple[str, list[tuple[str, bool]], set[str], set[str]]:
    package = _dotted(nodes["package"][0]) if nodes.get("package") else ""
    wildcards = {n.parent.start_byte for n in nodes.get("wildcard", []) if n.parent is not None}
    imports = [(_dotted(n), n.parent.start_byte in wildcards) for n in nodes.get("import", []) if n.parent is not None]
    used = {node_text(n) for n in nodes.get("use", [])
            if n.parent is None or n.parent.type != "identifier" or n.parent.parent is None
            or n.parent.parent.type not in ("import_header", "package_header")}
    return package, imports, {node_text(n) for n in nodes.get("type", [])}, used


def _java_facts(nodes: dict) -> tuple[str, list[tuple[str, bool]], set[str], set[str]]:
    package = _dotted(nodes["package"][0]) if nodes.get("package") else ""
    imports = []
    for node in nodes.get("import", []):
        match = _JAVA_IMPORT.match(" ".join(node_text(node).split()))
        if match is not None:
            imports.append(("".join(match.group(1).split()), bool(match.group(2))))
    return package, imports, {node_text(n) for n in nodes.get("type", [])}, {node_text(n) for n in nodes.get("use", [])}


def package_edges(index: PackageIndex, package: str, imports: list[tuple[str, bool]], used: set[str],
                  packages: list[str] | None = None) -> set[int]:
    """The files a file of ``package`` depends on: each import's declared prefix, and the names it
    uses from its own package (or ``packages``) and from every wildcard-imported package."""
    visible = list(packages) if packages is not None else [package]
    targets: set[int] = set()
    for name, wildcard in imports:
        if wildcard:
            visible.append(name)
        targets |= index.imported(name)
    return targets | index.visible(visible, used)


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    kotlin = files.with_languages(LANGUAGES)
    if not kotlin:
        return
    java = files.with_languages(("Java",))
    index = PackageIndex()
    facts = {}
    for i in kotlin:
        facts[i] = _kotlin_facts(captures(files.documents[i], _QUERIES))
    for i in java:
        facts[i] = _java_facts(captures(files.documents[i], _JAVA_QUERIES))
    for i in sorted(facts):
        package, _, declared, _ = facts[i]
        if files.paths[i].endswith(".kts"):  # a script's declarations are its own
            continue
        for name in sorted(declared):
            index.declare(package, name, i)
    is_kotlin = set(kotlin)
    for i in sorted(facts):
        package, imports, _, used = facts[i]
        targets = package_edges(index, package, imports, used)
        targets.discard(i)
        if i not in is_kotlin:  # a Java file: only its edges to Kotlin files are this resolver's
            targets &= is_kotlin
        yield from ((i, j) for j in sorted(targets))
