import pytest

from codecurate import metadata as keys
from codecurate.samplers.imports import dependency_graph, python_module_names
from codecurate.samplers.repository_order import RepositoryOrder
from tests.conftest import make_doc

pytest.importorskip("tree_sitter_language_pack")

REPO = {
    "pkg/__init__.py": "from .a import run\n",
    "pkg/a.py": "from . import b\nfrom .c import helper\n\ndef run():\n    return b.go() + helper()\n",
    "pkg/b.py": "import pkg.c\n\ndef go():\n    return pkg.c.helper()\n",
    "pkg/c.py": "import os\n\ndef helper():\n    return 1\n",
    "main.py": "from pkg.a import run\nimport json\n\nprint(run())\n",
    "src/tool/cli.py": "from tool import core\n",
    "src/tool/core.py": "X = 1\n",
    "README.md": "# demo\n",
}


def repo_docs(repo="o/demo"):
    docs = []
    for path, text in REPO.items():
        language = "Python" if path.endswith(".py") else "Markdown"
        docs.append(make_doc(text, path, repo=repo, **{keys.LANGUAGE: language}))
    return docs


def test_module_names():
    assert python_module_names("src/pkg/mod.py") == ["src.pkg.mod", "pkg.mod", "mod"]
    assert python_module_names("pkg/__init__.py") == ["pkg"]


def test_python_imports_resolve_to_repository_files():
    docs = repo_docs()
    index = {d.metadata[keys.PATH]: i for i, d in enumerate(docs)}
    graph = dependency_graph(docs)
    edges = {(docs[a].metadata[keys.PATH], docs[b].metadata[keys.PATH]) for a, b in graph.edges}
    assert edges == {
        ("pkg/__init__.py", "pkg/a.py"),
        ("pkg/a.py", "pkg/__init__.py"),  # "from . import b" imports the package first
        ("pkg/a.py", "pkg/b.py"),
        ("pkg/a.py", "pkg/c.py"),
        ("pkg/b.py", "pkg/c.py"),
        ("main.py", "pkg/a.py"),
        ("src/tool/cli.py", "src/tool/core.py"),  # "tool" resolves under the src/ root
    }
    assert len(graph.nodes) == len(index)


@pytest.mark.parametrize("strategy", ["content", "path", "dependency", "random", "topological"])
def test_each_strategy_orders_every_file_once_and_records_it(strategy):
    block = RepositoryOrder(weights={strategy: 1.0}, seed=5)
    docs = repo_docs() + [make_doc("An article.", "a.md", repo=None, **{keys.KIND: keys.KIND_TEXT})]
    out = list(block.run(iter(docs)))
    assert sorted(d.id for d in out) == sorted(d.id for d in docs)
    repo_files = [d for d in out if d.metadata.get(keys.REPO)]
    assert [d.metadata[keys.ORDER_POSITION] for d in repo_files] == list(range(len(REPO)))
    assert {d.metadata[keys.ORDER_STRATEGY] for d in repo_files} == {strategy}
    again = [d.id for d in RepositoryOrder(weights={strategy: 1.0}, seed=5).run(iter(repo_docs()))]
    assert again == [d.id for d in repo_files]
    position = {d.metadata[keys.PATH]: d.metadata[keys.ORDER_POSITION] for d in repo_files}
    if strategy == "dependency":  # only the pkg/__init__.py <-> pkg/a.py cycle may be cut
        assert position["pkg/c.py"] < position["pkg/b.py"] < position["pkg/a.py"] < position["main.py"]
    if strategy == "topological":  # Ling-Coder's literal rule: main.py wins the tie at the cycle
        assert position["pkg/c.py"] < position["pkg/b.py"] < position["pkg/a.py"]


def test_strategy_draw_follows_the_weights_and_the_repository_id():
    block = RepositoryOrder(seed=1)
    drawn = [block.order(f"o/r{i}", repo_docs(f"o/r{i}"))[0] for i in range(200)]
    shares = {s: drawn.count(s) / 200 for s in ("content", "path", "dependency", "random")}
    assert 0.2 < shares["content"] < 0.4 and 0.2 < shares["path"] < 0.4 and 0.2 < shares["dependency"] < 0.4
    assert 0.03 < shares["random"] < 0.2
    assert block.order("o/r7", repo_docs("o/r7"))[0] == drawn[7]


def test_weights_are_validated():
    with pytest.raises(ValueError, match="unknown strategies"):
        RepositoryOrder(weights={"alphabetical": 1})


def test_articles_of_a_repository_pass_untouched():
    docs = repo_docs() + [make_doc("Long description.", "METADATA#description", repo="o/demo",
                                   **{keys.KIND: keys.KIND_TEXT})]
    out = list(RepositoryOrder(seed=2).run(iter(docs)))
    article = next(d for d in out if d.metadata[keys.KIND] == keys.KIND_TEXT)
    assert keys.ORDER_POSITION not in article.metadata
    positions = sorted(d.metadata[keys.ORDER_POSITION] for d in out if d.metadata[keys.KIND] == keys.KIND_CODE)
    assert positions == list(range(len(REPO)))


def interleaving_input():
    docs = []
    for r in range(12):
        docs += [make_doc(f"x = {r}\n", f"m{k}.py", repo=f"o/r{r}", **{keys.LANGUAGE: "Python"}) for k in range(3)]
        docs.append(make_doc(f"Article {r}.", f"a{r}.md", repo=None, **{keys.KIND: keys.KIND_TEXT}))
    return docs


def units_of(out):
    units = []
    for d in out:
        key = d.metadata.get(keys.REPO) or d.id
        if not units or units[-1] != key:
            units.append(key)
    return units


def test_repositories_and_articles_are_interleaved_in_a_seeded_order():
    docs = interleaving_input()
    inputs = units_of(docs)
    first = list(RepositoryOrder(weights={"path": 1.0}, seed=3).run(iter(interleaving_input())))
    again = list(RepositoryOrder(weights={"path": 1.0}, seed=3).run(iter(interleaving_input())))
    other = list(RepositoryOrder(weights={"path": 1.0}, seed=4).run(iter(interleaving_input())))
    assert [d.id for d in first] == [d.id for d in again]
    assert [d.id for d in first] != [d.id for d in other]
    units = units_of(first)
    assert sorted(units) == sorted(inputs) and len(units) == len(inputs)  # each repository stays contiguous
    assert units != inputs
    kept = list(RepositoryOrder(weights={"path": 1.0}, interleave_units=1, seed=3).run(iter(interleaving_input())))
    assert units_of(kept) == inputs


def test_interleave_buffer_is_bounded_by_bytes():
    block = RepositoryOrder(weights={"random": 1.0}, interleave_bytes=1, seed=3)
    assert units_of(list(block.run(iter(interleaving_input())))) == units_of(interleaving_input())
    with pytest.raises(ValueError, match="interleave"):
        RepositoryOrder(interleave_units=0)
