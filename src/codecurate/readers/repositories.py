"""Repositories on disk: a folder whose subfolders are repositories (plain trees or git work trees).

Repository metadata comes from an optional sidecar JSON file beside each repository folder
(``<root>/<folder>.json``) and, for git work trees, from git itself (commit count, HEAD).
"""

from __future__ import annotations

import functools
import itertools
import json
import lzma
import os
import posixpath
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.folders import datafolder, is_url, join
from codecurate.core.registry import register
from codecurate.readers.base import (
    DEFAULT_MAX_FILE_BYTES,
    REASON_EXCLUDED_PATH,
    REASON_HIDDEN,
    REASON_NOT_A_REPOSITORY,
    REASON_NOT_REGULAR,
    REASON_SYMLINK,
    REASON_TOO_LARGE,
    REASON_UNREADABLE,
    Repository,
    RepositoryFile,
    RepositoryReader,
    printable_name,
    walk_files,
)

#: a repository whose sidecar cannot be read (permissions): its metadata (license, name) is unknown
REASON_UNREADABLE_SIDECAR = "unreadable_sidecar"
#: counter of the repositories whose id is not the name they declare (stat ``repository_renamed/<why>``)
STAT_RENAMED = "repository_renamed/"

#: Sidecar keys and the metadata key each one fills.
SIDECAR_KEYS = {
    "name": keys.REPO,
    "license": keys.LICENSE,
    "stars": keys.STARS,
    "commits": keys.COMMITS,
    "revision": keys.REVISION,
    "url": keys.REPO_URL,
}
_SIDECAR_TYPES = {"name": str, "license": str, "stars": int, "commits": int, "revision": str, "url": str}


#: files read as repositories (their name without the suffix is the repository folder's name): the
#: repository's files at the archive's root, as ``tar -C REPO -czf REPO.tar.gz .`` writes them
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
#: an archive that cannot be opened or extracted: its files cannot be counted one by one, the archive is
REASON_UNREADABLE_ARCHIVE = "unreadable_archive"
#: an archive member that would be written outside the repository (an absolute path, a link leaving it)
REASON_UNSAFE_MEMBER = "unsafe_archive_member"


class SidecarError(ValueError):
    """A repository sidecar file that cannot be used; the message names the file and the key."""


def read_sidecar(path: Path) -> dict:
    """Validated sidecar contents as metadata keys; ``{}`` when the file does not exist."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SidecarError(f"{path}: not valid JSON: {error}") from error
    return parse_sidecar(text, str(path))


def parse_sidecar(raw: str | bytes, where: str) -> dict:
    """The metadata keys of a sidecar's text; errors name ``where`` (the file) and the key."""
    try:
        data = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SidecarError(f"{where}: not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise SidecarError(f"{where}: expected a JSON object, got {type(data).__name__}")
    metadata = {}
    for key, value in data.items():
        if key not in SIDECAR_KEYS:
            raise SidecarError(f"{where}: unknown key {key!r}; known keys: {', '.join(SIDECAR_KEYS)}")
        expected = _SIDECAR_TYPES[key]
        if value is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            raise SidecarError(f"{where}: key {key!r} must be {expected.__name__}, got {value!r}")
        if isinstance(value, str) and printable_name(value) != value:  # a "\ud800" escape: no UTF-8 for it
            raise SidecarError(f"{where}: key {key!r} holds an unpaired surrogate: {value!r}")
        metadata[SIDECAR_KEYS[key]] = value
    if metadata.get(keys.LICENSE):
        metadata[keys.LICENSE_SOURCE] = "sidecar"
    return metadata


def archive_stem(name: str) -> str | None:
    """The repository name of an archive's file name (``flask`` for ``flask.tar.gz``), ``None`` for a
    file that is not an archive (``ARCHIVE_SUFFIXES``)."""
    lowered = name.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def git_metadata(repo_dir: Path) -> dict:
    """Commit count and HEAD revision of a git work tree; ``{}`` when it is not one, git is absent or
    the folder cannot be read."""
    try:
        if not (repo_dir / ".git").exists() or shutil.which("git") is None:
            return {}
    except OSError:  # a folder we may not enter: its files are dropped as unreadable_dir
        return {}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(repo_dir), *args], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            logger.warning(f"git {' '.join(args)} failed in {repo_dir}: {error}")
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    metadata = {}
    count = git("rev-list", "--count", "HEAD")
    if count and count.isdigit():
        metadata[keys.COMMITS] = int(count)
    revision = git("rev-parse", "HEAD")
    if revision:
        metadata[keys.REVISION] = revision
    return metadata


