"""A run killed in the middle of a stage and started again completes, with the output of an
uninterrupted run."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import load_recipe
from tests.conftest import run_outputs

pytest.importorskip("tree_sitter_language_pack")


def corpus(root: Path) -> Path:
    import datatrove

    source = Path(datatrove.__file__).parent
    for name in ("pipeline/filters", "pipeline/readers", "pipeline/writers", "utils"):
        shutil.copytree(source / name, root / name.replace("/", "_"), ignore=shutil.ignore_patterns("__pycache__"))
    return root


def recipe_file(folder: Path, repos: Path, out: Path) -> Path:
    recipe = {
        "name": "resume", "seed": 4, "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [
            {"block": "exact_dedup", "id": "exact", "params": {"partitions": 2}},
            {"block": "near_dedup", "id": "near", "params": {"partitions": 2}},
            {"block": "syntax", "id": "syntax"},
            {"block": "repository_order", "id": "order"},
            {"block": "training_objectives", "id": "objectives"},
            {"block": "tokenized_shards", "id": "shards", "params": {"vocab_size": 500, "sample_rate": 1.0}},
        ],
    }
    path = folder / f"{out.name}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_killed_run_resumes_to_the_same_output(tmp_path):
    repos = corpus(tmp_path / "repos")
    reference = tmp_path / "reference"
    assert run_recipe(load_recipe(recipe_file(tmp_path, repos, reference)))["complete"]

    out = tmp_path / "killed"
    path = recipe_file(tmp_path, repos, out)
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from codecurate.cli import main; sys.exit(main(sys.argv[1:]))",
         "run", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # wait until the segment running syntax .. shards has finished its first task of two, then kill
    segment = None
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        logs = out / "logs"
        segments = sorted(p for p in logs.glob("*near-filter")) if logs.is_dir() else []
        if segments and (segments[0] / "completions").is_dir() and any((segments[0] / "completions").iterdir()):
            segment = segments[0]
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert segment is not None, "the run ended or stalled before the segment to interrupt"
    assert len(list((segment / "completions").iterdir())) == 1  # killed in the middle of the stage
    assert not (out / "summary.json").exists()

    summary = run_recipe(load_recipe(path))  # same recipe, same output folder: resumes
    assert summary["complete"] and all(s["balanced"] for s in summary["stages"])
    assert run_outputs(out) == run_outputs(reference)
