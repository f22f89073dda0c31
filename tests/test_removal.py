"""Removal on request and provenance (issue 36): the provenance table locates every trained document,
and ``codecurate remove`` on a finished output gives what a run that never saw the repository gives."""

import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codecurate import metadata as keys
from codecurate.cli import main
from codecurate.optout import content_id
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from codecurate.tokenizer_files import load_tokenizer
from codecurate.tokens.shards import Shard
from tests.conftest import read_jsonl_gz

pytest.importorskip("tokenizers")

REMOVED = "repo03"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """12 repositories of real code (datatrove's sources, 4 files each; one licensed in a sidecar) and
    a tokenizer trained on them, given to every run (a removal leaves the tokenizer as it is)."""
    import datatrove

    from codecurate.tokens.tokenizer_trainer import save_tokenizer, train_tokenizer

    root = tmp_path_factory.mktemp("corpus")
    repos = root / "repos"
    sources = sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:48]
    for i, source in enumerate(sources):
        target = repos / f"repo{i % 12:02d}" / ("secret" if i % 5 == 0 else "src") / f"{i:02d}_{source.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    (repos / "repo01.json").write_text(json.dumps({"name": "owner/one", "license": "MIT", "revision": "abc123"}))
    given = root / "tokenizer"
    save_tokenizer(train_tokenizer([p.read_text() for p in sources], vocab_size=400), given)
    return repos, given


def opt_out_stage(listed: Path) -> dict:
    return {"block": "opt_out", "id": "opt_out", "params": {"opt_out_file": str(listed)}}


def recipe(repos, given, out, tasks=2, stages=()):
    return {
        "name": "removal",
        "seed": 7,
        "output": str(out),
        "executor": {"type": "local", "tasks": tasks, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos), "exclude": ["*_base.py"]}}],
        "stages": [
            *stages,
            {
                "block": "tokenized_shards",
                "id": "shards",
                "params": {
                    "tokenizer": str(given),
                    "sequence_length": 128,
                    "max_tokens_per_shard": 6_000,
                    "merge_tasks": 3,
                    "megatron": True,
                },
            },
        ],
    }


def outputs(out: Path) -> dict[str, bytes]:
    """Every file of the shards and the provenance, the output's own path replaced."""
    root = str(out.resolve()).encode()
    files = {}
    for folder in ("tokens", "provenance"):
        for path in sorted((out / folder).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(out))] = path.read_bytes().replace(root, b"OUTPUT")
    return files


def documents_by_file(out: Path) -> dict[str, bytes]:
    return {p.name: gzip.decompress(p.read_bytes()) for p in sorted((out / "documents").glob("*.gz"))}


