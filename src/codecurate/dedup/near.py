"""Near dedup: MinHash-LSH over code shingles, with the paper's cluster reduction.

Six passes, each a datatrove segment (resumable through its completion markers):

0. ``headers`` (every task, when ``header_repeats``): the leading comment blocks of every file,
   keyed by repository and words (``codecurate.boilerplate``), counted, so that a header the
   repository repeats in ``header_repeats`` files is known before any file is shingled.
1. ``signatures`` (every task): shingles of the text less its boilerplate (licence headers and
   repeated leading comments; the text itself is unchanged), a 256-value MinHash signature and 13
   band hashes per document, streamed to disk: signatures, shingle sets, keep-rule metadata, and
   band records split into ``partitions`` by band hash. With ``same_language`` a band hash is
   salted with the document's language, so documents of two languages are never candidates.
2. ``pairs`` (one task per partition): documents sharing a band hash are candidate pairs. A bucket
   of at most ``max_bucket_size`` documents gives all its pairs; a larger one a chain and a star
   over its members in id-hash order (connectivity kept, pairs linear in its size).
3. ``verify`` (one task per partition): a pair becomes an edge only when its Jaccard similarity
   (exact on shingle sets, or estimated from the full signatures) reaches the threshold. This is
   the paper's reduction: LSH false positives never join a cluster.
4. ``cluster`` (one task): union-find over the verified edges only, so its memory grows with the
   duplicate pairs, not with the corpus; in each cluster the keep rule picks the survivor.
5. ``filter`` (every task): drops the others as ``near_duplicate``, recording the kept copy.
"""

from __future__ import annotations

import hashlib
import os
from typing import Annotated

import numpy as np
from annotated_types import Interval
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate import metadata as keys
from codecurate.boilerplate import (
    header_key,
    is_licence_text,
    leading_comment_blocks,
    strip_blocks,
)
from codecurate.core.folders import Location, datafolder
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput
from codecurate.dedup.store import (
    DuplicateFilter,
    MetaWriter,
    choose_keepers,
    cluster_sections,
    make_refs,
    read_array,
    read_meta,
    read_records,
    split_refs,
    write_array,
    write_drops,
)
from codecurate.languages import language_for_path
from codecurate.minhash import MinHasher, band_hashes, jaccard, mix64, optimal_bands, shingle_hashes

BAND_RECORD = np.dtype([("key", "<u8"), ("order", "<u8"), ("ref", "<u8")])
EDGE_RECORD = np.dtype([("a", "<u8"), ("b", "<u8"), ("similarity", "<f8")])
HEADER_RECORD = np.dtype([("key", "<u8"), ("files", "<u8")])
SIMILARITY_MODES = ("exact", "signature")


def document_language(document) -> str:
    """The document's language (its metadata, else its path's), ``""`` when unknown."""
    language = document.metadata.get(keys.LANGUAGE)
    if not language:
        language = language_for_path(document.metadata.get(keys.PATH) or "") or ""
    return language


def language_salt(language: str) -> np.uint64:
    """A 64-bit value per language, mixed into band hashes so that languages never share a bucket."""
    digest = hashlib.blake2b(language.encode("utf-8"), digest_size=8).digest()
    return mix64(np.array([int.from_bytes(digest, "little")], dtype=np.uint64))[0]


class HeaderCensus(PipelineStep):
    """Pass 0: how many files of each repository open with each leading comment block."""

    type = "🫂 - DEDUP"
    name = "header census"
    #: what it writes (counts per repository) is not matched by the place of a document in its task
    matched_by_position = False

    def __init__(self, work: str):
        super().__init__()
        self.work = work

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts: dict[int, int] = {}
        for document in data or ():
            with self.track_time():
                repository = document.metadata.get(keys.REPO) or ""
                blocks = leading_comment_blocks(document.text, document_language(document))
                for key in {header_key(b.text, repository) for b in blocks if not is_licence_text(b.text)}:
                    counts[key] = counts.get(key, 0) + 1
            self.stat_update("documents")
        records = np.empty(len(counts), dtype=HEADER_RECORD)
        records["key"] = np.fromiter(counts.keys(), dtype=np.uint64, count=len(counts))
        records["files"] = np.fromiter(counts.values(), dtype=np.uint64, count=len(counts))
        write_array(datafolder(Location(self.work) / "headers"), f"{rank:05d}.bin", records)
        self.stat_update("header_blocks", value=len(records))
        return
        yield


