"""The ``huggingface`` reader and the ``huggingface_output`` stage, offline, on datasets the tests write."""

import os

# no network: set before datasets / huggingface_hub read their configuration
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

import gzip  # noqa: E402
import json  # noqa: E402

import pytest  # noqa: E402
from datatrove.data import Document  # noqa: E402

from codecurate import metadata as keys  # noqa: E402
from codecurate.readers import HuggingFaceReader  # noqa: E402
from codecurate.readers.base import REASON_LANGUAGE, REASON_TOO_LARGE  # noqa: E402

datasets = pytest.importorskip("datasets")

STACK = {
    "hexsha": ["a1", "b2", "c3", "d4"],
    "content": ["print(1)\n", "", "int x;\n", "fn main() {}\n"],
    "max_stars_repo_name": ["o/r1", "o/r2", "o/r1", "o/r3"],
    "max_stars_repo_path": ["a.py", "src/x.js", "inc/m.h", "main.rs"],
    "max_stars_repo_licenses": [["MIT"], ["MIT", "Apache-2.0"], [], ["Apache-2.0"]],
    "max_stars_count": [10, None, 3, 7],
    "max_stars_repo_head_hexsha": ["f00", "ba5", "f00", "c0ffee"],
    "lang": ["Python", "JavaScript", "C", "Rust"],
    "size": [9, 0, 7, 13],
    "ext": ["py", "js", "h", "rs"],
}


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    """Offline even when another test imported datasets first, with a cache of this test's own."""
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


def saved(tmp_path, columns=STACK, name="saved"):
    folder = tmp_path / name
    datasets.Dataset.from_dict(columns).save_to_disk(str(folder))
    return folder


def stats(reader):
    return {name: stat.total for name, stat in reader.stats.stats.items()}


def test_save_to_disk_stack_columns_map_to_metadata(tmp_path):
    reader = HuggingFaceReader(str(saved(tmp_path)))
    docs = list(reader.run())
    assert [d.id for d in docs] == ["a1", "b2", "c3", "d4"]
    first, empty, header, rust = (d.metadata for d in docs)
    assert (first[keys.REPO], first[keys.PATH], first[keys.LICENSE], first[keys.LICENSE_SOURCE], first[keys.STARS],
            first[keys.LANGUAGE], first[keys.REVISION], first[keys.SIZE_BYTES]) == (
        "o/r1", "a.py", "MIT", "metadata", 10, "Python", "f00", 9)
    assert (first[keys.SOURCE], first[keys.KIND]) == ("huggingface", keys.KIND_CODE)
    assert "ext" not in first  # columns that are not mapped are not carried
    assert empty[keys.LICENSE] == "Apache-2.0 AND MIT" and empty[keys.STARS] is None
    assert docs[1].text == ""  # kept: the trivial-file filter drops it with its reason
    assert header[keys.LICENSE] is None and header[keys.LICENSE_SOURCE] is None
    assert header[keys.LANGUAGE] == "C"  # a .h file: decided from its text, as the_stack does
    assert rust[keys.LANGUAGE] == "Rust"
    counts = stats(reader)
    assert counts["in"] == counts["kept"] == 4
    assert counts["in_bytes"] == counts["kept_bytes"] == sum(len(t.encode()) for t in STACK["content"])


def test_parquet_folder_data_file_jsonl_and_splits(tmp_path):
    table = datasets.Dataset.from_dict(STACK)
    table.to_parquet(str(tmp_path / "pq" / "data" / "train-00000.parquet"))
    table.to_json(str(tmp_path / "rows.jsonl"))
    expected = list(HuggingFaceReader(str(saved(tmp_path))).run())
    for source in (tmp_path / "pq", tmp_path / "pq" / "data" / "train-00000.parquet", tmp_path / "rows.jsonl"):
        docs = list(HuggingFaceReader(str(source), cache_dir=str(tmp_path / "cache")).run())
        assert [(d.id, d.text, d.metadata) for d in docs] == [(d.id, d.text, d.metadata) for d in expected], source
    splits = datasets.DatasetDict({"train": table, "test": table.select([0])})
    splits.save_to_disk(str(tmp_path / "dict"))
    assert len(list(HuggingFaceReader(str(tmp_path / "dict")).run())) == 4  # train by default
    assert [d.id for d in HuggingFaceReader(str(tmp_path / "dict"), split="test").run()] == ["a1"]
    with pytest.raises(ValueError, match=r"no split 'validation'; splits: train, test"):
        list(HuggingFaceReader(str(tmp_path / "dict"), split="validation").run())


