"""Repository file order: quality of each strategy on the installed packages, and time on 100,
1,000 and 5,000-file repositories.

Quality (every installed distribution with at least ``--min-files`` Python files is a repository):
- dependency: share of resolved import edges whose imported file comes before the importer, for
  ``dependency_order`` and Ling-Coder's ``topological_order``, on acyclic and on cyclic graphs,
  with a random order as the floor;
- content: mean TF-IDF cosine of adjacent files, ``content_order`` against a random order;
- path: mean shared folder depth of adjacent files, ``path_order`` against a random order.

Time: the first N files (by path) of the largest distributions, each in a folder of its name:
each strategy, the dependency graph (parsing included) on its own, and networkx's
``lexicographical_topological_sort`` of the same graph (made acyclic) as the peer of the
topological orderers. The growth exponent between sizes is log(t2/t1) / log(n2/n1).

    python benchmarks/ordering.py [--min-files 20] [--sizes 100 1000 5000] [--skip-quality]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

import networkx as nx
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate import metadata as keys  # noqa: E402
from codecurate import parsing  # noqa: E402
from codecurate.readers import InstalledPackagesReader  # noqa: E402
from codecurate.samplers import file_orders as orderers  # noqa: E402
from codecurate.samplers.imports import dependency_graph  # noqa: E402
from common import best_of  # noqa: E402


def repositories(min_files: int):
    reader = InstalledPackagesReader(articles=False, languages=["Python"])
    for name in reader.list_repositories():
        files = [d for d in reader._read_repository(reader.open_repository(name), None, 0)
                 if not d.metadata.get(keys.DECODE_ERROR)]
        files.sort(key=lambda d: d.metadata[keys.PATH])
        if len(files) >= min_files:
            yield name, files


def edges_before(graph: nx.DiGraph, order: list[int]) -> tuple[int, int]:
    position = {node: p for p, node in enumerate(order)}
    edges = [(a, b) for a, b in graph.edges if a != b]
    return sum(position[b] < position[a] for a, b in edges), len(edges)


def adjacent_cosine(matrix, order: list[int]) -> tuple[float, int]:
    pairs = list(zip(order, order[1:]))
    if not pairs:
        return 0.0, 0
    a, b = zip(*pairs)
    sims = np.asarray(matrix[list(a)].multiply(matrix[list(b)]).sum(axis=1)).ravel()
    return float(sims.sum()), len(pairs)


def shared_depth(paths: list[str], order: list[int]) -> tuple[float, int]:
    total = 0
    for a, b in zip(order, order[1:]):
        for x, y in zip(paths[a].split("/")[:-1], paths[b].split("/")[:-1]):
            if x != y:
                break
            total += 1
    return float(total), max(0, len(order) - 1)


def quality(min_files: int) -> None:
    sums: dict[str, list[float]] = {}

    def add(key: str, value: float, count: int) -> None:
        entry = sums.setdefault(key, [0.0, 0])
        entry[0] += value
        entry[1] += count

    repos = 0
    for name, files in repositories(min_files):
        repos += 1
        rng = random.Random(name)
        paths = [d.metadata[keys.PATH] for d in files]
        graph = dependency_graph(files)
        kind = "acyclic" if nx.is_directed_acyclic_graph(graph) else "cyclic"
        add(f"dependency/{kind}/dependency_order", *edges_before(graph, orderers.dependency_order(graph, paths, rng)))
        add(f"dependency/{kind}/topological_order", *edges_before(graph, orderers.topological_order(graph, paths)))
        add(f"dependency/{kind}/random", *edges_before(graph, orderers.random_order(len(files), rng)))
        add(f"repositories/{kind}", 1, 0)
        try:
            matrix = TfidfVectorizer(token_pattern=r"[A-Za-z_][A-Za-z0-9_]+", lowercase=False).fit_transform(
                [d.text for d in files])
            add("content/content_order", *adjacent_cosine(matrix, orderers.content_order([d.text for d in files], rng)))
            add("content/random", *adjacent_cosine(matrix, orderers.random_order(len(files), rng)))
        except ValueError:
            pass
        add("path/path_order", *shared_depth(paths, orderers.path_order(paths, rng)))
        add("path/random", *shared_depth(paths, orderers.random_order(len(files), rng)))
    print(f"{repos} repositories (installed distributions with >= {min_files} Python files)")
    print(f"acyclic graphs: {sums.get('repositories/acyclic', [0])[0]:.0f}, "
          f"cyclic: {sums.get('repositories/cyclic', [0])[0]:.0f}")
    print("| measure | order | value | over |\n|---|---|---|---|")
    for key in sorted(sums):
        if key.startswith("repositories/"):
            continue
        value, count = sums[key]
        measure, order = key.rsplit("/", 1)
        print(f"| {measure} | {order} | {value / max(1, count):.3f} | {count} |")


def time_strategies(files: list) -> dict[str, float]:
    paths = [d.metadata[keys.PATH] for d in files]
    texts = [d.text for d in files]
    graph_time = best_of(lambda: (parsing._cache.clear(), dependency_graph(files)))
    graph = dependency_graph(files)
    acyclic = nx.condensation(graph)
    return {
        "graph": graph_time,
        "dependency": best_of(lambda: orderers.dependency_order(graph, paths, random.Random(1))),
        "topological": best_of(lambda: orderers.topological_order(graph, paths)),
        "peer": best_of(lambda: list(nx.lexicographical_topological_sort(acyclic))),
        "content": best_of(lambda: orderers.content_order(texts, random.Random(1))),
        "path": best_of(lambda: orderers.path_order(paths, random.Random(1))),
        "random": best_of(lambda: orderers.random_order(len(files), random.Random(1))),
    }


def monorepo(size: int) -> tuple[str, list]:
    """The largest distributions' Python files, each under a folder of its name, until ``size`` files."""
    ranked = sorted(repositories(1), key=lambda item: -len(item[1]))
    names, files = [], []
    for name, repo in ranked:
        names.append(name)
        for document in repo:
            document.metadata[keys.PATH] = f"{name}/{document.metadata[keys.PATH]}"
        files.extend(repo)
        if len(files) >= size:
            break
    return " + ".join(names), files


def timing(sizes: list[int]) -> None:
    name, files = monorepo(max(sizes))
    print(f"\ntime per strategy on the first N files of {name} (best of 3, seconds)")
    print("| files | graph | dependency | topological | networkx lexicographic (peer) | content | path | random |")
    print("|---|---|---|---|---|---|---|---|")
    previous = None
    for size in sizes:
        row = time_strategies(files[:size])
        count = len(files[:size])
        print(f"| {count} | " + " | ".join(f"{v:.4f}" for v in row.values()) + " |")
        if previous is not None:
            n0, r0 = previous
            growth = [math.log(max(row[k], 1e-9) / max(r0[k], 1e-9)) / math.log(count / n0) for k in row]
            print("| growth exponent | " + " | ".join(f"{g:.2f}" for g in growth) + " |")
        previous = (count, row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-files", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--skip-quality", action="store_true", help="only the timing table")
    args = parser.parse_args()
    if not args.skip_quality:
        quality(args.min_files)
    timing(args.sizes)


if __name__ == "__main__":
    main()
