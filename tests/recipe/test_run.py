import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codecurate import metadata as keys
from codecurate.readers import RepositoriesReader
from codecurate.recipe.executors import make_executors
from codecurate.recipe.plan import build_plan
from codecurate.recipe.run import OUTPUT_MARKER, OutputInUseError, read_marker, run_recipe
from codecurate.recipe.schema import validate
from codecurate.recipe.summary import compute_summary
from tests.conftest import read_all, read_jsonl_gz


def read_output(folder: Path) -> dict[str, list[dict]]:
    """File name -> records, for every documents file under ``folder``."""
    return {p.name: read_jsonl_gz(p) for p in sorted(folder.glob("*.jsonl.gz"))}


def repos_recipe(out: Path, repos: Path, **extra) -> dict:
    recipe = {
        "name": "test",
        "seed": 3,
        "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [],
    }
    recipe.update(extra)
    return recipe


def test_run_writes_documents_exclusions_and_a_balanced_summary(tmp_path, repo_root):
    out = tmp_path / "out"
    recipe = repos_recipe(out, repo_root)
    recipe["inputs"][0]["params"]["exclude"] = ["*.md"]
    summary = run_recipe(validate(recipe))
    written = [r for records in read_output(out / "documents").values() for r in records]
    expected = read_all(RepositoriesReader(str(repo_root), exclude=["*.md"]))
    assert sorted((r["id"], r["text"]) for r in written) == sorted((d.id, d.text) for d in expected)
    excluded = [r for records in read_output(out / "excluded" / "repositories").values() for r in records]
    assert [(r["id"], r["metadata"]["filter_reason"], r["metadata"]["excluded_by"]) for r in excluded] == [
        ("owner/beta/README.md", "excluded_path", "repositories")]
    stages = {s["stage"]: s for s in summary["stages"]}
    reader, output = stages["repositories"], stages["output"]
    assert reader["documents_in"] == len(expected) + 1
    assert reader["kept"] == output["kept"] == len(written)
    assert reader["dropped"] == {"excluded_path": {"documents": 1, "bytes": len("# beta\n")}}
    assert all(s["balanced"] for s in stages.values())
    assert summary["complete"] and json.loads((out / "summary.json").read_text()) == summary
    assert compute_summary(out) == summary


def _write_stack(folder: Path, files: int = 2, repos: int = 5, per_repo: int = 4) -> list[dict]:
    folder.mkdir(parents=True)
    rows = [
        {"hexsha": f"{r}-{i}", "content": f"# repo {r} file {i}\n", "max_stars_repo_name": f"org/repo{r}",
         "max_stars_repo_path": f"src/f{i}.py", "max_stars_repo_licenses": ["MIT"], "max_stars_count": r,
         "lang": "Python"}
        for i in range(per_repo) for r in range(repos)  # interleaved: repositories are not contiguous
    ]
    for index in range(files):
        pq.write_table(pa.Table.from_pylist(rows[index::files]), folder / f"part-{index}.parquet")
    return rows


def _stack_recipe(out: Path, stack: Path, tasks: int, buckets: int = 3) -> dict:
    return {
        "name": "grouping",
        "output": str(out),
        "executor": {"type": "local", "tasks": tasks, "workers": 1},
        "inputs": [{"reader": "the_stack", "params": {"data_folder": str(stack)}}],
        "stages": [{"block": "group_by_repository", "id": "group", "params": {"buckets": buckets}}],
    }


def test_multi_stage_block_runs_as_chained_segments(tmp_path):
    rows = _write_stack(tmp_path / "stack")
    out = tmp_path / "out"
    recipe = validate(_stack_recipe(out, tmp_path / "stack", tasks=2))
    plan = build_plan(recipe)
    assert [s.name for s in plan.segments] == ["01-main", "02-group-scatter", "03-group-gather"]
    assert [s.tasks for s in plan.segments] == [None, None, 3]
    summary = run_recipe(recipe)
    outputs = read_output(out / "documents")
    assert sorted(outputs) == ["00000.jsonl.gz", "00001.jsonl.gz", "00002.jsonl.gz"]
    seen = []
    for records in outputs.values():
        repos = [r["metadata"][keys.REPO] for r in records]
        runs = [r for i, r in enumerate(repos) if i == 0 or repos[i - 1] != r]
        assert len(runs) == len(set(runs)), "a repository's files must be contiguous"
        seen.extend(r["id"] for r in records)
    assert sorted(seen) == sorted(r["hexsha"] for r in rows)
    group = next(s for s in summary["stages"] if s["stage"] == "group")
    assert (group["documents_in"], group["kept"], group["balanced"]) == (len(rows), len(rows), True)
    assert [s["completed"] for s in summary["segments"]] == [2, 2, 3]


