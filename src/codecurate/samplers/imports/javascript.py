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


def specifiers(nodes: dict[str, list]) -> list[str]:
    found = [unquote(node_text(n)) for n in nodes.get("source", [])]
    calls = zip(nodes.get("function", []), nodes.get("argument", []))
    found += [unquote(node_text(arg)) for fn, arg in calls if node_text(fn) in ("require", "import")]
    return found


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
