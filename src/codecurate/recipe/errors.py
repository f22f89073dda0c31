"""A failed run told to a person: one or two lines naming where it failed and what to do.

An error raised in a task (a reader on a corrupt file, a writer on a full disk, a block's own
exception) becomes a ``TaskError`` in the worker, where its traceback can still be read: the stage
(the innermost pipeline step on the traceback, named by its recipe stage), the segment and task,
the input file being read (a reader's ``filepath``, or the error's own file name) and, by kind of
error, what to do. The full traceback stays in the task's log (datatrove writes it there), whose
path the message ends with. ``describe`` gives the same two lines for an error outside the tasks.

Every executor's tasks do this (``ReadableTaskErrors``): the two lines also go to the top of the
task's log and to ``LOGGING_DIR/errors/<rank>.json``, where the process that waits for a Slurm or
Ray run, and ``codecurate report``, read them (``failed_tasks``, ``segment_failure``): a task on
another node cannot hand its exception to the console.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterator, Sequence

from datatrove.io import DataFolder
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.stats import PipelineStats

#: at most this many characters of an error's own message on the console
MESSAGE_CHARS = 300
RESUME = "then run the same command again (completed tasks are skipped)"
#: a failed task's record, under its segment's logging folder: ``errors/<rank>.json``
ERRORS_FOLDER = "errors"


class TaskError(RuntimeError):
    """A task of a segment failed. ``str(error)``: the one or two lines for the console;
    ``log``: the task's log, holding the full traceback; ``kind``: what failed (``disk_full``,
    ``permission``, ``corrupt_input``, ``input_layout``, ``block``, ``error``)."""

    def __init__(self, message: str, kind: str = "error", segment: str = "", rank: int = -1, log: str = ""):
        super().__init__(message)
        self.kind, self.segment, self.rank, self.log = kind, segment, rank, log

    def __reduce__(self):  # crosses the process boundary whole
        return type(self), (self.args[0], self.kind, self.segment, self.rank, self.log)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the errors it was raised from, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _frames(error: BaseException) -> Iterator:
    """The frames of ``error``'s traceback and of the errors it was raised from, outermost first."""
    for link in _chain(error):
        tb = link.__traceback__
        while tb is not None:
            yield tb.tb_frame
            tb = tb.tb_next


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def locate(error: BaseException, pipeline: Sequence = (), labels: Sequence[str | None] = ()) -> tuple[str | None,
                                                                                                         str | None]:
    """``(stage, file)`` where ``error`` was raised: the recipe stage of the innermost pipeline step on
    its traceback (``labels[i]`` names ``pipeline[i]``; a step outside the pipeline, a wrapped block,
    by its ``stage_id``) and the file a reader was reading (its ``filepath`` under its
    ``data_folder``) or the error's own file name."""
    position = {id(step): index for index, step in enumerate(pipeline)}
    stage = file = innermost = None
    for frame in _frames(error):
        owner = frame.f_locals.get("self")
        if not isinstance(owner, PipelineStep):
            continue
        innermost = owner
        index = position.get(id(owner))
        label = labels[index] if index is not None and index < len(labels) else None
        stage = label or getattr(owner, "stage_id", None) or stage or getattr(owner, "name", type(owner).__name__)
        filepath = frame.f_locals.get("filepath")
        folder = getattr(getattr(owner, "data_folder", None), "path", None)
        if isinstance(filepath, str):
            file = filepath if not folder or os.path.isabs(filepath) else os.path.join(folder, filepath)
    for link in _chain(error):
        name = getattr(link, "filename", None)
        if isinstance(link, OSError) and isinstance(name, (str, bytes)):
            file = os.fsdecode(name)
            break
    if file is None and innermost is not None:  # a writer: the folder it writes
        folder = getattr(getattr(innermost, "output_folder", None), "path", None) or getattr(innermost, "folder", None)
        if isinstance(folder, str) and folder:
            file = f"{folder.rstrip('/')}/"
    return stage, file


def explain(error: BaseException, file: str | None = None) -> tuple[str, str, str]:
    """``(kind, what, todo)``: what went wrong in a few words, and what a person does about it."""
    from codecurate.core.blocks import BlockError

    chain = list(_chain(error))
    where = f" ({file})" if file else ""
    for link in chain:
        if isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            what = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
                    errno.EFBIG: "file too large for the file system or the process's file-size limit"}[link.errno]
            return "disk_full", f"{what}{' writing ' + file if file else ''}", \
                f"free space there (or give --output a folder on a larger disk), {RESUME}"
        if isinstance(link, OSError) and link.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            what = "read-only file system" if link.errno == errno.EROFS else "permission denied"
            target = file or getattr(link, "filename", None) or "a file"
            return "permission", f"{what}: {target}", \
                "give the user running codecurate access to it (read for an input, write for the output folder), " \
                f"{RESUME}"
    first = chain[0]
    if isinstance(first, BlockError):  # "stage 'x' failed on DOCUMENT: ..." -> "at DOCUMENT: ..."
        return "block", re.sub(r"^stage '.*?' failed on ", "the block raised at ", _one_line(first)), \
            f"the block raised on this document: check the stage's params, exclude the document, or report the bug " \
            f"with the log; {RESUME}"
    for link in chain:
        if type(link).__module__.split(".")[0] == "pyarrow":
            return "corrupt_input", f"not a readable parquet file{where}: {_one_line(link)}", \
                f"replace or remove the file, or narrow the reader's glob_pattern so it is not read; {RESUME}"
    if file and isinstance(first, (KeyError, TypeError)):
        detail = first.args[0] if isinstance(first, KeyError) and first.args else first
        return "input_layout", f"input file{where} does not have the layout the reader expects: {_one_line(detail)}", \
            f"set the reader's column parameters (text_key, columns) or use the reader made for these files; {RESUME}"
    if file and isinstance(first, (ValueError, UnicodeError, EOFError, OSError)):
        return "corrupt_input", f"cannot read{where}: {type(first).__name__}: {_one_line(first)}", \
            f"fix, replace or remove the file; {RESUME}"
    return "error", f"{type(first).__name__}: {_one_line(first)}", f"see the traceback in the log; {RESUME}"


