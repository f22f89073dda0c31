"""Running a pass that only reads documents beside the pipeline that writes them.

The first pass of many multi-stage blocks (a census, hashes, signatures, a tokenizer sample) reads
every document and yields none. Run as a segment of its own, it costs an executor start-up and a
second read of the intermediate folder; ``Observer`` instead hands it the very documents the
pipeline is about to write, in a thread, while they go on unchanged to the writer.
"""

from __future__ import annotations

import queue
import threading
import time

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

#: documents handed over but not yet read by the observed step, at most
QUEUE_SIZE = 256
_END = object()


class ObserverError(RuntimeError):
    """The observed step failed; the documents it had not read are not written either."""


class Observer(PipelineStep):
    """Pass every document on unchanged, and run ``step`` (which yields nothing) on the same stream.

    The observed step keeps its own name and stats (the executor reports them as its own; its time,
    when it records none, is its thread's CPU time), runs in a thread of this worker and sees the
    documents in order; an error in it stops the pipeline.
    """

    type = "👀 - OBSERVE"

    def __init__(self, step: PipelineStep):
        super().__init__()
        self.step = step
        self.name = f"observe {step.name}"
        self.stats = step.stats

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        handed: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        failure: list[BaseException] = []
        ended = threading.Event()

        def stream():
            while (document := handed.get()) is not _END:
                yield document
            ended.set()

        def observe() -> None:
            start = time.thread_time()
            try:
                for _ in self.step.run(stream(), rank, world_size):
                    pass
            except BaseException as error:  # reported in the pipeline's thread
                failure.append(error)
            finally:
                if not self.stats.time_stats.n:  # the step timed nothing itself: its thread's CPU time
                    self.stats.time_stats.update(time.thread_time() - start)
                while not ended.is_set() and handed.get() is not _END:  # never leave the pipeline blocked
                    pass

        thread = threading.Thread(target=observe, name=self.name, daemon=True)
        thread.start()
        try:
            for document in data or ():
                if failure:
                    break
                handed.put(document)
                yield document
        finally:
            handed.put(_END)
            thread.join()
        if failure:
            raise ObserverError(f"{self.step.name} failed on rank {rank}") from failure[0]
