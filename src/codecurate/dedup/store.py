"""What the dedup passes share: document references, the keep rule, per-task metadata files, the
list of documents to drop, and the filter that drops them.

A document is referenced by ``(task rank, index in the task's input)`` packed in a uint64. The
first pass and the filtering pass read the same input with the same number of tasks, so the
reference finds the same document again without holding ids in memory.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import numpy as np
from datatrove.data import Document
from datatrove.io import DataFolder

from codecurate import metadata as keys
from codecurate.boilerplate import is_notice_file
from codecurate.core.blocks import CodecurateFilter, Verdict
from codecurate.core.folders import datafolder
from codecurate.core.report_sections import Plot, Section, StageOutput
from codecurate.licenses import is_known_permissive

_INDEX_BITS = np.uint64(40)
_INDEX_MASK = np.uint64((1 << 40) - 1)


def make_refs(rank: int, indices: np.ndarray) -> np.ndarray:
    return (np.uint64(rank) << _INDEX_BITS) | indices.astype(np.uint64)


def split_refs(refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    refs = refs.astype(np.uint64)
    return (refs >> _INDEX_BITS).astype(np.int64), (refs & _INDEX_MASK).astype(np.int64)


def read_array(folder: DataFolder, name: str, dtype: np.dtype) -> np.ndarray:
    """The records of the binary file ``name`` of ``folder`` (a writable array)."""
    with folder.open(name, "rb") as f:
        return np.frombuffer(f.read(), dtype=dtype).copy()


def write_array(folder: DataFolder, name: str, values: np.ndarray) -> None:
    """``values``' bytes as the file ``name`` of ``folder``."""
    with folder.open(name, "wb") as f:
        f.write(np.ascontiguousarray(values).tobytes())


def read_records(location: str, dtype: np.dtype, pattern: str = "*.bin") -> np.ndarray:
    """Every record of the binary files in ``location`` (in file name order), as one array."""
    folder = datafolder(location)
    parts = folder.list_files(glob_pattern=pattern, recursive=False) if folder.isdir("") else []
    return np.concatenate([read_array(folder, p, dtype) for p in parts]) if parts else np.empty(0, dtype)


def keep_priority(document: Document) -> list:
    """The keep rule, smallest first: any file before a licence or notice file (``LICENSE``,
    ``COPYING``, ``NOTICE``...: never the survivor of a cluster with other files), then permissive
    license first, then more stars, then repository, path and id order. Deterministic whatever the
    input order or task count."""
    notice = is_notice_file(document.metadata.get(keys.PATH))
    permissive = is_known_permissive(document.metadata.get(keys.LICENSE))
    stars = document.metadata.get(keys.STARS)
    stars = stars if isinstance(stars, (int, float)) and stars == stars else 0
    return [1 if notice else 0, 0 if permissive else 1, -stars, document.metadata.get(keys.REPO) or "",
            document.metadata.get(keys.PATH) or "", document.id]


class MetaWriter:
    """Per task: one JSON line per document (``[id, *priority]``) and a uint64 offsets file for
    random access by index."""

    def __init__(self, location: str, rank: int):
        self.folder = datafolder(location)
        self.offsets_name = f"{rank:05d}.off"
        self._file = self.folder.open(f"{rank:05d}.jsonl", "wb")
        self._offsets = [0]

    def add(self, document: Document) -> None:
        line = json.dumps(keep_priority(document)).encode("utf-8") + b"\n"
        self._file.write(line)
        self._offsets.append(self._offsets[-1] + len(line))

    def close(self) -> None:
        self._file.close()
        write_array(self.folder, self.offsets_name, np.asarray(self._offsets, dtype=np.uint64))


def read_meta(location: str, refs: np.ndarray) -> dict[int, list]:
    """``ref -> priority`` of the referenced documents, reading only their lines."""
    out: dict[int, list] = {}
    ranks, indices = split_refs(np.asarray(refs, dtype=np.uint64))
    by_rank: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ref, rank, index in zip(np.asarray(refs, dtype=np.uint64).tolist(), ranks.tolist(), indices.tolist()):
        by_rank[rank].append((ref, index))
    folder = datafolder(location)
    for rank, wanted in by_rank.items():
        offsets = read_array(folder, f"{rank:05d}.off", np.uint64)
        with folder.open(f"{rank:05d}.jsonl", "rb") as f:
            for ref, index in sorted(wanted, key=lambda item: item[1]):
                f.seek(int(offsets[index]))
                out[ref] = json.loads(f.readline())
    return out