def repeated_headers(work: Location, repeats: int) -> np.ndarray:
    """Sorted keys of the headers that ``repeats`` or more files of their repository open with."""
    records = read_records(work / "headers", HEADER_RECORD)
    if not len(records):
        return np.empty(0, dtype=np.uint64)
    unique, inverse = np.unique(records["key"], return_inverse=True)
    totals = np.bincount(inverse, weights=records["files"].astype(np.float64))
    return unique[totals >= repeats]


class SignatureStep(PipelineStep):
    """Pass 1: shingles, signature and band records of every document of the task."""

    type = "🫂 - DEDUP"
    name = "minhash signatures"

    def __init__(self, work: str, num_perm: int, bands: int, rows: int, ngram: int, seed: int,
                 partitions: int, batch: int = 2048, boilerplate: bool = False, header_repeats: int = 0,
                 same_language: bool = False):
        super().__init__()
        self.work = work
        self.num_perm, self.bands, self.rows, self.ngram = num_perm, bands, rows, ngram
        self.seed, self.partitions, self.batch = seed, partitions, batch
        self.boilerplate, self.header_repeats, self.same_language = boilerplate, header_repeats, same_language

    def shingled_text(self, document, language: str, repeated: np.ndarray | None) -> str:
        """The text that is shingled: the document's, less its boilerplate blocks when asked."""
        if not self.boilerplate:
            return document.text
        blocks = leading_comment_blocks(document.text, language)
        if not blocks:
            return document.text
        repository = document.metadata.get(keys.REPO) or ""
        licence = [b for b in blocks if is_licence_text(b.text)]
        dropped = licence
        if repeated is not None and len(repeated):
            rest = [b for b in blocks if b not in licence]
            wanted = np.array([header_key(b.text, repository) for b in rest], dtype=np.uint64)
            found = np.searchsorted(repeated, wanted)
            hit = (found < len(repeated)) & (repeated[np.minimum(found, len(repeated) - 1)] == wanted)
            repeats = [b for b, h in zip(rest, hit.tolist()) if h]
            if repeats:
                self.stat_update("boilerplate_repeated_blocks", value=len(repeats))
                dropped = sorted(licence + repeats, key=lambda b: b.start)
        if not dropped:
            return document.text
        self.stat_update("boilerplate_documents")
        self.stat_update("boilerplate_licence_blocks", value=len(licence))
        self.stat_update("boilerplate_chars", value=sum(b.end - b.start for b in dropped))
        return strip_blocks(document.text, dropped)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        folder = datafolder(work)
        hasher = MinHasher(self.num_perm, self.seed)
        meta = MetaWriter(work / "meta", rank)
        band_files = [folder.open(f"bands/{partition:05d}/{rank:05d}.bin", "wb")
                      for partition in range(self.partitions)]
        offsets = [0]
        pending: list[tuple[int, np.ndarray, int, np.uint64]] = []
        repeated = repeated_headers(work, self.header_repeats) if self.boilerplate and self.header_repeats else None
        try:
            with folder.open(f"signatures/{rank:05d}.u32", "wb") as signatures, \
                    folder.open(f"shingles/{rank:05d}.u64", "wb") as shingle_file:
                for index, document in enumerate(data or ()):
                    with self.track_time():
                        language = document_language(document)
                        shingles = shingle_hashes(self.shingled_text(document, language, repeated), self.ngram)
                        signature = hasher.signature(shingles)
                    signatures.write(signature.tobytes())
                    shingle_file.write(shingles.tobytes())
                    offsets.append(offsets[-1] + shingles.size)
                    meta.add(document)
                    self.stat_update("documents")
                    self.stat_update("shingles", value=int(shingles.size))
                    if shingles.size:  # a document without tokens cannot be a near duplicate
                        order = int.from_bytes(hashlib.blake2b(document.id.encode(), digest_size=8).digest(), "little")
                        salt = language_salt(language) if self.same_language else np.uint64(0)
                        pending.append((index, signature, order, salt))
                    if len(pending) >= self.batch:
                        self._flush(pending, rank, band_files)
                        pending = []
                self._flush(pending, rank, band_files)
        finally:
            for f in band_files:
                f.close()
            meta.close()
        write_array(folder, f"shingles/{rank:05d}.off", np.asarray(offsets, dtype=np.uint64))
        return
        yield

    def _flush(self, pending: list, rank: int, band_files: list) -> None:
        if not pending:
            return
        indices = np.array([p[0] for p in pending], dtype=np.uint64)
        bands = band_hashes(np.stack([p[1] for p in pending]), self.bands, self.rows)
        bands ^= np.array([p[3] for p in pending], dtype=np.uint64)[:, None]  # 0 unless same_language
        records = np.empty(bands.size, dtype=BAND_RECORD)
        records["key"] = bands.ravel()
        records["order"] = np.repeat(np.array([p[2] for p in pending], dtype=np.uint64), self.bands)
        records["ref"] = np.repeat(make_refs(rank, indices), self.bands)
        partition_of = records["key"] % np.uint64(self.partitions)
        for partition, handle in enumerate(band_files):
            handle.write(records[partition_of == partition].tobytes())


