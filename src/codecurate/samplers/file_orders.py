"""File orderers of the paper's Algorithm 1 and Ling-Coder-Lite's topological sort.

Each orderer takes one repository's files (their paths, texts or dependency graph) and returns a
permutation of ``range(len(files))``: the order in which the files are concatenated for training.
Randomness comes only from the ``random.Random`` passed in (seeded per repository by the caller).
"""

from __future__ import annotations

import heapq
import random
import re
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

#: what a TF-IDF token of ``content_order`` is (an identifier of two characters or more)
TOKEN_PATTERN = r"[A-Za-z_][A-Za-z0-9_]+"


def random_order(count: int, rng: random.Random) -> list[int]:
    """The 10% strategy: a shuffle."""
    order = list(range(count))
    rng.shuffle(order)
    return order


def path_distance(a: str, b: str) -> int:
    """Steps between two files in the folder tree: the folders of each below their deepest common
    folder, counted on both sides (siblings: 0; a file and a file in a subfolder: 1)."""
    parts_a, parts_b = a.split("/")[:-1], b.split("/")[:-1]
    common = 0
    for x, y in zip(parts_a, parts_b):
        if x != y:
            break
        common += 1
    return len(parts_a) + len(parts_b) - 2 * common


def path_order(paths: list[str], rng: random.Random) -> list[int]:
    """Algorithm 1's path strategy: until no file is left, draw K = random(1, #left), pick a random
    file, emit its K nearest files by ``path_distance`` (ties by path), then the file itself."""
    left = sorted(range(len(paths)), key=lambda i: paths[i])
    order: list[int] = []
    while left:
        k = rng.randint(1, len(left))
        pick = left[rng.randrange(len(left))]
        others = sorted((i for i in left if i != pick), key=lambda i: (path_distance(paths[pick], paths[i]), paths[i]))
        chosen = others[:k]  # the K nearest (all the others when fewer are left), then the file itself
        order.extend(chosen)
        order.append(pick)
        taken = set(chosen) | {pick}
        left = [i for i in left if i not in taken]
    return order


def content_order(texts: list[str], rng: random.Random, max_clusters: int = 20) -> list[int]:
    """Algorithm 1's content strategy: TF-IDF of each file, k = min(random(1, 20), #files) KMeans
    clusters, clusters in random order, files shuffled inside each cluster. Files with no token
    at all (TF-IDF has nothing to say) form one more cluster."""
    count = len(texts)
    if count <= 1:
        return list(range(count))
    k = min(rng.randint(1, max_clusters), count)
    if k == 1:  # one cluster: TF-IDF would only tell whether any file has a token (scikit-learn not needed)
        token = re.compile(TOKEN_PATTERN)
        if not any(token.search(text) for text in texts):
            return random_order(count, rng)
        labels = [0] * count
    else:
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer

        try:
            matrix = TfidfVectorizer(token_pattern=TOKEN_PATTERN, lowercase=False).fit_transform(texts)
        except ValueError:  # empty vocabulary: no file has a token
            return random_order(count, rng)
        with warnings.catch_warnings():  # fewer distinct files than k: KMeans warns and leaves clusters empty
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, n_init=3, random_state=rng.randrange(2**31)).fit_predict(matrix)
    clusters: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(index)
    groups = [clusters[label] for label in sorted(clusters)]
    rng.shuffle(groups)
    order: list[int] = []
    for group in groups:
        rng.shuffle(group)
        order.extend(group)
    return order


def dependency_order(graph: nx.DiGraph, paths: list[str], rng: random.Random) -> list[int]:
    """Algorithm 1's dependency strategy, implemented to its intent: every file exactly once, a
    callee before its callers wherever the graph allows.

    ``graph`` has one node per file index and an edge caller -> callee. Files whose callees are
    all emitted are ready; each level of ready files is shuffled. When a cycle leaves no file ready,
    one file of a cycle whose members wait on nothing outside it is emitted: the one with the
    fewest unemitted callees, ties by path (Ling-Coder's rule, applied inside the cycle, so no
    edge outside a cycle is ever reversed).
    """
    remaining = {node: sum(1 for callee in graph.successors(node) if callee != node) for node in graph.nodes}
    cycles = _Cycles(graph, remaining)
    order: list[int] = []
    ready = [node for node, pending in remaining.items() if pending == 0]
    emitted: set[int] = set()
    while len(order) < len(remaining):
        if not ready:  # a cycle: break it inside a cycle nothing else waits on
            ready = [cycles.breaking_point(paths)]
        ready.sort(key=lambda n: paths[n])
        rng.shuffle(ready)
        next_ready: list[int] = []
        for node in ready:
            if node in emitted:
                continue
            emitted.add(node)
            order.append(node)
            cycles.emitted(node)
            for caller in graph.predecessors(node):
                if caller == node or caller in emitted:
                    continue
                remaining[caller] -= 1
                if remaining[caller] == 0:
                    next_ready.append(caller)
        ready = next_ready
    return order


