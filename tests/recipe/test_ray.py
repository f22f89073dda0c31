"""The aiXcoder recipe on a local Ray cluster (datatrove's RayPipelineExecutor) gives the local run's output."""


import pytest

from codecurate.recipe.run import run_recipe
from tests.conftest import aixcoder_recipe, run_outputs

ray = pytest.importorskip("ray")
pytest.importorskip("tree_sitter_language_pack")


@pytest.fixture(scope="module")
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def test_the_aixcoder_recipe_on_ray_equals_the_local_run(tmp_path, repo_root, ray_cluster):
    local = run_recipe(aixcoder_recipe(tmp_path / "local", repo_root, "executor.workers=1"))
    on_ray = run_recipe(aixcoder_recipe(tmp_path / "ray", repo_root, "executor.type=ray", "executor.cpus_per_task=1",
                                 "executor.mem_per_cpu_gb=0.5"))
    assert on_ray["complete"] and all(s["balanced"] for s in on_ray["stages"])
    documents, shards = run_outputs(tmp_path / "ray")
    assert (documents, shards) == run_outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in on_ray["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
