import shutil
from pathlib import Path

import pytest
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate import metadata as keys
from codecurate.readers import RepositoriesReader
from codecurate.readers.base import decode_source
from codecurate.readers.repositories import SidecarError
from tests.conftest import read_all, read_jsonl_gz, write


def test_reads_every_file_with_repository_metadata(repo_root):
    docs = read_all(RepositoriesReader(str(repo_root)))
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {
        "alpha/LICENSE", "alpha/main.py", "alpha/scripts/run", "alpha/util.py",
        "owner/beta/README.md", "owner/beta/bom16.js", "owner/beta/empty.txt", "owner/beta/latin1.c",
        "owner/beta/src/Main.java", "gamma/index.ts",
    }
    util = by_id["alpha/util.py"]
    assert util.text.endswith("return a - b\n")
    assert util.metadata[keys.LANGUAGE] == "Python"
    assert util.metadata[keys.KIND] == keys.KIND_CODE
    assert util.metadata[keys.SOURCE] == "repositories"
    assert by_id["alpha/scripts/run"].metadata[keys.LANGUAGE] == "Shell"
    beta = by_id["owner/beta/src/Main.java"].metadata
    assert (beta[keys.REPO], beta[keys.LICENSE], beta[keys.LICENSE_SOURCE], beta[keys.STARS]) == (
        "owner/beta", "Apache-2.0", "sidecar", 42)
    assert by_id["gamma/index.ts"].metadata[keys.LICENSE] is None
    # empty files are documents too (the trivial-file filter drops them with a reason)
    assert by_id["owner/beta/empty.txt"].text == ""


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_work_tree_metadata_and_dot_git_skipped(repo_root):
    docs = read_all(RepositoriesReader(str(repo_root)))
    alpha = [d for d in docs if d.metadata[keys.REPO] == "alpha"]
    assert all("/.git/" not in d.id for d in docs)
    assert {d.metadata[keys.COMMITS] for d in alpha} == {2}
    assert len(alpha[0].metadata[keys.REVISION]) == 40


def test_files_of_a_repository_are_contiguous_and_sorted(repo_root):
    docs = read_all(RepositoriesReader(str(repo_root)))
    repos = [d.metadata[keys.REPO] for d in docs]
    runs = [r for i, r in enumerate(repos) if i == 0 or repos[i - 1] != r]
    assert len(runs) == len(set(runs)) == 3
    for repo in set(repos):
        paths = [d.metadata[keys.PATH] for d in docs if d.metadata[keys.REPO] == repo]
        assert paths == sorted(paths)


def test_sharding_gives_each_repository_to_exactly_one_task(repo_root):
    single = sorted(d.id for d in read_all(RepositoriesReader(str(repo_root))))
    for world_size in (2, 3, 5):
        sharded = [d.id for d in read_all(RepositoriesReader(str(repo_root)), world_size)]
        assert sorted(sharded) == single
    assert [d.id for d in RepositoriesReader(str(repo_root)).run(None, 4, 5)] == []


def test_decoding(repo_root):
    docs = {d.id: d for d in read_all(RepositoriesReader(str(repo_root)))}
    latin1 = docs["owner/beta/latin1.c"]
    assert latin1.metadata[keys.DECODE_ERROR] is True
    assert "\ufffd" in latin1.text
    assert docs["owner/beta/bom16.js"].text == "var s = 'x';\n"
    assert keys.DECODE_ERROR not in docs["owner/beta/bom16.js"].metadata
    assert decode_source(b"\xef\xbb\xbfx = 1") == ("x = 1", False)


def test_reader_drops_are_counted_and_written_with_reasons(repo_root, tmp_path):
    write(repo_root / "gamma" / "big.bin", b"\x00" * 5000)
    (repo_root / "gamma" / "link.ts").symlink_to(repo_root / "gamma" / "index.ts")
    excluded = tmp_path / "excluded"
    reader = RepositoriesReader(
        str(repo_root), max_file_bytes=4096, exclude=["*.md"], languages=["Python", "TypeScript", "Java", "Shell"],
        exclusion_writer=JsonlWriter(str(excluded), output_filename="${rank}.jsonl"),
    )
    docs = read_all(reader)
    stats = reader.stats.stats
    reasons = {k.split("/", 1)[1]: v.total for k, v in stats.items() if k.startswith("dropped/")}
    assert reasons == {
        "file_too_large": 1, "symlink": 1, "excluded_path": 1, "language_not_selected": 4,
    }
    assert stats["in"].total == len(docs) + sum(reasons.values()) == 12
    written = read_jsonl_gz(excluded / "00000.jsonl.gz")
    assert {(r["id"], r["metadata"]["filter_reason"]) for r in written} >= {
        ("gamma/big.bin", "file_too_large"), ("gamma/link.ts", "symlink"), ("owner/beta/README.md", "excluded_path"),
    }
    assert all(r["metadata"]["excluded_by"] == "repositories" for r in written)


