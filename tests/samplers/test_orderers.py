import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecurate.samplers.file_orders import (
    TOKEN_PATTERN,
    content_order,
    dependency_order,
    path_distance,
    path_order,
    random_order,
    topological_order,
)
from codecurate.samplers.imports import ImportGraph

pytest.importorskip("sklearn")

PATHS = st.lists(st.lists(st.sampled_from(["src", "lib", "tests", "a", "b"]), min_size=0, max_size=3)
                 .map(lambda parts: "/".join(parts)), min_size=1, max_size=25)


def unique_paths(folders: list[str]) -> list[str]:
    return [f"{folder}/f{i}.py".lstrip("/") for i, folder in enumerate(folders)]


def graphs(draw_edges, count):
    graph = nx.DiGraph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from((a, b) for a, b in draw_edges if a < count and b < count)
    return graph


@settings(max_examples=60, deadline=None)
@given(PATHS, st.integers(0, 2**32))
def test_path_and_random_orders_are_seeded_permutations(folders, seed):
    paths = unique_paths(folders)
    for order in (path_order(paths, random.Random(seed)), random_order(len(paths), random.Random(seed))):
        assert sorted(order) == list(range(len(paths)))
    assert path_order(paths, random.Random(seed)) == path_order(paths, random.Random(seed))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=80),
       st.integers(0, 2**32))
def test_dependency_orders_are_permutations_with_callees_first(count, edges, seed):
    graph = graphs(edges, count)
    paths = [f"m{i:02d}.py" for i in range(count)]
    orders = (dependency_order(graph, paths, random.Random(seed)), topological_order(graph, paths))
    for order in orders:
        assert sorted(order) == list(range(count))
    assert dependency_order(graph, paths, random.Random(seed)) == orders[0]
    without_loops = nx.DiGraph([(a, b) for a, b in graph.edges if a != b])
    if nx.is_directed_acyclic_graph(without_loops):
        for order in orders:
            position = {node: i for i, node in enumerate(order)}
            assert all(position[callee] < position[caller] for caller, callee in graph.edges if caller != callee)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=80),
       st.integers(0, 2**32))
def test_import_graph_orders_like_a_networkx_graph(count, edges, seed):
    edges = [(a, b) for a, b in edges if a < count and b < count]
    graph, light = graphs(edges, count), ImportGraph(count)
    light.add_edges_from(edges)
    assert list(light.nodes) == list(graph.nodes) and light.edges == list(graph.edges)
    for node in graph.nodes:
        assert list(light.successors(node)) == list(graph.successors(node))
        assert list(light.predecessors(node)) == list(graph.predecessors(node))
    paths = [f"m{i:02d}.py" for i in range(count)]
    assert dependency_order(light, paths, random.Random(seed)) == dependency_order(graph, paths, random.Random(seed))
    assert topological_order(light, paths) == topological_order(graph, paths)


def test_cycles_are_broken_deterministically():
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 0)])  # 0 -> 1 -> 2 -> 0, and 3 calls 0
    paths = ["a.py", "b.py", "c.py", "d.py"]
    assert topological_order(graph, paths) == [0, 2, 1, 3]  # ties on pending count broken by path
    for seed in range(10):
        order = dependency_order(graph, paths, random.Random(seed))
        position = {node: i for i, node in enumerate(order)}
        assert sorted(order) == [0, 1, 2, 3] and order[0] == 0  # the cycle is broken at a.py
        violated = [(a, b) for a, b in graph.edges if position[b] > position[a]]
        assert violated == [(0, 1)]  # only the edge the break had to cut


def test_cycle_break_never_reverses_an_edge_outside_the_cycle():
    # a.py waits on the cycle b <-> c; a.py wins a literal tie by path, the cycle-aware break does not
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 1)])
    paths = ["a.py", "b.py", "c.py"]
    for seed in range(10):
        order = dependency_order(graph, paths, random.Random(seed))
        position = {node: i for i, node in enumerate(order)}
        violated = [(a, b) for a, b in graph.edges if position[b] > position[a]]
        assert len(violated) == 1 and violated[0] in {(1, 2), (2, 1)}  # only inside the cycle
    assert topological_order(graph, paths)[0] == 0  # the literal rule lets a.py jump ahead