def test_grouped_output_does_not_depend_on_task_count(tmp_path):
    _write_stack(tmp_path / "stack", files=3, repos=7)
    results = []
    for tasks in (1, 3):
        out = tmp_path / f"out{tasks}"
        run_recipe(validate(_stack_recipe(out, tmp_path / "stack", tasks=tasks)))
        results.append(read_output(out / "documents"))
    assert results[0] == results[1]


def test_rerun_resumes_and_another_recipe_reruns_in_place(tmp_path, repo_root):
    out = tmp_path / "out"
    recipe = repos_recipe(out, repo_root)
    first = run_recipe(validate(recipe))
    stamp = (out / "documents" / "00000.jsonl.gz").stat().st_mtime_ns
    again = run_recipe(validate(recipe))  # every task is complete: nothing runs again
    assert (out / "documents" / "00000.jsonl.gz").stat().st_mtime_ns == stamp
    assert again.pop("already_complete") and again.pop("reused_segments") == len(first["segments"])
    assert again == first
    changed = repos_recipe(out, repo_root, seed=4)  # the seed changes every stage: every segment runs again
    assert "seed: 3 -> 4" in run_recipe(validate(changed))["rerun"]
    assert run_recipe(validate(changed), overwrite=True)["complete"]
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(OutputInUseError, match="not empty"):
        run_recipe(validate(repos_recipe(tmp_path / "busy", repo_root)))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_overwrite_deletes_only_a_codecurate_output(tmp_path, repo_root, monkeypatch):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputInUseError, match="holds no codecurate run"):
        run_recipe(validate(repos_recipe(precious, repo_root)), overwrite=True)
    assert (precious / "thesis.tex").read_text() == "years of work"
    # a user's folder with an unrelated recipe.json (the only evidence once checked): kept, and told how to go on
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("notes")
    (mine / "sub" / "data.csv").write_text("a,b\n")
    (mine / "recipe.json").write_text('{"mine": true}')
    before = _tree(mine)
    with pytest.raises(OutputInUseError, match=r"has a recipe.json but no \.codecurate-output\.json .*nothing was "
                                               r"deleted\. Delete it yourself \(rm -r .*\) .*or choose another"):
        run_recipe(validate(repos_recipe(mine, repo_root)), overwrite=True)
    assert _tree(mine) == before
    # a codecurate run: marked with its run id, kept on resume, new when overwritten
    out = tmp_path / "out"
    run_recipe(validate(repos_recipe(out, repo_root)))
    first = read_marker(out)
    assert first["format"] == 1 and first["tool"] == "codecurate" and len(first["run_id"]) == 32
    run_recipe(validate(repos_recipe(out, repo_root)))
    assert read_marker(out)["run_id"] == first["run_id"]
    # ... with a file no run writes: refused, naming what would be lost
    (out / "notes.txt").write_text("mine")
    (out / "sub").mkdir()
    before = _tree(out)
    with pytest.raises(OutputInUseError, match=r"would be lost: notes\.txt, sub/\."):
        run_recipe(validate(repos_recipe(out, repo_root, seed=9)), overwrite=True)
    assert _tree(out) == before
    (out / "notes.txt").unlink()
    (out / "sub").rmdir()
    # ... the working directory inside it, or the input: refused
    monkeypatch.chdir(out / "logs")
    with pytest.raises(OutputInUseError, match="the working directory"):
        run_recipe(validate(repos_recipe(out, repo_root, seed=9)), overwrite=True)
    monkeypatch.chdir(tmp_path)
    inside = out / "work" / "repos"
    __import__("shutil").copytree(repo_root, inside)
    with pytest.raises(OutputInUseError, match="the input"):
        run_recipe(validate(repos_recipe(out, inside, seed=9)), overwrite=True)
    assert (inside / "gamma").is_dir() and (out / "recipe.json").is_file()
    __import__("shutil").rmtree(inside)
    # a marker that is not codecurate's format: refused
    marker = out / OUTPUT_MARKER
    valid = marker.read_text()
    marker.write_text('{"format": 99, "run_id": "x"}')
    with pytest.raises(OutputInUseError, match="not a valid codecurate marker"):
        run_recipe(validate(repos_recipe(out, repo_root, seed=9)), overwrite=True)
    marker.write_text(valid)
    (out / "repositories" / "data").mkdir(parents=True)  # a folder named after a stage of the run (huggingface_output)
    assert run_recipe(validate(repos_recipe(out, repo_root, seed=9)), overwrite=True)["complete"]
    assert not (out / "repositories").exists()
    assert read_marker(out)["run_id"] != first["run_id"]


