"""The aiXcoder recipe through sbatch on a real single-node Slurm cluster (Debian's slurm-wlm and munge,
brought up by the test) gives the local run's output."""

import os
from pathlib import Path

import pytest

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import load_recipe
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


AIXCODER = Path(__file__).resolve().parents[2] / "recipes" / "aixcoder7b" / "recipe.yaml"


def aixcoder(out, repos, *overrides):
    return load_recipe(AIXCODER, overrides=["executor.tasks=2", *overrides], output=str(out), input_path=str(repos))


def outputs(out):
    documents = sorted((r["id"], r["text"]) for p in sorted((out / "documents").glob("*.gz")) for r in read_jsonl_gz(p))
    shards = {p.name: p.read_bytes() for p in sorted((out / "tokens").glob("*.ds*"))}
    return documents, shards


def test_the_aixcoder_recipe_through_sbatch_equals_the_local_run(tmp_path, repo_root, slurm):
    local = run_recipe(aixcoder(tmp_path / "local", repo_root, "executor.workers=1"))
    summary = run_recipe(aixcoder(
        tmp_path / "slurm", repo_root, "executor.type=slurm", "executor.time=00:20:00", "executor.partition=debug",
        "executor.cpus_per_task=1", "executor.mem_per_cpu_gb=1", "executor.qos=''", "executor.wait=900"))
    assert summary is not None and summary["complete"], slurm.log("slurmctld")
    assert all(s["balanced"] for s in summary["stages"])
    documents, shards = outputs(tmp_path / "slurm")
    assert (documents, shards) == outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in summary["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
    assert len(list((tmp_path / "slurm" / "logs" / "slurm").iterdir())) == len(summary["segments"])  # jobs ran
