"""What ``codecurate run`` shows while it works: one line per segment, live, and nothing else.

datatrove logs every pipeline's banner and statistics to the console; over the 20-odd segments of a
recipe that is about 1,500 lines. ``RunConsole`` sends all of it (the workers' output included) to
``OUTPUT/logs/console.log`` and keeps the console for one line per segment: tasks done, documents
and MB read, the rate, and an estimate of the time left where the segment's input size is known (it
reads what an earlier segment wrote). On a terminal the line updates in place; otherwise (a Slurm
log, a pipe) a plain line is printed every ``interval`` seconds (60). A segment that took 30 s or
more keeps a final line; the others leave none, so a run prints a line per slow segment.
``verbose`` leaves datatrove's logs on the console too. ``Progress``, a step the plan puts after
each segment's reader, is where the counts come from: it writes them to
``logs/<segment>/progress/<rank>.json`` every second or so.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from contextlib import contextmanager

from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolder
from datatrove.pipeline.base import PipelineStep

from codecurate.core.folders import Location, datafolder, exists, read_json, write_json
from codecurate.recipe.clock import SEGMENT_DOCUMENTS
from codecurate.recipe.summary import stat_total

PROGRESS_FOLDER = "progress"
CONSOLE_LOG = "console.log"


class Progress(PipelineStep):
    """Pass every document on; every ``every`` seconds, write how many documents and bytes this task
    has read to ``folder/<rank>.json``."""

    type = "📈 - PROGRESS"
    name = "progress"

    def __init__(self, folder: str, every: float = 1.0):
        super().__init__()
        self.folder, self.every = folder, every

    def _write(self, folder: DataFolder, rank: int, documents: int, size: int) -> None:
        write_json(folder, f"{rank:05d}.json", {"documents": documents, "bytes": size}, indent=None)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = datafolder(self.folder)
        every = self.every if folder.is_local() else max(self.every, 10.0)  # a request each time on a store
        documents = size = 0
        last = time.monotonic()
        try:
            for document in data or ():
                documents += 1
                size += len(document.text)
                now = time.monotonic()
                if now - last >= every:
                    self._write(folder, rank, documents, size)
                    last = now
                yield document
        finally:
            self._write(folder, rank, documents, size)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


class RunConsole:
    """The live display of one run (see the module docstring)."""

    def __init__(self, output: str, segments: int, verbose: bool = False, stream=None,
                 interval: float | None = None):
        self.output = Location(output)
        #: the console log: in the output folder on local disk; elsewhere a local file copied there
        #: after each segment (the workers' file descriptors need a local file)
        self.log_folder = datafolder(self.output / "logs")
        if self.log_folder.is_local():
            self.log_file = self.log_folder.resolve_paths(CONSOLE_LOG)
        else:
            handle, self.log_file = tempfile.mkstemp(prefix="codecurate-console-", suffix=".log")
            os.close(handle)
        self.segments = segments
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval if interval is not None else (0.5 if self.tty else 60.0)
        #: seconds after which a finished segment keeps its line
        self.lasting = 30.0
        self.written: dict[str, int] = {}  # documents each folder received, from the segments that wrote it

    def _counts(self, logs: Location) -> tuple[int, int, int]:
        """Documents and bytes read so far, and tasks completed, of the segment logging to ``logs``."""
        documents = size = 0
        folder = datafolder(logs)
        if not exists(folder):
            return 0, 0, 0
        for name in folder.list_files(PROGRESS_FOLDER, glob_pattern="*.json"):
            try:
                counts = read_json(folder, name)
            except (OSError, ValueError):
                continue
            documents += counts.get("documents", 0)
            size += counts.get("bytes", 0)
        done = len(folder.list_files("completions")) if folder.isdir("completions") else 0
        return documents, size, done

    def _line(self, index: int, name: str, tasks: int, logs: Location, started: float, expected: int | None,
              final: bool = False) -> str:
        documents, size, done = self._counts(logs)
        elapsed = time.monotonic() - started
        text = f"[{index:02d}/{self.segments:02d}] {name:<34} tasks {done}/{tasks}"
        if documents:
            text += f"  {documents:>9,} docs  {size / 1e6:8.1f} MB  {size / 1e6 / max(elapsed, 1e-9):6.1f} MB/s"
        text += f"  {_duration(elapsed)}"
        if not final and expected and documents:
            left = max(0.0, elapsed * (expected - documents) / documents)
            text += f"  ETA {_duration(left)}"
        return text

    def _show(self, text: str, final: bool) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """Lines of the run's own before the segments' (what a rerun reuses)."""
        self._show(text, final=True)

    def finish(self, seconds: float) -> None:
        """The last line of the display: every segment done."""
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(f"{self.segments} segments done in {_duration(seconds)}; logs: "
                          f"{self.output / 'logs' / CONSOLE_LOG}\n")
        self.stream.flush()
        if not self.log_folder.is_local():
            os.unlink(self.log_file)
        self.stream.flush()

    @contextmanager
    def segment(self, index: int, name: str, tasks: int, reads: str | None = None, writes: str | None = None):
        """Show segment ``index`` live while the block runs; ``reads``/``writes``: the documents folder
        it reads and writes (for the estimate of the time left)."""
        logs = self.output / "logs" / name
        started = time.monotonic()
        expected = self.written.get(reads) if reads else None
        stop = threading.Event()

        def refresh() -> None:
            while not stop.wait(self.interval):
                self._show(self._line(index, name, tasks, logs, started, expected), final=False)

        thread = threading.Thread(target=refresh, name="codecurate-console", daemon=True)
        with self._quiet(logs):
            thread.start()
            try:
                yield
            finally:
                stop.set()
                thread.join()
        # a segment of some length keeps its line; a short one is overwritten (terminal) or not shown
        lasting = time.monotonic() - started >= self.lasting
        if lasting or self.tty:
            self._show(self._line(index, name, tasks, logs, started, expected, final=True), final=lasting)
        if writes:
            self.written[writes] = self.written.get(writes, 0) + _documents_out(logs)

    def logged(self, title: str):
        """A context in which this process's console output goes to the console log, under ``title``
        (the engine's own work after the segments: the summary, the scratch folders' removal)."""
        return self._quiet(self.output / "logs" / title)

    @contextmanager
    def _quiet(self, logs: Location):
        """Send this process's and its workers' console output to ``logs/../console.log`` (unless
        verbose); the display keeps a handle on the real console."""
        if self.verbose:
            yield
            return
        sys.stdout.flush()
        sys.stderr.flush()
        log_path = self.log_file
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        saved = os.dup(1), os.dup(2)
        try:
            on_fd1 = self.stream.fileno() == 1
        except (AttributeError, OSError, ValueError):  # a stream of its own (a test's capture)
            on_fd1 = False
        if on_fd1:  # keep writing to the console once fd 1 goes to the log
            self.stream = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding="utf-8")
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"===== {logs.name}\n")
            log.flush()
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
                if not self.log_folder.is_local():
                    self.log_folder.put(log_path, CONSOLE_LOG)


def _documents_out(logs: Location) -> int:
    """Documents that left the segment logging to ``logs`` (its clock's counts)."""
    total = 0
    folder = datafolder(logs)
    for name in folder.list_files("stats", glob_pattern="*.json") if folder.isdir("stats") else []:
        try:
            steps = read_json(folder, name)
        except (OSError, ValueError):
            continue
        for step in steps:
            value = step.get("stats", {}).get(SEGMENT_DOCUMENTS)
            if value is not None:
                total += int(stat_total(value))
    return total