def test_overwrite_checks_every_level_of_the_output(tmp_path, repo_root):
    """A user's file inside a folder a run writes (``documents/notes.txt``, ``report/mine.md``...) is
    found at any depth: refused, listing each; what a run writes there (numbered files, logs) is not."""
    out = tmp_path / "out"
    run_recipe(validate(repos_recipe(out, repo_root)))
    from codecurate.cli import main

    assert main(["report", str(out), "--no-plots"]) == 0  # report/ as a run's report writes it
    mine = ["documents/notes.txt", "report/mine.md", "excluded/repositories/mine.csv", "logs/01-main/notes",
            "logs/01-main/logs/mine.log", "tokens/mine/", "work/"]
    for path in mine:
        if path.endswith("/"):
            (out / path).mkdir(parents=True)
        else:
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_text("mine")
    (out / "work" / "repositories").mkdir()  # a block's scratch under work/<stage>/: a run's
    (out / "work" / "repositories" / "anything.bin").write_text("scratch")
    before = _tree(out)
    with pytest.raises(OutputInUseError) as refused:
        run_recipe(validate(repos_recipe(out, repo_root, seed=9)), overwrite=True)
    listed = str(refused.value).split("would be lost: ")[1].split(". Move it")[0].split(", ")
    assert sorted(listed) == sorted(p for p in mine if p != "work/"), refused.value
    assert _tree(out) == before
    for path in mine[:-2]:
        (out / path).unlink()
    (out / "tokens" / "mine").rmdir()
    assert run_recipe(validate(repos_recipe(out, repo_root, seed=9)), overwrite=True)["complete"]
    assert not (out / "work").exists() and read_marker(out)["run_id"]


def test_parallel_workers(tmp_path, repo_root):
    out = tmp_path / "out"
    recipe = repos_recipe(out, repo_root)
    recipe["executor"] = {"type": "local", "tasks": 2, "workers": 2}
    summary = run_recipe(validate(recipe))
    assert summary["complete"]
    written = sum(len(v) for v in read_output(out / "documents").values())
    assert written == len(read_all(RepositoriesReader(str(repo_root)))) == summary["stages"][-1]["kept"]


def test_slurm_executors_chain_segments(tmp_path):
    from datatrove.executor.slurm import SlurmPipelineExecutor

    _write_stack(tmp_path / "stack")
    recipe = _stack_recipe(tmp_path / "out", tmp_path / "stack", tasks=4)
    recipe["executor"] = {"type": "slurm", "tasks": 4, "time": "01:00:00", "partition": "cpu", "cpus_per_task": 2}
    recipe = validate(recipe)
    executors = make_executors(recipe, build_plan(recipe))
    assert all(isinstance(e, SlurmPipelineExecutor) for e in executors)
    assert [e.world_size for e in executors] == [4, 4, 3]
    assert executors[0].depends is None and executors[1].depends is executors[0]
    assert executors[2].depends is executors[1]
    assert executors[1].job_name == "grouping-02-group-scatter"
    assert executors[2].cpus_per_task == 2


def test_a_failing_block_names_the_stage_and_the_document():
    from codecurate.core import BlockError, CodecurateFilter
    from tests.conftest import make_doc

    class Broken(CodecurateFilter):
        name = "broken"

        def filter(self, document):
            return 1 / len(document.text)

    block = Broken()
    block.bind("my_stage")
    with pytest.raises(BlockError, match=r"stage 'my_stage' failed on o/r:src/empty.py .*ZeroDivisionError"):
        list(block.run(iter([make_doc("x", "src/ok.py"), make_doc("", "src/empty.py")])))
