"""Grouping by repository: make the files of each repository contiguous, at any task count.

Corpora that are not grouped (The Stack parquet: a repository's files spread over many files)
are scattered into ``buckets`` by a hash of the repository id (one folder per bucket, one file per
scattering task), then each bucket is gathered by one task, which yields its repositories in id
order and each repository's files in path order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Annotated

from annotated_types import Interval
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting
from codecurate.core.folders import Location, datafolder
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.seeding import stable_bucket


def group_key(document: Document) -> str:
    """The repository a document belongs to; a document without one (an article) is its own group."""
    return document.metadata.get(keys.REPO) or f"\x00{document.id}"


class BucketScatter(Accounting, PipelineStep):
    """Write each document to ``<folder>/<bucket>/<rank>.jsonl.gz`` by the hash of its repository."""

    type = "🗂 - GROUP"
    name = "scatter by repository"

    def __init__(self, folder: str, buckets: int, writer: Callable[..., DiskWriter]):
        super().__init__()
        self.folder = folder
        self.buckets = buckets
        self.writer = writer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        name = "${bucket}/${rank}.jsonl.zst"
        with self.writer(self.folder, output_filename=name, compression="zstd") as writer:
            for document in data or ():
                self.count_in(document)
                bucket = stable_bucket(group_key(document), self.buckets)
                writer.write(document, rank, bucket=f"{bucket:05d}")
        return
        yield


class BucketGather(Accounting, PipelineStep):
    """Task ``b`` reads bucket ``b`` and yields it grouped by repository (the bucket is held in memory)."""

    type = "🗂 - GROUP"
    name = "gather by repository"

    def __init__(self, folder: str, reader: Callable[[str], PipelineStep]):
        super().__init__()
        self.folder = folder
        self.reader = reader

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        bucket = Location(self.folder) / f"{rank:05d}"
        groups: dict[str, list[Document]] = defaultdict(list)
        folder = datafolder(bucket)
        if folder.isdir(""):
            reader = self.reader(str(bucket))
            for part in folder.list_files(glob_pattern="*.jsonl.zst", recursive=False):
                for document in reader.read_file(part):
                    groups[group_key(document)].append(document)
        for key in sorted(groups):
            for document in sorted(groups[key], key=lambda d: (d.metadata.get(keys.PATH) or "", d.id)):
                self.count_kept(document)
                yield document


@register("group_by_repository")
class GroupByRepository(MultiStageBlock):
    """Make each repository's files contiguous (needed before license, ordering and packing stages).

    Args:
        buckets: number of buckets, and of tasks in the gathering pass; a bucket must fit in the
            memory of one task (corpus size / buckets).
    """

    def __init__(self, buckets: Annotated[int, Interval(ge=1, le=1_000_000)] = 16):
        if buckets < 1:
            raise ValueError(f"buckets must be >= 1, got {buckets}")
        self.buckets = buckets

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        folder = str(context.work_folder / "buckets")
        scatter = context.segment("scatter")
        scatter.add(context.reader(input_folder), None)
        scatter.add(context.bind(BucketScatter(folder, self.buckets, context.writer_class())), context.stage_id)
        gather = context.segment("gather", tasks=self.buckets)
        gather.add(context.bind(BucketGather(folder, context.reader_class())), context.stage_id)
        return [scatter, gather]
