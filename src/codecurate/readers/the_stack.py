"""The Stack v1.2 style parquet: one row per file, ``max_stars_*`` columns for the repository."""

from __future__ import annotations

import re
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.core.folders import datafolder
from codecurate.core.registry import register
from codecurate.languages import detect_language, header_language, normalize_language
from codecurate.optout import SWH_CONTENT, content_id
from codecurate.readers.files import RecordFileReader

#: The Stack column -> our metadata key (the rest of the row is not carried).
STACK_COLUMNS = {
    "max_stars_repo_name": keys.REPO,
    "max_stars_repo_path": keys.PATH,
    "max_stars_count": keys.STARS,
    "max_stars_repo_head_hexsha": keys.REVISION,
    "size": keys.SIZE_BYTES,
}


#: columns the reader reads besides the text, and what their absence costs
OPTIONAL_COLUMNS = {
    "max_stars_repo_name": "every file of a parquet file is one repository ('<file>#unknown')",
    "max_stars_repo_path": "files are named 'row-N' and their language comes from the text alone",
    "max_stars_repo_licenses": "no file has a licence: repository_license drops every one as license_not_found",
    "lang": "each file's language is detected from its path",
}
#: parquet files whose schema is read at validation (the first ones, in sorted order)
SCHEMA_FILES_READ = 8


def parquet_columns(data_folder: str, glob_pattern: str) -> dict[str, list[str] | str]:
    """The column names of the first ``SCHEMA_FILES_READ`` parquet files matching ``glob_pattern``
    under ``data_folder`` (a path or an fsspec URL), by file path, or why a file's footer (all that is
    read) cannot be read."""
    import pyarrow.parquet as pq
    from datatrove.io import get_datafolder

    folder = get_datafolder(data_folder)
    columns: dict[str, list[str] | str] = {}
    for name in sorted(folder.list_files(glob_pattern=glob_pattern))[:SCHEMA_FILES_READ]:
        if name.endswith(".parquet"):
            try:
                with folder.open(name, "rb") as file:
                    columns[folder.resolve_paths(name)] = list(pq.read_schema(file).names)
            except (OSError, ValueError, pa_errors()) as error:
                columns[folder.resolve_paths(name)] = f"{type(error).__name__}: {error}"
    return columns


def pa_errors() -> type[Exception]:
    """pyarrow's error for a file that is not parquet (``ArrowInvalid``)."""
    import pyarrow

    return pyarrow.ArrowException


def stack_license(licenses: object) -> str | None:
    """SPDX expression from The Stack's ``max_stars_repo_licenses`` list (every license applies)."""
    if not licenses:
        return None
    if isinstance(licenses, str):
        return licenses
    unique = sorted({str(item) for item in licenses if item})
    return " AND ".join(unique) if unique else None