class CandidatePairs(PipelineStep):
    """Pass 2, one task per partition: candidate pairs from shared band hashes."""

    type = "🫂 - DEDUP"
    name = "candidate pairs"

    def __init__(self, work: str, max_bucket_size: int):
        super().__init__()
        self.work = work
        self.max_bucket_size = max_bucket_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        table = read_records(work / "bands" / f"{rank:05d}", BAND_RECORD)
        table = table[np.lexsort((table["ref"], table["order"], table["key"]))]
        firsts, seconds = [], []
        if len(table):
            bounds = np.flatnonzero(np.concatenate(([True], np.diff(table["key"]) != 0, [True])))
            sizes = np.diff(bounds)
            for start, size in zip(bounds[:-1][sizes > 1], sizes[sizes > 1]):
                members = table["ref"][start : start + size]
                if size <= self.max_bucket_size:
                    i, j = np.triu_indices(size, k=1)
                else:  # chain and star: connected, linear in the bucket size
                    self.stat_update("large_buckets")
                    i = np.concatenate((np.arange(size - 1), np.zeros(size - 2, dtype=np.int64)))
                    j = np.concatenate((np.arange(1, size), np.arange(2, size)))
                firsts.append(members[i])
                seconds.append(members[j])
        pairs = np.empty((0, 2), dtype=np.uint64)
        if firsts:
            a, b = np.concatenate(firsts), np.concatenate(seconds)
            pairs = np.unique(np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1), axis=0)
            pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        write_array(datafolder(work / "pairs"), f"{rank:05d}.u64", pairs.astype(np.uint64))
        self.stat_update("candidate_pairs", value=len(pairs))
        return
        yield


