"""The summary is read while tasks write their stats (Slurm's ``wait`` polls it): a stats file being
written is skipped until its task has completed, never a crash."""

import pytest

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from codecurate.recipe.summary import compute_summary


def test_a_stats_file_being_written_is_skipped_until_its_task_completes(tmp_path):
    repos = tmp_path / "repos"
    (repos / "r").mkdir(parents=True)
    (repos / "r" / "a.py").write_text("x = 1\n")
    out = tmp_path / "out"
    recipe = {"name": "race", "seed": 1, "output": str(out), "executor": {"type": "local", "tasks": 1},
              "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
              "stages": [{"block": "trivial_files", "id": "trivial"}]}
    assert run_recipe(validate(recipe))["complete"]
    segment = next((out / "logs").glob("01-*"))
    stats = segment / "stats" / "00000.json"
    whole = stats.read_text()
    completion = segment / "completions" / "00000"
    stats.write_text(whole[: len(whole) // 2])  # a task halfway through writing its stats
    completion.rename(tmp_path / "completion")
    summary = compute_summary(out)
    assert not summary["complete"] and summary["segments"][0]["completed"] == 0
    (tmp_path / "completion").rename(completion)  # completed, yet its stats do not parse: an error naming the file
    with pytest.raises(ValueError, match="00000.json"):
        compute_summary(out)
    stats.write_text(whole)
    assert compute_summary(out)["complete"]
