"""Before/after samples of a block that rewrites text (PII redaction, commented-code deletion), for
the report page: per task, the ``count`` rewritten documents whose seeded key (from the document id)
is smallest, written as gzipped JSON lines to the stage's samples folder (``OUTPUT/samples/<stage>/``).

Keyed by document id, so the samples do not depend on the task count: the page takes the smallest
keys over every task's file. Only small documents are offered; memory stays ``count`` documents.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import heapq
import re

import orjson
from datatrove.data import Document
from datatrove.io import get_datafolder

#: documents of more characters than this are not offered as samples
MAX_SAMPLE_CHARS = 40_000


def sample_key(stage_id: str, document_id: str) -> int:
    """The seeded key that ranks a document among a stage's samples (smallest first)."""
    digest = hashlib.blake2b(f"{stage_id}\0{document_id}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
#: what stands for a character the rewrite changed
MASK = "\u2022"


def mask_changes(before: str, after: str) -> str:
    """``before`` with every character the rewrite replaced or deleted masked (whitespace kept): the
    parts ``after`` does not share, compared token by token (words, runs of spaces, punctuation)."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    out = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        part = "".join(old[i1:i2])
        out.append(part if tag == "equal" else re.sub(r"\S", MASK, part))
    return "".join(out)


class RewriteSamples:
    """The ``count`` rewritten documents of smallest key seen by one task."""

    def __init__(self, folder: str, stage_id: str, count: int = 6, mask_changes: bool = False):
        self.folder, self.stage_id, self.count, self.mask_changes = folder, stage_id, count, mask_changes
        self._heap: list[tuple[int, str, dict]] = []  # (-key, id, record): the largest key on top

    def offer(self, document: Document, before: str) -> None:
        """Consider ``document``, whose text was ``before`` until the block rewrote it."""
        if len(before) > MAX_SAMPLE_CHARS or len(document.text) > MAX_SAMPLE_CHARS:
            return
        key = sample_key(self.stage_id, document.id)
        if len(self._heap) >= self.count and -self._heap[0][0] <= key:
            return
        record = {
            "id": document.id,
            "key": key,
            "before": before,  # masked when written (``mask_changes``): only the kept few pay the diff
            "after": document.text,
            "metadata": dict(document.metadata),
        }
        heapq.heappush(self._heap, (-key, document.id, record))
        if len(self._heap) > self.count:
            heapq.heappop(self._heap)

    def write(self, rank: int) -> None:
        """Save the task's samples (nothing when the task rewrote nothing)."""
        if not self._heap:
            return
        records = sorted((entry[2] for entry in self._heap), key=lambda r: r["key"])
        if self.mask_changes:
            records = [{**record, "before": mask_changes(record["before"], record["after"])} for record in records]
        with get_datafolder(self.folder).open(f"{rank:05d}.jsonl.gz", "wb") as raw, gzip.open(raw, "wb") as f:
            for record in records:
                f.write(orjson.dumps(record, default=str) + b"\n")
