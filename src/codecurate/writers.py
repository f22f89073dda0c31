"""Writers: codecurate's documents (gzipped jsonl of text, id, metadata), and a Hugging Face dataset
(``huggingface_output``, a recipe stage)."""

from __future__ import annotations

import json
import os
from typing import Literal

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting, SharedFolder
from codecurate.core.compression import CODECS, SUFFIXES
from codecurate.core.folders import Location, is_url
from codecurate.core.registry import register

#: gzip for outputs people read with any tool; zstd (several times faster to write at a similar
#: ratio) for the files passed between a recipe's passes (codecs and suffixes:
#: ``codecurate.core.compression``). The compression of the intermediate files between passes:
INTERMEDIATE_COMPRESSION = "zstd"

#: a task's output in parts (``DocumentsWriter(parts=True)``): a part ends, at the end of a repository,
#: once it holds at least ``MIN_PART_BYTES`` of text and 1 / ``PARTS_PER_TASK`` of what the task has
#: written so far; parts grow geometrically, so a task writes about ``PARTS_PER_TASK`` x ln(its bytes /
#: ``MIN_PART_BYTES``) files (about 80 for 7 GB), and no part is over 1 / ``PARTS_PER_TASK`` of the
#: task's output unless one repository is
MIN_PART_BYTES = 256 * 1024
PARTS_PER_TASK = 8


def _document_record(writer: JsonlWriter, document: Document) -> dict:
    # datatrove's default adapter leaves out empty values; an empty file must stay a document
    return {"text": document.text, "id": document.id, "metadata": document.metadata}


class DocumentsWriter(Accounting, JsonlWriter):
    """Write documents as ``${rank}.jsonl.gz`` (or ``.zst``) files that ``DocumentsReader`` reads back
    losslessly.

    Counts what it writes, so the run summary shows the output beside the stages. A task that
    writes no document writes an empty file.

    Args:
        parts: write each task's documents as ``${rank}_${part}`` files that end only where a
            repository ends (sizes: ``MIN_PART_BYTES``, ``PARTS_PER_TASK``), so that a pass with
            another task count can share them out by bytes, repositories whole
            (``DocumentsReader``).
    """

    name = "documents_writer"

    def __init__(
        self,
        output_folder: str,
        output_filename: str | None = None,
        compression: str | None = "gzip",
        parts: bool = False,
    ):
        if compression not in SUFFIXES:
            raise ValueError(f"compression must be one of {', '.join(map(str, SUFFIXES))}, got {compression!r}")
        if output_filename is None:
            output_filename = ("${rank}_${part}" if parts else "${rank}") + ".jsonl" + SUFFIXES[compression]
        super().__init__(
            output_folder, output_filename=output_filename, compression=CODECS[compression], adapter=_document_record
        )
        self.parts = parts

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        written = False
        part, part_bytes, total_bytes, repo = 0, 0, 0, None
        with self:
            for document in data or ():
                self.count_in(document)
                with self.track_time():
                    if self.parts:
                        size = keys.text_bytes(document)
                        current = document.metadata.get(keys.REPO)
                        if part_bytes >= max(MIN_PART_BYTES, total_bytes / PARTS_PER_TASK) and (
                            current is None or current != repo
                        ):
                            self.close_file(self._part_name(rank, part))
                            part, part_bytes = part + 1, 0
                        part_bytes, total_bytes, repo = part_bytes + size, total_bytes + size, current
                        self.write(document, rank, part=f"{part:05d}")
                    else:
                        self.write(document, rank)
                self.count_kept(document)
                written = True
                yield document
        if not written:  # an empty file, so that a pass reading the folder finds it (a stage dropped all)
            name = self._part_name(rank, 0)
            with self.output_folder.open(name, mode="wb", compression=self.compression):
                pass

    def _part_name(self, rank: int, part: int) -> str:
        return self._get_output_filename(Document(text="", id=""), rank, part=f"{part:05d}")


# ------------------------------------------------------------------------------------------------
# Hugging Face datasets

#: metadata keys ``huggingface_output`` writes as columns of their own, with their Arrow types; the
#: rest of the metadata goes, as JSON, to the ``metadata`` column. The ``huggingface`` reader reads
#: these columns back.
HF_COLUMNS = (
    ("repo", "string"),
    ("path", "string"),
    ("language", "string"),
    ("license", "string"),
    ("stars", "int64"),
    ("size_bytes", "int64"),
    ("source", "string"),
    ("kind", "string"),
)


#: a new parquet file after this many bytes (datatrove's ``HuggingFaceDatasetWriter`` default)
HF_MAX_FILE_BYTES = round(4.5 * 2**30)


