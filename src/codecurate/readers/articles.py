"""Natural-language articles from jsonl or parquet files, marked ``kind = text``."""

from __future__ import annotations

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.core.registry import register
from codecurate.readers.files import RecordFileReader


@register("articles")
class ArticlesReader(RecordFileReader):
    """Read articles (one record per article) from ``.jsonl[.gz]`` or ``.parquet`` files.

    Args:
        data_folder: folder (or fsspec path) holding the files.
        glob_pattern: which files to read (default: every jsonl and parquet file).
        text_key: the field holding the article text.
        id_key: the field holding its id (default: file and record number).
        language: natural language / markup of the articles, stored as ``language``.
        limit: at most this many records per task (debugging).
    """

    name = "articles"
    provides = "text"
    path_params = ("data_folder",)

    def __init__(
        self,
        data_folder: str,
        glob_pattern: str | None = None,
        text_key: str = "text",
        id_key: str = "id",
        language: str = "Text",
        limit: int = -1,
    ):
        super().__init__(data_folder, glob_pattern=glob_pattern, text_key=text_key, id_key=id_key, limit=limit)
        self.language = language

    def read_file(self, filepath: str):
        if not filepath.endswith((".parquet", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz")):
            return
        yield from super().read_file(filepath)

    def to_document(self, record: dict, filepath: str, index: int) -> Document:
        if self.text_key not in record:
            raise KeyError(f"{filepath}: record {index} has no field {self.text_key!r}; fields: {sorted(record)}")
        text = record[self.text_key] or ""
        doc_id = str(record.get(self.id_key) or f"{filepath}/{index}")
        metadata = {
            keys.REPO: None,
            keys.PATH: f"{filepath}#{index}",
            keys.SOURCE: self.name,
            keys.KIND: keys.KIND_TEXT,
            keys.LANGUAGE: self.language,
        }
        return Document(text=text, id=doc_id, metadata=metadata)
