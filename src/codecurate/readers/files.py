"""Readers of record files (jsonl, parquet) with codecurate accounting.

datatrove's own readers drop records with empty text silently; these keep them (an empty source
file is a document the trivial-file filter drops with a reason) and count every record.
"""

from __future__ import annotations

from collections.abc import Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.readers.base import BaseDiskReader

from codecurate.core.blocks import Accounting


class RecordFileReader(Accounting, BaseDiskReader):
    """Reads ``.jsonl[.gz|.zst]`` and ``.parquet`` files record by record; subclasses map records."""

    batch_size = 1000

    def records(self, filepath: str) -> Iterator[dict]:
        """The records of one file, as dicts, in file order."""
        if filepath.endswith(".parquet"):
            import pyarrow.parquet as pq

            with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as parquet:
                for batch in parquet.iter_batches(batch_size=self.batch_size):
                    yield from batch.to_pylist()
            return
        import orjson

        with self.data_folder.open(filepath, "r", compression="infer", encoding="utf-8") as f:
            for line_number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    raise ValueError(f"{filepath}:{line_number}: invalid JSON: {error}") from error
                if not isinstance(record, dict):
                    raise ValueError(f"{filepath}:{line_number}: expected a JSON object per line")
                yield record

    def to_document(self, record: dict, filepath: str, index: int) -> Document:
        """Map one record to a document; subclasses define it."""
        raise NotImplementedError

    def read_file(self, filepath: str) -> DocumentsPipeline:
        for index, record in enumerate(self.records(filepath)):
            document = self.to_document(record, filepath, index)
            self.count_in(document)  # the UTF-8 bytes of its text, as every later stage counts it
            self.count_kept(document)
            yield document
