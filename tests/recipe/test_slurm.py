"""The aiXcoder recipe through sbatch on a real single-node Slurm cluster (Debian's slurm-wlm and munge,
brought up by the test) gives the local run's output."""

import os

import pytest

from codecurate.recipe.run import run_recipe
from tests.conftest import aixcoder_recipe, run_outputs
from tests.recipe.slurm_cluster import ClusterUnavailable, SlurmCluster

pytest.importorskip("tree_sitter_language_pack")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    try:
        cluster = SlurmCluster(tmp_path_factory.mktemp("slurm")).start()
    except ClusterUnavailable as error:
        if os.environ.get("CI"):
            raise  # CI runs as root on Debian: the cluster must come up there
        pytest.skip(str(error))
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(cluster.conf)
    yield cluster
    cluster.stop()
    if previous is None:
        os.environ.pop("SLURM_CONF", None)
    else:
        os.environ["SLURM_CONF"] = previous


def test_the_aixcoder_recipe_through_sbatch_equals_the_local_run(tmp_path, repo_root, slurm):
    local = run_recipe(aixcoder_recipe(tmp_path / "local", repo_root, "executor.workers=1"))
    summary = run_recipe(aixcoder_recipe(
        tmp_path / "slurm", repo_root, "executor.type=slurm", "executor.time=00:20:00", "executor.partition=debug",
        "executor.cpus_per_task=1", "executor.mem_per_cpu_gb=1", "executor.qos=''", "executor.wait=900"))
    assert summary is not None and summary["complete"], slurm.log("slurmctld")
    assert all(s["balanced"] for s in summary["stages"])
    documents, shards = run_outputs(tmp_path / "slurm")
    assert (documents, shards) == run_outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in summary["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
    assert len(list((tmp_path / "slurm" / "logs" / "slurm").iterdir())) == len(summary["segments"])  # jobs ran