@register("the_stack")
class TheStackReader(RecordFileReader):
    """Read The Stack v1.2 style parquet files (``content``, ``max_stars_repo_name``, ``lang``...).

    Files of a repository are not contiguous in The Stack: put the ``group_by_repository`` stage
    before any block that needs whole repositories.

    Args:
        data_folder: folder (or fsspec path) holding the parquet files.
        glob_pattern: which files to read (default ``**/*.parquet``).
        text_key: the column holding the file content.
        limit: at most this many rows per task (debugging).
    """

    name = "the_stack"
    provides = "code"
    path_params = ("data_folder",)
    #: what it reads of a ``--input PATH`` (``codecurate.recipe.inputs``)
    reads_input = "parquet files (a .parquet file or a folder holding some, on disk or at a URL)"

    def __init__(
        self,
        data_folder: str,
        glob_pattern: str = "**/*.parquet",
        text_key: str = "content",
        limit: int = -1,
        file_progress: bool = False,
    ):
        super().__init__(
            data_folder, glob_pattern=glob_pattern, text_key=text_key, limit=limit, file_progress=file_progress
        )

    @classmethod
    def input_params(cls, path: str) -> dict | None:
        """The parameters that read ``--input PATH``: a ``.parquet`` file, or a folder (local, or a URL
        read through fsspec) holding some; ``None`` for anything else."""
        if "://" in path:
            if path.endswith(".parquet"):
                folder, _, name = path.rstrip("/").rpartition("/")
                return {"data_folder": folder, "glob_pattern": name}
            return {"data_folder": path} if datafolder(path).list_files(glob_pattern="**/*.parquet") else None
        location = Path(path)
        if location.is_file() and location.suffix == ".parquet":
            return {"data_folder": str(location.parent), "glob_pattern": location.name}
        if location.is_dir() and next(location.rglob("*.parquet"), None) is not None:
            return {"data_folder": str(location)}
        return None

    @classmethod
    def input_problems(cls, params: dict) -> list[str]:
        """No parquet file to read, or one without the text column (``codecurate.core.run_warnings``)."""
        try:
            found = parquet_columns(params["data_folder"], params["glob_pattern"])
        except Exception as error:  # an unreadable footer is the file's fault: say which error
            return [f"cannot read the parquet schemas under {params['data_folder']}: {type(error).__name__}: {error}"]
        if not found:
            return [f"no parquet file matches {params['glob_pattern']!r} under {params['data_folder']}"]
        problems = []
        text_key = params["text_key"]
        for name, columns in found.items():
            if isinstance(columns, str):
                problems.append(f"{name}: not a readable parquet file ({columns})")
            elif text_key not in columns:
                hint = (" It has a 'text' column: set text_key: text, or read it with datatrove's parquet reader "
                        "(reader: \"datatrove.pipeline.readers:ParquetReader\", without repository columns)"
                        if "text" in columns else "")
                problems.append(f"{name}: no column {text_key!r} (param text_key), the file's text; its columns: "
                                f"{', '.join(columns)}.{hint}")
        return problems[:3]

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """Before a run: the optional columns the parquet files lack, and what that costs."""
        if stage is not None:
            return []
        try:
            found = parquet_columns(params["data_folder"], params["glob_pattern"])
        except Exception:
            return []
        missing = {column for columns in found.values() if not isinstance(columns, str)
                   for column in OPTIONAL_COLUMNS if column not in columns}
        return [f"the parquet files lack column {column!r}: {OPTIONAL_COLUMNS[column]}"
                for column in OPTIONAL_COLUMNS if column in missing]

    def to_document(self, record: dict, filepath: str, index: int) -> Document:
        if self.text_key not in record:
            raise KeyError(f"{filepath}: row {index} has no column {self.text_key!r}; columns: {sorted(record)}")
        metadata = {our: record.get(theirs) for theirs, our in STACK_COLUMNS.items()}
        repo = metadata[keys.REPO] or f"{filepath}#unknown"
        path = metadata[keys.PATH] or f"row-{index}"
        metadata[keys.REPO], metadata[keys.PATH] = repo, path
        license_expr = stack_license(record.get("max_stars_repo_licenses"))
        metadata[keys.LICENSE] = license_expr
        metadata[keys.LICENSE_SOURCE] = "metadata" if license_expr else None
        metadata[keys.COMMITS] = None
        metadata[keys.SOURCE] = self.name
        metadata[keys.KIND] = keys.KIND_CODE
        text = record[self.text_key] or ""
        language = normalize_language(record.get("lang")) or detect_language(path, text)
        if language in ("C", "C++") and path.lower().endswith(".h"):
            language = header_language(text)  # The Stack files every .h under one language by extension
        metadata[keys.LANGUAGE] = language
        # The Stack's hexsha is the file's git blob sha1: its content id; else that of the text's bytes
        hexsha = record.get("hexsha")
        metadata[keys.CONTENT_ID] = SWH_CONTENT + hexsha.lower() if isinstance(hexsha, str) and \
            re.fullmatch(r"[0-9a-fA-F]{40}", hexsha) else content_id(text.encode("utf-8", errors="surrogatepass"))
        return Document(text=text, id=record.get("hexsha") or keys.document_id(repo, path), metadata=metadata)