def test_max_repositories(repo_root):
    docs = read_all(RepositoriesReader(str(repo_root), max_repositories=1))
    assert {d.metadata[keys.REPO] for d in docs} == {"alpha"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a"]', "expected a JSON object"),
        ('{"stars": "many"}', "key 'stars' must be int"),
        ('{"owner": "x"}', "unknown key 'owner'"),
    ],
)
def test_bad_sidecar_names_file_and_key(repo_root, content, message):
    sidecar = write(repo_root / "gamma.json", content)
    with pytest.raises(SidecarError, match=message) as error:
        read_all(RepositoriesReader(str(repo_root)))
    assert str(sidecar) in str(error.value)


def test_missing_folder_and_bad_parameters(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        RepositoriesReader(str(tmp_path / "nope")).list_repositories()
    with pytest.raises(ValueError, match="max_file_bytes"):
        RepositoriesReader(str(tmp_path), max_file_bytes=0)
    with pytest.raises(KeyError, match="unknown language"):
        RepositoriesReader(str(tmp_path), languages=["Klingon"])


def test_stray_files_in_root_are_not_repositories(repo_root):
    write(repo_root / "notes.txt", "hello")
    assert RepositoriesReader(str(repo_root)).list_repositories() == ["alpha", "beta", "gamma"]
    assert Path(repo_root / "notes.txt").exists()


def test_fifos_sockets_devices_and_unreadable_files_are_dropped_and_the_read_goes_on(repo_root):
    import os
    import socket
    import threading

    gamma = repo_root / "gamma"
    os.mkfifo(gamma / "pipe.py")  # opening it for reading would wait for a writer forever
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(gamma / "server.py"))
    expected = {"gamma/pipe.py": "not_a_regular_file", "gamma/server.py": "not_a_regular_file"}
    try:
        os.mknod(gamma / "null.py", 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
        expected["gamma/null.py"] = "not_a_regular_file"
    except PermissionError:  # only root makes device files
        pass
    locked = write(gamma / "locked.py", "x = 1\n")
    locked.chmod(0)
    if os.geteuid() != 0:  # root reads any file
        expected["gamma/locked.py"] = "unreadable"
    reader = RepositoriesReader(str(repo_root))
    result: list = []
    thread = threading.Thread(target=lambda: result.extend(read_all(reader)), daemon=True)
    thread.start()
    thread.join(timeout=60)
    server.close()
    assert not thread.is_alive(), "the reader blocked on a special file"
    ids = {d.id for d in result}
    assert not set(expected) & ids
    stats = reader.stats.stats
    for reason in set(expected.values()):
        assert stats[f"dropped/{reason}"].total == list(expected.values()).count(reason)
    assert "gamma/index.ts" in ids  # the rest of the repository is read


def test_a_file_name_that_is_not_utf8_is_dropped_with_its_reason(repo_root, tmp_path):
    import os

    os.close(os.open(os.path.join(os.fsencode(repo_root / "gamma"), b"caf\xe9.py"), os.O_CREAT | os.O_WRONLY))
    excluded = tmp_path / "excluded"
    reader = RepositoriesReader(str(repo_root), exclusion_writer=JsonlWriter(str(excluded), output_filename="x.jsonl"))
    docs = read_all(reader)
    assert reader.stats.stats["dropped/undecodable_path"].total == 1
    assert not any("caf" in d.id for d in docs)
    written = read_jsonl_gz(excluded / "x.jsonl.gz")
    assert [r["metadata"]["path"] for r in written if r["metadata"]["filter_reason"] == "undecodable_path"] == \
        ["caf\ufffd.py"]


def archive_repositories(root: Path) -> None:
    """Turn ``beta`` into ``beta.tar.gz`` and ``gamma`` into ``gamma.zip``, the files at the archive's root."""
    import tarfile
    import zipfile

    with tarfile.open(root / "beta.tar.gz", "w:gz") as tar:
        tar.add(root / "beta", arcname=".")
    with zipfile.ZipFile(root / "gamma.zip", "w") as zipped:
        for path in sorted((root / "gamma").rglob("*")):
            zipped.write(path, path.relative_to(root / "gamma").as_posix())
    shutil.rmtree(root / "beta")
    shutil.rmtree(root / "gamma")


def without_git(docs) -> dict:
    return {d.id: (d.text, {k: v for k, v in d.metadata.items() if k not in (keys.COMMITS, keys.REVISION)})
            for d in docs}


def test_archives_are_repositories_read_as_their_folders(repo_root, tmp_path, monkeypatch):
    import tempfile

    folders = read_all(RepositoriesReader(str(repo_root)))
    archive_repositories(repo_root)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    reader = RepositoriesReader(str(repo_root))
    assert reader.list_repositories() == ["alpha", "beta.tar.gz", "gamma.zip"]
    archived, extracted = [], set()
    for document in reader.run(None, 0, 1):
        archived.append(document)
        extracted.update(path.name for path in scratch.iterdir())
    assert [d.id for d in archived] == [d.id for d in folders]
    assert without_git(archived) == without_git(folders)
    assert len(extracted) == 2 and not list(scratch.iterdir())  # one copy per archive while read, then gone
    shutil.rmtree(repo_root / "alpha")  # a folder of archives alone is an input, not a stray-files warning
    assert RepositoriesReader.input_problems({"data_folder": str(repo_root)}) == []
    (repo_root / "gamma.zip").rename(repo_root / "gamma.txt")
    (repo_root / "beta.tar.gz").rename(repo_root / "beta.txt")
    assert "holds no repository folder" in RepositoriesReader.input_problems({"data_folder": str(repo_root)})[0]


def test_unsafe_large_linked_and_broken_archive_members_are_dropped_with_their_reason(repo_root, tmp_path):
    import io
    import tarfile

    def member(name: str, data: bytes = b"", **fields) -> tuple[tarfile.TarInfo, io.BytesIO]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        for field, value in fields.items():
            setattr(info, field, value)
        return info, io.BytesIO(data)

    with tarfile.open(repo_root / "delta.tar", "w") as tar:
        for info, data in (member("./ok.py", b"x = 1\n"), member("../escape.py", b"y = 2\n"),
                           member("big.py", b"z" * 5000), member("link.py", type=tarfile.SYMTYPE, linkname="ok.py"),
                           member("fifo", type=tarfile.FIFOTYPE), member(".git/HEAD", b"ref\n"),
                           member("same.py", type=tarfile.LNKTYPE, linkname="./ok.py"),
                           member("dangling.py", type=tarfile.LNKTYPE, linkname="missing.py")):
            tar.addfile(info, data)
    write(repo_root / "broken.tar.gz", b"\x1f\x8b not really gzip")
    excluded = tmp_path / "excluded"
    reader = RepositoriesReader(str(repo_root), max_file_bytes=4096,
                                exclusion_writer=JsonlWriter(str(excluded), output_filename="${rank}.jsonl"))
    docs = [d for d in read_all(reader) if d.metadata[keys.REPO] in ("delta", "broken")]
    assert [(d.id, d.text) for d in docs] == [("delta/ok.py", "x = 1\n"), ("delta/same.py", "x = 1\n")]
    written = {(r["id"], r["metadata"]["filter_reason"], r["metadata"].get(keys.SIZE_BYTES))
               for r in read_jsonl_gz(excluded / "00000.jsonl.gz")}
    assert written >= {("delta/../escape.py", "unsafe_archive_member", None), ("delta/big.py", "file_too_large", 5000),
                       ("delta/link.py", "symlink", None), ("delta/fifo", "not_a_regular_file", None),
                       ("broken/.", "unreadable_archive", None), ("delta/dangling.py", "unreadable", None)}, written
    assert not any("HEAD" in entry[0] for entry in written)  # .git is not read, as in a folder


def test_record_authors_needs_a_local_folder():
    with pytest.raises(ValueError, match="record_authors: needs git work trees on local disk, not 's3://b/repos'"):
        RepositoriesReader("s3://b/repos", record_authors=True)
