"""Exact dedup: documents with identical content keep one copy, chosen by ``keep_priority``.

Three passes: every task hashes its documents (BLAKE2b-128 of the UTF-8 text) into ``partitions``
files by hash; each partition task groups its hashes and chooses the copies to drop; every task
then filters. Memory: a partition's hashes in the second pass, the task's dropped documents in
the third; never the whole corpus.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import numpy as np
from annotated_types import Interval
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate.core.folders import Location, datafolder
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput
from codecurate.dedup.store import (
    DuplicateFilter,
    MetaWriter,
    choose_keepers,
    cluster_sections,
    make_refs,
    read_meta,
    read_records,
    write_array,
    write_drops,
)

_RECORD = np.dtype([("high", "<u8"), ("low", "<u8"), ("ref", "<u8")])


class ContentHasher(PipelineStep):
    """Pass 1: content hash of every document, into ``<work>/hashes/<partition>/<rank>.bin``."""

    type = "🫂 - DEDUP"
    name = "content hashes"

    def __init__(self, work: str, partitions: int):
        super().__init__()
        self.work = work
        self.partitions = partitions

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        meta = MetaWriter(work / "meta", rank)
        records = []
        for index, document in enumerate(data or ()):
            digest = hashlib.blake2b(document.text.encode("utf-8", errors="surrogatepass"), digest_size=16).digest()
            records.append((int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little"), index))
            meta.add(document)
            self.stat_update("documents")
        meta.close()
        table = np.array(records, dtype=[("high", "<u8"), ("low", "<u8"), ("index", "<u8")])
        for partition in range(self.partitions):
            rows = table[table["high"] % np.uint64(self.partitions) == partition] if len(table) else table
            out = np.empty(len(rows), dtype=_RECORD)
            out["high"], out["low"] = rows["high"], rows["low"]
            out["ref"] = make_refs(rank, rows["index"])
            write_array(datafolder(work / "hashes" / f"{partition:05d}"), f"{rank:05d}.bin", out)
        return
        yield


class ExactGroups(PipelineStep):
    """Pass 2, one task per partition: groups of equal hashes; all but the keeper are dropped."""

    type = "🫂 - DEDUP"
    name = "exact duplicate groups"

    def __init__(self, work: str):
        super().__init__()
        self.work = work

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        table = read_records(work / "hashes" / f"{rank:05d}", _RECORD)
        table = table[np.lexsort((table["ref"], table["low"], table["high"]))]
        clusters: list[list[int]] = []
        if len(table):
            key_change = (np.diff(table["high"]) != 0) | (np.diff(table["low"]) != 0)
            bounds = np.flatnonzero(np.concatenate(([True], key_change, [True])))
            for start, end in zip(bounds[:-1], bounds[1:]):
                if end - start > 1:
                    clusters.append(table["ref"][start:end].tolist())
        members = np.array([ref for cluster in clusters for ref in cluster], dtype=np.uint64)
        meta = read_meta(work / "meta", members) if members.size else {}
        drops = {ref: (kept, 1.0) for ref, kept in choose_keepers(clusters, meta).items()}
        write_drops(work / "drops" / f"{rank:05d}", drops, meta)
        self.stat_update("duplicate_groups", value=len(clusters))
        self.stat_update("duplicates", value=len(drops))
        return
        yield


@register("exact_dedup")
class ExactDedup(MultiStageBlock):
    """Drop exact duplicates (reason ``exact_duplicate``), keeping one copy by the keep rule:
    permissive license first, then more stars, then repository, path and id order.

    Args:
        partitions: number of hash partitions, and of tasks in the grouping pass.
    """

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """Cluster sizes, from the copies this stage dropped (``codecurate.core.report_sections``)."""
        return cluster_sections(stage, output)

    def __init__(self, partitions: Annotated[int, Interval(ge=1, le=1_000_000)] = 8):
        if partitions < 1:
            raise ValueError(f"partitions must be >= 1, got {partitions}")
        self.partitions = partitions

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        work = str(context.work_folder)
        hashing = context.segment("hash", observes=True)
        hashing.add(context.reader(input_folder), None)
        hashing.add(ContentHasher(work, self.partitions), None)
        grouping = context.segment("group", tasks=self.partitions)
        grouping.add(ExactGroups(work), None)
        filtering = context.segment("filter")
        filtering.add(context.reader(input_folder), None)
        filtering.add(context.bind(DuplicateFilter(str(context.work_folder / "drops"), "exact_duplicate")),
                      context.stage_id)
        return [hashing, grouping, filtering]
