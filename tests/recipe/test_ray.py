"""The aiXcoder recipe on a local Ray cluster (datatrove's RayPipelineExecutor) gives the local run's output;
a task's error reaches the driver's console as two lines."""

import re
from pathlib import Path

import pytest
import yaml

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


def test_a_failed_tasks_error_reaches_the_drivers_console_in_two_lines(tmp_path, ray_cluster, capsys):
    """A corrupt parquet file read by a Ray task: the driver prints the stage, segment, task, file and what
    to do (no traceback) and exits 1, instead of warning and waiting for the next segment forever."""
    from codecurate.cli import main
    from tests.recipe.test_errors import _schemas_checked

    _schemas_checked(tmp_path / "stack")
    bad = tmp_path / "stack" / "zz_bad.parquet"
    bad.write_bytes(b"PAR1 but not really a parquet file")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({
        "name": "errors", "output": str(tmp_path / "out"), "stages": [{"block": "trivial_files"}],
        "inputs": [{"reader": "the_stack", "params": {"data_folder": str(tmp_path / "stack")}}],
        "executor": {"type": "ray", "tasks": 2, "cpus_per_task": 1, "mem_per_cpu_gb": 0.5}}))
    assert main(["run", str(recipe)]) == 1
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err, printed
    head, todo = printed.err.strip().splitlines()
    assert head.startswith("codecurate: stage 'the_stack' failed in segment 01-main, task "), head
    assert f"not a readable parquet file ({bad})" in head and "magic bytes" in head, head
    assert todo.startswith("  what to do: replace or remove the file"), todo
    log = Path(re.search(r"Full traceback: (\S+)$", todo).group(1))
    assert log.read_text().startswith(head.removeprefix("codecurate: ") + "\n") and "Traceback" in log.read_text()
