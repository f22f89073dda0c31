"""The tokenizer's training sample: at most ``budget`` bytes, drawn from the whole corpus by every task,
the same for any number of tasks.

Every document gets a key, a seeded 64-bit hash of its id (``sample_key``), and a digest of its id and
text that breaks ties. The sample is the longest run of documents, in key order, whose texts (UTF-8
bytes) fit in the budget: a uniform draw of documents from every part of the corpus, whatever task
reads them, which stops before the first document that would take it past the budget. Documents whose
key is not below ``rate`` x 2^64 are never drawn (``sample_rate``: at most that share of documents).

Each task keeps the start of its own key order (``TaskSample``): its documents up to the first one past
the budget. The start of the global order up to its first document past the budget holds, of any task,
only documents of that task's kept run (a task's documents before one of them weigh no more than all
documents before it), so merging the tasks' runs by key and stopping at the budget (``bounded_sample``)
gives the same sample for 1, 2 or 512 tasks.

Memory. A task holds, per document of its kept run, one entry of its heap (a tuple of four ints,
about 210 bytes in CPython with its list slot); the texts wait in a spill file on disk, which is compacted to the kept
run once it exceeds ``compact_factor`` x the budget, so a task's disk stays under
``max(compact_factor x budget, budget + D) + D`` bytes (``D`` its largest document) and its memory
under ``budget / mean document size x 210`` bytes (4 GB of 4 KB files: about 210 MB). The merge
holds one document per task. What the tokenizer's training holds is in docs/tokens.md (measured).
"""

from __future__ import annotations

import hashlib
import heapq
import os
import struct
from collections.abc import Iterator
from pathlib import Path

from codecurate.seeding import derive_seed

#: a record of a task's sample file: key, digest, length of the text in bytes; then the text (UTF-8)
_HEADER = struct.Struct("<QQQ")
SAMPLE_SUFFIX = ".sample"


def sample_key(seed: int, document_id: str) -> int:
    """The document's place in the sample order (a seeded 64-bit hash of its id)."""
    return derive_seed(seed, "tokenizer-sample", document_id)


def text_digest(document_id: str, data: bytes) -> int:
    """Breaks ties between documents of one key (one id): a 64-bit digest of the id and the text."""
    hasher = hashlib.blake2b(digest_size=8)
    hasher.update(document_id.encode("utf-8", errors="surrogatepass"))
    hasher.update(b"\0")
    hasher.update(data)
    return int.from_bytes(hasher.digest(), "little")


def encode_text(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


class TaskSample:
    """One task's run of the sample order: the documents it reads, by key, up to and including the first
    whose bytes take the run past ``budget``. Texts go to a spill file next to ``path``; ``close`` writes
    the kept run, in key order, to ``path``."""

    def __init__(self, path: str | Path, budget: int, seed: int, rate: float = 1.0, compact_factor: float = 2.0):
        if budget < 1:
            raise ValueError(f"the sample's budget must be >= 1 byte, got {budget}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.budget, self.seed = budget, seed
        self.threshold = min(2**64, int(rate * 2**64))
        self.compact_at = max(1, int(compact_factor * budget))
        self.spill_path = self.path.with_name(self.path.name + ".spill")
        self.spill = open(self.spill_path, "w+b")  # noqa: SIM115 -- closed by close()
        self.spilled = 0
        self.heap: list[tuple[int, int, int, int]] = []  # (-key, -digest, offset, length): the largest key on top
        self.bytes = 0  # of the kept run
        self.seen = 0  # documents offered that may be drawn (key under the rate's threshold)

    def add(self, document_id: str, text: str) -> bool:
        """Offer a document; True when it joins the kept run (for now)."""
        key = sample_key(self.seed, document_id)
        if key >= self.threshold:
            return False
        self.seen += 1
        if self.heap and self.bytes > self.budget and key > -self.heap[0][0]:
            return False  # past the run's last document, which already takes it over the budget
        data = encode_text(text)
        digest = text_digest(document_id, data)
        if self.heap and self.bytes > self.budget and (key, digest) >= (-self.heap[0][0], -self.heap[0][1]):
            return False
        if self.spilled >= self.compact_at:
            self._compact()
        self.spill.seek(self.spilled)
        self.spill.write(data)
        heapq.heappush(self.heap, (-key, -digest, self.spilled, len(data)))
        self.spilled += len(data)
        self.bytes += len(data)
        # drop the last documents while the run without its last one is already past the budget
        while len(self.heap) > 1 and self.bytes - self.heap[0][3] > self.budget:
            self.bytes -= heapq.heappop(self.heap)[3]
        return True

    def _kept(self) -> list[tuple[int, int, int, int]]:
        """The kept run in key order: ``(key, digest, offset, length)``."""
        return sorted((-k, -d, offset, length) for k, d, offset, length in self.heap)

    def _read(self, offset: int, length: int) -> bytes:
        self.spill.seek(offset)
        return self.spill.read(length)

    def _compact(self) -> None:
        """Rewrite the spill file with the kept run only."""
        fresh_path = self.spill_path.with_name(self.spill_path.name + ".new")
        heap, position = [], 0
        with open(fresh_path, "wb") as fresh:
            for key, digest, offset, length in self._kept():
                fresh.write(self._read(offset, length))
                heap.append((-key, -digest, position, length))
                position += length
        self.spill.close()
        os.replace(fresh_path, self.spill_path)
        self.spill = open(self.spill_path, "r+b")  # noqa: SIM115 -- closed by close()
        heapq.heapify(heap)
        self.heap, self.spilled = heap, position

    def close(self) -> tuple[int, int]:
        """Write the kept run to ``path`` (under a temporary name, then renamed), drop the spill file;
        returns the run's documents and bytes."""
        partial = self.path.with_name(self.path.name + ".partial")
        kept = self._kept()
        with open(partial, "wb") as out:
            for key, digest, offset, length in kept:
                out.write(_HEADER.pack(key, digest, length))
                out.write(self._read(offset, length))
        self.spill.close()
        self.spill_path.unlink(missing_ok=True)
        os.replace(partial, self.path)
        return len(kept), self.bytes


def read_records(path: str | Path) -> Iterator[tuple[int, int, bytes]]:
    """``(key, digest, text bytes)`` of a task's sample file, in key order."""
    with open(path, "rb") as f:
        while header := f.read(_HEADER.size):
            key, digest, length = _HEADER.unpack(header)
            yield key, digest, f.read(length)


def sample_files(folder: str | Path) -> list[Path]:
    return sorted(Path(folder).glob(f"*{SAMPLE_SUFFIX}"))


def bounded_records(folder: str | Path, budget: int) -> Iterator[tuple[int, int, bytes]]:
    """The sample: the tasks' runs in ``folder`` merged by key, up to the first document that would take
    it past ``budget`` bytes. Holds one document per task."""
    total = 0
    merged = heapq.merge(*(read_records(p) for p in sample_files(folder)), key=lambda r: (r[0], r[1]))
    for record in merged:
        total += len(record[2])
        if total > budget:
            return
        yield record


def bounded_sample(folder: str | Path, budget: int) -> Iterator[str]:
    """The sample's texts, in key order (``bounded_records``)."""
    for _, _, data in bounded_records(folder, budget):
        yield data.decode("utf-8", errors="surrogatepass")
