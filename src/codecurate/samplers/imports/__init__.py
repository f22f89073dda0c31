"""File dependency graphs: imports (and the references that stand for them) found with tree-sitter
and resolved to files of the same repository, one module per language family."""

from __future__ import annotations

import networkx as nx
from datatrove.data import Document

from codecurate.samplers.imports import c, csharp, go, java, javascript, python, rust
from codecurate.samplers.imports.common import RepositoryFiles
from codecurate.samplers.imports.python import python_imports, python_module_names

#: language family -> its resolver module (``LANGUAGES`` and ``edges(RepositoryFiles)``)
RESOLVERS = {module.__name__.rsplit(".", 1)[-1]: module for module in (python, java, javascript, c, go, csharp, rust)}
#: every language whose files get dependency edges
RESOLVED_LANGUAGES = frozenset(language for module in RESOLVERS.values() for language in module.LANGUAGES)

__all__ = ["RESOLVED_LANGUAGES", "RESOLVERS", "dependency_graph", "python_imports", "python_module_names"]


def dependency_graph(files: list[Document]) -> nx.DiGraph:
    """One node per file index, an edge importer -> imported for every dependency resolved to a file
    of ``files`` (imports across language families, such as a Python extension's C sources, are not
    followed)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(files)))
    repository = RepositoryFiles(files)
    for module in RESOLVERS.values():
        graph.add_edges_from(module.edges(repository))
    return graph
