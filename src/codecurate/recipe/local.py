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

import multiprocess
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.utils.logging import logger
from datatrove.utils.stats import PipelineStats

from codecurate.recipe.errors import ReadableTaskErrors


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


def _reuse_loguru_formats() -> None:
    """Parse each loguru format string once, not once per log sink.

    Every sink datatrove adds for a task parses its format's colour markup again (``prepare_format``:
    about a fifth of a tiny task's time, 1.1 of 5.5 ms). The parsed format is only read afterwards,
    so the same one serves every sink with that format. Left as it is when loguru's internals are
    not the expected ones.
    """
    try:
        from loguru._colorizer import Colorizer
    except ImportError:
        return
    original = Colorizer.__dict__.get("prepare_format")
    if not isinstance(original, staticmethod) or getattr(original.__func__, "reused", False):
        return
    parse, known = original.__func__, {}

    def prepare_format(string: str):
        if string not in known:
            if len(known) >= 256:  # formats built per message would otherwise grow it without bound
                known.clear()
            known[string] = parse(string)
        return known[string]

    prepare_format.reused = True
    Colorizer.prepare_format = staticmethod(prepare_format)


_reuse_loguru_formats()


def preload_in_forkserver(ctx) -> None:
    """Have the forkserver import the engine's and every built-in block's modules once, when it
    starts, so that each pool's workers are forked with them loaded.

    Each segment runs its own pool; a worker started by a plain forkserver imports datatrove and
    codecurate again and unpickles its pipeline's modules: about 0.7 CPU seconds and, on a busy
    machine, seconds of wall time per worker and segment, paid 20 times in a run of the default
    recipe (``benchmarks/parallel.py``). The list is read when the forkserver starts (the first
    pool of the process); a module that fails to import is skipped by the forkserver.
    """
    if ctx.get_start_method() != "forkserver":
        return
    from codecurate.core.registry import BUILTIN_MODULES

    # '__main__' first, as the forkserver's default list has it: the children are not made to run the
    # main script again (a script guarded by ``if __name__ == "__main__"``, or the command line)
    ctx.set_forkserver_preload(["__main__", "datatrove.executor.local", "codecurate.recipe.local", *BUILTIN_MODULES])


#: what a pool worker keeps for its whole life (set by ``_start_worker``)
_WORKER: dict = {}


def _start_worker(executor: LocalExecutor, events, counter) -> None:
    """Pool initializer: keep the executor (sent once per worker, not once per task) and take a local
    rank (``0`` logs to the console, as in datatrove; a worker replacing a dead one takes a new one)."""
    with counter.get_lock():
        local_rank = counter.value
        counter.value += 1
    _WORKER.update(executor=executor, pipeline=executor.pipeline, events=events, local_rank=local_rank)


def _run_in_worker(rank: int) -> tuple[int, PipelineStats]:
    """Run task ``rank`` in this pool worker on a fresh copy of the pipeline, first telling the parent
    which process runs it."""
    executor = _WORKER["executor"]
    _WORKER["events"].put((rank, os.getpid()))
    executor.pipeline = deepcopy(_WORKER["pipeline"])
    return rank, executor.run_task(rank, _WORKER["local_rank"])


