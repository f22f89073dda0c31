"""Hugging Face datasets: a ``save_to_disk`` folder, local parquet/jsonl data files, or a hub dataset.

Built on datatrove's ``HuggingFaceDatasetReader`` (its loading options and its row sharding), with
codecurate's rules: rows with empty content stay documents (the trivial-file filter drops them with
a reason, datatrove's reader skips them silently), every row is counted, what the reader drops is
counted and written out with its reason, and The Stack-style columns are mapped to codecurate's
metadata keys as ``the_stack`` maps them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.readers.huggingface import HuggingFaceDatasetReader
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting
from codecurate.core.folders import datafolder, is_url
from codecurate.core.registry import register
from codecurate.languages import detect_language, header_language, normalize_language
from codecurate.optout import content_id
from codecurate.readers.base import DEFAULT_MAX_FILE_BYTES, REASON_LANGUAGE, REASON_TOO_LARGE, decode_source
from codecurate.readers.the_stack import stack_license

#: field -> the columns that may hold it, first present wins: The Stack v1 (``max_stars_*``, ``lang``,
#: ``hexsha``), The Stack v2 (``blob_id``, ``detected_licenses``, ``star_events_count``...),
#: codeparrot/github-code (``code``, ``repo_name``), and codecurate's own ``huggingface_output``.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("content", "text", "code"),
    "id": ("hexsha", "blob_id", "id"),
    "repo": ("max_stars_repo_name", "repo_name", "repository_name", "repo"),
    "path": ("max_stars_repo_path", "path", "file_path"),
    "language": ("lang", "language"),
    "license": ("max_stars_repo_licenses", "licenses", "detected_licenses", "license"),
    "stars": ("max_stars_count", "stars", "star_events_count"),
    "revision": ("max_stars_repo_head_hexsha", "revision_id", "revision"),
    "size": ("size", "length_bytes", "size_bytes"),
    "repo_url": ("repo_url",),
    "commits": ("commits",),
    "kind": ("kind",),
    # the rest of a codecurate document's metadata, as JSON (written by ``huggingface_output``)
    "metadata": ("metadata",),
}
#: the files ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk`` leave in their folder
SAVED_DATASET_FILES = (("state.json", "dataset_info.json"), ("dataset_dict.json",))
#: data file suffix -> the ``datasets`` builder that reads it
DATA_FILE_BUILDERS = {
    ".parquet": "parquet",
    ".jsonl": "json",
    ".json": "json",
    ".jsonl.gz": "json",
    ".json.gz": "json",
    ".jsonl.zst": "json",
    ".csv": "csv",
    ".arrow": "arrow",
}


def is_saved_dataset(folder: Path) -> bool:
    """Whether ``folder`` holds a ``save_to_disk`` output (a ``Dataset`` or a ``DatasetDict``)."""
    return folder.is_dir() and any(all((folder / name).is_file() for name in names) for names in SAVED_DATASET_FILES)


def _builder_for(path: Path) -> str | None:
    name = path.name.lower()
    return next((builder for suffix, builder in DATA_FILE_BUILDERS.items() if name.endswith(suffix)), None)


def is_saved_dataset_at(url: str) -> bool:
    """``is_saved_dataset`` for a folder given as an fsspec URL (``s3://bucket/saved``)."""
    folder = datafolder(url)
    return any(all(folder.isfile(name) for name in names) for names in SAVED_DATASET_FILES)


def data_files_at(url: str) -> tuple[str, list[str]]:
    """The builder and the URLs of the data files in the folder (or the one file) ``url``; an error
    names the folder that holds none, or files of several kinds."""
    builder = _builder_for(Path(url.rstrip("/")))
    if builder is not None:
        return builder, [url]
    folder = datafolder(url)
    found = {name: _builder_for(Path(name)) for name in folder.list_files(recursive=True)}
    files = {name: kind for name, kind in sorted(found.items()) if kind is not None}
    kinds = sorted(set(files.values()))
    if not kinds:
        raise FileNotFoundError(f"dataset {url!r}: no data file ({', '.join(DATA_FILE_BUILDERS)}) and no saved "
                                "dataset there")
    if len(kinds) > 1:
        raise ValueError(f"dataset {url!r}: data files of several kinds ({', '.join(kinds)}); name one kind "
                         "with data_files")
    return kinds[0], [folder.resolve_paths(name) for name in files]


def _looks_local(dataset: str) -> bool:
    """A path rather than a hub id (``name`` or ``owner/name``)."""
    return dataset.startswith(("/", ".", "~")) or dataset.count("/") > 1 or _builder_for(Path(dataset)) is not None


def remote_cache_dir(data_files: str | list[str] | dict) -> str:
    """datasets' cache folder for these remote data files as they are now: below datasets' own cache,
    named by a hash of each file's URL, size and version (ETag, else its modified time)."""
    from datasets import config
    from fsspec.core import url_to_fs

    urls = data_files if isinstance(data_files, list) else [data_files] if isinstance(data_files, str) else \
        [url for value in data_files.values() for url in ([value] if isinstance(value, str) else value)]
    digest = hashlib.sha256()
    for url in sorted(urls):
        fs, path = url_to_fs(url)
        fs.invalidate_cache(path)  # fsspec's listing cache may hold the file as an earlier read saw it
        info = fs.info(path)
        version = info.get("ETag") or info.get("etag") or info.get("LastModified") or info.get("mtime")
        digest.update(json.dumps([url, info.get("size"), str(version)]).encode())
    return str(Path(config.HF_DATASETS_CACHE) / "codecurate-remote" / digest.hexdigest()[:16])


@contextlib.contextmanager
def _own_storage_reachable(remote: bool) -> Iterator[None]:
    """With the Hub's offline mode on (``HF_HUB_OFFLINE=1``, as clusters without a network set it),
    datasets refuses every URL, the user's own bucket too; reading ``s3://...`` is not reaching the
    Hub, so offline mode is lifted while datasets prepares a bucket's files (not for ``hf://``; a
    streamed dataset reads its files later, under the mode as set)."""
    from datasets import config

    if not remote or not config.HF_HUB_OFFLINE:
        yield
        return
    config.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        config.HF_HUB_OFFLINE = True


@register("huggingface")
class HuggingFaceReader(Accounting, HuggingFaceDatasetReader):
    """Read a Hugging Face dataset, one document per row (one source file).

    Args:
        dataset: a folder written by ``datasets``' ``save_to_disk``, a folder of data files (parquet,
            jsonl[.gz], csv, arrow) or one such file, each on local disk or as an fsspec URL
            (``s3://bucket/stack``), or a hub dataset id (``owner/name``).
        split: the split to read; default: the only split, else ``train``.
        subset: the hub dataset's configuration (``name`` of ``load_dataset``), e.g. ``data/python``.
        data_files, data_dir, revision: passed to ``load_dataset`` (not used for ``save_to_disk`` folders).
        streaming: stream the rows instead of preparing the dataset in the cache first (hub datasets).
        cache_dir: the ``datasets`` cache for prepared data files (default: datasets' own).
        columns: field -> column name, to override the defaults of ``DEFAULT_COLUMNS`` (fields ``text``,
            ``id``, ``repo``, ``path``, ``language``, ``license``, ``stars``, ``revision``, ``size``,
            ``repo_url``, ``commits``, ``kind``, ``metadata``); a column named here must exist; ``null`` ignores
            the field.
        languages: keep only rows of these languages; others are dropped as ``language_not_selected``.
        max_file_bytes: rows with more content than this are dropped as ``file_too_large``.
        limit: at most this many rows per task (debugging).
        batch_size: rows fetched at a time.

    Files of a repository are not contiguous in such datasets: put ``group_by_repository`` before
    any block that needs whole repositories.
    """

    name = "huggingface"
    provides = "code"
    #: a path or a hub id: normalised as a path, not required to exist (``codecurate.recipe.paths``)
    path_or_name_params = ("dataset",)
    #: what it reads of a ``--input PATH`` (``codecurate.recipe.inputs``)
    reads_input = "a Hugging Face save_to_disk folder (on disk)"

    @classmethod
    def input_params(cls, path: str) -> dict | None:
        """The parameters that read ``--input PATH``: a ``save_to_disk`` folder (local, or at a URL),
        else ``None``."""
        if "://" in path:
            return {"dataset": path} if is_saved_dataset_at(path) else None
        return {"dataset": str(Path(path))} if is_saved_dataset(Path(path)) else None

    def __init__(
        self,
        dataset: str,
        split: str | None = None,
        subset: str | None = None,
        data_files: str | list[str] | dict[str, str | list[str]] | None = None,
        data_dir: str | None = None,
        revision: str | None = None,
        streaming: bool = False,
        cache_dir: str | None = None,
        columns: dict[str, str | None] | None = None,
        languages: list[str] | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        limit: int = -1,
        batch_size: int = 1000,
    ):
        if not isinstance(dataset, str) or not dataset:
            raise ValueError("dataset: a non-empty path or hub dataset id is required")
        location = Path(dataset).expanduser()
        self.remote = is_url(dataset)
        self.local = not self.remote and location.exists()
        if not self.local and not self.remote and _looks_local(dataset):
            raise FileNotFoundError(f"dataset {dataset!r}: no such file or folder (and not a hub id owner/name)")
        unknown = sorted(set(columns or {}) - set(DEFAULT_COLUMNS))
        if unknown:
            raise ValueError(f"columns: unknown field(s) {', '.join(unknown)}; fields: {', '.join(DEFAULT_COLUMNS)}")
        bad = {field: column for field, column in (columns or {}).items() if column is not None and
               (not isinstance(column, str) or not column)}
        if bad:
            raise ValueError(f"columns: expected a column name or null for {', '.join(bad)}")
        if max_file_bytes < 1:
            raise ValueError(f"max_file_bytes must be >= 1, got {max_file_bytes}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        from_disk = is_saved_dataset_at(dataset) if self.remote else self.local and is_saved_dataset(location)
        options = {"name": subset, "data_files": data_files, "data_dir": data_dir, "revision": revision,
                   "cache_dir": None if from_disk else cache_dir}  # a saved dataset needs no cache
        super().__init__(
            str(location) if self.local else dataset.rstrip("/") if self.remote else dataset,
            dataset_options={k: v for k, v in options.items() if v is not None} or None,
            streaming=streaming,
            limit=limit,
            batch_size=batch_size,
            text_key=(columns or {}).get("text") or "content",
            load_from_disk=from_disk,
        )
        self.split = split
        self.columns = dict(columns or {})
        self.max_file_bytes = max_file_bytes
        self.languages = self._check_languages(languages)

    @staticmethod
    def _check_languages(languages: list[str] | None) -> set[str] | None:
        if languages is None:
            return None
        from codecurate.languages import get_language

        return {get_language(name).name for name in languages}

    # -- loading ---------------------------------------------------------------------------------

    def load(self):
        """The ``Dataset`` (or ``IterableDataset``) of the chosen split."""
        from datasets import load_dataset, load_from_disk
        from datasets.utils import logging as datasets_logging

        bars = datasets_logging.is_progress_bar_enabled()
        datasets_logging.disable_progress_bar()  # the run's display shows progress, not datasets' bars
        try:
            return self._load(load_dataset, load_from_disk)
        finally:
            if bars:
                datasets_logging.enable_progress_bar()

    def _load(self, load_dataset, load_from_disk):
        if self.load_from_disk:
            data = load_from_disk(self.dataset)
        else:
            path, options = self.dataset, dict(self.dataset_options)
            location = Path(self.dataset)
            if self.remote:  # datasets reads the files through fsspec; data_files, when given, are URLs
                path, found = data_files_at(self.dataset)
                options.setdefault("data_files", found)
                # datasets keys its cache by the files' URLs: a file changed in the bucket would be read
                # from that cache, stale; a cache per version of the files (size, ETag or modified time)
                options.setdefault("cache_dir", remote_cache_dir(options["data_files"]))
            elif self.local and location.is_file():  # one data file: its builder, the file as data
                builder = _builder_for(location)
                if builder is None:
                    raise ValueError(f"dataset {self.dataset!r}: not a data file datasets can read "
                                     f"({', '.join(DATA_FILE_BUILDERS)})")
                path, options["data_files"] = builder, str(location)
            with _own_storage_reachable(self.remote and not self.dataset.startswith("hf://")):
                data = load_dataset(path, **options, streaming=self.streaming)
        if hasattr(data, "keys"):  # a DatasetDict: pick the split
            splits = list(data.keys())
            split = self.split or (splits[0] if len(splits) == 1 else "train")
            if split not in data:
                raise ValueError(f"dataset {self.dataset!r} has no split {split!r}; splits: {', '.join(splits)}")
            data = data[split]
        elif self.split is not None and getattr(data, "split", None) not in (None, self.split):
            raise ValueError(f"dataset {self.dataset!r} holds the split {data.split!r}, not {self.split!r}")
        return data

    def resolve_columns(self, available: list[str]) -> dict[str, str]:
        """field -> column of this dataset; an error names a configured column it lacks."""
        resolved = {}
        for field, candidates in DEFAULT_COLUMNS.items():
            if field in self.columns:
                column = self.columns[field]
                if column is None:
                    continue
                if column not in available:
                    raise KeyError(f"dataset {self.dataset!r}: no column {column!r} (configured for {field!r}); "
                                   f"columns: {', '.join(sorted(available))}")
                resolved[field] = column
            else:
                column = next((c for c in candidates if c in available), None)
                if column is not None:
                    resolved[field] = column
        if "text" not in resolved:
            raise KeyError(f"dataset {self.dataset!r}: no content column (tried {', '.join(DEFAULT_COLUMNS['text'])}; "
                           f"set columns.text); columns: {', '.join(sorted(available))}")
        return resolved

    # -- rows to documents -----------------------------------------------------------------------

    def _where(self, index: int | str, column: str) -> str:
        return f"dataset {self.dataset!r}, row {index}, column {column!r}"

    def _int(self, value: object, index: int | str, column: str) -> int | None:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, float):
            return int(value) if math.isfinite(value) else None
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"{self._where(index, column)}: expected a number, got {value!r}") from None

    def to_document(self, row: dict, columns: dict[str, str], index: int | str) -> tuple[Document, int]:
        """The document for one row and its content size in bytes."""
        column = columns["text"]
        content = row.get(column)
        decode_error = False
        if content is None:
            text, size = "", 0  # an empty file: the trivial-file filter drops it as empty
        elif isinstance(content, str):
            text, size = content, len(content.encode("utf-8", errors="surrogatepass"))
        elif isinstance(content, (bytes, bytearray, memoryview)):
            raw = bytes(content)
            text, decode_error = decode_source(raw)
            size = len(raw)
        else:
            raise TypeError(f"{self._where(index, column)}: expected text or bytes, got {type(content).__name__}")
        metadata: dict = {}
        if "metadata" in columns:  # codecurate's own output: the metadata it did not flatten
            extra = row.get(columns["metadata"])
            if isinstance(extra, str) and extra:
                try:
                    extra = json.loads(extra)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{self._where(index, columns['metadata'])}: invalid JSON: {error}") from None
            if isinstance(extra, dict):
                metadata.update(extra)
        value = {field: row.get(name) for field, name in columns.items()}
        repo = str(value["repo"]) if value.get("repo") not in (None, "") else f"{self.dataset}#unknown"
        path = str(value["path"]) if value.get("path") not in (None, "") else f"row-{index}"
        declared_size = self._int(value.get("size"), index, columns.get("size", "size"))
        metadata.update({
            keys.REPO: repo,
            keys.PATH: path,
            keys.SIZE_BYTES: size if declared_size is None else declared_size,
            keys.SOURCE: self.name,
            keys.KIND: keys.KIND_TEXT if value.get("kind") == keys.KIND_TEXT else keys.KIND_CODE,
        })
        if "license" in columns:
            license_expr = stack_license(value["license"])
            metadata[keys.LICENSE] = license_expr
            metadata[keys.LICENSE_SOURCE] = (metadata.get(keys.LICENSE_SOURCE) or "metadata") if license_expr else None
        for field, key in (("stars", keys.STARS), ("commits", keys.COMMITS)):
            if field in columns:
                metadata[key] = self._int(value[field], index, columns[field])
        if "revision" in columns:
            metadata[keys.REVISION] = None if value["revision"] is None else str(value["revision"])
        if value.get("repo_url"):
            metadata[keys.REPO_URL] = str(value["repo_url"])
        for key in (keys.LICENSE, keys.LICENSE_SOURCE, keys.STARS, keys.COMMITS, keys.REVISION):
            metadata.setdefault(key, None)
        if decode_error:
            metadata[keys.DECODE_ERROR] = True
        declared = value.get("language") if isinstance(value.get("language"), str) else None
        language = normalize_language(declared)
        if language is None and declared and metadata[keys.KIND] == keys.KIND_TEXT:
            language = declared  # an article's natural language or markup, as codecurate wrote it
        language = language or detect_language(path, text)
        if language in ("C", "C++") and path.lower().endswith(".h"):
            language = header_language(text)  # such datasets file every .h under one language by extension
        metadata[keys.LANGUAGE] = language
        metadata.setdefault(keys.CONTENT_ID, content_id(text.encode("utf-8", errors="surrogatepass")))
        doc_id = str(value["id"]) if value.get("id") not in (None, "") else keys.document_id(repo, path)
        return Document(text=text, id=doc_id, metadata=metadata), size

    # -- the run ---------------------------------------------------------------------------------

    def _rows(self, shard, rank: int, world_size: int, by_row: bool) -> Iterator[tuple[int | str, dict]]:
        """``(row index, row)``; the index is the row's number in the split when the shard takes every
        ``world_size``-th row, else ``task/position`` (a streamed dataset sharded by file)."""
        position = 0
        for batch in shard.iter(self.batch_size):
            names = list(batch)
            for values in zip(*(batch[name] for name in names)):
                yield (rank + position * world_size if by_row else f"{rank:05d}/{position}"), dict(zip(names, values))
                position += 1

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        dataset = self.load()
        available = list(dataset.column_names or [])
        if not available:  # a streamed dataset without declared features: look at the first row
            first = next(iter(dataset.take(1)), None)
            available = list(first or {})
            if first is None:
                logger.info(f"{self.name}: dataset {self.dataset!r} is empty")
                return
        columns = self.resolve_columns(available)
        dataset = dataset.select_columns(sorted(set(columns.values())))
        streamed = hasattr(dataset, "n_shards")  # an IterableDataset
        by_row = world_size == 1 or not streamed or dataset.n_shards <= 1
        if world_size == 1:
            shard = dataset
        elif streamed:  # streamed: datatrove shards by file, or by row within one file
            shard = self._get_dataset_shard(dataset, rank, world_size)
        else:  # rows rank, rank + world_size, ...: the same documents for any task count
            shard = dataset.shard(world_size, rank, contiguous=False, keep_in_memory=True)
        if shard is None:
            return
        self._log_limit_scope(rank, world_size)
        logger.info(f"{self.name}: task {rank} of {world_size} reads {self.dataset!r} "
                    f"(columns: {', '.join(f'{k}={v}' for k, v in columns.items())})")
        read = 0
        with self.exclusion_output() as excluded:
            for index, row in self._rows(shard, rank, world_size, by_row):
                if self.limit != -1 and read >= self.limit:
                    break
                read += 1
                with self.track_time():
                    document, size = self.to_document(row, columns, index)
                self.count_in(document, size)
                if size > self.max_file_bytes:
                    document.text = ""  # not carried into the exclusion output
                    self.drop(document, REASON_TOO_LARGE, excluded, rank, size=size)
                elif self.languages is not None and document.metadata[keys.LANGUAGE] not in self.languages:
                    self.drop(document, REASON_LANGUAGE, excluded, rank, size=size)
                else:
                    self.count_kept(document, size)
                    yield document
