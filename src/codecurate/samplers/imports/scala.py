"""Scala: ``package`` clauses and ``import`` (wildcards, selectors in braces, renames), resolved to the
files declaring the names used.

A file's top-level classes, objects, traits, enums, types, package objects (and Scala 3's top-level
definitions) live in its package; chained clauses (``package a.b`` then ``package c``) make the file's
package ``a.b.c`` and ``a.b``'s names visible too. An import path is tried as written, then
relative to each enclosing package (``import b.X`` inside ``package a`` may mean ``a.b.X``); it
resolves to its longest declared prefix. ``_`` and ``*`` make a package's names visible; ``{X, Y => Z}``
names ``X`` and ``Y``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import (
    PackageIndex,
    RepositoryFiles,
    captures,
    enclosing_packages,
    node_text,
)
from codecurate.samplers.imports.kotlin import package_edges

LANGUAGES = ("Scala",)
_TOP = ("class_definition", "object_definition", "trait_definition", "enum_definition", "package_object",
        "function_definition", "given_definition")
_QUERIES = {"scala": f"""
(package_clause name: (package_identifier) @package)
(import_declaration) @import
(compilation_unit [{' '.join(f'({kind} name: (_) @type)' for kind in _TOP)}
                   (type_definition name: (type_identifier) @type) (val_definition pattern: (identifier) @type)])
(package_clause body: (template_body [{' '.join(f'({kind} name: (_) @type)' for kind in _TOP)}
                   (type_definition name: (type_identifier) @type)]))
[(identifier) (type_identifier)] @use
"""}
#: where an identifier names no use: the paths of imports and package clauses
_NOT_USES = ("import_declaration", "package_identifier", "namespace_selectors", "arrow_renamed_identifier")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def split_import(text: str) -> list[tuple[str, bool]]:
    """``(dotted name, wildcard)`` of each path an import names:
    ``import a.{B, C => D, _}, e.F`` -> ``a.B``, ``a.C``, ``(a, wildcard)``, ``e.F``."""
    text = " ".join(_COMMENT.sub(" ", text).split())
    text = re.sub(r"^import\s+", "", text)
    found: list[tuple[str, bool]] = []
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        depth += char == "{"
        depth -= char == "}"
        if char == "," and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    for part in parts:
        part = part.replace(" ", "").replace("`", "")
        head, brace, selectors = part.partition("{")
        if brace:
            prefix = head.rstrip(".")
            for selector in selectors.rstrip("}").split(","):
                name = re.split(r"=>|\bas\b", selector)[0].strip()
                if name in ("_", "*", "given") or name.startswith("given"):
                    found.append((prefix, True))
                elif name:
                    found.append((f"{prefix}.{name}", False))
            continue
        part = re.split(r"=>|\bas\b", part)[0]
        if part.endswith((".", ".*", "._", ".given")):
            found.append((part.rsplit(".", 1)[0], True))
        elif part:
            found.append((part, False))
    return found


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    scala = files.with_languages(LANGUAGES)
    index = PackageIndex()
    facts = {}
    for i in scala:
        nodes = captures(files.documents[i], _QUERIES)
        clauses = ["".join(node_text(n).split()) for n in sorted(nodes.get("package", []), key=lambda n: n.start_byte)]
        package = ".".join(clauses)
        chained = [".".join(clauses[:n]) for n in range(len(clauses), 0, -1)]
        imports = [path for n in nodes.get("import", []) for path in split_import(node_text(n))]
        used = {node_text(n) for n in nodes.get("use", []) if n.parent is None or n.parent.type not in _NOT_USES}
        facts[i] = (package, chained, imports, used)
        for name in sorted({node_text(n) for n in nodes.get("type", [])}):
            index.declare(package, name, i)
    for i in scala:
        package, chained, imports, used = facts[i]
        resolved = []
        for name, wildcard in imports:
            for scope in ["", *enclosing_packages(package)]:  # as written, then relative to an enclosing package
                candidate = f"{scope}.{name}" if scope else name
                if index.imported(candidate) if not wildcard else (candidate in index.members
                                                                  or index.imported(candidate)):
                    name = candidate
                    break
            resolved.append((name, wildcard))
        targets = package_edges(index, package, resolved, used, packages=chained or [""])
        targets.discard(i)
        yield from ((i, j) for j in sorted(targets))