def hf_schema():
    """The Arrow schema of ``huggingface_output``'s parquet files: fixed, so that a value missing
    from the first document of a file (a ``null`` license) cannot fix its column's type."""
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64()}
    fields = [pa.field("text", pa.string()), pa.field("id", pa.string())]
    fields += [pa.field(name, types[kind]) for name, kind in HF_COLUMNS]
    fields.append(pa.field("metadata", pa.string()))
    return pa.schema(fields)


def hf_record(writer, document: Document) -> dict:
    """One row of ``huggingface_output`` (a datatrove writer adapter)."""
    from codecurate.metadata import describe

    metadata = dict(document.metadata)
    record = {"text": document.text, "id": document.id}
    for name, kind in HF_COLUMNS:
        value = metadata.pop(name, None)
        if value is not None and kind == "int64":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{describe(document)}: metadata {name!r} is not a number: {value!r}")
            value = int(value)
        elif value is not None:
            value = str(value)
        record[name] = value
    record["metadata"] = json.dumps(metadata, ensure_ascii=False, sort_keys=True, default=str)
    return record


@register("huggingface_output")
class HuggingFaceOutput(SharedFolder, Accounting, PipelineStep):
    """Write the documents that reach this stage as a Hugging Face dataset, and pass them on.

    Without ``repo_id``: parquet files ``data/000_NNNNN.parquet`` (per task ``NNNNN``, a new file, ``001_``...,
    every 4.5 GB: datatrove's writer's naming, the hub's layout) in
    ``output_folder``, by default ``<recipe output>/<stage id>/``; ``datasets.load_dataset(FOLDER)``
    and the ``huggingface`` reader read them. With ``repo_id``: datatrove's
    ``HuggingFaceDatasetWriter`` uploads the same files to that hub dataset (staged in
    ``output_folder``, by default the stage's work folder; a token must be configured).

    Columns: ``text``, ``id``, ``repo``, ``path``, ``language``, ``license``, ``stars``,
    ``size_bytes``, ``source``, ``kind``, and ``metadata`` (the other metadata keys, as JSON).

    Args:
        output_folder: where the parquet files go (staged, with ``repo_id``).
        repo_id: the hub dataset (``owner/name``) to upload to; ``None`` writes locally only.
        private: create the hub dataset private (when it does not exist yet).
        revision: the hub branch to commit to (default ``main``).
        compression: parquet compression.
    """

    name = "huggingface_output"
    type = "💽 - WRITER"

    def __init__(
        self,
        output_folder: str | None = None,
        repo_id: str | None = None,
        private: bool = True,
        revision: str | None = None,
        compression: Literal["snappy", "gzip", "brotli", "lz4", "zstd"] | None = "snappy",
    ):
        super().__init__()
        if repo_id is not None and (not isinstance(repo_id, str) or repo_id.count("/") != 1 or "://" in repo_id):
            raise ValueError(f"repo_id: expected a hub dataset id owner/name, got {repo_id!r}")
        if compression not in ("snappy", "gzip", "brotli", "lz4", "zstd", None):
            raise ValueError(f"compression must be snappy, gzip, brotli, lz4, zstd or null, got {compression!r}")
        self.output_folder, self.repo_id, self.private = output_folder, repo_id, private
        self.revision, self.compression = revision, compression

    def folder(self) -> str:
        """Where the parquet files are written (or staged for upload)."""
        if self.output_folder is not None:
            return self.output_folder
        if self.work_folder is None:
            raise ValueError(f"{self.name}: give output_folder (outside a recipe there is no default)")
        work = Location(self.work_folder)  # <recipe output>/work/<stage id>, a path or a URL
        if self.repo_id:
            return str(work)
        output = work.rstrip("/").rsplit("/", 2)[0] if is_url(work) else os.path.dirname(os.path.dirname(work))
        return str(Location(output) / work.name)

    def writer(self) -> DiskWriter:
        """datatrove's writer for this output."""
        if self.repo_id is None:
            from datatrove.pipeline.writers.parquet import ParquetWriter

            return ParquetWriter(self.folder(), output_filename="data/${rank}.parquet", compression=self.compression,
                                 adapter=hf_record, schema=hf_schema(), max_file_size=HF_MAX_FILE_BYTES)
        from datatrove.pipeline.writers.huggingface import HuggingFaceDatasetWriter

        return HuggingFaceDatasetWriter(self.repo_id, private=self.private, local_working_dir=self.folder(),
                                        compression=self.compression, adapter=hf_record, schema=hf_schema(),
                                        revision=self.revision)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        writer = None
        try:
            for document in data or ():
                if writer is None:  # a task with no document writes (and commits) nothing
                    writer = self.writer()
                self.count_in(document)
                with self.track_time(), self.blame(document):
                    writer.write(document, rank)
                self.count_kept(document)
                yield document
        except BaseException:
            if writer is not None and self.repo_id is None:
                writer.close()  # the task's file is rewritten when it runs again; nothing is uploaded
            raise
        if writer is not None:
            with self.track_time():
                writer.close()