def test_path_distance_and_nearest_first():
    assert path_distance("src/a.py", "src/b.py") == 0
    assert path_distance("src/a.py", "src/x/b.py") == 1
    assert path_distance("src/a.py", "lib/b.py") == 2
    paths = ["src/a.py", "src/b.py", "lib/c.py", "lib/d.py"]
    for seed in range(20):
        order = path_order(paths, random.Random(seed))
        assert sorted(order) == [0, 1, 2, 3]


def test_content_order_groups_similar_files():
    texts = [f"def parse_json(data): return json.loads(data)  # {i}" for i in range(5)] + \
            [f"SELECT name FROM users WHERE id = {i};" for i in range(5)]
    for seed in range(10):
        order = content_order(texts, random.Random(seed))
        assert sorted(order) == list(range(10))
    assert content_order(texts, random.Random(3)) == content_order(texts, random.Random(3))
    assert content_order(["", " "], random.Random(0)) in ([0, 1], [1, 0])
    assert content_order(["only"], random.Random(0)) == [0]


def reference_content_order(texts, rng, max_clusters=20):
    """``content_order`` as first written: TF-IDF and KMeans whatever the number of clusters."""
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    count = len(texts)
    if count <= 1:
        return list(range(count))
    k = min(rng.randint(1, max_clusters), count)
    try:
        matrix = TfidfVectorizer(token_pattern=TOKEN_PATTERN, lowercase=False).fit_transform(texts)
    except ValueError:
        return random_order(count, rng)
    if k > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, n_init=3, random_state=rng.randrange(2**31)).fit_predict(matrix)
    else:
        labels = [0] * count
    clusters = {}
    for index, label in enumerate(labels):
        clusters.setdefault(int(label), []).append(index)
    groups = [clusters[label] for label in sorted(clusters)]
    rng.shuffle(groups)
    order = []
    for group in groups:
        rng.shuffle(group)
        order.extend(group)
    return order


def test_content_order_equals_tf_idf_for_every_cluster_count():
    """One cluster skips scikit-learn (a token search decides between one cluster and a shuffle):
    the orders are those of TF-IDF and KMeans, for seeds drawing k = 1 and others."""
    corpora = [
        [f"def parse_json(data): return json.loads(data)  # {i}" for i in range(5)] + ["SELECT a FROM b;", "x = 1"],
        ["", " ", "1 + 2", "é ü", "a b c"],  # no token: a shuffle
        ["", "1", "ab"],  # one token
    ]
    drew_one = 0
    for texts in corpora:
        for seed in range(120):
            drew_one += random.Random(seed).randint(1, 20) == 1
            assert content_order(texts, random.Random(seed)) == reference_content_order(texts, random.Random(seed))
    assert drew_one >= 3


def reference_dependency_order(graph, paths, rng):
    """The plain statement of dependency_order: strongly connected components of the remaining
    files recomputed at every cycle break (quadratic; the oracle for the incremental version)."""
    remaining = {node: sum(1 for callee in graph.successors(node) if callee != node) for node in graph.nodes}
    order, emitted = [], set()
    ready = [node for node, pending in remaining.items() if pending == 0]
    while len(order) < len(remaining):
        if not ready:
            sub = graph.subgraph([n for n in remaining if n not in emitted])
            components = list(nx.strongly_connected_components(sub))
            member = {node: i for i, component in enumerate(components) for node in component}
            calls_out = {member[a] for a, b in sub.edges if member[a] != member[b]}
            candidates = [n for i, c in enumerate(components) if i not in calls_out for n in c]
            ready = [min(candidates, key=lambda n: (remaining[n], paths[n]))]
        ready.sort(key=lambda n: paths[n])
        rng.shuffle(ready)
        next_ready = []
        for node in ready:
            if node in emitted:
                continue
            emitted.add(node)
            order.append(node)
            for caller in graph.predecessors(node):
                if caller != node and caller not in emitted:
                    remaining[caller] -= 1
                    if remaining[caller] == 0:
                        next_ready.append(caller)
        ready = next_ready
    return order


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=80),
       st.integers(0, 2**32))
def test_incremental_cycle_breaking_equals_the_plain_statement(count, edges, seed):
    graph = graphs(edges, count)
    paths = [f"f{i:02d}.py" for i in range(count)]
    assert dependency_order(graph, paths, random.Random(seed)) == \
        reference_dependency_order(graph, paths, random.Random(seed))
