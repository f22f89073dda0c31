"""Runs on object storage: the aiXcoder recipe reading The Stack parquet from a bucket and writing its
output to a bucket of a real S3 server (moto's, started by the test), killed halfway and resumed from
the bucket, gives the local run's documents and shards byte for byte, and writes nothing on local
disk; a URL whose filesystem is not installed is refused before anything runs, naming what to install."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from codecurate.cli import main
from codecurate.recipe.plan import build_plan
from codecurate.recipe.rerun import rerun_paths
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import load_recipe
from tests.conftest import AIXCODER, run_outputs
from tests.s3_server import bucket_outputs, run_until_then_kill, s3_filesystem, s3_server

pytest.importorskip("tree_sitter_language_pack")
pytest.importorskip("tokenizers")


@pytest.fixture(scope="module")
def s3():
    with s3_server() as endpoint:
        yield endpoint


def stack_parquet(folder: Path) -> Path:
    """A small The Stack-style corpus: five repositories, their files interleaved across two files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    rows = [{"hexsha": f"{r}-{i}", "content": f"def f{i}(x):\n    return x + {r * 10 + i}\n" * (1 + i),
             "max_stars_repo_name": f"org/repo{r}", "max_stars_repo_path": f"src/f{i}.py",
             "max_stars_repo_licenses": ["MIT"], "max_stars_count": r, "lang": "Python"}
            for i in range(4) for r in range(5)]
    rows.append({**rows[0], "hexsha": "copy", "max_stars_repo_name": "org/copy"})  # an exact duplicate
    for part in range(2):
        pq.write_table(pa.Table.from_pylist(rows[part::2]), folder / f"part-{part}.parquet")
    return folder


def test_a_url_whose_filesystem_is_missing_is_refused_naming_the_extra(tmp_path, monkeypatch, capsys):
    if importlib.util.find_spec("gcsfs") is not None or importlib.util.find_spec("adlfs") is not None:
        pytest.skip("gcsfs or adlfs is installed here: gs:// or abfs:// is not missing")
    monkeypatch.chdir(tmp_path)
    for command in ("validate", "run"):
        assert main([command, str(AIXCODER), "--output", "gs://bucket/out"]) == 2
        error = capsys.readouterr().err
        assert "output: 'gs://bucket/out': the gs:// filesystem is not installed (pip install 'gcsfs'" in error
        assert main([command, str(AIXCODER), "--input", "gs://bucket/stack", "--output", "out"]) == 2
        assert "the gs:// filesystem is not installed (pip install 'gcsfs'" in capsys.readouterr().err
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("name: t\noutput: out\ninputs:\n  - reader: the_stack\n    params:\n"
                      "      data_folder: abfs://container/stack\nstages: []\n")
    assert main(["run", str(recipe)]) == 2
    error = capsys.readouterr().err
    assert "inputs[0].params.data_folder: 'abfs://container/stack': the abfs:// filesystem is not installed " \
           "(pip install 'adlfs'" in error, error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recipe.yaml"]  # nothing written: no 'gs:', no output


def test_killed_run_resumed_from_the_bucket_equals_the_local_run(tmp_path, s3, monkeypatch):
    stack = stack_parquet(tmp_path / "stack")
    fs = s3_filesystem()
    fs.mkdir("corpus")
    fs.put(f"{stack}/", "corpus/stack/", recursive=True)
    overrides = ["executor.tasks=2", "executor.workers=1"]
    local = run_recipe(load_recipe(AIXCODER, overrides=overrides, output=str(tmp_path / "local"),
                                   input_path=str(stack)))
    assert local["complete"]

    monkeypatch.chdir(tmp_path / "stack")  # a URL turned into a local folder would show up here
    command = [sys.executable, "-m", "codecurate.cli", "run", str(AIXCODER), "--input", "s3://corpus/stack",
               "--output", "s3://corpus/out", *(x for o in overrides for x in ("--set", o))]
    # killed once the exact dedup has finished: later segments not started or half done
    run_until_then_kill(command, fs, "corpus/out/logs/10-exact_dedup-filter/completions/00000",
                        tmp_path / "first.log", timeout=300, poll=0.2)
    fs.invalidate_cache()
    assert fs.exists("corpus/out/.codecurate.lock") and not fs.exists("corpus/out/summary.json")
    done_before = fs.find("corpus/out/logs/02-group-scatter/completions")
    assert done_before  # what the killed run finished is kept and skipped

    recipe = load_recipe(AIXCODER, overrides=overrides, output="s3://corpus/out", input_path="s3://corpus/stack")
    resumed = run_recipe(recipe)
    assert resumed["complete"] and all(s["balanced"] for s in resumed["stages"])
    assert sorted(os.listdir(tmp_path / "stack")) == ["part-0.parquet", "part-1.parquet"]
    fs.invalidate_cache()
    assert not fs.exists("corpus/out/.codecurate.lock")
    # of the passes' files the bucket keeps what a rerun of a changed recipe needs, and only that
    keep = rerun_paths(build_plan(recipe), [spec.stage_id for spec in [*recipe.inputs, *recipe.stages]])
    left = [path[len("corpus/out/") :] for path in fs.find("corpus/out/work") + fs.find("corpus/out/intermediate")]
    assert left and all(any(path == k or path.startswith(k + "/") for k in keep) for path in left)
    assert not fs.exists("corpus/out/work/near_dedup/signatures") and set(resumed["kept_for_reruns"]) == {
        "intermediate", "work"}
    marker = json.loads(fs.cat("corpus/out/.codecurate-output.json"))
    assert marker["recipe"] == "aixcoder7b"

    # the shards name the tokenizer by where it is: the local run's absolute path, the bucket's URL
    documents, shards = bucket_outputs(fs, "corpus/out", tmp_path / "copy")
    assert (documents, shards) == run_outputs(tmp_path / "local") and documents and shards
    assert [(s["stage"], s["kept"], s["dropped"]) for s in resumed["stages"]] == \
        [(s["stage"], s["kept"], s["dropped"]) for s in local["stages"]]
    assert fs.exists("corpus/out/training/config.yaml") and fs.exists("corpus/out/tokenizer/tokenizer.json")


