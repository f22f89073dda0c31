"""The local executor: datatrove's, made to fail instead of waiting forever when a worker dies.

datatrove's ``LocalPipelineExecutor`` runs the tasks in a ``multiprocess`` pool and waits on
``imap_unordered``. A worker killed while it holds a task (the out-of-memory killer's SIGKILL, a
segfault in native code) never returns a result: the pool replaces the worker, and the run waits
forever after "1/2 tasks completed". Here every task records its worker's pid when it starts, and
the parent polls for results with a timeout; a task whose worker has gone without returning fails
the run with ``WorkerLostError`` naming the task. Completed tasks keep their completion markers, so
running the same command again resumes with the lost tasks only.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from copy import deepcopy
from functools import partial

import multiprocess
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.utils.logging import logger
from datatrove.utils.stats import PipelineStats


class WorkerLostError(RuntimeError):
    """A worker process ended while running a task, without returning or raising."""

    def __init__(self, message: str, ranks: list[int]):
        super().__init__(message)
        self.ranks = ranks


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, dead but not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            state = stat.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no procfs (macOS): os.kill is all we can tell
    return state not in ("Z", "X")


def _reuse_loguru_lib_dirs() -> None:
    """Compute loguru's list of library folders once per ``sys.path``, not once per log sink.

    datatrove adds three loguru sinks for every task it runs, and loguru lists the interpreter's
    library folders for each (``sysconfig`` over every install scheme): 45 ms a task on the project's
    machine, 3 of a 16 MB run's 60 seconds with its 69 tasks in one process. The list only depends on
    ``sys.path``. Left as it is when loguru's internals are not the expected ones.
    """
    try:
        from loguru._better_exceptions import ExceptionFormatter
    except ImportError:
        return
    original = ExceptionFormatter.__dict__.get("_get_lib_dirs")
    if not isinstance(original, staticmethod) or getattr(original.__func__, "reused", False):
        return
    compute, known = original.__func__, {}

    def lib_dirs() -> list[str]:
        key = tuple(sys.path)
        if key not in known:
            known[key] = compute()
        return list(known[key])

    lib_dirs.reused = True
    ExceptionFormatter._get_lib_dirs = staticmethod(lib_dirs)


_reuse_loguru_lib_dirs()


class LocalExecutor(LocalPipelineExecutor):
    """datatrove's ``LocalPipelineExecutor`` (same parameters and behaviour: skipped completed tasks,
    ``stats.json``, sequential ``workers=1``) that raises ``WorkerLostError`` when a pool worker dies
    while it runs a task, instead of waiting for that task forever.

    ``poll_seconds``: how often the parent checks the workers of the running tasks; a task is lost
    when its worker has been gone for one more poll without its result arriving (a result sent just
    before the worker died still counts).
    """

    poll_seconds: float = 1.0

    def _launch_tracked(self, rank: int, started, **kwargs) -> tuple[int, PipelineStats]:
        """Run one task in a pool worker, first recording which process runs it."""
        started[rank] = os.getpid()
        return rank, self._launch_run_for_rank(rank, **kwargs)

    def _collect(self, results: Iterator, started, expected: int) -> list[PipelineStats]:
        """The stats of ``expected`` tasks from ``results``; raise ``WorkerLostError`` when a started
        task's worker is gone and its result has not come within a poll. The workers are checked
        every ``poll_seconds``, also while other tasks' results keep arriving."""
        stats: list[PipelineStats] = []
        finished: set[int] = set()
        gone_since: dict[int, float] = {}
        checked = time.monotonic()
        while len(stats) < expected:
            try:
                rank, task_stats = results.next(timeout=self.poll_seconds)
            except multiprocess.TimeoutError:
                pass
            else:
                finished.add(rank)
                gone_since.pop(rank, None)
                stats.append(task_stats)
            now = time.monotonic()
            if now - checked < self.poll_seconds or len(stats) == expected:
                continue
            checked = now
            pids = dict(started.items())
            for rank, pid in pids.items():
                if rank not in finished and not process_alive(pid):
                    gone_since.setdefault(rank, now)
            lost = sorted(rank for rank, since in gone_since.items() if now - since >= self.poll_seconds)
            if lost:
                raise WorkerLostError(self._lost_message(lost, pids), lost)
        return stats

    def _lost_message(self, lost: list[int], pids: dict[int, int]) -> str:
        folder = self.logging_dir.path
        tasks = ", ".join(f"rank {rank} (pid {pids[rank]})" for rank in lost)
        logs = ", ".join(f"{folder}/logs/task_{rank:05d}.log" for rank in lost)
        done = len(self.local_ranks()) - len(self.get_incomplete_ranks(self.local_ranks()))
        return (
            f"lost {'task' if len(lost) == 1 else 'tasks'} {tasks} of segment {folder}: the worker process "
            f"died without finishing or raising an error (killed, most often by the out-of-memory killer's "
            f"SIGKILL, see dmesg; or a crash in native code). Log: {logs}. Run the same command again to "
            f"resume: the {done} completed task(s) of this segment are skipped."
        )

    def local_ranks(self) -> range:
        """The ranks this executor runs on this machine."""
        return range(self.local_rank_offset, self.local_rank_offset + self.local_tasks)

    def save_executor_as_json(self, indent: int = 4) -> None:
        """datatrove's ``executor.json``, with the segment this one waits for named by its logging
        folder instead of written out whole: each file held every earlier segment, recursively (the
        24th of the default run 120 KB, 2.4 MB of JSON encoded in all)."""
        depends = self.depends
        if depends is None:
            return super().save_executor_as_json(indent)
        try:
            self.depends = depends.logging_dir.path
            super().save_executor_as_json(indent)
        finally:
            self.depends = depends

    def run(self) -> PipelineStats | None:
        """datatrove's ``LocalPipelineExecutor.run`` with the pool's results collected by ``_collect``."""
        assert not self.depends or isinstance(self.depends, LocalPipelineExecutor), (
            "depends= must be a LocalPipelineExecutor"
        )
        if self.depends:
            if not self.depends._launched:
                logger.info(f'Launching dependency job "{self.depends}"')
                self.depends.run()
            while (incomplete := len(self.depends.get_incomplete_ranks(skip_completed=True))) > 0:
                logger.info(f"Dependency job still has {incomplete}/{self.depends.world_size} tasks. Waiting...")
                time.sleep(2 * 60)

        self._launched = True
        if all(map(self.is_rank_completed, self.local_ranks())):
            logger.info(f"Not doing anything as all {self.local_tasks} tasks have already been completed.")
            return None

        self.save_executor_as_json()
        mg = multiprocess.Manager()
        try:
            ranks_q = mg.Queue()
            for i in range(self.workers):
                ranks_q.put(i)

            ranks_to_run = self.get_incomplete_ranks(self.local_ranks())
            if (skipped := self.local_tasks - len(ranks_to_run)) > 0:
                logger.info(f"Skipping {skipped} already completed tasks")

            if self.workers == 1:  # in this process: a killed task kills the run itself, nothing waits
                pipeline = self.pipeline
                stats = []
                for rank in ranks_to_run:
                    self.pipeline = deepcopy(pipeline)
                    stats.append(self._launch_run_for_rank(rank, ranks_q))
            else:
                started = mg.dict()
                task = partial(self._launch_tracked, started=started, ranks_q=ranks_q,
                               completed=mg.Value("i", skipped), completed_lock=mg.Lock())
                ctx = multiprocess.get_context(self.start_method)
                with ctx.Pool(self.workers) as pool:  # leaving the block terminates the workers
                    stats = self._collect(pool.imap_unordered(task, ranks_to_run), started, len(ranks_to_run))
            merged = sum(stats, start=PipelineStats())
            with self.logging_dir.open("stats.json", "wt") as statsfile:
                merged.save_to_disk(statsfile)
            logger.success(merged.get_repr(f"All {self.local_tasks} tasks"))
            return merged
        finally:
            mg.shutdown()
