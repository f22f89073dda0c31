"""codecurate's own document files (jsonl with ``text``, ``id``, ``metadata``), read back losslessly.

Used between the passes of a recipe and to continue from a previous run's ``documents/`` output.
Unlike datatrove's JsonlReader it keeps documents with empty text.
"""

from __future__ import annotations

from datatrove.data import Document

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

    def __init__(self, data_folder: str, glob_pattern: str | None = None, limit: int = -1):
        super().__init__(data_folder, glob_pattern=glob_pattern, limit=limit)

    def to_document(self, record: dict, filepath: str, index: int) -> Document:
        if "id" not in record:
            raise KeyError(f"{filepath}: record {index} is not a document (it has no 'id')")
        metadata = record.get("metadata") or {}
        return Document(text=record.get("text") or "", id=str(record["id"]), metadata=dict(metadata))
