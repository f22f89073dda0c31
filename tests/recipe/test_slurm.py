"""The recipe through sbatch on a real single-node Slurm cluster (Debian's slurm-wlm and munge,
brought up by the test) gives the local run's output."""

import os

import pytest

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz
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


def recipe(out, repos, executor):
    return {
        "name": "slurm", "seed": 8, "output": str(out), "executor": executor,
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


def test_slurm_run_equals_local_run(tmp_path, repo_root, slurm):
    local = run_recipe(validate(recipe(tmp_path / "local", repo_root, {"type": "local", "tasks": 2, "workers": 1})))
    executor = {"type": "slurm", "tasks": 2, "time": "00:20:00", "partition": "debug", "cpus_per_task": 1,
                "mem_per_cpu_gb": 1, "qos": "", "wait": 600}
    summary = run_recipe(validate(recipe(tmp_path / "slurm", repo_root, executor)))
    assert summary is not None and summary["complete"], slurm.log("slurmctld")
    assert all(s["balanced"] for s in summary["stages"])
    assert documents(tmp_path / "slurm") == documents(tmp_path / "local") != []
    assert [(s["stage"], s["kept"], s["dropped"]) for s in summary["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
    assert any((tmp_path / "slurm" / "logs" / "slurm").rglob("*.out"))  # the work ran in Slurm jobs
