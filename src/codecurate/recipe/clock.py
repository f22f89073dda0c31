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

#: the stat ``Clock`` records, in seconds
SEGMENT_SECONDS = "segment_seconds"


class Clock(PipelineStep):
    """Pass every document on; record the task's seconds from the first pull to the last."""

    type = "⏱ - CLOCK"
    name = "clock"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        start = time.perf_counter()
        try:
            yield from data or ()
        finally:
            self.stat_update(SEGMENT_SECONDS, value=time.perf_counter() - start)
