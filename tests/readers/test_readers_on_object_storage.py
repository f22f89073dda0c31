"""Readers whose input is in a bucket of a real S3 server (moto's, started by the test): a folder of
repositories (folders and archives), a ``save_to_disk`` dataset and a folder of parquet files read as
the same folders on local disk read; ``--input s3://...`` picks the reader a local folder would get."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate import metadata as keys
from codecurate.cli import main
from codecurate.readers import HuggingFaceReader, RepositoriesReader
from codecurate.recipe.inputs import input_entry
from tests.conftest import AIXCODER, read_all, read_jsonl_gz, write
from tests.readers.test_repositories import archive_repositories, without_git
from tests.s3_server import s3_filesystem, s3_server

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def s3():
    with s3_server() as endpoint:
        yield endpoint


def documents(docs) -> list:
    return [(d.id, d.text, d.metadata) for d in docs]


def test_repositories_in_a_bucket_read_as_on_local_disk(repo_root, tmp_path, s3, capsys):
    write(repo_root / "alpha" / "big.py", "x = 1\n" * 1000)
    write(repo_root / "alpha" / "notes.md", "# notes\n")
    write(repo_root / "stray.txt", "not a repository\n")
    archive_repositories(repo_root)  # beta.tar.gz, gamma.zip; alpha a folder (its .git left out of the bucket)
    fs = s3_filesystem()
    fs.mkdir("code")
    fs.put(f"{repo_root}/", "code/repos/", recursive=True)
    assert fs.exists("code/repos/alpha/.git/HEAD")

    def read(folder: str, excluded: str) -> tuple[list, list]:
        reader = RepositoriesReader(
            folder,
            max_file_bytes=4096,
            exclude=["*.md"],
            exclusion_writer=JsonlWriter(excluded, output_filename="${rank}.jsonl"),
        )
        docs = read_all(reader, world_size=2)
        return docs, [row for rank in range(2) for row in read_jsonl_gz(tmp_path / excluded / f"{rank:05d}.jsonl.gz")]

    local, local_drops = read(str(repo_root), str(tmp_path / "local"))
    remote, remote_drops = read("s3://code/repos", str(tmp_path / "remote"))
    assert [d.id for d in remote] == [d.id for d in local] and len(remote) == 9
    assert without_git(remote) == without_git(local)
    assert remote[0].metadata[keys.COMMITS] is None  # a repository's metadata comes from its sidecar, not git
    drops = sorted((r["id"], r["metadata"]["filter_reason"], r["metadata"].get(keys.SIZE_BYTES)) for r in remote_drops)
    assert drops == sorted(
        (r["id"], r["metadata"]["filter_reason"], r["metadata"].get(keys.SIZE_BYTES)) for r in local_drops
    )
    assert drops == [
        ("alpha/big.py", "file_too_large", 6000),
        ("alpha/notes.md", "excluded_path", 8),
        ("owner/beta/README.md", "excluded_path", 7),
        ("stray.txt", "not_a_repository", None),
    ]
    assert input_entry("s3://code/repos") == {"reader": "repositories", "params": {"data_folder": "s3://code/repos"}}
    with pytest.raises(FileNotFoundError, match="repositories folder s3://code/none does not exist"):
        RepositoriesReader("s3://code/none").list_repositories()
    assert main(["validate", str(AIXCODER), "--input", "s3://code/repos", "--output", str(tmp_path / "out")]) == 0
    assert "    repositories             📖 - READER: repositories" in capsys.readouterr().out


STACK = {
    "hexsha": ["a1", "b2", "c3", "d4"],
    "content": ["print(1)\n", "", "int x;\n", "fn main() {}\n"],
    "max_stars_repo_name": ["o/r1", "o/r2", "o/r1", "o/r3"],
    "max_stars_repo_path": ["a.py", "src/x.js", "inc/m.h", "main.rs"],
    "max_stars_repo_licenses": [["MIT"], ["MIT", "Apache-2.0"], [], ["Apache-2.0"]],
    "lang": ["Python", "JavaScript", "C", "Rust"],
}


def test_hugging_face_datasets_in_a_bucket_read_as_on_local_disk(tmp_path, s3, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    monkeypatch.setattr(datasets.config, "DOWNLOADED_DATASETS_PATH", tmp_path / "hf-cache" / "downloads")
    data = datasets.Dataset.from_dict(STACK)
    data.save_to_disk(str(tmp_path / "saved"))
    (tmp_path / "parquet" / "data").mkdir(parents=True)
    for part in range(2):
        pq.write_table(
            pa.Table.from_pydict({k: v[part::2] for k, v in STACK.items()}),
            tmp_path / "parquet" / "data" / f"part-{part}.parquet",
        )
    fs = s3_filesystem()
    fs.mkdir("hfdata")
    fs.put(f"{tmp_path / 'saved'}/", "hfdata/saved/", recursive=True)
    fs.put(f"{tmp_path / 'parquet'}/", "hfdata/parquet/", recursive=True)

    # the Hub's offline mode (clusters without a network set it; test_huggingface.py sets it for the
    # whole session) does not stop reading the user's own bucket
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    for name in ("saved", "parquet"):
        local = [documents(read_all(HuggingFaceReader(str(tmp_path / name)), world_size=w)) for w in (1, 2)]
        remote = [documents(read_all(HuggingFaceReader(f"s3://hfdata/{name}"), world_size=w)) for w in (1, 2)]
        assert remote == local and len(remote[0]) == 4, name
    assert datasets.config.HF_HUB_OFFLINE  # restored
    # a file changed in the bucket is read again, not taken from datasets' cache of the same URL
    pq.write_table(pa.Table.from_pydict({k: v[:1] for k, v in STACK.items()}), tmp_path / "one.parquet")
    fs.put(str(tmp_path / "one.parquet"), "hfdata/parquet/data/part-1.parquet")
    fs.invalidate_cache()
    assert len(documents(read_all(HuggingFaceReader("s3://hfdata/parquet")))) == 3
    assert input_entry("s3://hfdata/saved") == {"reader": "huggingface", "params": {"dataset": "s3://hfdata/saved"}}
    with pytest.raises(FileNotFoundError, match="'s3://hfdata/none': no data file"):
        list(HuggingFaceReader("s3://hfdata/none").run())
