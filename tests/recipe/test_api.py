"""Blocks run from Python (``codecurate.recipe.api``) as a recipe runs: a datatrove step, a codecurate filter
class and a multi-pass codecurate block in one list, the same accounting and resume, and the recipe written
being the call's serialised form."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml
from datatrove.pipeline.filters import RegexFilter

from codecurate.filters.long_files import LongFilesFilter
from codecurate.recipe.api import Step, recipe_of, run_blocks

STAGES = [Step(RegexFilter, {"regex_exp": "TODO"}), Step("exact_dedup", {"partitions": 2}),
          Step(LongFilesFilter, {"max_lines": 100}, id="long")]
EXECUTOR = {"type": "local", "tasks": 2, "workers": 1}


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    files = {"r1/a.py": "def f():\n    return 1\n", "r1/m.c": "int main(void) { return 0; }\n",
             "r2/a.py": "def f():\n    return 1\n", "r2/b.py": "# TODO remove\nx = 2\n"}
    for name, text in files.items():
        (tmp_path / "repos" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "repos" / name).write_text(text, encoding="utf-8")
    return tmp_path / "repos"


def kept(output: Path) -> list[str]:
    names = []
    for path in sorted((output / "documents").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            names += [json.loads(line)["metadata"]["path"] for line in f]
    return sorted(names)


def test_single_and_multi_pass_blocks_run_with_the_recipes_accounting(repos, tmp_path):
    output = tmp_path / "out"
    inputs = [Step("repositories", {"data_folder": str(repos)})]
    summary = run_blocks(inputs, STAGES, str(output), executor=EXECUTOR)
    assert summary["complete"]
    stages = {stage["stage"]: stage for stage in summary["stages"]}
    assert list(stages) == ["repositories", "RegexFilter", "exact_dedup", "long", "output"]
    assert all(stage["balanced"] for stage in stages.values())
    assert stages["RegexFilter"]["dropped"]["RegexFilter"]["documents"] == 1  # the file with TODO
    assert stages["exact_dedup"]["dropped"]["exact_duplicate"]["documents"] == 1  # one of the two a.py
    assert stages["output"]["kept"] == 2 and len(kept(output)) == 2
    assert json.loads((output / "summary.json").read_text()) == summary
    # the recipe the run records is the call's serialised form, and runs as a recipe file would
    assert yaml.safe_load((output / "recipe.yaml").read_text()) == recipe_of(inputs, STAGES, str(output),
                                                                              executor=EXECUTOR)
    before = kept(output)
    again = run_blocks(inputs, STAGES, str(output), executor=EXECUTOR)  # the same call resumes: nothing to redo
    assert again["complete"] and kept(output) == before
    rerun = run_blocks(inputs, STAGES[:1], str(output), executor=EXECUTOR)  # a changed call reruns from the change
    assert rerun["complete"] and "stages removed: exact_dedup" in rerun["rerun"]
    assert len(kept(output)) == 3  # the duplicate is back without exact_dedup
    assert run_blocks(inputs, STAGES[:1], str(output), executor=EXECUTOR, overwrite=True)["complete"]
    assert len(kept(output)) == 3


def test_blocks_are_named_as_a_recipe_names_them():
    recipe = recipe_of([Step("repositories", {"data_folder": "/r"})], STAGES, "/o", seed=7)
    assert recipe["stages"] == [
        {"block": "datatrove.pipeline.filters.regex_filter:RegexFilter", "params": {"regex_exp": "TODO"}},
        {"block": "exact_dedup", "params": {"partitions": 2}},
        {"block": "codecurate.filters.long_files:LongFilesFilter", "params": {"max_lines": 100}, "id": "long"},
    ]
    assert (recipe["seed"], recipe["executor"]) == (7, {"type": "local"})
    script_class = type("InScript", (), {"__module__": "__main__"})
    with pytest.raises(ValueError, match="module the workers can import"):
        recipe_of([], [Step(script_class)], "/o")
