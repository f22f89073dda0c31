"""Pipeline steps that fail one task the first time it runs, for the executors' tests. A module of
their own so that pool workers and Slurm jobs can import them."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate.core import CodecurateFilter


class FailOnce(PipelineStep):
    """Pass documents through; record every run of every rank under ``folder``; on ``rank``, the first
    time only, die: ``how="kill"`` SIGKILLs the process (as the out-of-memory killer does),
    ``how="raise"`` raises."""

    name = "fail once"
    type = "TEST"

    def __init__(self, folder: str, rank: int, how: str = "raise"):
        super().__init__()
        self.folder, self.rank, self.how = folder, rank, how

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = Path(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"ran-{rank:03d}", "a") as runs:
            runs.write("run\n")
        marker = folder / f"failed-{rank:03d}"
        if rank == self.rank and not marker.exists():
            marker.touch()
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"rank {rank} fails on its first run")
        yield from data or []


def runs(folder: Path) -> dict[int, int]:
    """How many times each rank ran ``FailOnce`` in ``folder``."""
    return {int(p.name[4:]): len(p.read_text().splitlines()) for p in sorted(folder.glob("ran-*"))}


def completed(logging_dir: Path) -> set[int]:
    """The ranks datatrove marked complete in ``logging_dir``."""
    folder = logging_dir / "completions"
    return {int(p.name) for p in folder.iterdir()} if folder.is_dir() else set()


class InverseLength(CodecurateFilter):
    """A filter with a bug: it divides by the length of the text, so an empty file raises
    ``ZeroDivisionError`` (the block's own exception, reported with the stage and the document)."""

    name = "inverse_length"

    def filter(self, document) -> bool:
        return 1 / len(document.text) > 0


class Nothing(PipelineStep):
    """Pass documents through (a task that does nothing but what every task does)."""

    name = "nothing"
    type = "TEST"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        yield from data or []
