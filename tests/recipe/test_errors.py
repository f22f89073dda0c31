"""Errors inside a run's tasks reach the console as two lines (stage, segment and task, file, what
to do) with exit status 1; the traceback goes to the task's log, whose path the message ends with.
Each kind is produced for real: a corrupt parquet file, a parquet file without the column the
reader needs, a block's own exception, a full disk (a tiny tmpfs in a mount namespace) and a file
the process may not read (chmod, and as root the capabilities that bypass it dropped)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import write

ROOT = Path(__file__).resolve().parents[2]


def _recipe(tmp_path: Path, reader: str, folder: Path, stages: list | None = None, tasks: int = 2,
            workers: int = 2) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({
        "name": "errors", "output": str(tmp_path / "out"),
        "executor": {"type": "local", "tasks": tasks, "workers": workers},
        "inputs": [{"reader": reader, "params": {"data_folder": str(folder)}}],
        "stages": stages or [],
    }))
    return path


def _run(recipe: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "codecurate.cli", "run", str(recipe)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def _readable(done: subprocess.CompletedProcess, *expected: str) -> tuple[str, Path]:
    """The console's two lines of a failed run, checked; and the log they name."""
    printed = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 1, printed
    assert len(printed) == 2 and "Traceback" not in done.stdout + done.stderr, "\n".join(printed)
    head, todo = printed
    assert head.startswith("codecurate: stage ") and todo.startswith("  what to do: "), printed
    assert "run the same command again" in todo
    for text in expected:
        assert text in head, head
    log = Path(re.search(r"Full traceback: (\S+)$", todo).group(1))
    return head, log


def _stack(folder: Path, name: str, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / name)
    return folder / name


ROW = {"hexsha": "a", "content": "x = 1\n", "max_stars_repo_name": "o/r", "max_stars_repo_path": "a.py",
       "lang": "Python"}


def _schemas_checked(folder: Path) -> None:
    """Good files where validation reads the schemas (the first ones): a bad file after them is found
    by the run."""
    from codecurate.readers.the_stack import SCHEMA_FILES_READ

    for index in range(SCHEMA_FILES_READ):
        _stack(folder, f"good{index}.parquet", [ROW])


def test_a_corrupt_parquet_file_in_a_folder_is_named(tmp_path):
    _schemas_checked(tmp_path / "stack")
    (tmp_path / "stack" / "zz_bad.parquet").write_bytes(b"PAR1 but not really a parquet file")
    head, log = _readable(_run(_recipe(tmp_path, "the_stack", tmp_path / "stack")), "stage 'the_stack'",
                          "segment 01-main, task ", "not a readable parquet file",
                          f"({tmp_path / 'stack' / 'zz_bad.parquet'})", "magic bytes")
    assert "Traceback" in log.read_text() and "magic bytes" in log.read_text()
    assert log.read_text().startswith(head.removeprefix("codecurate: ") + "\n")  # the log starts with the lines


def test_a_parquet_file_without_the_text_column_names_file_row_and_column(tmp_path):
    _schemas_checked(tmp_path / "stack")
    _stack(tmp_path / "stack", "zz_other.parquet", [{"text": "x = 1\n", "repo": "o/r"}])
    head, log = _readable(_run(_recipe(tmp_path, "the_stack", tmp_path / "stack", tasks=1, workers=1)),
                          "stage 'the_stack'", "task 0 of 1", "does not have the layout the reader expects",
                          "row 0 has no column 'content'", str(tmp_path / "stack" / "zz_other.parquet"))
    assert "KeyError" in log.read_text()


def test_a_blocks_own_exception_names_the_stage_and_the_document(tmp_path):
    write(tmp_path / "repos" / "o" / "r" / "ok.py", "x = 1\n")
    write(tmp_path / "repos" / "o" / "r" / "empty.py", "")
    stages = [{"block": "tests.recipe.failing_steps:InverseLength", "id": "buggy"}]
    head, log = _readable(_run(_recipe(tmp_path, "repositories", tmp_path / "repos", stages)), "stage 'buggy'",
                          "the block raised at o:r/empty.py", "ZeroDivisionError")
    assert "ZeroDivisionError" in log.read_text()


def _can_mount_tmpfs(target: Path) -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {target}"],
                           capture_output=True)
    return probe.returncode == 0


def test_a_full_disk_is_named_with_what_to_do(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    if not _can_mount_tmpfs(out):
        pytest.skip("no mount namespace with tmpfs here (unshare -rm)")
    for index in range(6):  # 1.2 MB of incompressible text for an output on a 400 KB disk
        write(tmp_path / "repos" / "o" / "r" / f"f{index}.txt", base64.b64encode(os.urandom(150_000)).decode())
    recipe = _recipe(tmp_path, "repositories", tmp_path / "repos")
    command = f"mount -t tmpfs -o size=400k tmpfs {out} && exec \"$@\""
    done = _run(recipe, ("unshare", "-rm", "sh", "-c", command, "sh"))
    head, log = _readable(done, "no space left on the device writing", f" {out}/")
    # which write meets the full disk first depends on the timing: the documents, or a task's counters
    assert f"{out / 'documents'}/" in head or f"{out / 'logs'}/" in head, head


def _without_read_bypass() -> tuple[str, ...]:
    """The command prefix that makes file modes bind (as root: the capabilities that bypass them dropped)."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: cannot take the permission away")
    return ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")


def test_a_file_the_run_may_not_read_is_named(tmp_path):
    """A documents file (which validation does not open) unreadable: the task's error names it."""
    import gzip
    import json

    folder = tmp_path / "documents"
    folder.mkdir()
    secret = folder / "00000.jsonl.gz"
    with gzip.open(secret, "wt") as f:
        f.write(json.dumps({"id": "a/x.py", "text": ROW["content"], "metadata": {}}) + "\n")
    secret.chmod(0)
    head, log = _readable(_run(_recipe(tmp_path, "documents", folder, tasks=1, workers=1), _without_read_bypass()),
                          "stage 'documents'", f"permission denied: {secret}")
    assert "PermissionError" in log.read_text()


def test_a_parquet_file_validation_may_not_read_is_named_before_the_run(tmp_path):
    secret = _stack(tmp_path / "stack", "secret.parquet", [ROW])
    secret.chmod(0)
    done = _run(_recipe(tmp_path, "the_stack", tmp_path / "stack", tasks=1, workers=1), _without_read_bypass())
    printed = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr, printed
    assert "Permission denied" in printed[-1] and str(secret) in printed[-1], printed
    assert not (tmp_path / "out").exists()  # refused before anything was written
