"""``codecurate validate`` shows and checks what will run: per Slurm segment its jobs, arrays,
dependency and sbatch directives; Slurm's time formats (with the hint for YAML's base-60 integers);
a parquet input's columns against the reader's; a repositories folder that holds no repository."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from codecurate.cli import main
from codecurate.recipe.schema import RecipeError, load_recipe
from tests.conftest import write


def recipe_file(tmp_path: Path, inputs: list[dict], executor: dict | None = None, stages=()) -> Path:
    recipe = {
        "name": "checked",
        "output": str(tmp_path / "out"),
        "executor": executor or {"type": "local"},
        "inputs": inputs,
        "stages": list(stages),
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


@pytest.fixture
def repos(tmp_path) -> Path:
    write(tmp_path / "repos" / "one" / "a.py", "x = 1\n")
    return tmp_path / "repos"


def test_validate_prints_each_slurm_segments_arrays_dependency_and_sbatch_directives(
    tmp_path, repos, capsys, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "no-slurm-here"))  # scontrol does not answer: Slurm's default
    executor = {
        "type": "slurm",
        "tasks": 2500,
        "time": "2:00:00",
        "partition": "cpu",
        "cpus_per_task": 2,
        "mem_per_cpu_gb": 3,
        "max_array_size": 1000,
    }
    path = recipe_file(
        tmp_path,
        [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        executor,
        [{"block": "group_by_repository", "id": "group", "params": {"buckets": 4}}],
    )
    assert main(["validate", str(path)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    start = lines.index("Slurm submission (one job group per segment; nothing is submitted by validate):")
    jobs = [line for line in lines[start + 1 :] if line.startswith("  checked-")]
    assert jobs[0].startswith("  checked-01-main: 2500 tasks in 2500 jobs, 3 arrays of at most 1000") and jobs[
        0
    ].endswith("; first")
    assert jobs[1].endswith("after every array of checked-01-main succeeds (afterok)")
    directives = lines[lines.index(jobs[0]) + 1]
    for expected in (
        "--partition=cpu",
        "--time=2:00:00",
        "--cpus-per-task=2",
        "--mem-per-cpu=3G",
        "--array=0-999",
        "--kill-on-invalid-dep=yes",
        f"--output={tmp_path / 'out'}/logs/slurm/",
    ):
        assert expected in directives, directives
    assert not (tmp_path / "out").exists()  # validate writes nothing


@pytest.mark.parametrize(
    ("time", "message"),
    [
        (3600, 'YAML reads an unquoted 1:00:00 as the base-60 number 3600; quote it: time: "1:00:00"'),
        ("2h", "'2h' is not a Slurm time"),
    ],
)
def test_a_slurm_time_not_in_slurms_formats_is_refused_with_how_to_write_it(tmp_path, repos, time, message):
    executor = {"type": "slurm", "tasks": 2, "time": time, "partition": "cpu"}
    path = recipe_file(tmp_path, [{"reader": "repositories", "params": {"data_folder": str(repos)}}], executor)
    with pytest.raises(RecipeError, match="executor.time") as refused:
        load_recipe(path)
    assert message in str(refused.value) and "expected str" not in str(refused.value)


def test_set_with_a_sexagesimal_time_gets_the_quoting_hint(tmp_path, repos, capsys):
    executor = {"type": "slurm", "tasks": 2, "time": "1:00:00", "partition": "cpu"}
    path = recipe_file(tmp_path, [{"reader": "repositories", "params": {"data_folder": str(repos)}}], executor)
    assert main(["validate", str(path), "--set", "executor.time=1:00:00"]) == 2
    assert 'quote it: time: "1:00:00"' in capsys.readouterr().err
    assert main(["validate", str(path), "--set", 'executor.time="1:00:00"']) == 0


def write_parquet(path: Path, columns: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return path


def test_a_parquet_without_the_text_column_is_refused_at_validation_naming_the_reader_that_fits(tmp_path, capsys):
    data = write_parquet(tmp_path / "data" / "part-0.parquet", {"text": ["x = 1\n"], "id": ["a"]})
    assert main(["validate", str(recipe_file(tmp_path, [{"reader": "the_stack"}])), "--input", str(data)]) == 2
    refused = capsys.readouterr().err
    assert "part-0.parquet: no column 'content' (param text_key), the file's text; its columns: text, id" in refused
    assert "set text_key: text" in refused and "datatrove.pipeline.readers:ParquetReader" in refused
    path = recipe_file(
        tmp_path, [{"reader": "the_stack", "params": {"data_folder": str(data.parent), "text_key": "text"}}]
    )
    assert main(["validate", str(path)]) == 0
    printed = capsys.readouterr().out  # valid, with what the missing optional columns cost
    assert (
        "warning: the_stack: the parquet files lack column 'max_stars_repo_licenses': no file has a licence" in printed
    )


def test_a_corrupt_parquet_is_refused_at_validation_naming_the_file(tmp_path, capsys):
    data = write_parquet(tmp_path / "data" / "good.parquet", {"content": ["x = 1\n"]})
    (data.parent / "bad.parquet").write_bytes(b"PAR1 but not really a parquet file")
    assert main(["validate", str(recipe_file(tmp_path, [{"reader": "the_stack"}])), "--input", str(data.parent)]) == 2
    refused = capsys.readouterr().err
    assert f"{data.parent / 'bad.parquet'}: not a readable parquet file (ArrowInvalid: " in refused


def test_a_stack_parquet_with_every_column_validates_without_warnings(tmp_path, capsys):
    data = write_parquet(
        tmp_path / "data" / "p.parquet",
        {
            "content": ["x = 1\n"],
            "max_stars_repo_name": ["o/r"],
            "max_stars_repo_path": ["a.py"],
            "max_stars_repo_licenses": [["MIT"]],
            "lang": ["Python"],
        },
    )
    assert main(["validate", str(recipe_file(tmp_path, [{"reader": "the_stack"}])), "--input", str(data)]) == 0
    assert "warning" not in capsys.readouterr().out


def test_a_folder_of_files_not_repositories_is_refused_at_validation(tmp_path, capsys):
    write(tmp_path / "one_repo" / "a.py", "x = 1\n")
    write(tmp_path / "one_repo" / "README.md", "# one\n")
    path = recipe_file(tmp_path, [{"reader": "repositories", "params": {"data_folder": str(tmp_path / "one_repo")}}])
    assert main(["validate", str(path)]) == 2
    assert "holds no repository folder, only 2 files" in capsys.readouterr().err
