"""What every repository reader shares: sharding by repository, file decoding, reader-level drops.

A repository reader lists repositories (cheap), gives each task every ``world_size``-th of them in
sorted order, and yields the files of one repository contiguously, in path order, so blocks that
need whole repositories (license detection, file ordering) see them together.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
import stat
import time
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.readers.base import BaseReader
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting
from codecurate.languages import detect_language
from codecurate.optout import content_id

#: Reader-level drop reasons (the filters of issue-3 handle content; readers only handle access).
REASON_EXCLUDED_PATH = "excluded_path"
REASON_TOO_LARGE = "file_too_large"
REASON_SYMLINK = "symlink"
REASON_UNREADABLE = "unreadable"
#: a FIFO, socket or device: opening it can block forever or read without end
REASON_NOT_REGULAR = "not_a_regular_file"
#: a file name that is not UTF-8 (kept in the exclusion output with U+FFFD in place of its bad bytes)
REASON_UNDECODABLE_PATH = "undecodable_path"
REASON_LANGUAGE = "language_not_selected"
#: a folder that cannot be listed (permissions): its files cannot be counted one by one, the folder is
REASON_UNREADABLE_DIR = "unreadable_dir"
#: a top-level entry of the input whose name starts with "." (``.git``, ``.cache``, ``.DS_Store``)
REASON_HIDDEN = "hidden"
#: a top-level entry of the input that is neither a repository folder nor a sidecar (a stray file)
REASON_NOT_A_REPOSITORY = "not_a_repository"

#: drop reasons of inputs a reader could not read (not a recipe's choice): each is a run warning
NOT_READ_REASONS = (REASON_UNREADABLE, REASON_NOT_REGULAR, REASON_UNDECODABLE_PATH, REASON_UNREADABLE_DIR,
                    REASON_NOT_A_REPOSITORY, "unreadable_sidecar", "unreadable_archive",
                    "unsafe_archive_member")

#: Default cap on the bytes a reader loads for one file. The paper's long-file rule (1 MB) is a
#: filter with a named reason; this cap only keeps huge blobs out of memory.
DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024


def printable_name(name: str) -> str:
    """``name`` with the bytes that are not UTF-8 (surrogate escapes from the file system) as U+FFFD:
    what can go into a document's id and metadata."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


