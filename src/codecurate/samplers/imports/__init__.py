"""File dependency graphs: imports (and the references that stand for them) found with tree-sitter
and resolved to files of the same repository, one module per language family."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from datatrove.data import Document

from codecurate.samplers.imports import (
    c,
    csharp,
    dart,
    go,
    java,
    javascript,
    kotlin,
    php,
    python,
    ruby,
    rust,
    scala,
    swift,
)
from codecurate.samplers.imports.common import RepositoryFiles
from codecurate.samplers.imports.python import python_imports, python_module_names

if TYPE_CHECKING:
    import networkx as nx

#: language family -> its resolver module (``LANGUAGES`` and ``edges(RepositoryFiles)``)
RESOLVERS = {module.__name__.rsplit(".", 1)[-1]: module for module in
             (python, java, javascript, c, go, csharp, rust, kotlin, php, ruby, swift, scala, dart)}
#: every language whose files get dependency edges
RESOLVED_LANGUAGES = frozenset(language for module in RESOLVERS.values() for language in module.LANGUAGES)

__all__ = ["RESOLVED_LANGUAGES", "RESOLVERS", "ImportGraph", "dependency_graph", "import_graph", "python_imports",
           "python_module_names"]


class ImportGraph:
    """A directed graph on the file indices ``0..count-1`` with networkx's ``DiGraph`` interface as
    the orderers read it (``nodes``, ``successors``, ``predecessors``, ``edges``), kept as networkx
    keeps it: each node's successors and predecessors in the order their edges were first added, so
    an orderer gives the same order on either. It spares the ordering stage networkx's import."""

    def __init__(self, count: int):
        self.nodes = range(count)
        self._succ: list[dict[int, None]] = [{} for _ in self.nodes]
        self._pred: list[dict[int, None]] = [{} for _ in self.nodes]

    def add_edges_from(self, edges: Iterable[tuple[int, int]]) -> None:
        for caller, callee in edges:
            self._succ[caller][callee] = None
            self._pred[callee][caller] = None

    def successors(self, node: int) -> Iterator[int]:
        return iter(self._succ[node])

    def predecessors(self, node: int) -> Iterator[int]:
        return iter(self._pred[node])

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(caller, callee) for caller in self.nodes for callee in self._succ[caller]]


def _resolved_edges(files: list[Document]) -> Iterator[tuple[int, int]]:
    repository = RepositoryFiles(files)
    for module in RESOLVERS.values():
        yield from module.edges(repository)


def import_graph(files: list[Document]) -> ImportGraph:
    """``dependency_graph``'s graph as an ``ImportGraph`` (no networkx): the same nodes and edges,
    successors and predecessors in the same order."""
    graph = ImportGraph(len(files))
    graph.add_edges_from(_resolved_edges(files))
    return graph


def dependency_graph(files: list[Document]) -> nx.DiGraph:
    """One node per file index, an edge importer -> imported for every dependency resolved to a file
    of ``files`` (imports across language families, such as a Python extension's C sources, are not
    followed)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(files)))
    graph.add_edges_from(_resolved_edges(files))
    return graph
