"""Project-level dedup: the same project arriving twice (a mirror, a fork, a vendored copy under
another name) keeps one repository, before file-level dedup splits it across its copies.

A repository's **set** is the distinct content hashes of its files (BLAKE2b-64 of the text with
line ends normalised and trailing whitespace removed; empty files left out), plus one element for
its name (the last part of its id, lower case) and one for its declared URL (``repo_url``, scheme,
``www.``, ``.git`` and trailing ``/`` removed) when it has one. Paths do not enter the set, so a
copy with renamed folders has the same set. Two repositories are duplicates when the Jaccard
similarity of their sets reaches ``threshold`` and they share at least ``min_shared_files`` files.

Three passes:

1. ``fingerprint`` (every task): each repository's content hashes and ranking facts (stars,
   commits, test files, license, URL) from its share of the input, to disk.
2. ``cluster`` (one task): the parts of a repository split over tasks merged; a MinHash signature
   per repository set (``codecurate.minhash``), LSH bands, candidate pairs from shared band
   buckets, every candidate verified on the exact Jaccard of the two sets; union-find over the
   verified pairs. In each cluster the repository with the best quality score
   (``codecurate.scoring``: stars, commits, test files) is kept, ties going to a permissive license,
   then to the smaller repository id; the others are listed with the kept one and their similarity.
3. ``filter`` (every task): every file of a listed repository is dropped as
   ``duplicate_repository``, ``duplicate_repository_of`` naming the kept repository.

Memory: pass 2 holds every repository's hash set (8 bytes per distinct file).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated

import numpy as np
from annotated_types import Interval
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter, Verdict
from codecurate.core.folders import Location, datafolder, file_in, read_json, write_json
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput
from codecurate.dedup.near import union_find_clusters
from codecurate.dedup.store import read_array
from codecurate.licenses import is_known_permissive
from codecurate.minhash import MinHasher, band_hashes, jaccard, optimal_bands
from codecurate.scoring import count_value, is_test_file, quality_score

REASON = "duplicate_repository"
#: False-positive and false-negative weights of the default LSH layout.
LSH_WEIGHTS = (0.02, 0.98)
_URL_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(?:www\.)?")


def content_hash(text: str) -> int | None:
    """64-bit hash of a file's text with ``\\r`` and trailing whitespace removed; ``None`` when blank."""
    # every \r goes, and the spaces, tabs, form feeds and vertical tabs that end a line (a regex for it
    # backtracks through every indentation run: 2 s of a 16 MB run)
    lines = text.replace("\r", "").split("\n")
    normalised = "\n".join([line.rstrip(" \t\f\v") for line in lines[:-1]] + lines[-1:]).strip("\n")
    if not normalised.strip():
        return None
    digest = hashlib.blake2b(normalised.encode("utf-8", errors="surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def normalise_url(url: str) -> str:
    """``https://www.GitHub.com/Owner/Repo.git/`` -> ``github.com/owner/repo``."""
    url = _URL_PREFIX.sub("", url.strip().lower())
    url = url.rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def identity_hashes(repo: str, url: str | None) -> list[int]:
    """The set elements of a repository's declared name and URL (hashed apart from file contents)."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].lower()
    name = name[:-4] if name.endswith(".git") else name
    labels = [f"\0name\0{name}"] + ([f"\0url\0{normalise_url(url)}"] if url else [])
    return [int.from_bytes(hashlib.blake2b(label.encode("utf-8"), digest_size=8).digest(), "little")
            for label in labels]


class RepositoryFingerprints(PipelineStep):
    """Pass 1: per repository of the task, its file content hashes and ranking facts, to
    ``<work>/fingerprints/<rank>.jsonl`` (facts, hash count) and ``<rank>.u64`` (the hashes)."""

    type = "🫂 - DEDUP"
    name = "repository fingerprints"
    #: what it writes (fingerprints per repository) is not matched by the place of a document in its task
    matched_by_position = False

    def __init__(self, work: str):
        super().__init__()
        self.work = work

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        repositories: dict[str, dict] = {}
        for document in data or ():
            repo = document.metadata.get(keys.REPO)
            if repo is None:
                continue
            with self.track_time():
                entry = repositories.get(repo)
                if entry is None:
                    entry = repositories[repo] = {"repo": repo, "stars": None, "commits": None, "files": 0,
                                                  "test_files": 0, "license": None, "url": None, "hashes": set()}
                self._add(entry, document)
        folder = datafolder(Location(self.work) / "fingerprints")
        with folder.open(f"{rank:05d}.jsonl", "w", encoding="utf-8") as meta, \
                folder.open(f"{rank:05d}.u64", "wb") as values:
            for entry in repositories.values():
                hashes = np.fromiter(sorted(entry.pop("hashes")), dtype=np.uint64)
                values.write(hashes.tobytes())
                meta.write(json.dumps(entry | {"hashes": int(hashes.size)}) + "\n")
        self.stat_update("repositories", value=len(repositories))
        return
        yield

    def _add(self, entry: dict, document: Document) -> None:
        meta = document.metadata
        for key, field in ((keys.STARS, "stars"), (keys.COMMITS, "commits")):
            value = count_value(meta.get(key))
            if value is not None:
                entry[field] = max(entry[field] or 0, value)
        for key, field in ((keys.LICENSE, "license"), (keys.REPO_URL, "url")):
            if entry[field] is None and meta.get(key):
                entry[field] = str(meta[key])
        entry["files"] += 1
        entry["test_files"] += is_test_file(meta.get(keys.PATH) or "")
        value = content_hash(document.text)
        if value is None:
            self.stat_update("blank_files")
        else:
            entry["hashes"].add(value)


def read_fingerprints(location: str) -> dict[str, dict]:
    """Every task's fingerprints, the parts of one repository merged (``hashes``: sorted unique uint64)."""
    merged: dict[str, dict] = {}
    folder = datafolder(location)
    for part in folder.list_files(glob_pattern="*.jsonl", recursive=False) if folder.isdir("") else []:
        values = read_array(folder, part[: -len(".jsonl")] + ".u64", np.uint64)
        offset = 0
        with folder.open(part, "r", encoding="utf-8") as f:
            for line in f:
                entry = json.loads(line)
                hashes = values[offset : offset + entry["hashes"]]
                offset += entry["hashes"]
                into = merged.get(entry["repo"])
                if into is None:
                    merged[entry["repo"]] = entry | {"hashes": hashes}
                    continue
                for field in ("stars", "commits"):
                    if entry[field] is not None:
                        into[field] = max(into[field] or 0, entry[field])
                for field in ("license", "url"):
                    into[field] = into[field] or entry[field]
                into["files"] += entry["files"]
                into["test_files"] += entry["test_files"]
                into["hashes"] = np.union1d(into["hashes"], hashes)
    return merged


def candidate_pairs(band_keys: np.ndarray, max_bucket_size: int) -> np.ndarray:
    """Unique ``(i, j)`` (i < j) of rows sharing a band hash; buckets over ``max_bucket_size`` give
    a chain and a star (connected, linear in the bucket size)."""
    rows, bands = band_keys.shape
    key = band_keys.ravel()
    member = np.repeat(np.arange(rows, dtype=np.int64), bands)
    band = np.tile(np.arange(bands, dtype=np.uint64), rows)
    order = np.lexsort((member, key, band))
    key, member, band = key[order], member[order], band[order]
    change = (np.diff(key) != 0) | (np.diff(band) != 0)
    bounds = np.flatnonzero(np.concatenate(([True], change, [True])))
    firsts, seconds = [], []
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        size = end - start
        if size < 2:
            continue
        members = member[start:end]
        if size <= max_bucket_size:
            i, j = np.triu_indices(size, k=1)
        else:
            i = np.concatenate((np.arange(size - 1), np.zeros(size - 2, dtype=np.int64)))
            j = np.concatenate((np.arange(1, size), np.arange(2, size)))
        firsts.append(members[i])
        seconds.append(members[j])
    if not firsts:
        return np.empty((0, 2), dtype=np.int64)
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    pairs = np.unique(np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1), axis=0)
    return pairs[pairs[:, 0] != pairs[:, 1]]


class ProjectClusters(PipelineStep):
    """Pass 2, one task: signatures, candidate pairs, verification, clusters, the repositories to drop."""

    type = "🫂 - DEDUP"
    name = "project clusters"

    def __init__(self, work: str, threshold: float, min_shared_files: int, num_perm: int, bands: int, rows: int,
                 max_bucket_size: int, weights: tuple[float, float, float], use_identity: bool, seed: int):
        super().__init__()
        self.work = work
        self.threshold, self.min_shared_files = threshold, min_shared_files
        self.num_perm, self.bands, self.rows, self.max_bucket_size = num_perm, bands, rows, max_bucket_size
        self.weights, self.use_identity, self.seed = weights, use_identity, seed

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = Location(self.work)
        with self.track_time():
            repositories = read_fingerprints(work / "fingerprints")
            names = sorted(repositories)
            files = [repositories[name]["hashes"] for name in names]
            sets = [np.union1d(f, np.array(identity_hashes(name, repositories[name]["url"]), dtype=np.uint64))
                    if self.use_identity else f for name, f in zip(names, files)]
            hasher = MinHasher(self.num_perm, self.seed)
            eligible = [i for i, f in enumerate(files) if f.size >= self.min_shared_files]
            pairs = np.empty((0, 2), dtype=np.int64)
            if len(eligible) > 1:
                signatures = np.stack([hasher.signature(sets[i]) for i in eligible])
                found = candidate_pairs(band_hashes(signatures, self.bands, self.rows), self.max_bucket_size)
                pairs = np.asarray(eligible, dtype=np.int64)[found] if len(found) else pairs
            edges, similarities = [], {}
            for i, j in pairs.tolist():
                shared = np.intersect1d(files[i], files[j], assume_unique=True).size
                similarity = jaccard(sets[i], sets[j])
                if shared >= self.min_shared_files and similarity >= self.threshold:
                    edges.append((i, j))
                    similarities[(i, j)] = similarity
            edge_array = np.array(edges, dtype=np.int64).reshape(-1, 2)
            clusters = union_find_clusters(edge_array[:, 0], edge_array[:, 1])
            scores = [quality_score(repositories[n]["stars"], repositories[n]["commits"],
                                    repositories[n]["test_files"], self.weights) for n in names]
            drop: dict[str, list] = {}
            for members in clusters:
                keeper = min(members, key=lambda i: (-scores[i], not is_known_permissive(
                    repositories[names[i]]["license"]), names[i]))
                for i in members:
                    if i != keeper:
                        pair = (min(i, keeper), max(i, keeper))
                        similarity = similarities.get(pair, jaccard(sets[i], sets[keeper]))
                        drop[names[i]] = [names[keeper], round(similarity, 6)]
        result = {
            "repositories": len(names),
            "clusters": [sorted(names[i] for i in members) for members in clusters],
            "scores": {names[i]: round(scores[i], 6) for members in clusters for i in members},
            "drop": dict(sorted(drop.items())),
        }
        write_json(datafolder(work), "projects.json", result, indent=1)
        self.stat_update("repositories", value=len(names))
        self.stat_update("candidate_pairs", value=len(pairs))
        self.stat_update("verified_pairs", value=len(edges))
        self.stat_update("duplicate_clusters", value=len(clusters))
        self.stat_update("duplicate_repositories", value=len(drop))
        return
        yield


class RepositoryDuplicateFilter(CodecurateFilter):
    """Pass 3: drop every file of a duplicate repository (``duplicate_repository``), naming the kept one."""

    type = "🫂 - DEDUP"
    name = "duplicate repository filter"

    def __init__(self, result: str):
        super().__init__()
        self.result = result

    def load_decisions(self, rank: int) -> dict[str, list]:
        """Duplicate repository -> ``[kept repository, similarity]``, as pass 2 decided."""
        return read_json(*file_in(self.result))["drop"]

    def apply_decision(self, document: Document, index: int, decisions: dict[str, list]) -> Verdict:
        listed = decisions.get(document.metadata.get(keys.REPO))
        if listed is None:
            return True
        document.metadata[keys.DUPLICATE_REPOSITORY_OF] = listed[0]
        document.metadata[keys.DUPLICATE_SIMILARITY] = listed[1]
        return False, REASON


@register("project_dedup")
class ProjectDedup(MultiStageBlock):
    """Drop repositories that duplicate another (reason ``duplicate_repository``), keeping the one
    with the better quality score, then a permissive license, then the smaller id.

    Args:
        threshold: Jaccard similarity of two repositories' sets (distinct file contents, plus name
            and URL) at which they are one project (0.5).
        min_shared_files: file contents two repositories must share, at least, to be duplicates (2).
        num_perm: MinHash permutations of the repository signatures (128).
        bands, rows: LSH layout; by default datasketch's optimum for ``threshold`` and ``num_perm``
            with false negatives weighted 0.98 and false positives 0.02 (candidates are verified):
            a pair at ``threshold`` becomes a candidate with probability >= 0.97.
        max_bucket_size: LSH buckets up to this size give all their pairs; larger ones a chain and a star.
        stars_weight, commits_weight, tests_weight: weights of the quality score (as ``repository_quality``).
        use_identity: add the repository's name and declared URL to its set.
        seed: seed of the MinHash functions (the recipe's seed unless given).
    """

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """The repositories dropped and the one kept for each (``codecurate.core.report_sections``)."""
        found: dict[str, list] = {}
        for record in output.excluded():
            meta = record.get("metadata") or {}
            kept = meta.get(keys.DUPLICATE_REPOSITORY_OF)
            if kept and meta.get(keys.REPO):
                found.setdefault(meta[keys.REPO], [kept, meta.get(keys.DUPLICATE_SIMILARITY), 0])[2] += 1
        dropped = {repo: {"kept": kept, "similarity": similarity, "files": files}
                   for repo, (kept, similarity, files) in sorted(found.items())}
        if not dropped:
            return [Section("Duplicate repositories")]
        files = sum(e["files"] for e in dropped.values())
        lines = [f"{stage['stage']}: {len(dropped):,} repositories dropped ({files:,} files)", "",
                 "| dropped | kept | similarity | files |", "|---|---|---|---|",
                 *(f"| {repo} | {e['kept']} | {e['similarity']} | {e['files']:,} |" for repo, e in dropped.items())]
        return [Section("Duplicate repositories", lines, {"duplicate_repositories": dropped}, per_stage=True)]

    @classmethod
    def summary_lines(cls, stage: dict, brief: bool) -> list[str]:
        counters = stage["counters"]
        if brief or "duplicate_repositories" not in counters:
            return []
        return [f"duplicate repositories: {counters['duplicate_repositories']} of {counters.get('repositories', 0)} "
                f"repositories, in {counters.get('duplicate_clusters', 0)} clusters"]

    def __init__(
        self,
        threshold: float = 0.5,
        min_shared_files: int = 2,
        num_perm: Annotated[int, Interval(ge=1, le=100_000)] = 128,
        bands: int | None = None,
        rows: int | None = None,
        max_bucket_size: int = 64,
        stars_weight: float = 1.0,
        commits_weight: float = 1.0,
        tests_weight: float = 1.0,
        use_identity: bool = True,
        seed: int = 1,
    ):
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if (bands is None) != (rows is None):
            raise ValueError("give both bands and rows, or neither")
        for label, value in (("min_shared_files", min_shared_files), ("num_perm", num_perm),
                             ("max_bucket_size", max_bucket_size)):
            if value < 1:
                raise ValueError(f"{label} must be >= 1, got {value}")
        if bands is None:  # every candidate is verified: a missed pair costs more than a spurious one
            bands, rows = optimal_bands(threshold, num_perm, LSH_WEIGHTS[0], LSH_WEIGHTS[1])
        if bands * rows > num_perm:
            raise ValueError(f"bands x rows = {bands * rows} exceeds num_perm = {num_perm}")
        self.threshold, self.min_shared_files, self.num_perm = threshold, min_shared_files, num_perm
        self.bands, self.rows, self.max_bucket_size = bands, rows, max_bucket_size
        self.weights = (stars_weight, commits_weight, tests_weight)
        self.use_identity, self.seed = use_identity, seed

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        work = str(context.work_folder)
        fingerprint = context.segment("fingerprint", observes=True)
        fingerprint.add(context.reader(input_folder), None)
        fingerprint.add(RepositoryFingerprints(work), None)
        cluster = context.segment("cluster", tasks=1)
        cluster.add(ProjectClusters(work, self.threshold, self.min_shared_files, self.num_perm, self.bands,
                                    self.rows, self.max_bucket_size, self.weights, self.use_identity, self.seed),
                    context.stage_id)
        filtering = context.segment("filter")
        filtering.add(context.reader(input_folder), None)
        filtering.add(context.bind(RepositoryDuplicateFilter(str(context.work_folder / "projects.json"))),
                      context.stage_id)
        return [fingerprint, cluster, filtering]