class _Cycles:
    """The strongly connected components ("pieces") of the files not yet emitted, kept up to date
    cheaply: a piece only changes when one of its own files is emitted (a file of an intact cycle
    is never ready), so only those pieces are split again, and each piece counts its unemitted
    callees outside itself."""

    def __init__(self, graph: nx.DiGraph, pending: dict[int, int]):
        self.graph, self.pending = graph, pending
        self.callees = {node: [c for c in graph.successors(node) if c != node] for node in graph.nodes}
        self.piece: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}
        self.outside: dict[int, int] = {}
        self.done: set[int] = set()
        self.dirty: set[int] = set()
        self.next_id = 0
        self._split(list(graph.nodes))

    def _split(self, nodes: list[int]) -> None:
        pieces = _components(nodes, self.callees)
        for members in pieces:
            piece, self.next_id = self.next_id, self.next_id + 1
            self.members[piece] = set(members)
            for node in members:
                self.piece[node] = piece
        for members in pieces:
            piece = self.piece[next(iter(members))]
            self.outside[piece] = sum(1 for node in members for callee in self.callees[node]
                                      if callee not in self.done and self.piece.get(callee) != piece)

    def emitted(self, node: int) -> None:
        self.done.add(node)
        piece = self.piece.pop(node)
        self.members[piece].discard(node)
        self.dirty.add(piece)
        for caller in self.graph.predecessors(node):
            other = self.piece.get(caller)
            if other is not None and other != piece:
                self.outside[other] -= 1

    def breaking_point(self, paths: list[str]) -> int:
        for piece in self.dirty:
            members = self.members.pop(piece)
            self.outside.pop(piece)
            if members:
                self._split(sorted(members))
        self.dirty.clear()
        candidates = [node for piece, members in self.members.items() if self.outside[piece] == 0
                      for node in members]
        return min(candidates, key=lambda n: (self.pending[n], paths[n]))


def _components(nodes: list[int], callees: dict[int, list[int]]) -> list[set[int]]:
    """Strongly connected components of the subgraph on ``nodes`` (iterative Tarjan, plain dicts:
    several times faster than a networkx subgraph view, and this runs once per cycle break)."""
    inside = set(nodes)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[set[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = callees[node]
            while position < len(edges):
                callee = edges[position]
                position += 1
                if callee not in inside:
                    continue
                if callee not in index:
                    work.append((node, position))
                    work.append((callee, 0))
                    break
                if callee in on_stack:
                    low[node] = min(low[node], index[callee])
            else:
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return components


def topological_order(graph: nx.DiGraph, paths: list[str]) -> list[int]:
    """Ling-Coder-Lite's order, as it states it: repeatedly emit the remaining file with the fewest
    unemitted dependencies (callees), ties by path, so dependencies precede dependents and cycles
    are broken deterministically. No randomness. Taken literally, a cycle's tie can be won by a file
    outside the cycle that waits on it; ``dependency_order`` breaks cycles inside them instead."""
    pending = {node: sum(1 for callee in graph.successors(node) if callee != node) for node in graph.nodes}
    heap = [(count, paths[node], node) for node, count in pending.items()]
    heapq.heapify(heap)
    emitted: set[int] = set()
    order: list[int] = []
    while heap:
        count, _, node = heapq.heappop(heap)
        if node in emitted or count != pending[node]:
            continue  # stale entry
        emitted.add(node)
        order.append(node)
        for caller in graph.predecessors(node):
            if caller != node and caller not in emitted:
                pending[caller] -= 1
                heapq.heappush(heap, (pending[caller], paths[caller], caller))
    return order
