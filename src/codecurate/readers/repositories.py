"""Repositories on disk: a folder whose subfolders are repositories (plain trees or git work trees).

Repository metadata comes from an optional sidecar JSON file beside each repository folder
(``<root>/<folder>.json``) and, for git work trees, from git itself (commit count, HEAD).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.registry import register
from codecurate.readers.base import (
    DEFAULT_MAX_FILE_BYTES,
    REASON_HIDDEN,
    REASON_NOT_A_REPOSITORY,
    REASON_SYMLINK,
    REASON_UNREADABLE,
    Repository,
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


class SidecarError(ValueError):
    """A repository sidecar file that cannot be used; the message names the file and the key."""


def read_sidecar(path: Path) -> dict:
    """Validated sidecar contents as metadata keys; ``{}`` when the file does not exist."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SidecarError(f"{path}: not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise SidecarError(f"{path}: expected a JSON object, got {type(data).__name__}")
    metadata = {}
    for key, value in data.items():
        if key not in SIDECAR_KEYS:
            raise SidecarError(f"{path}: unknown key {key!r}; known keys: {', '.join(SIDECAR_KEYS)}")
        expected = _SIDECAR_TYPES[key]
        if value is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            raise SidecarError(f"{path}: key {key!r} must be {expected.__name__}, got {value!r}")
        if isinstance(value, str) and printable_name(value) != value:  # a "\ud800" escape: no UTF-8 for it
            raise SidecarError(f"{path}: key {key!r} holds an unpaired surrogate: {value!r}")
        metadata[SIDECAR_KEYS[key]] = value
    if metadata.get(keys.LICENSE):
        metadata[keys.LICENSE_SOURCE] = "sidecar"
    return metadata


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
        data_folder: the folder whose subfolders are repositories.
        max_repositories, max_file_bytes, exclude, languages: see ``RepositoryReader``.
        record_authors: record on each file of a git work tree the hashed addresses of the authors
            of the commits that touched it (``AUTHOR_IDS``), which opt-out ``author`` entries match:
            one ``git log`` per repository.
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
        """The parameters that read ``--input PATH``: a local folder, else ``None``."""
        return {"data_folder": str(Path(path))} if "://" not in path and Path(path).is_dir() else None

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
        self.data_folder = str(data_folder)
        self.record_authors = record_authors
        #: set by ``list_repositories``: each folder's sidecar metadata and unique repository id, and
        #: the repositories whose id is not their declared name ``(folder, id, why)``
        self._sidecars: dict[str, dict] = {}
        self.repository_ids: dict[str, str] | None = None
        self.renamed: list[tuple[str, str, str]] = []

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
        if any(entry.is_dir() and not entry.is_symlink() for entry in entries) or not entries:
            return []
        git = " (it is itself a git work tree)" if (root / ".git").exists() else ""
        return [f"{root} holds no repository folder, only {len(entries)} files{git}: each subfolder of data_folder "
                f"is a repository, its top-level files are not read; name the folder that holds {root.name}/ "
                "instead (or put the repository in a folder of its own)"]

    def list_repositories(self) -> list[str]:
        """The repository folders, sorted; every other top-level entry goes to ``skipped_entries``
        with its reason (``hidden``, ``symlink``, ``not_a_repository``, ``unreadable``,
        ``unreadable_sidecar``), and each repository gets a unique id (``repository_ids``)."""
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
        others: list[tuple[str, bool]] = []  # (name, is a regular file)
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
        repositories = set(folders)
        sidecars = set()
        for name, regular in others:  # a sidecar is read with its repository; a stray file or a FIFO is never opened
            if regular and name.endswith(".json") and name[: -len(".json")] in repositories:
                sidecars.add(name)
            else:
                skipped.append((name, REASON_NOT_A_REPOSITORY))
        self._sidecars = {}
        names = []
        for name in folders:
            try:
                self._sidecars[name] = read_sidecar(root / f"{name}.json") if f"{name}.json" in sidecars else {}
            except OSError as error:
                logger.warning(f"{root / (name + '.json')}: cannot read the sidecar ({error.strerror or error}); "
                               f"repository {printable_name(name)!r} not read")
                skipped.append((name, REASON_UNREADABLE_SIDECAR))
                continue
            names.append(name)
        self.skipped_entries = sorted(skipped)
        self.repository_ids, self.renamed = unique_repository_ids(
            [(name, self._sidecars[name].get(keys.REPO) or None) for name in names])
        return names

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
        root = Path(self.data_folder)
        repo_dir = root / name
        metadata = {keys.LICENSE: None, keys.STARS: None, keys.COMMITS: None}
        metadata.update(git_metadata(repo_dir))
        metadata.update(self._sidecars[name])
        metadata.pop(keys.REPO, None)
        assert self.repository_ids is not None
        return Repository(repo_id=self.repository_ids[name], metadata=metadata, files=walk_files(repo_dir),
                          file_metadata=git_file_authors(repo_dir) if self.record_authors else {})


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
