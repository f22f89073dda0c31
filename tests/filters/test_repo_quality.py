import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codecurate import metadata as keys
from codecurate.filters.repo_quality import RepositoryQuality, is_test_file, quality_score
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_api.py", True),
        ("test_api.py", True),
        ("pkg/api_test.go", True),
        ("src/test/java/FooTest.java", True),
        ("web/app.spec.ts", True),
        ("web/__tests__/x.js", True),
        ("lib/foo_spec.rb", True),
        ("conftest.py", True),
        ("src/contest.py", False),
        ("src/latest.py", False),
        ("src/main.py", False),
    ],
)
def test_is_test_file(path, expected):
    assert is_test_file(path) is expected


def test_score_formula():
    assert quality_score(None, None, 0, (1, 1, 1)) == 0
    assert quality_score(9, 99, 0, (1, 1, 1)) == pytest.approx(math.log(10) + math.log(100))
    assert quality_score(9, 0, 3, (2, 1, 0.5)) == pytest.approx(2 * math.log(10) + 0.5 * math.log(4))


def test_drop_fraction_validated():
    with pytest.raises(ValueError, match="drop_fraction"):
        RepositoryQuality(drop_fraction=1.0)


def test_lowest_tenth_of_a_split_corpus_is_dropped(tmp_path):
    # 20 repositories; repo k has k stars and k test files; each repository split over two files
    rows = []
    for k in range(20):
        for i in range(2):
            rows.append({"hexsha": f"{k}-{i}", "content": "x = 1\n", "max_stars_repo_name": f"org/r{k:02d}",
                         "max_stars_repo_path": f"tests/test_{i}.py" if i < (k % 3) else f"src/m{i}.py",
                         "max_stars_repo_licenses": ["MIT"], "max_stars_count": k, "lang": "Python"})
    (tmp_path / "stack").mkdir()
    pq.write_table(pa.Table.from_pylist(rows[0::2]), tmp_path / "stack" / "a.parquet")
    pq.write_table(pa.Table.from_pylist(rows[1::2]), tmp_path / "stack" / "b.parquet")
    out = tmp_path / "out"
    recipe = validate({
        "name": "quality", "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "the_stack", "params": {"data_folder": str(tmp_path / "stack")}}],
        "stages": [{"block": "repository_quality", "id": "quality"}],
    })
    summary = run_recipe(recipe)
    expected_scores = {f"org/r{k:02d}": quality_score(k, None, min(k % 3, 2), (1, 1, 1)) for k in range(20)}
    expected_drop = sorted(expected_scores, key=lambda r: (expected_scores[r], r))[:2]
    excluded = [r for p in sorted((out / "excluded" / "quality").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    assert sorted({r["metadata"][keys.REPO] for r in excluded}) == sorted(expected_drop)
    assert {r["metadata"]["filter_reason"] for r in excluded} == {"low_quality_repository"}
    kept = [r for p in sorted((out / "documents").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    assert len(kept) == 36
    for record in kept:
        assert record["metadata"][keys.QUALITY_SCORE] == pytest.approx(expected_scores[record["metadata"][keys.REPO]])
    stage = next(s for s in summary["stages"] if s["stage"] == "quality")
    assert (stage["documents_in"], stage["kept"], stage["balanced"]) == (40, 36, True)
