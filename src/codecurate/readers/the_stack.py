"""The Stack v1.2 style parquet: one row per file, ``max_stars_*`` columns for the repository."""

from __future__ import annotations

from datatrove.data import Document

from codecurate import documents as keys
from codecurate.core.registry import register
from codecurate.languages import detect_language, header_language, normalize_language
from codecurate.readers.files import RecordFileReader

#: The Stack column -> our metadata key (the rest of the row is not carried).
STACK_COLUMNS = {
    "max_stars_repo_name": keys.REPO,
    "max_stars_repo_path": keys.PATH,
    "max_stars_count": keys.STARS,
    "max_stars_repo_head_hexsha": keys.REVISION,
    "size": keys.SIZE_BYTES,
}


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
        return Document(text=text, id=record.get("hexsha") or keys.document_id(repo, path), metadata=metadata)
