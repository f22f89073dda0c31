"""The same recipe on a local Ray cluster (datatrove's RayPipelineExecutor) gives the local run's output."""

import pytest

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz

ray = pytest.importorskip("ray")
pytest.importorskip("tree_sitter_language_pack")


@pytest.fixture(scope="module")
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def recipe(out, repos, executor):
    return {
        "name": "ray", "seed": 6, "output": str(out), "executor": executor,
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [
            {"block": "exact_dedup", "id": "exact", "params": {"partitions": 2}},
            {"block": "near_dedup", "id": "near", "params": {"partitions": 2}},
            {"block": "syntax", "id": "syntax"},
            {"block": "repository_order", "id": "order"},
            {"block": "training_objectives", "id": "objectives"},
        ],
    }


def documents(out):
    return sorted((r["id"], r["text"], r["metadata"].get("objective")) for p in sorted((out / "documents").glob("*.gz"))
                  for r in read_jsonl_gz(p))


def test_ray_run_equals_local_run(tmp_path, repo_root, ray_cluster):
    local = run_recipe(validate(recipe(tmp_path / "local", repo_root, {"type": "local", "tasks": 2, "workers": 1})))
    on_ray = run_recipe(validate(recipe(tmp_path / "ray", repo_root,
                                        {"type": "ray", "tasks": 2, "cpus_per_task": 1, "mem_per_cpu_gb": 0.5})))
    assert on_ray["complete"] and all(s["balanced"] for s in on_ray["stages"])
    assert documents(tmp_path / "ray") == documents(tmp_path / "local") != []
    assert [(s["stage"], s["kept"], s["dropped"]) for s in on_ray["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
