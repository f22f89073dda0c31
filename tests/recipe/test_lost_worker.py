"""A worker killed while it runs a task (the out-of-memory killer's SIGKILL) fails the run at once,
naming the task, instead of leaving it waiting forever; running it again resumes with that task."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from codecurate.recipe.local import LocalExecutor, WorkerLostError
from tests.conftest import write
from tests.recipe.failing_steps import FailOnce, completed, runs


@contextmanager
def deadline(seconds: int):
    """Raise ``TimeoutError`` in this (main) thread after ``seconds``: a hang fails the test."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("tasks", [2, 5])
def test_a_killed_worker_fails_the_run_naming_its_task_and_a_rerun_resumes(tmp_path, tasks):
    marks, logs = tmp_path / "marks", tmp_path / "logs"

    def executor() -> LocalExecutor:
        return LocalExecutor([FailOnce(str(marks), rank=1, how="kill")], tasks=tasks, workers=2,
                             logging_dir=str(logs))

    started = time.monotonic()
    with deadline(120), pytest.raises(WorkerLostError) as lost:
        executor().run()
    assert time.monotonic() - started < 30  # found within a couple of polls, not waited for
    assert lost.value.ranks == [1]
    message = str(lost.value)
    assert "rank 1 (pid" in message and str(logs) in message and "task_00001.log" in message
    assert "again to resume" in message
    done = completed(logs)
    assert 0 in done and 1 not in done and runs(marks)[1] == 1
    assert not (logs / "stats.json").exists()

    with deadline(120):
        stats = executor().run()  # resumes: the completed tasks are skipped, rank 1 runs again
    assert completed(logs) == set(range(tasks))
    assert runs(marks)[1] == 2 and all(runs(marks)[rank] == 1 for rank in done)
    assert stats is not None and (logs / "stats.json").is_file()


def test_a_task_that_raises_still_fails_with_its_own_error(tmp_path):
    marks, logs = tmp_path / "marks", tmp_path / "logs"
    with deadline(120), pytest.raises(RuntimeError, match="rank 0 fails on its first run"):
        LocalExecutor([FailOnce(str(marks), rank=0)], tasks=2, workers=2, logging_dir=str(logs)).run()


CLI = ("import sys; from codecurate.core.registry import register; from tests.recipe.failing_steps import FailOnce; "
       "register('fail_once')(FailOnce); from codecurate.cli import main; sys.exit(main(sys.argv[1:]))")


def test_codecurate_run_ends_with_the_lost_task_named_and_a_rerun_completes(tmp_path):
    repos = tmp_path / "repos"
    for name in ("alpha", "beta", "gamma", "delta"):
        write(repos / name / "main.py", f"print({name!r})\n")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({
        "name": "lost", "output": str(tmp_path / "out"),
        "executor": {"type": "local", "tasks": 2, "workers": 2},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [{"block": "fail_once", "id": "oom", "params": {"folder": str(tmp_path / "marks"), "rank": 1,
                                                                  "how": "kill"}}],
    }))
    root = Path(__file__).resolve().parents[2]

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", CLI, "run", str(recipe)], capture_output=True, text=True,
                              cwd=root, timeout=300)

    first = run()
    assert first.returncode != 0, first.stdout + first.stderr
    last = first.stderr.strip().splitlines()[-1]  # the message ends the output
    assert last.startswith("codecurate: lost task rank 1 (pid") and "again to resume" in last, first.stderr[-3000:]
    assert "Traceback" not in first.stderr  # a message for a person
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert runs(tmp_path / "marks") == {0: 1, 1: 2}
    assert (tmp_path / "out" / "summary.json").is_file()
