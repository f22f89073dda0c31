"""Repositories on disk: a folder whose subfolders are repositories (plain trees or git work trees).

Repository metadata comes from an optional sidecar JSON file beside each repository folder
(``<root>/<folder>.json``) and, for git work trees, from git itself (commit count, HEAD).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import documents as keys
from codecurate.core.registry import register
from codecurate.readers.base import DEFAULT_MAX_FILE_BYTES, Repository, RepositoryReader, walk_files

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
        metadata[SIDECAR_KEYS[key]] = value
    if metadata.get(keys.LICENSE):
        metadata[keys.LICENSE_SOURCE] = "sidecar"
    return metadata


def git_metadata(repo_dir: Path) -> dict:
    """Commit count and HEAD revision of a git work tree; ``{}`` when it is not one or git is absent."""
    if not (repo_dir / ".git").exists() or shutil.which("git") is None:
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


@register("repositories")
class RepositoriesReader(RepositoryReader):
    """Read a folder of repositories, one document per file, files of a repository together.

    Args:
        data_folder: the folder whose subfolders are repositories.
        max_repositories, max_file_bytes, exclude, languages: see ``RepositoryReader``.
    """

    name = "repositories"
    provides = "code"
    path_params = ("data_folder",)

    def __init__(
        self,
        data_folder: str,
        max_repositories: int | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        exclude: list[str] | None = None,
        languages: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(max_repositories, max_file_bytes, exclude, languages, exclusion_writer)
        self.data_folder = str(data_folder)

    def list_repositories(self) -> list[str]:
        root = Path(self.data_folder)
        if not root.is_dir():
            raise FileNotFoundError(f"repositories folder {root} does not exist or is not a folder")
        names = []
        for entry in sorted(root.iterdir()):
            if entry.is_dir() and not entry.is_symlink() and not entry.name.startswith("."):
                names.append(entry.name)
            elif not (entry.suffix == ".json" and (root / entry.stem).is_dir()):
                logger.warning(f"{entry}: not a repository folder nor a sidecar file; ignored")
        return names

    def open_repository(self, name: str) -> Repository:
        root = Path(self.data_folder)
        repo_dir = root / name
        metadata = {keys.LICENSE: None, keys.STARS: None, keys.COMMITS: None}
        metadata.update(git_metadata(repo_dir))
        metadata.update(read_sidecar(root / f"{name}.json"))
        repo_id = metadata.pop(keys.REPO, None) or name
        return Repository(repo_id=repo_id, metadata=metadata, files=walk_files(repo_dir))
