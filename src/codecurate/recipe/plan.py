"""From a validated recipe to segments: datatrove pipelines run one after another.

Single-pass blocks are chained into one pipeline. A multi-stage block (dedup, repository grouping)
needs its input materialised: the engine ends the current pipeline with a documents writer, the
block plans its passes over that folder, and the block's last pass stays open so the stages after
it join that pipeline. Two plans need no segment of their own: a first pass that only reads the
documents (``Segment.observes``: a census, hashes, signatures) runs beside the pipeline that writes
them (``codecurate.recipe.observe``), and a block planned as one pass over its input joins the
current pipeline without an intermediate folder; either way only when the task counts agree. A
block's input is written in parts that end with a repository, and its passes read them shared out by
bytes (``codecurate.readers.documents``), except where an observer saw them and a later pass
matches documents by their place: then each task reads what the task of its rank wrote. Every
step carries the id of the recipe stage it belongs to, which is how the summary attributes counts
to stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseReader

from codecurate.core.blocks import Accounting
from codecurate.core.folders import Location, datafolder, write_json
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.readers.documents import DocumentsReader
from codecurate.recipe.clock import Clock
from codecurate.recipe.console import PROGRESS_FOLDER, Progress
from codecurate.recipe.observe import Observer
from codecurate.recipe.passthrough import ExclusionWriter, PassThroughStage
from codecurate.recipe.schema import Recipe
from codecurate.writers import INTERMEDIATE_COMPRESSION, DocumentsWriter

#: how every block's passes read and write codecurate documents (given through ``PlanContext``)
DOCUMENTS_IO = {"documents_reader": DocumentsReader, "documents_writer": DocumentsWriter}

OUTPUT_STAGE = "output"


@dataclass
class Plan:
    """The segments of a run, in order."""

    segments: list[Segment]
    output: Location
    #: stages whose block keeps no accounts (``codecurate.recipe.passthrough``)
    pass_through: list[str] = field(default_factory=list)
    #: in an output holding a run of another recipe: which segments run again
    #: (``codecurate.recipe.rerun.Rerun``, set by ``codecurate.recipe.run.prepare_output``)
    rerun: object | None = None

    def describe(self) -> dict:
        """JSON-able description (saved as ``plan.json``; the summary reads it)."""
        described = {
            "segments": [
                {
                    "name": s.name,
                    "tasks": s.tasks,
                    "stage_ids": s.stage_ids,
                    "charge_ids": s.charge_ids,
                    "steps": [str(step) for step in s.steps],
                }
                for s in self.segments
            ]
        }
        if self.pass_through:
            described["pass_through"] = self.pass_through
        return described

    def save(self) -> None:
        write_json(datafolder(self.output), "plan.json", self.describe())


def _stage_step(block: PipelineStep, context: PlanContext, pass_through: list[str]) -> PipelineStep:
    """``block`` bound to its stage; one that keeps no accounts counted at its boundaries instead."""
    context.bind(block)
    if isinstance(block, Accounting):
        return block
    pass_through.append(context.stage_id)
    folder = context.output / "excluded" / context.stage_id
    return PassThroughStage(block, ExclusionWriter(str(folder), context.stage_id, type(block).__name__))


def _mirror_writers(segments: list[Segment], folder: str) -> None:
    """Have the readers of ``folder`` in ``segments`` give each task what the task of its rank wrote."""
    path = DocumentsReader(folder).data_folder.path
    for segment in segments:
        for step in segment.steps:
            if isinstance(step, DocumentsReader) and step.data_folder.path == path:
                step.mirror_writers = True


def build_plan(recipe: Recipe, join_passes: bool = True) -> Plan:
    """Instantiate every block of ``recipe`` and arrange them into segments; ``join_passes=False``
    gives every planned pass a segment of its own (the outputs are the same)."""
    output = Location(recipe.output)
    tasks = int(recipe.executor.get("tasks", 1))
    segments: list[Segment] = []
    current = Segment("main")
    pass_through: list[str] = []
    for spec in recipe.inputs:
        context = PlanContext(output, recipe.seed, tasks, spec.stage_id, **DOCUMENTS_IO)
        current.add(_stage_step(spec.build(recipe.seed), context, pass_through), spec.stage_id)
    for index, spec in enumerate(recipe.stages):
        block = spec.build(recipe.seed)
        earlier = tuple(s.stage_id for s in recipe.stages[:index])
        context = PlanContext(output, recipe.seed, tasks, spec.stage_id, earlier, **DOCUMENTS_IO)
        if isinstance(block, MultiStageBlock):
            folder = output / "intermediate" / spec.stage_id
            planned = block.plan(context, str(folder))
            if not planned:
                raise ValueError(f"stage {spec.stage_id!r}: block planned no segment")
            head = planned[0]
            joins = join_passes and head.tasks == current.tasks and bool(head.steps) \
                and isinstance(head.steps[0], DocumentsReader)
            if joins and len(planned) == 1:  # one pass over its input: no intermediate folder
                for step, stage_id in zip(head.steps[1:], head.stage_ids[1:]):
                    current.add(step, stage_id, spec.stage_id)
                continue
            if joins and head.observes:  # its first pass reads the documents as they are written
                for step, stage_id in zip(head.steps[1:], head.stage_ids[1:]):
                    current.add(Observer(step), stage_id, spec.stage_id)
                planned = planned[1:]
                if any(getattr(step, "matched_by_position", True) for step in head.steps[1:]):
                    # its passes match documents by their place in what each task wrote: the same tasks
                    _mirror_writers(planned, str(folder))
            # writing the block's input is the block's cost; in parts, which the block's passes
            # share out by bytes, repositories whole (``codecurate.readers.documents``)
            current.add(
                DocumentsWriter(str(folder), compression=INTERMEDIATE_COMPRESSION, parts=True), None, spec.stage_id
            )
            segments.append(current)
            segments.extend(planned[:-1])
            current = planned[-1]
        else:
            current.add(_stage_step(block, context, pass_through), spec.stage_id)
    current.add(DocumentsWriter(str(output / "documents")), OUTPUT_STAGE)
    segments.append(current)
    for index, segment in enumerate(segments, start=1):
        segment.name = f"{index:02d}-{segment.name}"
        readers = next((i for i, step in enumerate(segment.steps) if not isinstance(step, BaseReader)),
                       len(segment.steps))
        if readers:  # counts for the live display, after the segment's readers
            progress = Progress(str(output / "logs" / segment.name / PROGRESS_FOLDER))
            segment.steps.insert(readers, progress)
            segment.stage_ids.insert(readers, None)
            segment.charge_ids.insert(readers, segment.charge_ids[readers - 1])
        # what the timed steps leave of the task's time: the block's passes, or the segment's reading
        charge = segment.stage or next((c for c in segment.charge_ids if c is not None), None)
        segment.add(Clock(), None, charge)
    return Plan(segments, output, pass_through)
