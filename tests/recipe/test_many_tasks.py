"""The local executor at a high task count: tens of thousands of tiny tasks on two workers, the
parent checking the workers many times a second while results stream in (where a dictionary shared
with the workers was once read while they wrote to it: "dictionary changed size during iteration"),
and the parent's memory for its bookkeeping bounded (no per-task list of stats or pids)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

from codecurate.recipe.local import LocalExecutor
from tests.recipe.failing_steps import Nothing

TASKS = 20_000


def test_twenty_thousand_tiny_tasks_complete_with_bounded_bookkeeping(tmp_path):
    # datatrove writes three files per task: on a memory file system when there is one
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    try:
        executor = LocalExecutor([Nothing()], tasks=TASKS, workers=2, logging_dir=str(base / "logs"))
        executor.poll_seconds = 0.01
        tracemalloc.start()
        started = time.monotonic()
        stats = executor.run()
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(os.listdir(base / "logs" / "completions")) == TASKS
        assert stats is not None and json.loads((base / "logs" / "stats.json").read_text())
        assert peak < 16 * 2**20, f"{peak / 2**20:.1f} MB traced in the parent for {TASKS} tasks"
        print(f"{TASKS} tasks in {seconds:.1f} s, parent peak {peak / 2**20:.1f} MB")
    finally:
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)