class LocalExecutor(ReadableTaskErrors, LocalPipelineExecutor):
    """datatrove's ``LocalPipelineExecutor`` (same parameters and behaviour: skipped completed tasks,
    ``stats.json``, sequential ``workers=1``) that raises ``WorkerLostError`` when a pool worker dies
    while it runs a task, instead of waiting for that task forever, and ``TaskError`` (one or two
    lines naming the stage, task and file, ``codecurate.recipe.errors``) when a task raises.

    Safe at any task count: the workers share no mutable state with the parent; each sends one
    message, ``(rank, pid)``, on a queue only the parent reads when it starts a task, and the parent
    keeps the pids of the tasks running (at most about ``workers``), the stats merged as they arrive
    and nothing else per task. The executor is sent to each worker once, not with every task.

    ``poll_seconds``: how often the parent checks the workers of the running tasks; a task is lost
    when its worker has been gone for one more poll without its result arriving (a result sent just
    before the worker died still counts).
    """

    poll_seconds: float = 1.0

    def run_task(self, rank: int, local_rank: int = 0) -> PipelineStats:
        """datatrove's ``_run_for_rank``, its error raised as a ``TaskError`` (``ReadableTaskErrors``)."""
        return self._run_for_rank(rank, local_rank)

    def _collect(self, results: Iterator, events, expected: int, skipped: int = 0) -> PipelineStats:
        """The merged stats of ``expected`` tasks from ``results``; raise ``WorkerLostError`` when a
        worker is gone while it runs a task whose result has not come within a poll. ``events``: the
        ``(rank, pid)`` of every task as it starts; a worker runs one task at a time, so a start
        ends the task its worker started before, and the bookkeeping holds one task per worker
        process. The workers are checked every ``poll_seconds``, also while results keep arriving."""
        merged = PipelineStats()
        collected = 0
        current: dict[int, int] = {}  # pid -> the task it runs (started, result not read yet)
        running: dict[int, int] = {}  # the same, rank -> pid
        early: set[int] = set()  # results read before their start (two channels, no common order)
        gone_since: dict[int, float] = {}  # pid -> when first seen gone
        checked = logged = time.monotonic()
        while collected < expected:
            timeout = self.poll_seconds
            for _ in range(min(1000, expected - collected)):  # every result ready, then the rest
                try:
                    rank, task_stats = results.next(timeout=timeout)
                except multiprocess.TimeoutError:
                    break
                timeout = 0
                collected += 1
                merged = merged + task_stats
                if rank in running:
                    current.pop(running.pop(rank), None)
                else:
                    early.add(rank)
            while not events.empty():
                rank, pid = events.get()
                previous = current.pop(pid, None)  # its worker has moved on: that task has ended
                running.pop(previous, None)
                gone_since.pop(pid, None)
                if rank in early:
                    early.discard(rank)
                else:
                    current[pid], running[rank] = rank, pid
            now = time.monotonic()
            if now - logged >= 1.0 or collected == expected:
                logger.info(f"{skipped + collected}/{self.world_size} tasks completed.")
                logged = now
            if now - checked < self.poll_seconds or collected == expected:
                continue
            checked = now
            for pid in current:
                if not process_alive(pid):
                    gone_since.setdefault(pid, now)
            lost = sorted(current[pid] for pid, since in gone_since.items()
                          if pid in current and now - since >= self.poll_seconds)
            if lost:
                raise WorkerLostError(self._lost_message(lost, running), lost)
        return merged

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
        ranks_to_run = self.get_incomplete_ranks(self.local_ranks())
        if (skipped := self.local_tasks - len(ranks_to_run)) > 0:
            logger.info(f"Skipping {skipped} already completed tasks")
        if self.workers == 1:  # in this process: a killed task kills the run itself, nothing waits
            pipeline = self.pipeline
            merged = PipelineStats()
            try:
                for rank in ranks_to_run:
                    self.pipeline = deepcopy(pipeline)
                    merged = merged + self.run_task(rank)
            finally:
                self.pipeline = pipeline
        else:
            ctx = multiprocess.get_context(self.start_method)
            preload_in_forkserver(ctx)
            events = ctx.SimpleQueue()
            with ctx.Pool(self.workers, initializer=_start_worker,
                          initargs=(self, events, ctx.Value("i", 0))) as pool:  # leaving it ends the workers
                merged = self._collect(pool.imap_unordered(_run_in_worker, ranks_to_run), events, len(ranks_to_run),
                                       skipped)
        with self.logging_dir.open("stats.json", "wt") as statsfile:
            merged.save_to_disk(statsfile)
        logger.success(merged.get_repr(f"All {self.local_tasks} tasks"))
        return merged
