"""The multi-pass protocol: what a block that needs several passes over its input declares.

A multi-pass block (dedup, repository grouping, tokenizer training...) subclasses
``MultiStageBlock`` and returns from ``plan`` its passes, in order: ``Segment``\\ s, each a list of
datatrove steps with its task count. A pass's task count is its barrier: the next pass starts when
every task of this one has finished. ``PlanContext`` gives the block what it plans with (output,
seed, tasks, its stage id and folders, and the engine's reader and writer of codecurate documents, so a
pass reads its input without importing a reader). The recipe engine (``codecurate.recipe.plan``) runs the
segments; this module knows nothing of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate.core.blocks import Accounting, SharedFolder
from codecurate.core.compression import GZIP
from codecurate.core.folders import Location


@dataclass
class Segment:
    """One datatrove pipeline and its task count (``None``: the executor's).

    ``stage_ids`` name the stage each step keeps accounts for (``None``: the engine's own steps);
    ``charge_ids`` the stage each step's time goes to (a pass of a block is charged to the block:
    ``stage``, the stage the segment works for). ``observes``: the steps after the reader yield no
    document (they only read the block's input); the engine may then run them on the documents as
    the pass before writes them, and a later pass of the block reading the same folder reads, in
    each task, what that task wrote, unless every such step sets ``matched_by_position = False``
    (what it writes is not looked up by a document's rank and place in its task): then the passes
    share the folder out by bytes (``codecurate.readers.documents``).
    """

    name: str
    steps: list[PipelineStep] = field(default_factory=list)
    stage_ids: list[str | None] = field(default_factory=list)
    tasks: int | None = None
    observes: bool = False
    stage: str | None = None
    charge_ids: list[str | None] = field(default_factory=list)

    def add(self, step: PipelineStep, stage_id: str | None, charge: str | None = None) -> None:
        self.steps.append(step)
        self.stage_ids.append(stage_id)
        self.charge_ids.append(charge or stage_id or self.stage)


@dataclass
class PlanContext:
    """What a multi-stage block needs to plan its passes."""

    output: Location
    seed: int
    tasks: int
    stage_id: str
    #: the ids of the recipe's stages before this one, in order (its readers aside)
    earlier: tuple[str, ...] = ()
    #: the engine's reader of codecurate documents (``folder -> step``): how a pass reads the block's
    #: input or an earlier pass's output (``codecurate.readers.DocumentsReader`` in a recipe)
    documents_reader: Callable[..., PipelineStep] | None = None
    #: the engine's writer of codecurate documents (``codecurate.writers.DocumentsWriter`` in a recipe)
    documents_writer: Callable[..., DiskWriter] | None = None

    def __post_init__(self):
        self.output = Location(self.output)

    def reader(self, folder: str | Location) -> PipelineStep:
        """A step reading the codecurate documents of ``folder`` (the block's input, or a pass's output)."""
        return self.reader_class()(str(folder))

    def reader_class(self) -> Callable[..., PipelineStep]:
        """The reader of codecurate documents, for a step that reads files an earlier pass wrote."""
        if self.documents_reader is None:
            raise ValueError(f"stage {self.stage_id!r}: this PlanContext has no documents_reader; plan the "
                             "block through the recipe engine (codecurate.recipe.plan) or give one")
        return self.documents_reader

    def writer_class(self) -> Callable[..., DiskWriter]:
        """The writer of codecurate documents, for a step that writes files a later pass reads."""
        if self.documents_writer is None:
            raise ValueError(f"stage {self.stage_id!r}: this PlanContext has no documents_writer; plan the "
                             "block through the recipe engine (codecurate.recipe.plan) or give one")
        return self.documents_writer

    @property
    def work_folder(self) -> Location:
        """A folder of the stage's own for intermediate files (signatures, buckets...), on the run's
        filesystem (a local path or a URL: read and write it through ``DataFolder``)."""
        return self.output / "work" / self.stage_id

    def exclusion_writer(self, part: str = "") -> DiskWriter:
        """Writer for documents this stage drops, under ``excluded/<stage id>/``."""
        folder = self.output / "excluded" / self.stage_id
        return JsonlWriter(str(folder / part) if part else str(folder), output_filename="${rank}.jsonl.gz",
                           compression=GZIP)

    def bind(self, step: PipelineStep, part: str = "") -> PipelineStep:
        """Give ``step`` this stage's id and exclusion writer (when it keeps accounts), and its work
        folder (when it shares files between tasks)."""
        if isinstance(step, Accounting):
            step.bind(self.stage_id, self.exclusion_writer(part))
        if isinstance(step, SharedFolder) and step.work_folder is None:
            step.work_folder = str(self.work_folder)
        if getattr(step, "rewrites_text", False) and step.samples_folder is None:  # before/after for the report
            step.samples_folder = str(self.output / "samples" / self.stage_id)
        return step

    def segment(self, name: str, tasks: int | None = None, observes: bool = False) -> Segment:
        return Segment(f"{self.stage_id}-{name}", tasks=tasks, observes=observes, stage=self.stage_id)


class MultiStageBlock(ABC):
    """A block that needs several passes over its input, each a datatrove executor.

    ``plan`` returns the segments to run in order; the last one is left open and the engine
    appends the stages that follow, then the output writer.
    """

    @abstractmethod
    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        """Segments reading ``input_folder`` (codecurate documents), in execution order."""
