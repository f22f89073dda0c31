"""The documents writer: codecurate's output format (gzipped jsonl of text, id, metadata)."""

from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.writers.jsonl import JsonlWriter

from codecurate.blocks import Accounting

#: compression -> file suffix. gzip for outputs people read with any tool; zstd (several times
#: faster to write at a similar ratio) for the files passed between a recipe's passes.
COMPRESSIONS = {"gzip": ".gz", "zstd": ".zst", None: ""}
#: compression of the intermediate files between passes
INTERMEDIATE_COMPRESSION = "zstd"


def _document_record(writer: JsonlWriter, document: Document) -> dict:
    # datatrove's default adapter leaves out empty values; an empty file must stay a document
    return {"text": document.text, "id": document.id, "metadata": document.metadata}


class DocumentsWriter(Accounting, JsonlWriter):
    """Write documents as ``${rank}.jsonl.gz`` (or ``.zst``) files that ``DocumentsReader`` reads back
    losslessly.

    Counts what it writes, so the run summary shows the output beside the stages.
    """

    name = "documents_writer"

    def __init__(self, output_folder: str, output_filename: str | None = None, compression: str | None = "gzip"):
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression must be one of {', '.join(map(str, COMPRESSIONS))}, got {compression!r}")
        if output_filename is None:
            output_filename = "${rank}.jsonl" + COMPRESSIONS[compression]
        super().__init__(
            output_folder, output_filename=output_filename, compression=compression, adapter=_document_record
        )

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self:
            for document in data or ():
                self.count_in(document)
                with self.track_time():
                    self.write(document, rank)
                self.count_kept(document)
                yield document