def write_drops(location: str, drops: dict[int, tuple[str, float]], meta: dict[int, list]) -> int:
    """Write ``ref -> (kept document id, similarity)`` as one jsonl file per task rank."""
    folder = datafolder(location)
    per_rank: dict[int, list] = defaultdict(list)
    refs = np.fromiter(drops.keys(), dtype=np.uint64, count=len(drops))
    ranks, indices = split_refs(refs)
    for ref, rank, index in zip(refs.tolist(), ranks.tolist(), indices.tolist()):
        kept_id, similarity = drops[ref]
        per_rank[rank].append([index, meta[ref][-1], kept_id, similarity])
    for rank, rows in per_rank.items():
        with folder.open(f"{rank:05d}.jsonl", "w", encoding="utf-8") as f:
            for row in sorted(rows):
                f.write(json.dumps(row) + "\n")
    return len(refs)


def choose_keepers(clusters: list[list[int]], meta: dict[int, list]) -> dict[int, str]:
    """For each cluster, every member but the one with the smallest priority -> that keeper's id."""
    drops: dict[int, str] = {}
    for members in clusters:
        keeper = min(members, key=lambda ref: meta[ref])
        for ref in members:
            if ref != keeper:
                drops[ref] = meta[keeper][-1]
    return drops


class DuplicateFilter(CodecurateFilter):
    """Drop the documents listed for this task (``reason``), recording which document was kept."""

    type = "🫂 - DEDUP"
    name = "duplicate filter"

    def __init__(self, drops_folder: str, reason: str):
        super().__init__()
        self.drops_folder = drops_folder
        self.reason = reason

    def load_decisions(self, rank: int) -> dict[int, tuple[str, str, float]]:
        """This task's drops (index in the task's input -> ``(its id, kept id, similarity)``), from
        ``<rank>.jsonl`` in the drops folder or any folder below it."""
        drops = {}
        folder = datafolder(self.drops_folder)
        for path in folder.list_files(glob_pattern=f"**/{rank:05d}.jsonl") if folder.isdir("") else []:
            with folder.open(path, "r", encoding="utf-8") as f:
                drops.update({row[0]: (row[1], row[2], row[3]) for row in map(json.loads, f)})
        return drops

    def apply_decision(self, document: Document, index: int, decisions: dict) -> Verdict:
        drop = decisions.get(index)
        if drop is None:
            return True
        expected_id, kept_id, similarity = drop
        if document.id != expected_id:
            raise RuntimeError(f"{self.name}: document {index} of the task is {document.id!r}, the first pass saw "
                               f"{expected_id!r}: the input changed between passes")
        document.metadata[keys.DUPLICATE_OF] = kept_id
        document.metadata[keys.DUPLICATE_SIMILARITY] = similarity
        return False, self.reason


def cluster_sections(stage: dict, output: StageOutput) -> list[Section]:
    """The report's ``Dedup clusters`` for a stage of ``DuplicateFilter``: how many clusters of each size
    its exclusions (each naming the copy kept) make (``codecurate.core.report_sections``)."""
    copies: Counter = Counter()
    for record in output.excluded():
        kept = (record.get("metadata") or {}).get(keys.DUPLICATE_OF)
        if kept:
            copies[kept] += 1
    sizes = {str(size): n for size, n in sorted(Counter(1 + n for n in copies.values()).items())}
    lines = [f"- {stage['stage']}: " + ", ".join(f"{n:,} clusters of {size}" for size, n in sizes.items())]
    return [Section("Dedup clusters", lines if sizes else [], {"dedup_cluster_sizes": sizes} if sizes else {},
                    per_stage=True, empty="(no duplicates)",
                    plots=[Plot("dedup", "Duplicate cluster sizes (exact and near)", "files in the cluster", sizes,
                                kind="histogram")])]