class _Signatures:
    """Random access to the signatures and shingle sets of pass 1 (memory-mapped per task)."""

    def __init__(self, work: Location, num_perm: int):
        self.work = work
        self.folder = datafolder(work)
        self.num_perm = num_perm
        self._signatures: dict[int, np.ndarray] = {}
        self._shingles: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def signatures(self, rank: int) -> np.ndarray:
        if rank not in self._signatures:
            flat = self._mapped(f"signatures/{rank:05d}.u32", np.uint32)
            self._signatures[rank] = flat.reshape(-1, self.num_perm)
        return self._signatures[rank]

    def shingles(self, ref: int) -> np.ndarray:
        (rank,), (index,) = split_refs(np.array([ref], dtype=np.uint64))
        if rank not in self._shingles:
            values = self._mapped(f"shingles/{rank:05d}.u64", np.uint64)
            self._shingles[rank] = (values, read_array(self.folder, f"shingles/{rank:05d}.off", np.uint64))
        values, offsets = self._shingles[rank]
        return np.asarray(values[int(offsets[index]) : int(offsets[index + 1])])

    def _mapped(self, name: str, dtype) -> np.ndarray:
        """The file ``name`` memory-mapped on local disk; read whole from an object store."""
        if not self.folder.is_local():
            return read_array(self.folder, name, dtype)
        path = self.folder.resolve_paths(name)
        return np.memmap(path, dtype=dtype, mode="r") if os.path.getsize(path) else np.empty(0, dtype)

    def estimated(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        rank_a, index_a = split_refs(a)
        rank_b, index_b = split_refs(b)
        rows_a = np.empty((a.size, self.num_perm), dtype=np.uint32)
        rows_b = np.empty((b.size, self.num_perm), dtype=np.uint32)
        for rank in np.unique(np.concatenate((rank_a, rank_b))):
            table = self.signatures(int(rank))
            rows_a[rank_a == rank] = table[index_a[rank_a == rank]]
            rows_b[rank_b == rank] = table[index_b[rank_b == rank]]
        return (rows_a == rows_b).mean(axis=1)


class VerifyPairs(PipelineStep):
    """Pass 3, one task per partition: keep the candidate pairs whose similarity reaches the threshold."""

    type = "🫂 - DEDUP"
    name = "verify pairs"

    def __init__(self, work: str, num_perm: int, threshold: float, similarity: str):
        super().__init__()
        self.work = work
        self.num_perm, self.threshold, self.similarity = num_perm, threshold, similarity

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        pairs = read_array(datafolder(work / "pairs"), f"{rank:05d}.u64", np.uint64).reshape(-1, 2)
        store = _Signatures(work, self.num_perm)
        if self.similarity == "signature" or not len(pairs):
            similarity = store.estimated(pairs[:, 0], pairs[:, 1]) if len(pairs) else np.empty(0)
        else:
            similarity = np.array([jaccard(store.shingles(a), store.shingles(b)) for a, b in pairs.tolist()])
        keep = similarity >= self.threshold
        edges = np.empty(int(keep.sum()), dtype=EDGE_RECORD)
        edges["a"], edges["b"], edges["similarity"] = pairs[keep, 0], pairs[keep, 1], similarity[keep]
        write_array(datafolder(work / "edges"), f"{rank:05d}.bin", edges)
        self.stat_update("pairs_checked", value=len(pairs))
        self.stat_update("edges_kept", value=len(edges))
        self.stat_update("false_positive_pairs", value=len(pairs) - len(edges))
        return
        yield


def edge_components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(nodes, labels, inverse)`` of the graph with edges ``a[i] - b[i]``: its distinct nodes
    (sorted), each one's connected component (labels ``0..k-1``), and each edge end's position in
    ``nodes`` (``a`` ends first). Vectorised: scipy's connected components over a sparse graph
    take about 130 bytes per edge at their peak, no Python object per node."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ends = np.concatenate([np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)])
    nodes, inverse = np.unique(ends, return_inverse=True)
    if not len(nodes):
        return nodes, np.empty(0, dtype=np.int64), inverse
    m = len(ends) // 2
    graph = coo_matrix((np.ones(m, dtype=np.int8), (inverse[:m], inverse[m:])), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    return nodes, labels.astype(np.int64), inverse


def components_as_lists(nodes: np.ndarray, labels: np.ndarray) -> list[list[int]]:
    """The components (each of two or more nodes, members sorted) as lists, in order of their smallest member."""
    order = np.lexsort((nodes, labels))
    sorted_labels = labels[order]
    bounds = np.flatnonzero(np.diff(sorted_labels)) + 1
    groups = [g.tolist() for g in np.split(nodes[order], bounds) if len(g) > 1]
    return sorted(groups)


def union_find_clusters(a: np.ndarray, b: np.ndarray) -> list[list[int]]:
    """Connected components (of two or more nodes) of the graph with edges ``a[i] - b[i]``."""
    nodes, labels, _ = edge_components(a, b)
    return components_as_lists(nodes, labels)


#: one record per clustered document: its reference, component label and best edge similarity
MEMBER_RECORD = np.dtype([("ref", "<u8"), ("label", "<i8"), ("similarity", "<f8")])


class ClusterStep(PipelineStep):
    """Pass 4, one task: the connected components of the verified edges (vectorised), their members
    written in ``partitions`` files by component, so that pass 5 splits the keep rule's work."""

    type = "🫂 - DEDUP"
    name = "clusters"

    def __init__(self, work: str, partitions: int = 1):
        super().__init__()
        self.work = work
        self.partitions = partitions

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        edges = read_records(work / "edges", EDGE_RECORD)
        nodes, labels, inverse = edge_components(edges["a"], edges["b"])
        best = np.zeros(len(nodes), dtype=np.float64)
        m = len(edges)
        np.maximum.at(best, inverse[:m], edges["similarity"])
        np.maximum.at(best, inverse[m:], edges["similarity"])
        del edges, inverse
        members = np.empty(len(nodes), dtype=MEMBER_RECORD)
        members["ref"], members["label"], members["similarity"] = nodes, labels, best
        folder = datafolder(work / "members")
        part = labels % self.partitions
        for k in range(self.partitions):
            write_array(folder, f"{k:05d}.bin", members[part == k])
        self.stat_update("clusters", value=int(labels.max()) + 1 if len(labels) else 0)
        self.stat_update("clustered_documents", value=len(nodes))
        return
        yield


class KeepStep(PipelineStep):
    """Pass 5, one task per partition of the components: the keep rule picks each component's
    survivor (reading only its members' metadata) and the others are listed as drops."""

    type = "🫂 - DEDUP"
    name = "keep rule"

    def __init__(self, work: str):
        super().__init__()
        self.work = work

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        folder = datafolder(work / "members")
        name = f"{rank:05d}.bin"
        members = read_array(folder, name, MEMBER_RECORD) if folder.isfile(name) else np.empty(0, MEMBER_RECORD)
        clusters = components_as_lists(members["ref"], members["label"])
        meta = read_meta(work / "meta", members["ref"]) if len(members) else {}
        best = dict(zip(members["ref"].tolist(), members["similarity"].tolist()))
        drops = {ref: (kept, round(best[ref], 6)) for ref, kept in choose_keepers(clusters, meta).items()}
        write_drops(work / "drops" / f"{rank:05d}", drops, meta)
        self.stat_update("duplicates", value=len(drops))
        return
        yield


@register("near_dedup")
class NearDedup(MultiStageBlock):
    """Drop near duplicates (reason ``near_duplicate``) found by MinHash-LSH, verified pair by pair.

    Args:
        threshold: Jaccard similarity at which two files are duplicates (0.85).
        num_perm: MinHash permutations (256).
        bands, rows: LSH layout; by default datasketch's optimum for ``threshold`` under
            ``weights`` (13 x 19 at 0.85 and 256 with equal weights).
        weights: ``(false_positive, false_negative)`` weights of datasketch's layout optimum, as in
            its ``MinHashLSH``. Verification removes every false positive of the bands, which then
            cost only verification time: a weight on false negatives (``(0.1, 0.9)``: 18 x 14)
            finds more of the pairs just above ``threshold`` (at 0.85, 86% instead of 46%).
        ngram: words per shingle (5); words are runs of identifier characters.
        similarity: ``exact`` (Jaccard of the shingle sets) or ``signature`` (share of equal
            MinHash values) for the verification of candidate pairs.
        partitions: band partitions, and tasks of the pair and verification passes.
        max_bucket_size: buckets up to this size give all their pairs; larger ones a chain and a star.
        seed: seed of the hash functions (the recipe's seed unless given).
        boilerplate: leave a file's leading licence header out of its shingles (the text is kept
            as it is), and the leading comment blocks its repository repeats (``header_repeats``).
        header_repeats: a leading comment block that at least this many files of a repository open
            with is boilerplate (its words compared, digits aside); 0: licence headers only, and
            no ``headers`` pass.
        same_language: documents of different languages are never candidates (band hashes salted
            with the language; a document without one is of language ``""``).
    """

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """Cluster sizes, from the copies this stage dropped (``codecurate.core.report_sections``)."""
        return cluster_sections(stage, output)

    def __init__(
        self,
        threshold: float = 0.85,
        num_perm: Annotated[int, Interval(ge=1, le=100_000)] = 256,
        bands: int | None = None,
        rows: int | None = None,
        weights: tuple[float, float] = (0.5, 0.5),
        ngram: int = 5,
        similarity: str = "exact",
        partitions: Annotated[int, Interval(ge=1, le=1_000_000)] = 8,
        max_bucket_size: int = 64,
        seed: int = 1,
        boilerplate: bool = True,
        header_repeats: int = 3,
        same_language: bool = True,
    ):
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if similarity not in SIMILARITY_MODES:
            raise ValueError(f"similarity must be one of {', '.join(SIMILARITY_MODES)}, got {similarity!r}")
        if (bands is None) != (rows is None):
            raise ValueError("give both bands and rows, or neither")
        weights = tuple(weights)
        if len(weights) != 2 or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError(f"weights must be two non-negative numbers (false positive, false negative), "
                             f"got {weights}")
        if bands is None:
            bands, rows = optimal_bands(threshold, num_perm, *map(float, weights))
        if bands * rows > num_perm:
            raise ValueError(f"bands x rows = {bands * rows} exceeds num_perm = {num_perm}")
        for label, value in (("num_perm", num_perm), ("ngram", ngram), ("partitions", partitions),
                             ("max_bucket_size", max_bucket_size)):
            if value < 1:
                raise ValueError(f"{label} must be >= 1, got {value}")
        if header_repeats < 0:
            raise ValueError(f"header_repeats must be >= 0, got {header_repeats}")
        self.threshold, self.num_perm, self.bands, self.rows = threshold, num_perm, bands, rows
        self.weights = weights
        self.ngram, self.similarity, self.partitions = ngram, similarity, partitions
        self.max_bucket_size, self.seed = max_bucket_size, seed
        self.boilerplate, self.header_repeats, self.same_language = boilerplate, header_repeats, same_language

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        work = str(context.work_folder)
        census = self.boilerplate and self.header_repeats > 0
        first: list[Segment] = []
        if census:
            headers = context.segment("headers", observes=True)
            headers.add(context.reader(input_folder), None)
            headers.add(HeaderCensus(work), None)
            first.append(headers)
        signatures = context.segment("signatures", observes=not census)
        signatures.add(context.reader(input_folder), None)
        signatures.add(SignatureStep(work, self.num_perm, self.bands, self.rows, self.ngram, self.seed,
                                     self.partitions, boilerplate=self.boilerplate,
                                     header_repeats=self.header_repeats if census else 0,
                                     same_language=self.same_language), None)
        pairs = context.segment("pairs", tasks=self.partitions)
        pairs.add(CandidatePairs(work, self.max_bucket_size), None)
        verify = context.segment("verify", tasks=self.partitions)
        verify.add(VerifyPairs(work, self.num_perm, self.threshold, self.similarity), None)
        cluster = context.segment("cluster", tasks=1)
        cluster.add(ClusterStep(work, self.partitions), None)
        keep = context.segment("keep", tasks=self.partitions)
        keep.add(KeepStep(work), None)
        filtering = context.segment("filter")
        filtering.add(context.reader(input_folder), None)
        filtering.add(context.bind(DuplicateFilter(str(context.work_folder / "drops"), "near_duplicate")),
                      context.stage_id)
        return [*first, signatures, pairs, verify, cluster, keep, filtering]