def test_a_tokenizer_in_a_bucket_is_checked_and_copied_into_a_bucket_output(tmp_path, s3):
    from codecurate.tokenizer_files import load_tokenizer
    from codecurate.tokens.tokenized_shards import TokenizedShards, TokenizerCopy
    from codecurate.tokens.tokenizer_trainer import TokenizerSpec, save_tokenizer, train_tokenizer

    spec = TokenizerSpec()
    save_tokenizer(train_tokenizer(["def f(x):\n    return x\n"] * 50, vocab_size=400, spec=spec), tmp_path / "tok",
                   spec=spec)
    fs = s3_filesystem()
    fs.mkdir("models")
    fs.put(str(tmp_path / "tok" / "tokenizer.json"), "models/tok/tokenizer.json")
    TokenizedShards(tokenizer="s3://models/tok/tokenizer.json")  # checked on a local copy when built
    with pytest.raises(FileNotFoundError):
        TokenizedShards(tokenizer="s3://models/none/tokenizer.json")
    list(TokenizerCopy("s3://models/tok/tokenizer.json", "s3://models/out/tokenizer", spec).run(None) or ())
    fs.invalidate_cache()
    assert sorted(fs.ls("models/out/tokenizer")) == ["models/out/tokenizer/tokenizer.json",
                                                     "models/out/tokenizer/tokenizer_config.json"]
    fs.get("models/out/tokenizer/tokenizer.json", str(tmp_path / "copy.json"))
    assert (tmp_path / "copy.json").read_bytes() == (tmp_path / "tok" / "tokenizer.json").read_bytes()
    assert load_tokenizer(tmp_path / "copy.json").get_vocab_size() == \
        load_tokenizer(tmp_path / "tok").get_vocab_size()


def test_a_summary_polled_on_a_bucket_sees_the_tasks_finished_since_its_last_look(s3):
    """``wait_for_slurm`` computes the summary again and again in one process: s3fs's cached listing of
    a segment's stats folder made it count the tasks of its first look only (a Slurm run on S3 gave
    the right documents and a summary short of a task's counts). The console's progress lines poll
    the same way."""
    from codecurate.core.folders import Location
    from codecurate.recipe.console import RunConsole
    from codecurate.recipe.summary import compute_summary

    fs = s3_filesystem()
    fs.mkdir("polled")
    plan = {"segments": [{"name": "01-main", "stage_ids": ["read"], "tasks": 2}]}
    fs.pipe("polled/out/plan.json", json.dumps(plan).encode())

    def finish(rank: int, kept: int) -> None:
        stats = [{"name": "read", "stats": {"in": kept, "kept": kept, "in_bytes": kept, "kept_bytes": kept}}]
        fs.pipe(f"polled/out/logs/01-main/stats/{rank:05d}.json", json.dumps(stats).encode())
        fs.pipe(f"polled/out/logs/01-main/completions/{rank:05d}", b"")

    console = RunConsole("s3://polled/out", segments=1)
    logs = Location("s3://polled/out/logs/01-main")
    finish(0, 3)
    first = compute_summary("s3://polled/out")
    assert (first["complete"], first["stages"][0]["kept"]) == (False, 3)
    assert console._counts(logs)[2] == 1
    finish(1, 4)
    assert console._counts(logs)[2] == 2  # the progress line too (before the summary forgets the listings)
    second = compute_summary("s3://polled/out")
    assert (second["complete"], second["stages"][0]["kept"], second["segments"][0]["completed"]) == (True, 7, 2)
