"""The wall time of one task of a segment, for the summary's per-stage seconds.

Filters time themselves (datatrove's ``track_time``), but a pass that reads, hashes or merges does
its work in ``run`` and records no time; a reader's time is its whole pipeline's wait. ``Clock``, the
last step of every segment, pulls the documents through all the others and records how long that
took; the summary charges what the timed steps do not explain to the stage the segment works for.
It also records the task's CPU seconds (its process's and those of the programs it ran and waited
for, such as analyzers): unlike wall seconds they do not grow with a busy machine's waits for a core.
"""

from __future__ import annotations

import resource
import time

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

#: the stats ``Clock`` records: the task's seconds (wall, then CPU), and the documents that left the segment
SEGMENT_SECONDS = "segment_seconds"
SEGMENT_CPU_SECONDS = "segment_cpu_seconds"
SEGMENT_DOCUMENTS = "segment_documents"


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of the child processes it has waited for."""
    used = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        used += usage.ru_utime + usage.ru_stime
    return used


class Clock(PipelineStep):
    """Pass every document on; record the task's seconds (wall and CPU) from the first pull to the
    last, and how many documents came through."""

    type = "⏱ - CLOCK"
    name = "clock"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        start, cpu = time.perf_counter(), cpu_seconds()
        documents = 0
        try:
            for document in data or ():
                documents += 1
                yield document
        finally:
            self.stat_update(SEGMENT_SECONDS, value=time.perf_counter() - start)
            self.stat_update(SEGMENT_CPU_SECONDS, value=cpu_seconds() - cpu)
            self.stat_update(SEGMENT_DOCUMENTS, value=documents)
