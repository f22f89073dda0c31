"""C and C++: ``#include`` resolved to the repository's headers.

``"x.h"`` is looked for beside the including file first (as compilers do), then, like ``<x.h>``,
as a path suffix anywhere in the repository (the include folders a build adds are unknown): among
several matches, the one nearest the including file in the folder tree. ``<vector>`` and other
system headers match nothing unless the repository has such a file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, nearest, node_text, unquote

LANGUAGES = ("C", "C++")
_QUERY = "(preproc_include path: [(string_literal) (system_lib_string)] @path)"
_QUERIES = {"c": _QUERY, "cpp": _QUERY}


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    family = files.with_languages(LANGUAGES)
    by_name: dict[str, list[int]] = {}
    for i in family:
        by_name.setdefault(posixpath.basename(files.paths[i]), []).append(i)
    for i in family:
        targets = set()
        for node in captures(files.documents[i], _QUERIES).get("path", []):
            quoted = node.type == "string_literal"
            header = posixpath.normpath(unquote(node_text(node)))
            local = posixpath.normpath(posixpath.join(posixpath.dirname(files.paths[i]), header))
            if quoted and local in files.by_path:
                target = files.by_path[local]
            else:
                suffix = "/" + header
                matches = [j for j in by_name.get(posixpath.basename(header), [])
                           if files.paths[j] == header or files.paths[j].endswith(suffix)]
                target = nearest(matches, files, i)
            if target is not None and target != i:
                targets.add(target)
        yield from ((i, j) for j in sorted(targets))
