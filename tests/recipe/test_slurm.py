"""On a real single-node Slurm cluster (Debian's slurm-wlm and munge, brought up by the test, with
``MaxArraySize=4``): the aiXcoder recipe through sbatch gives the local run's output; more tasks than
``MaxArraySize`` are submitted as several arrays; a failed task runs again when the same segments are
submitted again, and only it; a task's error reaches ``codecurate run`` and ``codecurate report`` as
two lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from codecurate.recipe.executors import SLURM_DEFAULT_MAX_ARRAY_SIZE, SlurmExecutor, make_executors
from codecurate.recipe.plan import Plan, Segment
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import Recipe
from tests.conftest import aixcoder_recipe, run_outputs
from tests.recipe.failing_steps import FailOnce, completed, runs
from tests.recipe.slurm_cluster import ClusterUnavailable, SlurmCluster

ROOT = Path(__file__).resolve().parents[2]
MAX_ARRAY_SIZE = 4


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    try:
        cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"), max_array_size=MAX_ARRAY_SIZE).start()
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


def drain(cluster: SlurmCluster, seconds: float = 300) -> None:
    """Wait until the cluster's queue is empty (every job finished, failed or cancelled)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        queue = subprocess.run(["squeue", "-h", "-o", "%i %T %r"], capture_output=True, text=True).stdout
        if not queue.strip():
            return
        time.sleep(1)
    raise AssertionError(f"jobs still queued after {seconds:g} s:\n{queue}\n{cluster.log('slurmctld')}")


