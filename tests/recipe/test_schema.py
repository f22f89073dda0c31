import textwrap
from pathlib import Path

import pytest

from codecurate.recipe.overrides import apply_override
from codecurate.recipe.paths import normalise_paths
from codecurate.recipe.schema import RecipeError, load_recipe


def recipe_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(textwrap.dedent(body).lstrip("\n"))
    return path


VALID = """
name: demo
seed: 7
output: {out}
executor:
  type: local
  tasks: 2
inputs:
  - reader: repositories
    params:
      data_folder: {repos}
stages:
  - block: group_by_repository
    id: group
    params:
      buckets: 3
"""


def valid_recipe(tmp_path, repo_root) -> Path:
    return recipe_file(tmp_path, VALID.format(out=tmp_path / "out", repos=repo_root))


def problems_of(path: Path, **kwargs) -> str:
    with pytest.raises(RecipeError) as error:
        load_recipe(path, **kwargs)
    return str(error.value)


def test_valid_recipe(tmp_path, repo_root):
    recipe = load_recipe(valid_recipe(tmp_path, repo_root))
    assert recipe.name == "demo" and recipe.seed == 7
    assert [s.stage_id for s in recipe.inputs] == ["repositories"]
    assert [(s.stage_id, s.params) for s in recipe.stages] == [("group", {"buckets": 3})]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("block: group_by_repository", "block: no_such_block",
         "line 12, stages[0].block: unknown block 'no_such_block'; known blocks: "),
        ("buckets: 3", "buckets: three",
         "line 15, stages[0].params.buckets: expected int, got 'three' (str)"),
        ("buckets: 3", "bucket: 3",
         "line 15, stages[0].params.bucket: unknown parameter 'bucket' for 'group_by_repository'; known: buckets"),
        ("buckets: 3", "buckets: 0",
         "line 15, stages[0].params.buckets: must be >= 1, got 0"),
        ("      data_folder: ", "      max_repositories: 1\n      nothing: ",
         "line 9, inputs[0].params.data_folder: missing required parameter 'data_folder' for 'repositories'"),
        ("tasks: 2", "tasks: two", "line 6, executor.tasks: expected int, got 'two' (str)"),
        ("type: local", "type: kubernetes",
         "line 5, executor.type: expected one of 'local', 'slurm' or 'ray', got 'kubernetes'"),
        ("seed: 7", "seed: 7\ncolour: blue", "line 3, colour: unknown key 'colour'"),
        ("block: group_by_repository", "block: repositories",
         "line 12, stages[0].block: 'repositories' is a reader; put it under inputs"),
        ("reader: repositories", "reader: group_by_repository",
         "line 8, inputs[0].reader: 'group_by_repository' is not a reader; inputs take readers"),
        ("id: group", "id: repositories", "line 13, stages[0].id: duplicate stage id 'repositories'"),
        ("name: demo", "name: [demo", "line 2, <top level>: not valid YAML"),
        ("tasks: 2", "tasks: 2\n  wait: 60", "executor.wait: only the slurm executor takes 'wait'"),
        ("id: group", "id: '..'", "line 13, stages[0].id: expected a simple name"),
        ("id: group", "id: a/b", "line 13, stages[0].id: expected a simple name"),
        ("buckets: 3", "buckets: 100000000000000000000",
         "stages[0].params.buckets: must be <= 1000000, got 100000000000000000000"),
        ("tasks: 2", "tasks: 2\n  workers: -5", "executor.workers: must be -1 (one per CPU) or >= 1, got -5"),
        ("tasks: 2", "tasks: 10000000", "executor.tasks: must be <= 1000000"),
    ],
)
def test_each_error_names_key_path_and_line(tmp_path, repo_root, old, new, expected):
    path = valid_recipe(tmp_path, repo_root)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    assert expected in problems_of(path)


def test_an_alias_bomb_is_refused_at_once(tmp_path, repo_root):
    import time

    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(12))
    path = valid_recipe(tmp_path, repo_root)
    path.write_text(path.read_text() + "bomb:\n" + "".join("  " + line + "\n" for line in bomb.splitlines()))
    start = time.perf_counter()
    assert "YAML aliases" in problems_of(path)
    assert time.perf_counter() - start < 5


def test_a_ner_model_that_is_not_here_is_refused_before_anything_runs(tmp_path, repo_root):
    path = valid_recipe(tmp_path, repo_root)
    path.write_text(path.read_text() + "  - block: pii_redaction\n    params:\n      ner_model: en_core_web_nothing\n")
    assert "never downloads a model" in problems_of(path)


