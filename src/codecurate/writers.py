"""The documents writer: codecurate's output format (gzipped jsonl of text, id, metadata)."""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate.blocks import Accounting


def _document_record(writer: JsonlWriter, document: Document) -> dict:
    # datatrove's default adapter leaves out empty values; an empty file must stay a document
    return {"text": document.text, "id": document.id, "metadata": document.metadata}


class DocumentsWriter(Accounting, JsonlWriter):
    """Write documents as ``${rank}.jsonl.gz`` files that ``DocumentsReader`` reads back losslessly.

    Counts what it writes, so the run summary shows the output beside the stages.
    """

    name = "documents_writer"

    def __init__(self, output_folder: str, output_filename: str = "${rank}.jsonl.gz"):
        super().__init__(
            output_folder, output_filename=output_filename, compression="gzip", adapter=_document_record
        )

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self:
            for document in data or ():
                self.count_in(document)
                with self.track_time():
                    self.write(document, rank)
                self.count_kept(document)
                yield document