def test_other_layouts_and_configured_columns(tmp_path):
    github_code = {"code": ["x = 1\n"], "repo_name": ["a/b"], "path": ["m.py"], "language": ["Python"],
                   "license": ["mit"], "size": [6]}
    doc = next(HuggingFaceReader(str(saved(tmp_path, github_code, "gc"))).run())
    assert (doc.text, doc.metadata[keys.REPO], doc.metadata[keys.PATH], doc.metadata[keys.LICENSE]) == (
        "x = 1\n", "a/b", "m.py", "mit")
    assert doc.id == "a/b/m.py"  # no id column: repository and path
    custom = {"source": ["package main\n"], "project": ["g/h"], "file": ["main.go"], "content": ["not this"]}
    folder = saved(tmp_path, custom, "custom")
    reader = HuggingFaceReader(str(folder), columns={"text": "source", "repo": "project", "path": "file"})
    doc = next(reader.run())
    assert (doc.text, doc.metadata[keys.REPO], doc.metadata[keys.PATH], doc.metadata[keys.LANGUAGE]) == (
        "package main\n", "g/h", "main.go", "Go")
    nameless = next(HuggingFaceReader(str(folder), columns={"text": "source", "repo": None}).run())
    assert nameless.metadata[keys.REPO] == f"{folder}#unknown" and nameless.metadata[keys.PATH] == "row-0"


def test_errors_name_the_dataset_and_column(tmp_path):
    folder = saved(tmp_path, {"body": ["x"], "stars": ["many"]}, "plain")
    with pytest.raises(KeyError, match=r"no content column \(tried content, text, code; set columns.text\); "
                                       r"columns: body, stars"):
        list(HuggingFaceReader(str(folder)).run())
    with pytest.raises(KeyError, match=r"no column 'src' \(configured for 'text'\)"):
        list(HuggingFaceReader(str(folder), columns={"text": "src"}).run())
    with pytest.raises(ValueError, match=r"row 0, column 'stars': expected a number, got 'many'"):
        list(HuggingFaceReader(str(folder), columns={"text": "body"}).run())
    numbers = saved(tmp_path, {"content": [1, 2]}, "numbers")
    with pytest.raises(TypeError, match=r"row 0, column 'content': expected text or bytes, got int"):
        list(HuggingFaceReader(str(numbers)).run())
    with pytest.raises(ValueError, match="unknown field"):
        HuggingFaceReader(str(folder), columns={"body": "text"})
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        HuggingFaceReader(str(tmp_path / "missing"))
    HuggingFaceReader("bigcode/the-stack-smol", subset="data/python")  # a hub id: nothing is fetched yet


def test_drops_are_counted_with_reasons_and_written(tmp_path):
    from datatrove.pipeline.writers.jsonl import JsonlWriter

    rows = {"content": [b"a" * 100, b"print(2)\n", b"bad\x80\xff", b"int main(){}\n"],  # a binary column
            "path": ["big.py", "ok.py", "bin.py", "m.c"], "repo": ["r"] * 4}
    reader = HuggingFaceReader(str(saved(tmp_path, rows)), max_file_bytes=50, languages=["Python"])
    reader.exclusion_writer = JsonlWriter(str(tmp_path / "excluded"), output_filename="${rank}.jsonl.gz")
    docs = list(reader.run())
    assert [d.metadata[keys.PATH] for d in docs] == ["ok.py", "bin.py"]
    assert docs[1].metadata[keys.DECODE_ERROR] is True and "\ufffd" in docs[1].text  # the trivial filter's
    counts = stats(reader)
    assert (counts["in"], counts["kept"]) == (4, 2)
    assert counts[f"dropped/{REASON_TOO_LARGE}"] == 1 and counts[f"dropped_bytes/{REASON_TOO_LARGE}"] == 100
    assert counts[f"dropped/{REASON_LANGUAGE}"] == 1
    assert counts["in_bytes"] == counts["kept_bytes"] + 100 + len(rows["content"][3]) == 100 + 9 + 5 + 13
    with gzip.open(tmp_path / "excluded" / "00000.jsonl.gz", "rt") as f:
        excluded = [json.loads(line) for line in f]
    assert [(r["metadata"][keys.PATH], r["metadata"]["filter_reason"], r.get("text", "")) for r in excluded] == [
        ("big.py", REASON_TOO_LARGE, ""), ("m.c", REASON_LANGUAGE, "int main(){}\n")]