def decode_source(raw: bytes) -> tuple[str, bool]:
    """Decode file bytes as UTF-8 (UTF-16 when a BOM says so); ``(text, had_errors)``.

    Undecodable input is decoded with U+FFFD replacements and flagged, never raised: the trivial
    file filter drops it with the reason ``undecodable``.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), False
        except UnicodeDecodeError:
            return raw.decode("utf-16", errors="replace"), True
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), True


@dataclass
class RepositoryFile:
    """One file of a repository: its path in the repository and where to read it; ``reason`` when
    listing already decided it is not read (a folder that cannot be listed, a file in a bucket or an
    archive too large to fetch), with ``size`` when listing found it."""

    path: str
    location: Path
    reason: str | None = None
    size: int | None = None


@dataclass
class Repository:
    """A repository as a reader found it: its id, its repository-level metadata, its files."""

    repo_id: str
    metadata: dict = field(default_factory=dict)
    files: Iterable[RepositoryFile] = ()
    articles: Iterable[Document] = ()
    #: metadata of single files, by path in the repository (their authors)
    file_metadata: dict[str, dict] = field(default_factory=dict)
    #: called once the repository's files are read (deletes a local copy of a bucket's or an archive's files)
    release: Callable[[], None] | None = None


class RepositoryReader(Accounting, BaseReader):
    """Base of the readers that yield whole repositories, one document per file.

    Args:
        max_repositories: read only the first N repositories (sorted order, before sharding).
        max_file_bytes: files larger than this are not loaded; they are dropped as ``file_too_large``.
        exclude: glob patterns (matched against the path in the repository and each of its folder
            names) of files to drop as ``excluded_path``.
        languages: keep only files of these languages (names of ``codecurate.languages``); others
            are dropped as ``language_not_selected``. ``None`` keeps every file.
        exclusion_writer: writer for dropped files (set by the recipe engine).
    """

    type = "📖 - READER"

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """Inputs the reader could not read (``NOT_READ_REASONS``; ``excluded/<stage>/`` names each)."""
        dropped = (stage or {}).get("dropped") or {}
        found = [f"{reason} {dropped[reason]['documents']}" for reason in NOT_READ_REASONS if reason in dropped]
        if not found:
            return []
        return [f"inputs not read: {', '.join(found)} (each named in excluded/{stage['stage']}/)"]

    def __init__(
        self,
        max_repositories: int | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        exclude: list[str] | None = None,
        languages: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__()
        if max_repositories is not None and max_repositories < 1:
            raise ValueError(f"max_repositories must be >= 1 or None, got {max_repositories}")
        if max_file_bytes < 1:
            raise ValueError(f"max_file_bytes must be >= 1, got {max_file_bytes}")
        self.max_repositories = max_repositories
        self.max_file_bytes = max_file_bytes
        self.exclude = list(exclude or [])
        self.languages = self._check_languages(languages)
        self.exclusion_writer = exclusion_writer
        #: top-level entries of the input that are not read, ``(name, reason)``: filled by
        #: ``list_repositories``, counted and written once, by the task of rank 0
        self.skipped_entries: list[tuple[str, str]] = []

    @staticmethod
    def _check_languages(languages: list[str] | None) -> set[str] | None:
        if languages is None:
            return None
        from codecurate.languages import get_language

        return {get_language(name).name for name in languages}

    @abstractmethod
    def list_repositories(self) -> list[str]:
        """Sorted names of all repositories in the input (cheap: no file is read)."""

    @abstractmethod
    def open_repository(self, name: str) -> Repository:
        """The repository called ``name`` with its metadata and files."""

    def _is_excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        parts = path.split("/")
        return any(
            fnmatch.fnmatchcase(path, pattern) or any(fnmatch.fnmatchcase(part, pattern) for part in parts)
            for pattern in self.exclude
        )

    def _file_document(self, repo: Repository, file: RepositoryFile) -> tuple[Document, str | None, int]:
        """The document for one file, the reason to drop it (or None), and its size on disk."""
        path = printable_name(file.path)
        metadata = {
            **repo.metadata,
            keys.REPO: repo.repo_id,
            keys.PATH: path,
            keys.SOURCE: self.name,
            keys.KIND: keys.KIND_CODE,
            **repo.file_metadata.get(file.path, {}),
        }
        document = Document(text="", id=keys.document_id(repo.repo_id, path), metadata=metadata)
        if path != file.path:
            return document, REASON_UNDECODABLE_PATH, 0
        if file.reason is not None:
            if file.size is not None:
                metadata[keys.SIZE_BYTES] = file.size
            return document, file.reason, file.size or 0
        try:
            status = os.lstat(file.location)
        except OSError:
            return document, REASON_UNREADABLE, 0
        if stat.S_ISLNK(status.st_mode):
            return document, REASON_SYMLINK, 0
        if not stat.S_ISREG(status.st_mode):
            return document, REASON_NOT_REGULAR, 0
        size = status.st_size
        metadata[keys.SIZE_BYTES] = size
        if self._is_excluded(file.path):
            return document, REASON_EXCLUDED_PATH, size
        if size > self.max_file_bytes:
            return document, REASON_TOO_LARGE, size
        try:
            raw = _read_regular(file.location, self.max_file_bytes)
        except OSError as error:
            logger.warning(f"cannot read {repo.repo_id}:{file.path}: {error}")
            return document, REASON_UNREADABLE, size
        if len(raw) > self.max_file_bytes:  # grown since it was listed
            return document, REASON_TOO_LARGE, len(raw)
        metadata[keys.CONTENT_ID] = content_id(raw)
        document.text, decode_error = decode_source(raw)
        if decode_error:
            metadata[keys.DECODE_ERROR] = True
        metadata[keys.LANGUAGE] = detect_language(file.path, document.text)
        if self.languages is not None and metadata[keys.LANGUAGE] not in self.languages:
            return document, REASON_LANGUAGE, size
        return document, None, size

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        names = self.list_repositories()
        if self.max_repositories is not None:
            names = names[: self.max_repositories]
        shard = names[rank::world_size]
        logger.info(f"{self.name}: {len(shard)} of {len(names)} repositories for task {rank}")
        started = last_log = time.monotonic()
        with self.exclusion_output() as excluded:
            if rank == 0:
                self.report_listing(excluded, rank)
            for index, name in enumerate(shard, start=1):
                repository = self.open_repository(name)
                try:
                    yield from self._read_repository(repository, excluded, rank)
                finally:
                    if repository.release is not None:
                        repository.release()
                self.stat_update("repositories")
                now = time.monotonic()
                if now - last_log > 30 or index == len(shard):
                    logger.info(f"{self.name}: task {rank} read {index}/{len(shard)} repositories "
                                f"in {now - started:.0f}s")
                    last_log = now

    def report_listing(self, excluded: DiskWriter | None, rank: int) -> None:
        """Count, log and write what listing the input found and did not read (``skipped_entries``);
        done by one task only, since every task lists the whole input."""
        for entry, reason in self.skipped_entries:
            name = printable_name(entry)
            logger.warning(f"{self.name}: {name!r} in the input is not read ({reason})")
            document = Document(text="", id=name, metadata={keys.REPO: None, keys.PATH: name, keys.SOURCE: self.name,
                                                            keys.KIND: keys.KIND_CODE})
            self.count_in(document, 0)
            self.drop(document, reason, excluded, rank, size=0)

    def _read_repository(self, repo: Repository, excluded: DiskWriter | None, rank: int) -> Iterator[Document]:
        for file in sorted(repo.files, key=lambda f: f.path):
            document, reason, size = self._file_document(repo, file)
            if reason:  # not loaded, or not kept: its size as found
                self.count_in(document, size)
                self.drop(document, reason, excluded, rank, size=size)
            else:  # the UTF-8 bytes of its text, as every later stage counts it (a file not in UTF-8 differs)
                self.count_in(document)
                self.count_kept(document)
                yield document
        for article in repo.articles:
            self.count_in(article)
            self.count_kept(article)
            yield article


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit + 1`` of them (more: too large), opened
    so that it cannot block (a file swapped for a FIFO since it was listed)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"{path} is no longer a regular file")
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(descriptor, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def walk_files(root: Path, skip_dirs: tuple[str, ...] = (".git",)) -> Iterator[RepositoryFile]:
    """Every file under ``root`` (symlinks included, not followed), skipping ``skip_dirs`` folders.

    A folder that cannot be listed (permissions, removed meanwhile) is one entry with the reason
    ``unreadable_dir`` (path ``.`` for ``root`` itself): its files cannot be counted, the folder is.
    """
    top = str(root)
    unreadable: list[OSError] = []

    def folders_not_listed() -> Iterator[RepositoryFile]:
        while unreadable:
            error = unreadable.pop(0)
            location = error.filename if error.filename is not None else top
            path = os.path.relpath(location, top).replace(os.sep, "/")
            logger.warning(f"cannot list {location}: {error.strerror or error}")
            yield RepositoryFile(path, Path(location), reason=REASON_UNREADABLE_DIR)

    for folder, dirnames, filenames in os.walk(top, onerror=unreadable.append, followlinks=False):
        yield from folders_not_listed()
        dirnames[:] = [d for d in dirnames if d not in skip_dirs]
        prefix = os.path.relpath(folder, top).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for filename in filenames:
            yield RepositoryFile(prefix + filename, Path(folder, filename))
        for dirname in dirnames:
            if os.path.islink(os.path.join(folder, dirname)):
                yield RepositoryFile(prefix + dirname, Path(folder, dirname))
    yield from folders_not_listed()