def test_bad_path_is_reported(tmp_path, repo_root):
    path = recipe_file(tmp_path, VALID.format(out=tmp_path / "out", repos=tmp_path / "missing"))
    message = problems_of(path)
    assert f"line 10, inputs[0].params.data_folder: path does not exist: {tmp_path / 'missing'}" in message


def test_all_problems_reported_at_once(tmp_path, repo_root):
    path = valid_recipe(tmp_path, repo_root)
    path.write_text(path.read_text().replace("tasks: 2", "tasks: 0").replace("buckets: 3", "buckets: x"))
    message = problems_of(path)
    assert "2 problems" in message
    assert "executor.tasks: must be >= 1" in message and "stages[0].params.buckets: expected int" in message


def test_missing_required_top_level_keys(tmp_path):
    message = problems_of(recipe_file(tmp_path, "description: nothing\n"))
    assert "name: required" in message and "output: required" in message and "inputs: required" in message


def test_unreadable_recipe(tmp_path):
    assert "cannot read the recipe" in problems_of(tmp_path / "nope.yaml")


def test_overrides(tmp_path, repo_root):
    path = valid_recipe(tmp_path, repo_root)
    recipe = load_recipe(path, overrides=["executor.tasks=4", "stages.group.params.buckets=5", "seed=9"])
    assert recipe.executor["tasks"] == 4 and recipe.stages[0].params["buckets"] == 5 and recipe.seed == 9
    recipe = load_recipe(path, overrides=["stages.0.params.buckets=6", "inputs.repositories.params.max_repositories=1"])
    assert recipe.stages[0].params["buckets"] == 6 and recipe.inputs[0].params["max_repositories"] == 1
    assert "stages[0].params.buckets: expected int, got 'many'" in problems_of(
        path, overrides=["stages.group.params.buckets=many"])
    assert "no list item with id, block or reader 'nope'" in problems_of(path, overrides=["stages.nope.params.x=1"])
    with pytest.raises(ValueError, match="expected dotted.key=value"):
        apply_override({}, "seed")


def test_input_flag_picks_the_reader(tmp_path, repo_root):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = valid_recipe(tmp_path, repo_root)
    other = tmp_path / "other_repos"
    (other / "x").mkdir(parents=True)
    recipe = load_recipe(path, input_path=str(other))
    assert [(s.block, s.params["data_folder"]) for s in recipe.inputs] == [("repositories", str(other))]
    stack = tmp_path / "stack"
    stack.mkdir()
    pq.write_table(pa.Table.from_pylist([{"content": "x"}]), stack / "p.parquet")
    assert load_recipe(path, input_path=str(stack)).inputs[0].block == "the_stack"
    single = load_recipe(path, input_path=str(stack / "p.parquet")).inputs[0]
    assert (single.block, single.params["glob_pattern"]) == ("the_stack", "p.parquet")
    assert "--input" in problems_of(path, input_path=str(tmp_path / "absent"))


def test_paths_are_normalised_and_a_path_climbing_out_of_a_folder_it_names_is_refused(tmp_path, repo_root,
                                                                                       monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)
    if repo_root != tmp_path / "repos":
        shutil.copytree(repo_root, tmp_path / "repos")
    path = recipe_file(tmp_path, VALID.format(out="./runs//first/", repos="./repos/"))
    recipe = load_recipe(path)
    assert recipe.output == "runs/first" and recipe.raw["output"] == "runs/first"
    assert recipe.inputs[0].params["data_folder"] == "repos"
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")  # a leading '..' says where it goes: accepted
    assert load_recipe(path, output="../runs/x", overrides=["inputs.0.params.data_folder=../repos"]).output == \
        "../runs/x"
    text = problems_of(path, output="a/../../b", overrides=["inputs.0.params.data_folder=../repos/../repos"])
    assert "output: 'a/../../b' names 'a' and climbs out of it with '..' (it means '../b')" in text
    assert "inputs[0].params.data_folder: '../repos/../repos' names '../repos' and climbs out" in text
    assert not (tmp_path / "work" / "a").exists()
    # a URL is left as it is; lists of paths are normalised item by item
    problems = []
    assert normalise_paths(["s3://bucket/a/../b", "x/./y/", "x/../y"], ("paths",),
                           lambda *problem: problems.append(problem)) == ["s3://bucket/a/../b", "x/y", "x/../y"]
    assert problems == [(("paths", 2), "'x/../y' names 'x' and climbs out of it with '..' (it means 'y'); "
                                       "write the path it means")]
