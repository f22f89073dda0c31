"""Stages whose block keeps no accounts of its own (a datatrove step a recipe names by
``package.module:ClassName``, a third party's block without codecurate's ``Accounting``), counted by
the engine at the step's boundaries.

The summary shows such a stage as a pass-through: documents and bytes in (what entered the step),
kept (what came out of it), and the difference dropped under the step's class name, so that in
equals kept plus dropped as for every stage. A step that rewrites text moves its bytes change there
too. The step's own stats (datatrove's ``total``, ``forwarded``, ``dropped_<reason>``...) join the
stage's counters. A datatrove filter gets the stage's exclusion output, as ours do.
"""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers.base import BaseReader
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate.core.blocks import STAT_DROPPED, STAT_DROPPED_BYTES, STAT_IN, STAT_IN_BYTES, STAT_KEPT, STAT_KEPT_BYTES
from codecurate.metadata import EXCLUDED_BY, FILTER_REASON, text_bytes


class ExclusionWriter(JsonlWriter):
    """Writer of a foreign filter's dropped documents, each marked ``excluded_by`` the stage and, when
    the filter gave no reason, ``filter_reason`` ``reason``."""

    def __init__(self, folder: str, stage_id: str, reason: str):
        super().__init__(folder, output_filename="${rank}.jsonl.gz")
        self.stage_id, self.reason = stage_id, reason

    def write(self, document: Document, rank: int = 0, **kwargs) -> None:
        document.metadata.setdefault(FILTER_REASON, self.reason)
        document.metadata.setdefault(EXCLUDED_BY, self.stage_id)
        super().write(document, rank, **kwargs)


class PassThroughStage(PipelineStep):
    """Run ``step`` and count what enters it and what comes out (see the module docstring)."""

    def __init__(self, step: PipelineStep, exclusion: DiskWriter | None = None):
        self.step = step
        super().__init__()
        self.stats = step.stats  # one set of stats: the step's own and the stage's counts
        self.name, self.type = step.name, step.type
        if exclusion is not None and isinstance(step, BaseFilter) and step.exclusion_writer is None:
            step.exclusion_writer = exclusion

    def __repr__(self) -> str:
        return repr(self.step)

    def _entering(self, data: DocumentsPipeline, counts: list[int]) -> DocumentsPipeline:
        for document in data or ():
            counts[0] += 1
            counts[1] += text_bytes(document)
            yield document

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts = [0, 0, 0, 0]  # documents and bytes in, documents and bytes out
        if isinstance(self.step, BaseReader):  # a reader passes what came before, then yields its own
            yield from data or ()
            produced = self.step.run(None, rank, world_size)
        else:
            produced = self.step.run(self._entering(data, counts), rank, world_size)
        for document in produced or ():
            size = text_bytes(document)
            if isinstance(self.step, BaseReader):
                counts[0] += 1
                counts[1] += size
            counts[2] += 1
            counts[3] += size
            yield document
        self.stat_update(STAT_IN, value=counts[0])
        self.stat_update(STAT_IN_BYTES, value=counts[1])
        self.stat_update(STAT_KEPT, value=counts[2])
        self.stat_update(STAT_KEPT_BYTES, value=counts[3])
        reason = type(self.step).__name__
        if counts[0] != counts[2] or counts[1] != counts[3]:
            self.stat_update(STAT_DROPPED + reason, value=counts[0] - counts[2])
            self.stat_update(STAT_DROPPED_BYTES + reason, value=counts[1] - counts[3])
