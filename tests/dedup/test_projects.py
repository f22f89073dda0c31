import json

import numpy as np
import pytest

from codecurate import metadata as keys
from codecurate.dedup.projects import ProjectDedup, candidate_pairs, content_hash, identity_hashes, normalise_url
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz, write


def module(k: int) -> str:
    """A distinct, realistic Python module."""
    return (f'"""Module {k}: helpers for stage {k}."""\n\nimport math\n\n\n'
            f"def area_{k}(radius):\n    return math.pi * radius ** {k % 3 + 2}\n\n\n"
            f"class Stage{k}:\n    def __init__(self, size={k}):\n        self.size = size\n\n"
            f"    def run(self, items):\n        return [item * self.size + {k} for item in items]\n")


def make_repo(root, folder, files: dict[str, str], sidecar: dict | None = None) -> None:
    for path, text in files.items():
        write(root / folder / path, text)
    if sidecar is not None:
        write(root / f"{folder}.json", json.dumps(sidecar))


def run(tmp_path, root, **params):
    out = tmp_path / "out"
    recipe = validate({
        "name": "projects", "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(root)}}],
        "stages": [{"block": "project_dedup", "id": "projects", "params": params}],
    })
    summary = run_recipe(recipe)
    kept = [r for p in sorted((out / "documents").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    excluded = [r for p in sorted((out / "excluded" / "projects").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    stage = next(s for s in summary["stages"] if s["stage"] == "projects")
    return kept, excluded, stage


@pytest.fixture
def corpus(tmp_path):
    """upstream (20 modules), its fork with renamed folders (2 files changed, 2 added), and two
    unrelated repositories, one sharing a LICENSE and an empty __init__.py with upstream."""
    root = tmp_path / "repos"
    upstream = {f"src/upstream/mod_{k}.py": module(k) for k in range(20)}
    upstream |= {"LICENSE": "MIT License\n\nPermission is hereby granted...\n", "src/upstream/__init__.py": ""}
    make_repo(root, "upstream", upstream, {"name": "acme/upstream", "license": "MIT", "stars": 900, "commits": 400,
                                           "url": "https://github.com/acme/upstream"})
    fork = {path.replace("src/upstream/", "lib/vendored_upstream/"): text for path, text in upstream.items()}
    fork["lib/vendored_upstream/mod_3.py"] = module(3).replace("return [item", "return list(item")
    fork["lib/vendored_upstream/mod_7.py"] += "\n\ndef extra():\n    return 7\n"
    fork["lib/vendored_upstream/mod_7.py".replace("7", "7_new")] = module(107)
    fork["tools/build.py"] = module(108)
    # CRLF line ends and trailing spaces do not make a file different
    fork["lib/vendored_upstream/mod_11.py"] = fork["lib/vendored_upstream/mod_11.py"].replace("\n", "  \r\n")
    make_repo(root, "fork", fork, {"name": "someone/upstream-copy", "license": "MIT", "stars": 3, "commits": 2})
    other = {f"pkg/other_{k}.py": module(200 + k) for k in range(15)} | {"LICENSE": upstream["LICENSE"],
                                                                        "pkg/__init__.py": ""}
    make_repo(root, "other", other, {"name": "else/other", "license": "MIT", "stars": 5})
    make_repo(root, "small", {"a.py": module(300)}, {"name": "x/small"})
    return root


def test_fork_with_renamed_folders_is_dropped_naming_the_kept_repository(tmp_path, corpus):
    kept, excluded, stage = run(tmp_path, corpus)
    assert {r["metadata"][keys.REPO] for r in excluded} == {"someone/upstream-copy"}
    assert len(excluded) == 24  # every file of the fork, the blank one included
    for record in excluded:
        assert record["metadata"][keys.FILTER_REASON] == "duplicate_repository"
        assert record["metadata"][keys.EXCLUDED_BY] == "projects"
        assert record["metadata"][keys.DUPLICATE_REPOSITORY_OF] == "acme/upstream"
        # 19 shared contents (18 modules and LICENSE; the blank file left out); fork: 23 contents and
        # its name ("upstream-copy"), upstream: 21 contents, its name and its URL
        assert record["metadata"][keys.DUPLICATE_SIMILARITY] == pytest.approx(19 / (24 + 23 - 19), abs=1e-6)
    assert {r["metadata"][keys.REPO] for r in kept} == {"acme/upstream", "else/other", "x/small"}
    assert stage["dropped"]["duplicate_repository"]["documents"] == 24
    assert stage["balanced"]
    assert stage["counters"]["duplicate_repositories"] == 1
    assert stage["counters"]["repositories"] == 4


def test_the_better_scored_copy_is_kept(tmp_path, corpus):
    # the copy has more stars and commits now: the original goes, naming the copy
    (corpus / "fork.json").write_text(json.dumps({"name": "someone/upstream-copy", "stars": 5000, "commits": 900}))
    kept, excluded, _ = run(tmp_path, corpus)
    assert {r["metadata"][keys.REPO] for r in excluded} == {"acme/upstream"}
    assert {r["metadata"][keys.DUPLICATE_REPOSITORY_OF] for r in excluded} == {"someone/upstream-copy"}


def test_equal_scores_keep_the_permissive_license_then_the_smaller_id(tmp_path, corpus):
    (corpus / "upstream.json").write_text(json.dumps({"name": "acme/upstream", "license": "GPL-3.0-only"}))
    (corpus / "fork.json").write_text(json.dumps({"name": "someone/upstream-copy", "license": "MIT"}))
    _, excluded, _ = run(tmp_path, corpus)
    assert {r["metadata"][keys.REPO] for r in excluded} == {"acme/upstream"}
    (corpus / "upstream.json").write_text(json.dumps({"name": "acme/upstream", "license": "MIT"}))
    _, excluded, _ = run(tmp_path / "again", corpus)
    assert {r["metadata"][keys.REPO] for r in excluded} == {"someone/upstream-copy"}


def test_a_higher_threshold_keeps_the_fork(tmp_path, corpus):
    kept, excluded, stage = run(tmp_path, corpus, threshold=0.75)
    assert excluded == []
    assert stage["kept"] == stage["documents_in"]


def test_parameters_validated():
    with pytest.raises(ValueError, match="threshold"):
        ProjectDedup(threshold=0)
    with pytest.raises(ValueError, match="min_shared_files"):
        ProjectDedup(min_shared_files=0)
    with pytest.raises(ValueError, match="exceeds"):
        ProjectDedup(bands=20, rows=10, num_perm=128)


def test_content_hash_normalises_as_the_trailing_space_rule_says():
    import hashlib
    import random
    import re

    rule = re.compile(r"[ \t\r\f\v]+(?=\n)|\r")  # the rule as a regex: \r anywhere, whitespace ending a line

    def by_rule(text):
        normalised = rule.sub("", text).strip("\n")
        if not normalised.strip():
            return None
        return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8", errors="surrogatepass"),
                                              digest_size=8).digest(), "little")

    generator = random.Random(7)
    for _ in range(3000):
        text = "".join(generator.choice("ab \t\r\n\f\vé") for _ in range(generator.randrange(0, 30)))
        assert content_hash(text) == by_rule(text), repr(text)


def test_hashing_and_identity():
    assert content_hash("a = 1  \r\nb = 2\n\n") == content_hash("a = 1\nb = 2")
    assert content_hash(" \n\t\n") is None
    assert normalise_url("https://www.GitHub.com/Acme/Upstream.git/") == "github.com/acme/upstream"
    assert normalise_url("git@github.com:acme/upstream") == "github.com:acme/upstream"
    assert identity_hashes("acme/Upstream", None) == identity_hashes("other/upstream.git", None)
    assert len(identity_hashes("acme/upstream", "https://github.com/acme/upstream")) == 2


def test_candidate_pairs_from_shared_buckets():
    keys_ = np.array([[1, 2], [1, 3], [4, 3], [5, 6]], dtype=np.uint64)
    assert candidate_pairs(keys_, 64).tolist() == [[0, 1], [1, 2]]
    # equal values in different bands are not a shared bucket
    assert candidate_pairs(np.array([[1, 2], [2, 1]], dtype=np.uint64), 64).tolist() == []
