"""The wall time of one task of a segment, for the summary's per-stage seconds.

Filters time themselves (datatrove's ``track_time``), but a pass that reads, hashes or merges does
its work in ``run`` and records no time; a reader's time is its whole pipeline's wait. ``Clock``, the
last step of every segment, pulls the documents through all the others and records how long that
took; the summary charges what the timed steps do not explain to the stage the segment works for.
"""

from __future__ import annotations

import time

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

#: the stats ``Clock`` records: the task's seconds, and the documents that left the segment
SEGMENT_SECONDS = "segment_seconds"
SEGMENT_DOCUMENTS = "segment_documents"


class Clock(PipelineStep):
    """Pass every document on; record the task's seconds from the first pull to the last, and how
    many documents came through."""

    type = "⏱ - CLOCK"
    name = "clock"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        start = time.perf_counter()
        documents = 0
        try:
            for document in data or ():
                documents += 1
                yield document
        finally:
            self.stat_update(SEGMENT_SECONDS, value=time.perf_counter() - start)
            self.stat_update(SEGMENT_DOCUMENTS, value=documents)
