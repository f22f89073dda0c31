"""Several nodes, no shared disk: a Ray cluster of a head and two worker nodes, each its own ``ray start``
process with its own temporary folder (raylet, object store, logs), sharing nothing but the S3 server
(moto's, started by the test). The whole aiXcoder recipe (with fewer grouping buckets, dedup
partitions and merge tasks: each Ray task starts a process) reads parquet from a bucket and writes
its output to a bucket; its tasks run on both worker nodes (the head offers no CPU); the driver is
killed halfway and the run resumed from the bucket, and the documents and shards equal the local
run's byte for byte."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import load_recipe
from tests.conftest import AIXCODER, run_outputs
from tests.recipe.test_object_storage import stack_parquet
from tests.s3_server import _free_port, bucket_outputs, run_until_then_kill, s3_filesystem, s3_server

ray = pytest.importorskip("ray")
pytest.importorskip("tree_sitter_language_pack")
pytest.importorskip("tokenizers")

WORKERS = 2
#: the parameters of the aiXcoder recipe this test changes (fewer tasks in its multi-pass stages)
PARAMS = {"group": {"buckets": 2}, "exact_dedup": {"partitions": 2}, "near_dedup": {"partitions": 2},
          "shards": {"merge_tasks": 2}}


def smaller_recipe(folder: Path) -> Path:
    """The whole aiXcoder recipe, changed by ``PARAMS``, as a file in ``folder``."""
    data = yaml.safe_load(AIXCODER.read_text(encoding="utf-8"))
    data["stages"] = [dict(stage, params={**stage.get("params", {}), **PARAMS.get(stage["id"], {})})
                      for stage in data["stages"]]
    assert set(PARAMS) <= {stage["id"] for stage in data["stages"]}
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _stop(process: subprocess.Popen) -> None:
    """Stop a ``ray start --block`` process and everything it started (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=3)
    with contextlib.suppress(ProcessLookupError):  # what outlived it in its session (raylet, workers, store)
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[str]:
    """A head (no CPU) and ``WORKERS`` worker nodes of one CPU each, started with the S3 server's
    environment; yields the cluster's address with the driver connected to it."""
    base = tmp_path_factory.mktemp("ray")
    with s3_server():
        port = _free_port()
        address = f"127.0.0.1:{port}"
        # no authentication token between the nodes of this private cluster; no usage reports
        environment = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
        saved = os.environ.get("RAY_AUTH_MODE")
        os.environ["RAY_AUTH_MODE"] = "disabled"
        nodes: list[subprocess.Popen] = []

        def start(name: str, *arguments: str) -> None:
            log = (base / f"{name}.log").open("w")
            nodes.append(subprocess.Popen(["ray", "start", "--block", "--node-ip-address=127.0.0.1",
                                           f"--temp-dir={base / name}", "--disable-usage-stats", *arguments],
                                          env=environment, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))

        try:
            start("head", "--head", f"--port={port}", "--num-cpus=0", "--include-dashboard=false")
            deadline = time.monotonic() + 120
            while not (base / "head" / "session_latest" / "logs" / "raylet.out").exists():
                assert nodes[0].poll() is None and time.monotonic() < deadline, (base / "head.log").read_text()
                time.sleep(0.5)
            for index in range(1, WORKERS + 1):
                start(f"worker{index}", f"--address={address}", "--num-cpus=1")
            ray.init(address=address, log_to_driver=False)
            while sum(node["Alive"] for node in ray.nodes()) < 1 + WORKERS:
                assert all(node.poll() is None for node in nodes) and time.monotonic() < deadline, \
                    [(base / f"worker{i}.log").read_text()[-2000:] for i in range(1, WORKERS + 1)]
                time.sleep(0.5)
            yield address
        finally:
            if ray.is_initialized():
                ray.shutdown()
            for node in reversed(nodes):
                _stop(node)
            if saved is None:
                os.environ.pop("RAY_AUTH_MODE", None)
            else:
                os.environ["RAY_AUTH_MODE"] = saved


def test_three_nodes_sharing_only_a_bucket_give_the_local_run(tmp_path, cluster):
    stack = stack_parquet(tmp_path / "stack")
    fs = s3_filesystem()
    fs.mkdir("corpus")
    fs.put(f"{stack}/", "corpus/stack/", recursive=True)
    recipe = smaller_recipe(tmp_path)
    local = run_recipe(load_recipe(recipe, overrides=["executor.tasks=2", "executor.workers=1"],
                                   output=str(tmp_path / "local"), input_path=str(stack)))
    # the run is a driver of its own, as on a cluster (``codecurate run`` with RAY_ADDRESS): in this
    # process, after test_ray.py's local cluster was shut down, datatrove's submission of a task
    # failed in its thread pool and its executor waited forever for a placement group never made
    settings = ["executor.tasks=2", "executor.type=ray", "executor.cpus_per_task=1", "executor.mem_per_cpu_gb=0.5"]
    command = [sys.executable, "-m", "codecurate.cli", "run", str(recipe), "--input", "s3://corpus/stack", "--output",
               "s3://corpus/out", *(f"--set={setting}" for setting in settings)]
    environment = dict(os.environ, RAY_ADDRESS=cluster, RAY_AUTH_MODE="disabled")
    # a URL turned into a local folder would show up in the working folder
    # the driver killed once the exact dedup has finished: later segments not started or half done
    run_until_then_kill(command, fs, "corpus/out/logs/10-exact_dedup-filter/completions/00000",
                        tmp_path / "first.log", timeout=900, cwd=tmp_path / "stack", env=environment)
    fs.invalidate_cache()
    assert not fs.exists("corpus/out/summary.json")
    assert fs.find("corpus/out/logs/02-group-scatter/completions")  # kept, and skipped by the resumed run
    done = subprocess.run(command, cwd=tmp_path / "stack", env=environment, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    fs.invalidate_cache()
    on_ray = json.loads(fs.cat("corpus/out/summary.json"))
    assert on_ray["complete"] and all(s["balanced"] for s in on_ray["stages"])
    assert sorted(os.listdir(tmp_path / "stack")) == ["part-0.parquet", "part-1.parquet"]

    # the tasks ran on the worker nodes, both of them (datatrove runs each task in a RankWorker actor)
    from ray._private import state

    workers = {node["NodeID"] for node in ray.nodes() if node["Resources"].get("CPU")}
    ran_on = {actor["Address"]["NodeID"] for actor in state.actors().values()
              if actor.get("ActorClassName", "").endswith("RankWorker")}
    assert ran_on == workers and len(workers) == WORKERS, (ran_on, workers)

    documents, shards = bucket_outputs(fs, "corpus/out", tmp_path / "copy")
    assert (documents, shards) == run_outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in on_ray["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