def task_error(error: BaseException, segment: str, rank: int, world_size: int, log: str, pipeline: Sequence = (),
               labels: Sequence[str | None] = ()) -> TaskError:
    """The ``TaskError`` for ``error`` raised by task ``rank`` of ``segment`` (see the module)."""
    stage, file = locate(error, pipeline, labels)
    kind, what, todo = explain(error, file)
    head = f"stage {stage!r} failed in segment {segment}, task {rank} of {world_size}: {what}" if stage else \
        f"segment {segment}, task {rank} of {world_size} failed: {what}"
    return TaskError(f"{head}\n  what to do: {todo}. Full traceback: {log}", kind, segment, rank, log)


def describe(error: BaseException, log: str | None) -> str:
    """One or two lines for an error raised outside the tasks (preparing, planning, summarising)."""
    stage, file = locate(error)
    kind, what, todo = explain(error, file)
    return f"the run failed{f' in stage {stage!r}' if stage else ''}: {what}\n  what to do: {todo}." + \
        (f" Full traceback: {log}" if log else "")


class ReadableTaskErrors:
    """Mixin for a datatrove executor: a task's error raised as a ``TaskError`` (``task_error``), its
    two lines put at the top of the task's log and recorded in ``errors/<rank>.json`` of the logging
    folder (``record_failure``). ``stage_labels``: the recipe stage of each pipeline step (set by
    ``make_executors``)."""

    stage_labels: tuple[str | None, ...] = ()

    def task_log(self, rank: int) -> str:
        """Where datatrove writes the log of task ``rank``."""
        return self.logging_dir.resolve_paths(f"logs/task_{rank:05d}.log")

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1) -> PipelineStats:
        try:
            return super()._run_for_rank(rank, local_rank, node_rank)
        except TaskError:
            raise
        except Exception as error:
            failure = task_error(error, os.path.basename(self.logging_dir.path.rstrip("/")), rank, self.world_size,
                                 self.task_log(rank), self.pipeline, self.stage_labels)
            record_failure(self.logging_dir, rank, failure)
            raise failure from error


def record_failure(logging_dir: DataFolder, rank: int, failure: TaskError) -> None:
    """Put ``failure``'s lines at the top of task ``rank``'s log and write ``errors/<rank>.json``; a
    problem doing so (the disk that failed the task is full) leaves the task's own error to be told."""
    record = {"rank": rank, "segment": failure.segment, "kind": failure.kind, "message": str(failure),
              "log": failure.log}
    try:
        with logging_dir.open(f"{ERRORS_FOLDER}/{rank:05d}.json", "w") as file:
            json.dump(record, file)
        name = f"logs/task_{rank:05d}.log"
        body = logging_dir.open(name).read() if logging_dir.isfile(name) else ""
        with logging_dir.open(name, "w") as file:
            file.write(f"{failure}\n\n{body}")
    except OSError:
        pass


def failed_tasks(logging_dir: DataFolder) -> list[dict]:
    """The records (``record_failure``) of the tasks of ``logging_dir``'s segment that failed and have
    not completed since, by rank."""
    if not logging_dir.isdir(ERRORS_FOLDER):
        return []
    records = []
    for name in sorted(logging_dir.list_files(ERRORS_FOLDER)):
        rank = os.path.splitext(os.path.basename(name))[0]
        if not rank.isdigit() or logging_dir.isfile(f"completions/{rank}"):
            continue
        try:
            with logging_dir.open(name) as file:
                record = json.load(file)
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and isinstance(record.get("message"), str):
            records.append(record)
    return records


def segment_failure(logging_dir: DataFolder) -> TaskError | None:
    """The ``TaskError`` of the first failed task of ``logging_dir``'s segment, its first line saying how
    many others failed; ``None`` when no task recorded a failure."""
    records = failed_tasks(logging_dir)
    if not records:
        return None
    first = records[0]
    head, _, todo = first["message"].partition("\n")
    if len(records) > 1:
        head += f" (and {len(records) - 1} more task{'s' if len(records) > 2 else ''} of this segment: " \
                f"{logging_dir.resolve_paths(ERRORS_FOLDER)}/)"
    return TaskError(f"{head}\n{todo}" if todo else head, first.get("kind", "error"), first.get("segment", ""),
                     int(first.get("rank", -1)), first.get("log", ""))
