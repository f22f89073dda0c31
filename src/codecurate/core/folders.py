"""Folders as fsspec URLs: a local path, ``s3://bucket/prefix``, ``hf://datasets/...`` alike.

Every path a recipe names (inputs, output, the run's ``work/`` and ``intermediate/`` folders, logs,
exclusions, tokenizer, shards) goes through datatrove's ``DataFolder``; nothing here turns a URL
into a local path. ``Location`` joins paths without losing a URL's ``//``; ``missing_filesystem``
names the extra to install for a scheme whose filesystem is absent; ``local_copy`` and
``staged_file`` give a library that needs a real file (numpy's memmap, tokenizers, matplotlib) one,
the file itself on local disk and a temporary copy elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import posixpath
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

from datatrove.io import DataFolder, get_datafolder

#: the pip requirement that installs a scheme's fsspec filesystem (the project's extra where it has one)
FILESYSTEM_REQUIREMENTS = {
    "s3": "codecurate[s3]",
    "s3a": "codecurate[s3]",
    "hf": "codecurate[hf]",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
}
LOCAL_SCHEMES = ("file", "local")


def scheme(path: str | os.PathLike) -> str | None:
    """The URL scheme of ``path`` (``s3``), or ``None`` for a local path."""
    text = os.fspath(path)
    if "://" not in text:
        return None
    name = text.split("://", 1)[0]
    return None if name in LOCAL_SCHEMES else name


def is_url(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a folder on a filesystem other than the local disk."""
    return scheme(path) is not None


def join(base: str | os.PathLike, *parts: str) -> str:
    """``base`` joined with ``parts``: ``os.path.join`` on local paths, ``/`` on URLs (their ``//`` kept)."""
    text = os.fspath(base)
    if not is_url(text):
        return os.path.join(text, *parts)
    return posixpath.join(text.rstrip("/") if not text.endswith("://") else text, *parts)


class Location(str):
    """A path or URL that joins with ``/`` like ``pathlib.Path`` and stays a ``str`` (``s3://b/out``
    / ``work`` is ``s3://b/out/work``; ``Path`` would make it ``s3:/b/out/work``)."""

    def __truediv__(self, part: str) -> Location:
        return Location(join(self, os.fspath(part)))

    def resolve(self) -> Location:
        """The absolute path of a local location (symbolic links resolved); a URL as it is."""
        return self if is_url(self) else Location(os.path.realpath(self))

    @property
    def name(self) -> str:
        return self.rstrip("/").rsplit("/", 1)[-1]

    def folder(self) -> DataFolder:
        """This location as a ``DataFolder``."""
        return get_datafolder(str(self))


def missing_filesystem(path: str | os.PathLike) -> str | None:
    """Why ``path``'s filesystem cannot be used here (its scheme unknown to fsspec, or the package
    implementing it not installed, with what to install), or ``None`` when it can."""
    import fsspec

    name = scheme(path)
    if name is None:
        return None
    try:
        fsspec.get_filesystem_class(name)
    except ValueError:
        return f"{os.fspath(path)!r}: fsspec knows no filesystem for the scheme {name}://"
    except ImportError as error:
        requirement = FILESYSTEM_REQUIREMENTS.get(name)
        install = f"pip install '{requirement}'" if requirement else "install the package fsspec names"
        return (
            f"{os.fspath(path)!r}: the {name}:// filesystem is not installed ({install}; fsspec: "
            f"{str(error).splitlines()[0]})"
        )
    return None


def datafolder(path: str | os.PathLike | DataFolder) -> DataFolder:
    """``path`` as a ``DataFolder`` (a ``DataFolder`` as it is)."""
    return path if isinstance(path, DataFolder) else get_datafolder(os.fspath(path))


def file_in(path: str | os.PathLike) -> tuple[DataFolder, str]:
    """The folder holding the file ``path`` (a local path or a URL), and the file's name in it."""
    text = os.fspath(path)
    if not is_url(text):
        folder, name = os.path.split(os.path.abspath(text))
        return datafolder(folder), name
    folder, _, name = text.rstrip("/").rpartition("/")
    return datafolder(folder), name


def exists(folder: DataFolder, name: str = "") -> bool:
    return folder.exists(name) if name else folder.fs.exists(folder.path)


def read_text(folder: DataFolder, name: str) -> str:
    with folder.open(name, "rt", encoding="utf-8") as f:
        return f.read()


def read_json(folder: DataFolder, name: str) -> Any:
    return json.loads(read_text(folder, name))


@contextlib.contextmanager
def open_whole(folder: DataFolder, name: str, mode: str = "wt", **options) -> Iterator[Any]:
    """Open ``name`` to be written whole or not at all: a temporary file renamed into place on local
    disk (left out when the block raises); an object store publishes an object only once its upload
    completes."""
    if not folder.is_local():
        with folder.open(name, mode, **options) as f:
            yield f
        return
    temporary = f"{name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with folder.open(temporary, mode, **options) as f:
            yield f
        os.replace(folder.resolve_paths(temporary), folder.resolve_paths(name))
    finally:
        if os.path.exists(folder.resolve_paths(temporary)):
            os.unlink(folder.resolve_paths(temporary))


def write_text(folder: DataFolder, name: str, text: str) -> None:
    """Write ``name`` whole or not at all (``open_whole``)."""
    with open_whole(folder, name, "wt", encoding="utf-8") as f:
        f.write(text)


def write_json(folder: DataFolder, name: str, value: Any, indent: int | None = 2) -> None:
    write_text(folder, name, json.dumps(value, indent=indent) + "\n")