def test_the_aixcoder_recipe_through_sbatch_equals_the_local_run(tmp_path, repo_root, slurm):
    pytest.importorskip("tree_sitter_language_pack")
    local = run_recipe(aixcoder_recipe(tmp_path / "local", repo_root, "executor.workers=1"))
    summary = run_recipe(aixcoder_recipe(tmp_path / "slurm", repo_root, *SBATCH))
    assert summary is not None and summary["complete"], slurm.log("slurmctld")
    assert all(s["balanced"] for s in summary["stages"])
    documents, shards = run_outputs(tmp_path / "slurm")
    assert (documents, shards) == run_outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in summary["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
    assert len(list((tmp_path / "slurm" / "logs" / "slurm").iterdir())) == len(summary["segments"])  # jobs ran


#: the executor settings of the runs through sbatch
SBATCH = ("executor.type=slurm", "executor.time=00:20:00", "executor.partition=debug", "executor.cpus_per_task=1",
          "executor.mem_per_cpu_gb=1", "executor.qos=''", "executor.wait=900")


def test_sbatch_with_input_and_output_in_a_bucket_equals_the_local_run(tmp_path, slurm, monkeypatch):
    """The jobs read parquet from a bucket of moto's S3 server and write the output there (the
    server's address and credentials reach them in the environment sbatch exports); Slurm's own logs
    stay in the submitting folder."""
    pytest.importorskip("tree_sitter_language_pack")
    from codecurate.recipe.schema import load_recipe
    from tests.conftest import AIXCODER
    from tests.recipe.test_object_storage import stack_parquet
    from tests.s3_server import bucket_outputs, s3_filesystem, s3_server

    stack = stack_parquet(tmp_path / "stack")
    local = run_recipe(load_recipe(AIXCODER, overrides=["executor.tasks=2", "executor.workers=1"],
                                   output=str(tmp_path / "local"), input_path=str(stack)))
    monkeypatch.chdir(tmp_path / "stack")  # a URL turned into a local folder would show up here
    with s3_server():
        fs = s3_filesystem()
        fs.mkdir("corpus")
        fs.put(f"{stack}/", "corpus/stack/", recursive=True)
        summary = run_recipe(load_recipe(AIXCODER, overrides=["executor.tasks=2", *SBATCH],
                                         output="s3://corpus/out", input_path="s3://corpus/stack"))
        assert summary is not None and summary["complete"], slurm.log("slurmctld")
        documents, shards = bucket_outputs(fs, "corpus/out", tmp_path / "copy")
    assert (documents, shards) == run_outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in summary["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
    assert sorted(os.listdir(tmp_path / "stack")) == ["part-0.parquet", "part-1.parquet", "slurm_logs"]
    jobs = tmp_path / "stack" / "slurm_logs" / "aixcoder7b"
    assert len(list(jobs.iterdir())) == len(summary["segments"])  # each segment's jobs logged here


def array_sizes(slurm_logs: Path) -> list[int]:
    """Tasks per array job, in submission order, from the Slurm log files (``JOBID_TASKID.out``)."""
    jobs = Counter(int(p.name.split("_")[0]) for p in slurm_logs.glob("*.out"))
    return [jobs[job] for job in sorted(jobs)]


def test_tasks_above_max_array_size_split_into_arrays_and_a_failed_task_reruns(tmp_path, slurm, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the jobs unpickle the test's steps
    output, marks, after = tmp_path / "out", tmp_path / "marks", tmp_path / "after"
    recipe = Recipe(name="split", source="test", output=str(output), seed=0, inputs=[], stages=[], executor={
        "type": "slurm", "tasks": 10, "time": "00:10:00", "partition": "debug", "cpus_per_task": 1,
        "mem_per_cpu_gb": 1, "qos": ""})
    # rank 5 fails on its first run: in the second of the three arrays
    plan = Plan([Segment("01-fail", [FailOnce(str(marks), rank=5)]),
                 Segment("02-after", [FailOnce(str(after), rank=-1)], tasks=2)], output)
    logs = output / "logs"

    first = make_executors(recipe, plan)
    first[-1].run()  # submits both segments
    assert len(first[0].job_ids) == 3 and first[0].max_array_size == MAX_ARRAY_SIZE
    drain(slurm)  # the dependants of the failed task leave the queue (kill-on-invalid-dep)
    # datatrove submits every array at full size; the last one's 2 tasks past rank 9 exit at once
    assert array_sizes(logs / "slurm" / "01-fail") == [4, 4, 4]
    assert runs(marks) == dict.fromkeys(range(10), 1)
    assert completed(logs / "01-fail") == set(range(10)) - {5}
    assert not after.exists() and completed(logs / "02-after") == set()  # waits on every array, not the last

    second = make_executors(recipe, plan)
    second[-1].run()  # the same segments submitted again: only the failed task, then the next segment
    assert len(second[0].job_ids) == 1
    drain(slurm)
    assert runs(marks) == {**dict.fromkeys(range(10), 1), 5: 2}
    assert completed(logs / "01-fail") == set(range(10))
    assert runs(after) == {0: 1, 1: 1} and completed(logs / "02-after") == {0, 1}
    assert (logs / "02-after" / "stats.json").is_file()  # datatrove's stats merge ran after the arrays


def test_the_array_size_is_the_smaller_of_the_clusters_and_the_executors(tmp_path, slurm):
    def limit(value: int) -> int:
        return SlurmExecutor([], tasks=1, time="1", partition="debug", logging_dir=str(tmp_path),
                             max_array_size=value).array_size_limit()

    assert (limit(-1), limit(3), limit(100)) == (MAX_ARRAY_SIZE, 3, MAX_ARRAY_SIZE)


def test_without_a_cluster_to_ask_the_array_size_is_the_executors_or_slurms_default(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no scontrol to ask

    def limit(value: int) -> int:
        return SlurmExecutor([], tasks=1, time="1", partition="debug", logging_dir=str(tmp_path),
                             max_array_size=value).array_size_limit()

    assert (limit(-1), limit(3)) == (SLURM_DEFAULT_MAX_ARRAY_SIZE, 3)


def test_validate_reads_the_clusters_partitions_and_array_limit(tmp_path, repo_root, slurm, capsys):
    """``codecurate validate`` asks the cluster: a partition sinfo does not list is refused, naming those
    it lists; the arrays are sized by the cluster's MaxArraySize."""
    from codecurate.cli import main
    from tests.conftest import AIXCODER

    settings = [str(AIXCODER), "--input", str(repo_root), "--output", str(tmp_path / "out"), "--set",
                'executor.time="00:10:00"', "--set", "executor.type=slurm", "--set", "executor.tasks=6"]
    assert main(["validate", *settings, "--set", "executor.partition=nosuch"]) == 2
    assert "partition 'nosuch' is not one sinfo lists here: debug" in capsys.readouterr().err
    assert main(["validate", *settings, "--set", "executor.partition=debug"]) == 0
    printed = capsys.readouterr().out
    assert f"  array limit: {MAX_ARRAY_SIZE} (the cluster's MaxArraySize)" in printed
    assert f"-01-main: 6 tasks in 6 jobs, 2 arrays of at most {MAX_ARRAY_SIZE}; first" in printed


def test_a_failed_jobs_error_reaches_the_console_in_two_lines(tmp_path, slurm):
    """A corrupt parquet file read by a Slurm job: ``codecurate run`` (waiting) and ``codecurate report``
    print the stage, segment, task, file and what to do, no traceback; the task's log starts with the
    two lines and the job's Slurm log ends with them (before srun's own line)."""
    from tests.recipe.test_errors import _schemas_checked

    _schemas_checked(tmp_path / "stack")
    bad = tmp_path / "stack" / "zz_bad.parquet"
    bad.write_bytes(b"PAR1 but not really a parquet file")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({
        "name": "errors", "output": str(tmp_path / "out"), "inputs": [
            {"reader": "the_stack", "params": {"data_folder": str(tmp_path / "stack")}}], "stages": [],
        "executor": {"type": "slurm", "tasks": 2, "time": "00:10:00", "partition": "debug", "cpus_per_task": 1,
                     "mem_per_cpu_gb": 1, "qos": "", "wait": 300}}))
    cli = [sys.executable, "-m", "codecurate.cli"]
    done = subprocess.run([*cli, "run", str(recipe)], capture_output=True, text=True, cwd=ROOT, timeout=400)
    printed = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr, printed
    head, todo = printed[-2:]
    assert head.startswith("codecurate: stage 'the_stack' failed in segment 01-main, task "), printed
    assert f"not a readable parquet file ({bad})" in head and "magic bytes" in head, head
    assert todo.startswith("  what to do: replace or remove the file"), todo
    log = Path(re.search(r"Full traceback: (\S+)$", todo).group(1))
    assert log.read_text().startswith(head.removeprefix("codecurate: ") + "\n" + todo + "\n")
    assert "Traceback" in log.read_text()
    rank = int(re.search(r"task (\d+) of 2", head).group(1))
    slurm_log = next((tmp_path / "out" / "logs" / "slurm" / "01-main").glob(f"*_{rank}.out")).read_text()
    # srun prefixes each line with the task's number and adds its own line after the job's exit
    last = [re.sub(r"^\d+: ", "", line) for line in slurm_log.rstrip().splitlines()[-3:]]
    assert last[:2] == [head, todo] or last[1:] == [head, todo], last

    report = subprocess.run([*cli, "report", str(tmp_path / "out"), "--no-plots"], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert report.returncode == 3 and report.stderr.strip().splitlines() == [head, todo], report.stderr
