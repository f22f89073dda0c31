"""What every language's resolver shares: the repository's file index and tree-sitter captures."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.parsing import get_language, parse_document

#: Seconds one file may take to parse for its imports; a slower file gets no edges.
PARSE_SECONDS = 2.0


@dataclass
class RepositoryFiles:
    """One repository's files as the resolvers see them: index -> path, path -> index, folder -> files."""

    documents: list[Document]
    paths: list[str] = field(init=False)
    by_path: dict[str, int] = field(init=False)
    by_folder: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.paths = [d.metadata.get(keys.PATH) or "" for d in self.documents]
        self.by_path = {}
        self.by_folder = {}
        for i, path in enumerate(self.paths):
            self.by_path.setdefault(path, i)
            self.by_folder.setdefault(posixpath.dirname(path), []).append(i)

    def language(self, index: int) -> str | None:
        return self.documents[index].metadata.get(keys.LANGUAGE)

    def with_languages(self, languages: Iterable[str]) -> list[int]:
        wanted = set(languages)
        return [i for i in range(len(self.documents)) if self.language(i) in wanted]


@cache
def _query(grammar: str, source: str):
    from tree_sitter import Query

    return Query(get_language(grammar), source)


def captures(document: Document, queries: dict[str, str]) -> dict[str, list]:
    """The nodes captured in ``document`` by the query written for its grammar (``queries`` maps a
    grammar to query source), each capture's nodes in the file's order (tree-sitter's own order changes
    with the process's string hashing, and with it the order of a file's import edges); empty when the
    file has no grammar, no query or does not parse in time."""
    from tree_sitter import QueryCursor

    result = parse_document(document, PARSE_SECONDS)
    if result is None or result.tree is None or result.grammar not in queries:
        return {}
    found = QueryCursor(_query(result.grammar, queries[result.grammar])).captures(result.tree.root_node)
    return {name: sorted(nodes, key=lambda node: (node.start_byte, node.end_byte)) for name, nodes in found.items()}


def node_text(node) -> str:
    return node.text.decode("utf-8", errors="replace")


def unquote(literal: str) -> str:
    """A string literal's content: ``"a/b.h"`` -> ``a/b.h``, ``<vector>`` -> ``vector``."""
    literal = literal.strip()
    if len(literal) >= 2 and literal[0] in "\"'`<" and literal[-1] in "\"'`>":
        return literal[1:-1]
    return literal


def nearest(candidates: Iterable[int], files: RepositoryFiles, source: int) -> int | None:
    """Of several files a reference could mean, the one closest to ``source`` in the folder tree
    (ties by path); ``None`` when there is none."""
    from codecurate.samplers.file_orders import path_distance

    here = files.paths[source]
    ranked = sorted((path_distance(here, files.paths[c]), files.paths[c], c) for c in candidates if c != source)
    return ranked[0][2] if ranked else None


@dataclass
class PackageIndex:
    """Top-level names of package-based languages (Kotlin, Scala, Java seen from Kotlin): a qualified
    name -> the files declaring it, and a package -> its simple names -> the files declaring them."""

    qualified: dict[str, set[int]] = field(default_factory=dict)
    members: dict[str, dict[str, set[int]]] = field(default_factory=dict)

    def declare(self, package: str, name: str, index: int) -> None:
        self.qualified.setdefault(f"{package}.{name}" if package else name, set()).add(index)
        self.members.setdefault(package, {}).setdefault(name, set()).add(index)

    def imported(self, name: str) -> set[int]:
        """The files an imported name means: its longest prefix declared here (``a.B.member`` -> ``a.B``)."""
        while name:
            if name in self.qualified:
                return self.qualified[name]
            name = name.rpartition(".")[0]
        return set()

    def visible(self, packages: Iterable[str], used: set[str]) -> set[int]:
        """The files declaring, in one of ``packages``, a name of ``used``."""
        found: set[int] = set()
        for package in packages:
            declared = self.members.get(package, {})
            for name in used & declared.keys():
                found.update(declared[name])
        return found


def enclosing_packages(package: str) -> list[str]:
    """``a.b.c`` -> ``a.b.c``, ``a.b``, ``a`` (and nothing for the root package)."""
    parts = package.split(".") if package else []
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