@pytest.mark.parametrize("tasks", [2, 3])
def test_sharding_is_deterministic_and_complete(tmp_path, tasks):
    rows = {"content": [f"x = {i}\n" for i in range(10)], "lang": ["Python"] * 10}  # no id, repo or path
    folder = saved(tmp_path, rows)
    alone = {d.id: (d.text, d.metadata) for d in HuggingFaceReader(str(folder)).run()}
    shards = [[d.id for d in HuggingFaceReader(str(folder)).run(rank=r, world_size=tasks)] for r in range(tasks)]
    assert sum(map(len, shards)) == len(alone) == 10
    assert shards[0][:2] == [f"{folder}#unknown/row-0", f"{folder}#unknown/row-{tasks}"]
    again = {d.id: (d.text, d.metadata) for r in range(tasks)
             for d in HuggingFaceReader(str(folder)).run(rank=r, world_size=tasks)}
    assert again == alone  # the same documents, ids included, for any task count


def test_recipe_reads_huggingface_and_writes_huggingface_output(tmp_path):
    from codecurate.recipe.inputs import input_entry
    from codecurate.recipe.run import run_recipe
    from codecurate.recipe.schema import validate

    folder = saved(tmp_path)
    assert input_entry(str(folder)) == {"reader": "huggingface", "params": {"dataset": str(folder)}}
    out = tmp_path / "out"
    recipe = validate({
        "name": "hf",
        "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "huggingface", "params": {"dataset": str(folder)}}],
        "stages": [{"block": "trivial_files"}, {"block": "huggingface_output", "id": "hub"}],
    })
    summary = run_recipe(recipe)
    assert summary["complete"] and all(stage["balanced"] for stage in summary["stages"])
    read = next(s for s in summary["stages"] if s["stage"] == "huggingface")
    assert (read["documents_in"], read["kept"]) == (4, 4)
    written = sorted((out / "hub" / "data").iterdir())
    assert [p.name for p in written] == ["000_00000.parquet", "000_00001.parquet"]  # datatrove's names
    table = datasets.load_dataset("parquet", data_files=[str(p) for p in written], split="train",
                                  cache_dir=str(tmp_path / "cache"))
    assert sorted(table["id"]) == ["a1", "c3", "d4"]  # the empty file dropped by trivial_files
    assert table.column_names == ["text", "id", "repo", "path", "language", "license", "stars", "size_bytes",
                                  "source", "kind", "metadata"]
    row = table.filter(lambda r: r["id"] == "a1")[0]
    assert (row["repo"], row["license"], row["stars"], json.loads(row["metadata"])[keys.REVISION]) == (
        "o/r1", "MIT", 10, "f00")
    # codecurate's own output reads back through the huggingface reader with its metadata
    documents = {}
    for path in sorted((out / "documents").iterdir()):
        with gzip.open(path, "rt") as f:
            documents.update({r["id"]: r for r in map(json.loads, f)})
    back = {d.id: d for d in HuggingFaceReader(str(out / "hub"), cache_dir=str(tmp_path / "cache")).run()}
    assert sorted(back) == sorted(documents)
    for doc_id, record in documents.items():
        assert back[doc_id].text == record["text"]
        assert back[doc_id].metadata == {**record["metadata"], keys.SOURCE: "huggingface"}


def test_huggingface_output_uploads_with_datatroves_writer(tmp_path, monkeypatch):
    import datatrove.pipeline.writers.huggingface as hf

    from codecurate.writers import HuggingFaceOutput

    calls = []
    monkeypatch.setattr(hf, "create_repo", lambda repo, **kw: calls.append(("repo", repo, kw["private"])))
    monkeypatch.setattr(hf, "preupload_lfs_files", lambda repo, **kw: calls.append(
        ("upload", repo, [a.path_in_repo for a in kw["additions"]])))
    monkeypatch.setattr(hf, "create_commit", lambda repo, **kw: calls.append(
        ("commit", repo, [a.path_in_repo for a in kw["operations"]])))
    docs = [Document(text="x = 1\n", id="r/a.py", metadata={keys.REPO: "r", keys.PATH: "a.py", keys.STARS: 2,
                                                          keys.LICENSE: None, "pii_counts": {"EMAIL": 1}})]
    step = HuggingFaceOutput(repo_id="me/code", output_folder=str(tmp_path / "staging"))
    assert list(step.run(iter(docs), rank=1)) == docs  # documents pass on
    assert calls == [("repo", "me/code", True), ("upload", "me/code", ["data/000_00001.parquet"]),
                     ("commit", "me/code", ["data/000_00001.parquet"])]
    calls.clear()
    assert list(HuggingFaceOutput(repo_id="me/code", output_folder=str(tmp_path / "s2")).run(iter([]))) == []
    assert calls == []  # a task without documents commits nothing
    with pytest.raises(ValueError, match="owner/name"):
        HuggingFaceOutput(repo_id="hf://datasets/me/code")
    with pytest.raises(ValueError, match="give output_folder"):
        list(HuggingFaceOutput().run(iter(docs)))
