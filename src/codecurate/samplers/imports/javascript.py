"""JavaScript and TypeScript: ``import``/``export ... from``, ``require()`` and ``import()`` of
relative specifiers, resolved the way Node and TypeScript's bundler resolution do.

``./x`` is tried as written, then with each source extension, then as a folder's ``index``; an
ESM-style ``./x.js`` also finds ``x.ts``. A bare specifier (``pkg/x``) is a package unless the
repository has that path from its top or from ``src/`` (a ``baseUrl`` layout); ``@/`` and ``~/``
are the common aliases for ``src/``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, node_text, unquote

LANGUAGES = ("JavaScript", "TypeScript", "TSX")
EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_QUERY = """
(import_statement source: (string) @source)
(export_statement source: (string) @source)
(call_expression function: [(identifier) (import)] @function arguments: (arguments . (string) @argument))
"""
_QUERIES = {grammar: _QUERY for grammar in ("javascript", "typescript", "tsx")}


def _span(node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def specifiers(nodes: dict[str, list]) -> list[str]:
    """The specifiers of a file's imports, in source order. A call's argument is paired with the
    function of the same call node (the capture lists need not be in matching order)."""
    found = [(n.start_byte, unquote(node_text(n))) for n in nodes.get("source", [])]
    callee = {_span(fn.parent): node_text(fn) for fn in nodes.get("function", []) if fn.parent is not None}
    for argument in nodes.get("argument", []):
        call = argument.parent.parent if argument.parent is not None else None
        if call is not None and callee.get(_span(call)) in ("require", "import"):
            found.append((argument.start_byte, unquote(node_text(argument))))
    return [specifier for _, specifier in sorted(found)]


def resolve(specifier: str, importer: str, files: RepositoryFiles) -> int | None:
    if specifier.startswith(("./", "../")) or specifier in (".", ".."):
        bases = [posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))]
    elif specifier.startswith(("@/", "~/")):
        bases = [posixpath.join("src", specifier[2:]), specifier[2:]]
    else:
        bases = [specifier, posixpath.join("src", specifier)]
    for base in bases:
        if base.startswith("../"):
            continue
        stem, extension = posixpath.splitext(base)
        candidates = [base, *(base + e for e in EXTENSIONS)]
        if extension in (".js", ".jsx", ".mjs", ".cjs"):  # TypeScript sources imported by their output name
            candidates += [stem + e for e in (".ts", ".tsx", ".mts", ".cts", ".d.ts")]
        candidates += [posixpath.join(base, "index" + e) for e in EXTENSIONS]
        for candidate in candidates:
            if candidate in files.by_path:
                return files.by_path[candidate]
    return None


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    for i in files.with_languages(LANGUAGES):
        targets = set()
        for specifier in specifiers(captures(files.documents[i], _QUERIES)):
            target = resolve(specifier, files.paths[i], files)
            if target is not None and target != i:
                targets.add(target)
        yield from ((i, j) for j in sorted(targets))