def forget_listings(folder: DataFolder) -> None:
    """Drop the filesystem's cached listings of ``folder`` and of every folder below it: an object
    store's filesystem (s3fs) keeps a listing until told, so a folder that other processes write in
    (a segment's completions, stats, progress) would go on showing what it held at the first look."""
    if folder.is_local():
        return
    root = folder.fs._strip_protocol(folder.path).rstrip("/")
    cache = getattr(folder.fs, "dircache", None) or {}
    for key in [key for key in cache if key == root or key.startswith(root + "/")]:
        cache.pop(key, None)
    folder.fs.invalidate_cache(root)  # and its parents


def remove(folder: DataFolder, name: str = "") -> None:
    """Delete ``name`` (a file or a folder and all below it) when it exists."""
    path = folder._join(name) if name else folder.path
    if folder.fs.exists(path):
        folder.fs.rm(path, recursive=True)


@contextlib.contextmanager
def local_copy(folder: DataFolder, name: str) -> Iterator[str]:
    """A local file path with the content of ``name``: the file itself on local disk, a temporary
    copy (deleted afterwards) elsewhere."""
    if folder.is_local():
        yield folder.resolve_paths(name)
        return
    with tempfile.TemporaryDirectory(prefix="codecurate-") as scratch:
        target = os.path.join(scratch, posixpath.basename(name) or "file")
        folder.get(name, target)
        yield target


@contextlib.contextmanager
def staged_file(folder: DataFolder, name: str) -> Iterator[str]:
    """A local file path to write ``name`` to: the file itself on local disk (its folder created), a
    temporary file uploaded as ``name`` when the block ends without an error elsewhere."""
    if folder.is_local():
        target = folder.resolve_paths(name)
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        yield target
        return
    with tempfile.TemporaryDirectory(prefix="codecurate-") as scratch:
        target = os.path.join(scratch, posixpath.basename(name) or "file")
        yield target
        folder.put(target, name)


@contextlib.contextmanager
def staged_folder(folder: DataFolder, name: str = "") -> Iterator[str]:
    """A local folder to write ``name`` (a folder) in: the folder itself on local disk, a temporary
    folder uploaded, file by file, as ``name`` when the block ends without an error elsewhere."""
    if folder.is_local():
        target = folder.resolve_paths(name) if name else folder.path
        os.makedirs(target, exist_ok=True)
        yield target
        return
    scratch = tempfile.mkdtemp(prefix="codecurate-")
    try:
        yield scratch
        for root, _, files in os.walk(scratch):
            for filename in files:
                relative = os.path.relpath(os.path.join(root, filename), scratch).replace(os.sep, "/")
                folder.put(os.path.join(root, filename), posixpath.join(name, relative) if name else relative)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def local_folder(location: str | os.PathLike, below: str = "") -> Iterator[str]:
    """A local folder with the files of ``location`` (those under ``below`` only, at the same
    relative paths): the folder itself on local disk, a temporary copy (deleted afterwards) elsewhere.
    A ``location`` that is a file (``s3://b/tokenizer.json``) gives the path of its local copy."""
    folder = datafolder(location)
    if folder.is_local():
        yield folder.path
        return
    scratch = tempfile.mkdtemp(prefix="codecurate-")
    try:
        if not below and folder.fs.isfile(folder.path):
            target = os.path.join(scratch, posixpath.basename(folder.path.rstrip("/")))
            folder.fs.get(folder.path, target)
            yield target
            return
        for name in folder.list_files(below) if folder.isdir(below) else []:
            target = os.path.join(scratch, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            folder.get(name, target)
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def _uploaded_changes(local: str, folder: DataFolder) -> Iterator[None]:
    """Upload the files of ``local`` that are new or changed (size, modification time) when the
    block ends without an error."""

    def state() -> dict[str, tuple[int, int]]:
        found = {}
        for root, _, files in os.walk(local):
            for filename in files:
                path = os.path.join(root, filename)
                found[os.path.relpath(path, local).replace(os.sep, "/")] = (
                    os.path.getsize(path),
                    os.stat(path).st_mtime_ns,
                )
        return found

    before = state()
    yield
    for name, stamp in state().items():
        if before.get(name) != stamp:
            folder.put(os.path.join(local, *name.split("/")), name)


def on_local_disk(reads: tuple = (), writes: tuple = ()):
    """Decorate a datatrove step's ``run`` (a generator) whose library needs real files (tokenizers,
    numpy's memory maps): for the run, each attribute named in ``reads`` that holds a URL is replaced
    by a local copy of that folder, and each one in ``writes`` by a local folder uploaded there when
    the run ends without an error. A ``reads`` entry ``(name, below)`` copies only the files under
    ``below(rank)``. Local paths are used as they are (nothing is copied)."""

    def decorate(run):
        @functools.wraps(run)
        def wrapper(self, data=None, rank: int = 0, world_size: int = 1):
            saved = {}
            with contextlib.ExitStack() as stack:
                for entry in reads:
                    name, below = entry if isinstance(entry, tuple) else (entry, None)
                    value = getattr(self, name)
                    if value is not None and is_url(value):
                        saved[name] = value
                        local = local_folder(value, below(rank) if below else "")
                        setattr(self, name, stack.enter_context(local))
                for name in writes:
                    value = saved.get(name, getattr(self, name))
                    if name in saved:  # read and written: new and changed files go back
                        stack.enter_context(_uploaded_changes(getattr(self, name), datafolder(value)))
                    elif value is not None and is_url(value):
                        saved[name] = value
                        setattr(self, name, stack.enter_context(staged_folder(datafolder(value))))
                try:
                    yield from run(self, data, rank, world_size)
                finally:
                    for name, value in saved.items():
                        setattr(self, name, value)

        return wrapper

    return decorate
