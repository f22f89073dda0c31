"""Dart: ``import``, ``export``, ``part`` and ``part of`` URIs resolved to the repository's files.

A relative URI is resolved beside the file. ``package:<name>/<path>`` is ``lib/<path>`` of the
package called ``<name>``: the folder of a ``pubspec.yaml`` whose ``name:`` is ``<name>`` when the
repository's pubspec files are among its documents, else a folder named ``<name>``, else, for a
repository that is one package, the top ``lib/``. ``part 'x.dart'`` and the part's ``part of``
both give the edge library -> part (a part is a piece of its library), never the reverse, so a
library and its parts form no cycle. ``dart:`` libraries and other packages resolve to nothing.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, nearest, node_text, unquote

LANGUAGES = ("Dart",)
_QUERIES = {"dart": """
(import_or_export (_ [(configurable_uri (uri) @uri) (import_specification (configurable_uri (uri) @uri))]))
(part_directive (uri) @uri)
(part_of_directive (uri) @part_of)
"""}
_NAME = re.compile(r"^name:\s*['\"]?([\w-]+)", re.M)


def _packages(files: RepositoryFiles) -> dict[str, list[str]]:
    """Package name -> the folders holding its ``pubspec.yaml`` (from the pubspec documents)."""
    found: dict[str, list[str]] = {}
    for i, path in enumerate(files.paths):
        if posixpath.basename(path) == "pubspec.yaml":
            match = _NAME.search(files.documents[i].text or "")
            if match:
                found.setdefault(match.group(1), []).append(posixpath.dirname(path))
    return found


def resolve(uri: str, i: int, files: RepositoryFiles, packages: dict[str, list[str]]) -> int | None:
    if uri.startswith("dart:"):
        return None
    if uri.startswith("package:"):
        name, _, rest = uri[len("package:"):].partition("/")
        roots = packages.get(name) or [folder for folder in files.by_folder if posixpath.basename(folder) == name]
        candidates = [files.by_path[p] for p in (posixpath.join(root, "lib", rest) for root in roots)
                      if p in files.by_path]
        if not candidates and not packages and posixpath.join("lib", rest) in files.by_path:
            candidates = [files.by_path[posixpath.join("lib", rest)]]
        return nearest(candidates, files, i)
    if ":" in uri:
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(files.paths[i]), uri))
    return files.by_path.get(path)


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    dart = files.with_languages(LANGUAGES)
    packages = _packages(files) if dart else {}
    found: set[tuple[int, int]] = set()
    for i in dart:
        nodes = captures(files.documents[i], _QUERIES)
        for node in nodes.get("uri", []):
            target = resolve(unquote(node_text(node)), i, files, packages)
            if target is not None and target != i:
                found.add((i, target))
        for node in nodes.get("part_of", []):
            library = resolve(unquote(node_text(node)), i, files, packages)
            if library is not None and library != i:
                found.add((library, i))
    yield from sorted(found)