def test_provenance_locates_every_trained_document(corpus, tmp_path):
    repos, given = corpus
    out = tmp_path / "out"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    run = run_recipe(validate(recipe(repos, given, out, stages=[opt_out_stage(empty)])))
    assert run["complete"]
    documents = {r["id"]: r for p in (out / "documents").glob("*.gz") for r in read_jsonl_gz(p)}
    rows = [r for p in sorted((out / "provenance").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    assert sorted(r["id"] for r in rows) == sorted(documents) and len(rows) == 44  # four *_base.py excluded
    tokenizer = load_tokenizer(given)
    for row in rows:
        shard = Shard(out / "tokens" / row["shard"])
        tokens = shard.tokens[row["token_start"] : row["token_end"]].tolist()
        assert tokenizer.decode(tokens, skip_special_tokens=False) == documents[row["id"]]["text"]
        assert row["content_id"] == content_id((repos / row["id"].replace("owner/one", "repo01")).read_bytes())
        assert row["text_bytes"] == len(documents[row["id"]]["text"].encode()) == row["size_bytes"]
        assert row["stages"] == ["opt_out"]  # the stages it passed before the shards
    one = [r for r in rows if r["repo"] == "owner/one"]
    assert one and all(r["license"] == "MIT" and r["revision"] == "abc123" for r in one)
    # a shard's rows cover its tokens, in order, without a gap
    for shard in {r["shard"] for r in rows}:
        ranges = [(r["token_start"], r["token_end"]) for r in rows if r["shard"] == shard]
        assert ranges[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
        assert ranges[-1][1] == len(Shard(out / "tokens" / shard).tokens)
    # the training-content summary codecurate report writes from it
    assert main(["report", str(out), "--no-plots"]) == 0
    content = json.loads((out / "report" / "training_content.json").read_text())
    shards = json.loads((out / "tokens" / "summary.json").read_text())
    assert content["totals"]["tokens"] == shards["tokens"] and content["totals"]["documents"] == 44
    assert content["totals"]["repositories"] == 12 and content["totals"]["with_content_id"] == 44
    assert [(r["language"], r["documents"], r["token_share"]) for r in content["languages"]] == [("Python", 44, 1.0)]
    licenses = {r["license"]: r["documents"] for r in content["licenses"]}
    assert licenses == {"MIT": len(one), "(none)": 44 - len(one)}
    assert content["sources"][0]["source"] == "repositories" and content["sources"][0]["repositories"] == 12
    assert content["filters"][0] == {
        "stage": "repositories",
        "documents_in": 48,
        "kept": 44,
        "removed": {"excluded_path": 4},
        "removed_bytes": run["stages"][0]["dropped"]["excluded_path"]["bytes"],
    }
    text = (out / "report" / "training_content.md").read_text()
    assert "| Python | 44 | 12 |" in text and "| repositories | 48 | 44 | excluded_path 4 |" in text
    # the same table, byte for byte, whatever the task count
    single = tmp_path / "single"
    assert run_recipe(validate(recipe(repos, given, single, tasks=1, stages=[opt_out_stage(empty)])))["complete"]
    assert outputs(single) == outputs(out)


def test_removing_a_repository_gives_what_a_run_that_never_saw_it_gives(corpus, tmp_path, capsys):
    repos, given = corpus
    full, never, read_time = tmp_path / "full", tmp_path / "never", tmp_path / "read_time"
    # every run carries the opt-out stage (the provenance lists the stages passed); empty until the request
    empty = tmp_path / "empty.txt"
    empty.write_text("# no request yet\n")
    assert run_recipe(validate(recipe(repos, given, full, stages=[opt_out_stage(empty)])))["complete"]
    without = tmp_path / "without"
    shutil.copytree(repos, without, ignore=lambda folder, names: [REMOVED] if Path(folder) == repos else [])
    assert run_recipe(validate(recipe(without, given, never, stages=[opt_out_stage(empty)])))["complete"]
    listed = tmp_path / "opt-out.txt"
    listed.write_text(f"# a request\nrepository {REMOVED}\nrepository nobody/here\n")
    assert run_recipe(validate(recipe(repos, given, read_time, stages=[opt_out_stage(listed)])))["complete"]
    before = outputs(full)
    stamps = {p: (full / p).stat().st_mtime_ns for p in before}
    removed_rows = [
        r for p in (full / "provenance").glob("*.parquet") for r in pq.read_table(p).to_pylist() if r["repo"] == REMOVED
    ]
    assert (full / "intermediate").is_dir()  # what the run keeps for reruns, the repository's files among it
    assert main(["remove", str(full), "--opt-out", str(listed)]) == 0
    printed = capsys.readouterr().out
    assert "line 3: repository nobody/here names nothing present" in printed
    assert "removed intermediate/" in printed and not (full / "intermediate").exists()
    after = outputs(full)
    # shards, Megatron files, tokens/summary.json and provenance: byte for byte a run that never saw it
    assert after == outputs(never) == outputs(read_time)
    # only the bucket that held the repository was rewritten; every other file is the very same file
    rebuilt = {p for p in after if before.get(p) != after[p]} | (before.keys() - after.keys())
    buckets = {Path(p).name.split("_")[0].split(".")[0] for p in rebuilt if "summary.json" not in p}
    assert len(buckets) == 1 and len(before) > len(rebuilt)
    untouched = [
        p for p in after if Path(p).name.split("_")[0].split(".")[0] not in buckets and "summary.json" not in p
    ]
    assert untouched and all((full / p).stat().st_mtime_ns == stamps[p] for p in untouched)
    # documents: each task's file as the read-time opt-out wrote it; a run that never saw the repository
    # hands the repositories to its tasks in turn (names[rank::tasks]), so its files split them otherwise
    assert documents_by_file(full) == documents_by_file(read_time)
    assert all(
        p.read_bytes() == (read_time / "documents" / p.name).read_bytes()  # the gzip files too
        for p in (full / "documents").glob("*.gz")
    )
    assert sorted(b"".join(documents_by_file(full).values()).splitlines()) == sorted(
        b"".join(documents_by_file(never).values()).splitlines()
    )
    assert documents_by_file(full) != documents_by_file(never)
    # the report: what went, from where, how many tokens
    report = json.loads(next((full / "removals").glob("*.json")).read_text())
    assert report["removed"] == 4 and len(removed_rows) == 3  # its fourth file was in the exclusions
    assert report["tokens_removed"] == sum(r["token_end"] - r["token_start"] for r in removed_rows)
    assert {d["id"]: d["shard"] for d in report["documents"] if "shard" in d} == {
        r["id"]: r["shard"] for r in removed_rows
    }
    assert [e["documents"] for e in report["entries"]] == [4, 0]
    assert (full / "tokenizer" / "tokenizer.json").read_bytes() == (given / "tokenizer.json").read_bytes()
    content = json.loads((full / "report" / "training_content.json").read_text())
    assert content["totals"]["repositories"] == 11 and content["removals"][0]["documents"] == 4
    # a second removal finds nothing: it says so, and changes nothing
    assert main(["remove", str(full), "--opt-out", str(listed)]) == 3
    assert "names nothing present" in capsys.readouterr().out and outputs(full) == after
    listed.write_text("repository a\nauthor not-an-address\n")
    assert main(["remove", str(full), "--opt-out", str(listed)]) == 2
    assert f"{listed}:2: 'not-an-address' is not an e-mail address" in capsys.readouterr().err


def test_a_path_entry_removes_single_files_and_the_exclusions_lose_them_too(corpus, tmp_path, capsys):
    repos, given = corpus
    out = tmp_path / "out"
    assert run_recipe(validate(recipe(repos, given, out)))["complete"]
    excluded = [r for p in (out / "excluded").rglob("*.gz") for r in read_jsonl_gz(p)]
    assert {r["metadata"][keys.FILTER_REASON] for r in excluded} == {"excluded_path"}
    listed = tmp_path / "opt-out.txt"
    listed.write_text("path */secret/*\npath owner/one/src/*_base.py\n")
    assert main(["remove", str(out), "--opt-out", str(listed)]) == 0
    kept = [r["id"] for p in (out / "documents").glob("*.gz") for r in read_jsonl_gz(p)]
    assert kept and not any("/secret/" in i for i in kept)
    rows = [r["id"] for p in (out / "provenance").glob("*.parquet") for r in pq.read_table(p).to_pylist()]
    assert sorted(rows) == sorted(kept)
    left = [r["id"] for p in (out / "excluded").rglob("*.gz") for r in read_jsonl_gz(p)]
    named = [r["id"] for r in excluded if "/secret/" in r["id"] or r["id"].startswith("owner/one/src/")]
    assert "owner/one/src/37_base.py" in named
    assert sorted(left) == sorted(r["id"] for r in excluded if r["id"] not in named)
    summary = json.loads((out / "tokens" / "summary.json").read_text())
    assert summary["documents"] == len(kept) == sum(len(Shard(p).document_ends) for p in (out / "tokens").glob("*.ds"))


def test_a_huggingface_output_without_shards_loses_the_removed_rows(corpus, tmp_path, capsys):
    repos, _ = corpus
    out = tmp_path / "out"
    hf = {"reader": "repositories", "params": {"data_folder": str(repos)}}
    recipe = {
        "name": "hf",
        "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [hf],
        "stages": [{"block": "huggingface_output", "id": "hf"}],
    }
    assert run_recipe(validate(recipe))["complete"]
    before = [r for p in sorted((out / "hf").rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    listed = tmp_path / "opt-out.txt"
    listed.write_text(f"repository {REMOVED}\n")
    assert main(["remove", str(out), "--opt-out", str(listed)]) == 0
    after = [r for p in sorted((out / "hf").rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]
    assert after == [r for r in before if r["repo"] != REMOVED] and len(after) == len(before) - 4
    report = json.loads(next((out / "removals").glob("*.json")).read_text())
    assert report["shards"] is None and len(report["parquet_rewritten"]) >= 1
    assert not [r for p in (out / "documents").glob("*.gz") for r in read_jsonl_gz(p) if r["id"].startswith(REMOVED)]
    assert "4 documents" in capsys.readouterr().out
    assert main(["remove", "s3://bucket/out", "--opt-out", str(listed)]) == 2  # nothing rewritten remotely
    assert "rewrites an output on local disk" in capsys.readouterr().err


def test_with_one_task_the_documents_are_the_never_run_s_files_byte_for_byte(corpus, tmp_path):
    """One task reads every repository in order: no task split to differ, so the documents' gzip
    files, like the shards, are those of a run that never saw the repository."""
    repos, given = corpus
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    full, never = tmp_path / "full", tmp_path / "never"
    assert run_recipe(validate(recipe(repos, given, full, tasks=1, stages=[opt_out_stage(empty)])))["complete"]
    without = tmp_path / "without"
    shutil.copytree(repos, without, ignore=lambda folder, names: [REMOVED] if Path(folder) == repos else [])
    assert run_recipe(validate(recipe(without, given, never, tasks=1, stages=[opt_out_stage(empty)])))["complete"]
    listed = tmp_path / "opt-out.txt"
    listed.write_text(f"repository {REMOVED}\n")
    assert main(["remove", str(full), "--opt-out", str(listed)]) == 0
    files = sorted(p.name for p in (full / "documents").glob("*.gz"))
    assert files == sorted(p.name for p in (never / "documents").glob("*.gz")) == ["00000.jsonl.gz"]
    assert (full / "documents" / files[0]).read_bytes() == (never / "documents" / files[0]).read_bytes()
    assert outputs(full) == outputs(never)
    excluded = {p.relative_to(full): p.read_bytes() for p in sorted((full / "excluded").rglob("*.gz"))}
    assert excluded and excluded == {
        p.relative_to(never): p.read_bytes() for p in sorted((never / "excluded").rglob("*.gz"))
    }
