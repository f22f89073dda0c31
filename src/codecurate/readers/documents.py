"""codecurate's own document files (jsonl with ``text``, ``id``, ``metadata``), read back losslessly.

Used between the passes of a recipe and to continue from a previous run's ``documents/`` output.
Unlike datatrove's JsonlReader it keeps documents with empty text.

Which files a task reads: datatrove's readers deal files out in turn (task ``r`` of ``n`` reads files
``r, r + n, ...``), which follows file counts, not sizes: eight buckets of repositories read by two tasks
give one task most of the bytes when one repository is a third of the corpus. ``DocumentsReader``
shares the files out by their bytes (``even_shares``: the largest first, each to the task with the
fewest bytes so far; each task reads its files in name order, the order they were written in), the
same shares for every pass that reads the folder with the same task count; writers that split a
task's output into parts at repository ends (``DocumentsWriter(parts=True)``) give it parts to share.
With ``mirror_writers`` each task reads exactly what the task of its rank wrote, in order: what a pass
needs when it matches its documents by position with what an observer saw while they were written
(``codecurate.recipe.observe``).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence

from datatrove.data import Document, DocumentsPipeline

from codecurate.core.registry import register
from codecurate.readers.files import RecordFileReader


@register("documents")
class DocumentsReader(RecordFileReader):
    """Read documents written by codecurate (or any datatrove JsonlWriter with default adapter).

    Args:
        data_folder: folder holding ``*.jsonl.gz`` (or parquet) document files.
        glob_pattern: which files to read.
    """

    name = "documents"
    provides = "documents"
    path_params = ("data_folder",)

    def __init__(
        self, data_folder: str, glob_pattern: str | None = None, limit: int = -1, mirror_writers: bool = False
    ):
        super().__init__(data_folder, glob_pattern=glob_pattern, limit=limit)
        self.mirror_writers = mirror_writers

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        files = self.data_folder.list_files(recursive=self.recursive, glob_pattern=self.glob_pattern)
        if not files:
            raise RuntimeError(f"No files found on {self.data_folder.path}!")
        for document in self.read_files_shard(self.task_files(files, rank, world_size)):
            self.update_doc_stats(document)
            yield document

    def task_files(self, files: list[str], rank: int, world_size: int) -> list[str]:
        """The files (of ``files``, in name order) that task ``rank`` of ``world_size`` reads."""
        if self.mirror_writers:
            ranks = [writer_rank(name) for name in files]
            strays = [name for name, writer in zip(files, ranks) if writer is None or writer >= world_size]
            if strays:
                raise ValueError(
                    f"{self.data_folder.path}: {strays[0]} is not the output of one of the "
                    f"{world_size} tasks that read this folder as written (RANK[_PART].jsonl...)"
                )
            return [name for name, writer in zip(files, ranks) if writer == rank]
        if world_size == 1:
            return files
        details = self.data_folder.find("", withdirs=False, detail=True)
        sizes = [int((details.get(name) or {}).get("size") or self.data_folder.size(name)) for name in files]
        return [files[index] for index in even_shares(sizes, world_size)[rank]]

    def to_document(self, record: dict, filepath: str, index: int) -> Document:
        if "id" not in record:
            raise KeyError(f"{filepath}: record {index} is not a document (it has no 'id')")
        metadata = record.get("metadata") or {}
        return Document(text=record.get("text") or "", id=str(record["id"]), metadata=dict(metadata))


_WRITER_RANK = re.compile(r"^(\d+)(?:_\d+)?\.")


def writer_rank(name: str) -> int | None:
    """The rank of the task that wrote ``name`` (``00003.jsonl.zst``, ``00003_00001.jsonl.zst``)."""
    match = _WRITER_RANK.match(name.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def even_shares(sizes: Sequence[int], parts: int) -> list[list[int]]:
    """The indices of ``sizes`` each of ``parts`` tasks takes, in order: the largest item first, each to
    the task with the fewest bytes so far (ties: the lower index; the task with fewer items, then the
    lower rank). No task ends with more than an even share plus the largest item, nor more than 4/3 of
    the best assignment's largest task."""
    loads = [(0, 0, task) for task in range(parts)]  # a heap of (bytes, files, task)
    shares: list[list[int]] = [[] for _ in range(parts)]
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        load, files, task = heapq.heappop(loads)
        shares[task].append(index)
        heapq.heappush(loads, (load + sizes[index], files + 1, task))
    return [sorted(share) for share in shares]