def git_file_authors(repo_dir: Path) -> dict[str, dict]:
    """``{path: {AUTHOR_IDS: [...]}}``: for every path a commit reachable from HEAD touched, the
    hashed addresses (``codecurate.optout.author_id``) of those commits' authors; ``{}`` for a folder
    that is not a git work tree. One ``git log`` for the whole repository."""
    from codecurate.optout import author_id

    try:
        if not (repo_dir / ".git").exists() or shutil.which("git") is None:
            return {}
        done = subprocess.run(["git", "-c", "core.quotepath=false", "-C", str(repo_dir), "log", "--format=%x00%ae",
                               "--name-only", "--no-renames", "HEAD"], capture_output=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning(f"git log failed in {repo_dir}: {error}; its files' authors are not recorded")
        return {}
    if done.returncode != 0:
        return {}
    authors: dict[str, set[str]] = {}
    for commit in done.stdout.decode("utf-8", errors="surrogateescape").split("\0")[1:]:
        email, _, names = commit.partition("\n")
        hashed = author_id(email)
        for name in names.splitlines():
            if name:
                authors.setdefault(name, set()).add(hashed)
    return {path: {keys.AUTHOR_IDS: sorted(ids)} for path, ids in authors.items()}


@register("repositories")
class RepositoriesReader(RepositoryReader):
    """Read a folder of repositories, one document per file, files of a repository together.

    Args:
        data_folder: the folder whose subfolders (and archives, ``ARCHIVE_SUFFIXES``) are
            repositories: a local folder or an fsspec URL (``s3://bucket/repos``). A repository in a
            bucket or an archive is copied to a temporary folder (``TMPDIR``) while it is read, its
            ``.git`` left out and the files the reader drops unread not copied; its metadata comes
            from its sidecar only.
        max_repositories, max_file_bytes, exclude, languages: see ``RepositoryReader``.
        record_authors: record on each file of a git work tree the hashed addresses of the authors
            of the commits that touched it (``AUTHOR_IDS``), which opt-out ``author`` entries match:
            one ``git log`` per repository; repositories in a folder on local disk only.
    """

    name = "repositories"
    provides = "code"
    path_params = ("data_folder",)
    #: what it reads of a ``--input PATH`` (``codecurate.recipe.inputs``): any local folder, so it is
    #: asked only when no other reader reads the path
    reads_input = "a folder of repositories (on disk)"
    input_fallback = True

    @classmethod
    def input_params(cls, path: str) -> dict | None:
        """The parameters that read ``--input PATH``: a folder, on local disk or at a URL (listed through
        fsspec), else ``None``."""
        if is_url(path):
            return {"data_folder": path} if datafolder(path).isdir("") else None
        return {"data_folder": str(Path(path))} if Path(path).is_dir() else None

    def __init__(
        self,
        data_folder: str,
        max_repositories: int | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        exclude: list[str] | None = None,
        languages: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
        record_authors: bool = False,
    ):
        super().__init__(max_repositories, max_file_bytes, exclude, languages, exclusion_writer)
        if record_authors and is_url(data_folder):
            raise ValueError(f"record_authors: needs git work trees on local disk, not {data_folder!r} "
                             "(record the authors where the repositories are cloned)")
        self.data_folder = str(data_folder)
        self.record_authors = record_authors
        #: set by ``list_repositories``: each folder's sidecar metadata and unique repository id, and
        #: the repositories whose id is not their declared name ``(folder, id, why)``
        self._sidecars: dict[str, dict] = {}
        self.repository_ids: dict[str, str] | None = None
        self.renamed: list[tuple[str, str, str]] = []
        #: the top-level entries that are archives (set by ``list_repositories``)
        self._archives: set[str] = set()

    @classmethod
    def input_problems(cls, params: dict) -> list[str]:
        """A folder that holds no repository folder: the run would read nothing
        (``codecurate.core.run_warnings``)."""
        root = Path(params["data_folder"])
        if "://" in params["data_folder"] or not root.is_dir():
            return []
        try:
            entries = [entry for entry in root.iterdir() if not entry.name.startswith(".")]
        except OSError:
            return []
        if any(entry.is_dir() and not entry.is_symlink() or archive_stem(entry.name) for entry in entries) \
                or not entries:
            return []
        git = " (it is itself a git work tree)" if (root / ".git").exists() else ""
        return [f"{root} holds no repository folder, only {len(entries)} files{git}: each subfolder of data_folder "
                f"is a repository, its top-level files are not read; name the folder that holds {root.name}/ "
                "instead (or put the repository in a folder of its own)"]

    def _entries(self) -> tuple[list[str], list[tuple[str, bool]], list[tuple[str, str]]]:
        """The top-level entries of the input, sorted: folders, other entries ``(name, is a regular
        file)``, and those not read ``(name, reason)`` (hidden, symlinks, unreadable)."""
        if is_url(self.data_folder):
            return self._remote_entries()
        root = Path(self.data_folder)
        if not root.is_dir():
            raise FileNotFoundError(f"repositories folder {root} does not exist or is not a folder")
        try:
            with os.scandir(root) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            raise PermissionError(f"repositories folder {root} cannot be listed: {error.strerror or error}") \
                from error
        skipped: list[tuple[str, str]] = []
        folders: list[str] = []
        others: list[tuple[str, bool]] = []
        for entry in entries:
            if entry.name.startswith("."):
                skipped.append((entry.name, REASON_HIDDEN))
                continue
            try:
                if entry.is_symlink():
                    skipped.append((entry.name, REASON_SYMLINK))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                else:
                    others.append((entry.name, entry.is_file(follow_symlinks=False)))
            except OSError:
                skipped.append((entry.name, REASON_UNREADABLE))
        return folders, others, skipped

    def _remote_entries(self) -> tuple[list[str], list[tuple[str, bool]], list[tuple[str, str]]]:
        """``_entries`` of a folder on an object store (``s3://bucket/repos``): its "folders" are the
        prefixes below it; a store has no links nor special files."""
        folder = datafolder(self.data_folder)
        try:
            listing = folder.fs.ls(folder.path, detail=True)
        except FileNotFoundError:
            listing = []
        if not listing and not folder.fs.isdir(folder.path):
            raise FileNotFoundError(f"repositories folder {self.data_folder} does not exist or is not a folder")
        skipped: list[tuple[str, str]] = []
        folders: list[str] = []
        others: list[tuple[str, bool]] = []
        own = folder.path.rstrip("/")
        for info in sorted(listing, key=lambda info: info["name"]):
            name = info["name"].rstrip("/").rsplit("/", 1)[-1]
            if info["name"].rstrip("/") == own or not name:
                continue
            if name.startswith("."):
                skipped.append((name, REASON_HIDDEN))
            elif info.get("type") == "directory":
                folders.append(name)
            else:
                others.append((name, True))
        return folders, others, skipped

    def list_repositories(self) -> list[str]:
        """The repositories (folders and archives, ``ARCHIVE_SUFFIXES``), sorted by entry name; every
        other top-level entry goes to ``skipped_entries`` with its reason (``hidden``, ``symlink``,
        ``not_a_repository``, ``unreadable``, ``unreadable_sidecar``), and each repository gets a
        unique id (``repository_ids``)."""
        folders, others, skipped = self._entries()
        self._archives = {name for name, regular in others if regular and archive_stem(name)}
        repositories = set(folders) | {archive_stem(name) for name in self._archives}
        sidecars = set()
        for name, regular in others:  # a sidecar is read with its repository; a stray file or a FIFO is never opened
            if name in self._archives:
                continue
            if regular and name.endswith(".json") and name[: -len(".json")] in repositories:
                sidecars.add(name)
            else:
                skipped.append((name, REASON_NOT_A_REPOSITORY))
        self._sidecars = {}
        names = []
        for name in sorted([*folders, *self._archives]):
            sidecar = f"{archive_stem(name) if name in self._archives else name}.json"
            try:
                self._sidecars[name] = self._read_sidecar(sidecar) if sidecar in sidecars else {}
            except OSError as error:
                logger.warning(f"{join(self.data_folder, sidecar)}: cannot read the sidecar "
                               f"({error.strerror or error}); repository {printable_name(name)!r} not read")
                skipped.append((name, REASON_UNREADABLE_SIDECAR))
                continue
            names.append(name)
        self.skipped_entries = sorted(skipped)
        declared = {name: printable_name(archive_stem(name)) for name in self._archives}  # an archive: its stem
        self.repository_ids, self.renamed = unique_repository_ids(
            [(name, self._sidecars[name].get(keys.REPO) or declared.get(name)) for name in names])
        return names

    def _read_sidecar(self, name: str) -> dict:
        if not is_url(self.data_folder):
            return read_sidecar(Path(self.data_folder) / name)
        folder = datafolder(self.data_folder)
        with folder.open(name, "rb") as file:
            return parse_sidecar(file.read(), join(self.data_folder, name))

    def report_listing(self, excluded: DiskWriter | None, rank: int) -> None:
        super().report_listing(excluded, rank)
        for folder, repo_id, why in self.renamed:
            declared = self._sidecars[folder].get(keys.REPO) or printable_name(folder)
            logger.warning(f"{self.name}: repository folder {printable_name(folder)!r} reads as {repo_id!r}: "
                           + ("its name is not UTF-8" if why == "undecodable_name" else
                              f"another repository of the input is already named {declared!r}"))
            self.stat_update(STAT_RENAMED + why)

    def open_repository(self, name: str) -> Repository:
        if self.repository_ids is None:
            self.list_repositories()
        assert self.repository_ids is not None
        metadata = {keys.LICENSE: None, keys.STARS: None, keys.COMMITS: None}
        if name in self._archives or is_url(self.data_folder):
            metadata.update(self._sidecars[name])
            metadata.pop(keys.REPO, None)
            root, decided = Path(tempfile.mkdtemp(prefix="codecurate-repository-")), []
            try:
                if name in self._archives:
                    decided = self._extract_archive(name, root)
                else:
                    decided = self._fetch_folder(name, root)
            except BaseException:
                shutil.rmtree(root, ignore_errors=True)
                raise
            return Repository(repo_id=self.repository_ids[name], metadata=metadata,
                              files=itertools.chain(decided, walk_files(root)),
                              release=functools.partial(shutil.rmtree, root, ignore_errors=True))
        repo_dir = Path(self.data_folder) / name
        metadata.update(git_metadata(repo_dir))
        metadata.update(self._sidecars[name])
        metadata.pop(keys.REPO, None)
        return Repository(repo_id=self.repository_ids[name], metadata=metadata, files=walk_files(repo_dir),
                          file_metadata=git_file_authors(repo_dir) if self.record_authors else {})

    def _not_fetched(self, path: str, size: int) -> str | None:
        """Why a file of a bucket or an archive is not copied (``excluded_path`` before
        ``file_too_large``, as for a file on disk), or ``None``."""
        if self._is_excluded(path):
            return REASON_EXCLUDED_PATH
        return REASON_TOO_LARGE if size > self.max_file_bytes else None

    def _fetch_folder(self, name: str, root: Path) -> list[RepositoryFile]:
        """Copy the repository folder ``name`` of an object store into ``root`` (its ``.git`` left out,
        as ``walk_files`` leaves it out); the files not copied, with their reason and size."""
        folder = datafolder(self.data_folder)
        base = folder._join(name).rstrip("/") + "/"
        sources, targets, decided = [], [], []
        for path, info in sorted(folder.fs.find(base, detail=True).items()):
            relative = path[len(base):] if path.startswith(base) else ""
            if not relative or ".git" in relative.split("/"):
                continue
            reason = self._not_fetched(relative, int(info.get("size") or 0))
            if reason:
                decided.append(RepositoryFile(relative, root / relative, reason=reason, size=int(info["size"])))
                continue
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            sources.append(path)
            targets.append(str(target))
        if sources:
            folder.fs.get(sources, targets)
        return decided

    def _extract_archive(self, name: str, root: Path) -> list[RepositoryFile]:
        """Extract the archive ``name`` (fetched first when it is in a bucket) into ``root`` (no member
        outside it, no ``.git``); the members not extracted, with their reason and size. An archive
        that cannot be read is one entry ``unreadable_archive``, none of its files."""
        where = join(self.data_folder, name)
        try:
            if is_url(self.data_folder):
                archive = root.parent / f"{root.name}.archive"
                datafolder(self.data_folder).get(name, str(archive))
            else:
                archive = Path(self.data_folder) / name
            try:
                if name.lower().endswith(".zip"):
                    return self._extract_zip(archive, root)
                return self._extract_tar(archive, root)
            finally:
                if is_url(self.data_folder):
                    archive.unlink(missing_ok=True)
        except (OSError, EOFError, KeyError, tarfile.TarError, zipfile.BadZipFile, zlib.error, lzma.LZMAError) as error:
            logger.warning(f"{self.name}: cannot read the archive {where}: {error}; its files are not read")
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            return [RepositoryFile(".", root, reason=REASON_UNREADABLE_ARCHIVE)]

    def _extract_tar(self, archive: Path, root: Path) -> list[RepositoryFile]:
        decided, members, stored = [], [], set()
        with tarfile.open(archive) as tar:
            for member in tar:
                relative = posixpath.normpath(member.name).lstrip("/")
                if member.isdir() or relative in ("", ".") or ".git" in relative.split("/"):
                    continue
                try:
                    member = tarfile.data_filter(member, str(root))
                except tarfile.SpecialFileError:
                    decided.append(RepositoryFile(relative, root / relative, reason=REASON_NOT_REGULAR))
                    continue
                except tarfile.FilterError:
                    decided.append(RepositoryFile(relative, root / relative, reason=REASON_UNSAFE_MEMBER))
                    continue
                reason = self._not_fetched(relative, member.size) if member.isfile() else None
                if member.islnk() and posixpath.normpath(member.linkname).lstrip("/") not in stored:
                    reason = REASON_UNREADABLE  # a hard link to no file extracted before it
                if reason:
                    size = member.size if member.isfile() else None
                    decided.append(RepositoryFile(relative, root / relative, reason=reason, size=size))
                else:
                    members.append(member)
                    stored.add(relative)
            tar.extractall(root, members=members, filter="fully_trusted")  # each member filtered above
        return decided

    def _extract_zip(self, archive: Path, root: Path) -> list[RepositoryFile]:
        decided = []
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                relative = posixpath.normpath(info.filename).lstrip("/")
                if info.is_dir() or relative in ("", ".") or ".git" in relative.split("/"):
                    continue
                if relative.startswith("../") or relative == "..":
                    decided.append(RepositoryFile(relative, root / relative, reason=REASON_UNSAFE_MEMBER))
                elif stat.S_ISLNK(info.external_attr >> 16):  # zip keeps a link as a file holding its target
                    decided.append(RepositoryFile(relative, root / relative, reason=REASON_SYMLINK))
                elif reason := self._not_fetched(relative, info.file_size):
                    decided.append(RepositoryFile(relative, root / relative, reason=reason, size=info.file_size))
                else:
                    zipped.extract(info, root)
        return decided


def unique_repository_ids(
    repositories: list[tuple[str, str | None]],
) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """A unique repository id for each ``(folder, declared name)``, in the given (sorted) order: the
    declared name (else the folder's name, U+FFFD for bytes that are not UTF-8); a name already
    taken becomes ``name@folder`` (then ``~2``, ``~3``...). Returns the ids by folder and the
    renamed repositories as ``(folder, id, why)``, ``why`` being ``duplicate_name`` or
    ``undecodable_name``."""
    ids: dict[str, str] = {}
    renamed: list[tuple[str, str, str]] = []
    taken: set[str] = set()
    for folder, declared in repositories:
        wanted = declared or printable_name(folder)
        repo_id = wanted
        if repo_id in taken:
            repo_id = base = f"{wanted}@{printable_name(folder)}"
            suffix = 2
            while repo_id in taken:
                repo_id, suffix = f"{base}~{suffix}", suffix + 1
            renamed.append((folder, repo_id, "duplicate_name"))
        elif declared is None and wanted != folder:
            renamed.append((folder, repo_id, "undecodable_name"))
        taken.add(repo_id)
        ids[folder] = repo_id
    return ids, renamed
