"""Provenance: where every document that reached the training shards came from, and where it is.

The ``tokenized_shards`` stage writes ``OUTPUT/provenance/BUCKET.parquet`` beside the shards, one row
per document of that merge bucket's shards, in shard order: its id, repository, path, revision,
licences (the repository's and the file's own), content id (``swh:1:cnt:<git blob sha1>`` of the
file as read), the decisions blocks recorded on it (``decisions``, JSON: quality score, defects,
PII replaced, order, objective...), the stages it passed (``stages``: the recipe's stages before the
shards, every one of which kept it), and its tokens: ``shard`` file, ``token_start`` and
``token_end`` in it (end excluded). ``codecurate remove`` rewrites a bucket's file with its shards.
"""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys

PROVENANCE_FOLDER = "provenance"
#: metadata keys copied into the ``decisions`` column when a block set them
DECISION_KEYS = (
    keys.QUALITY_SCORE,
    keys.COMMENT_RATIO,
    keys.EFFECTIVE_LINES,
    keys.ANALYSIS_DEFECTS,
    keys.ANALYSIS_DEFECTS_PER_KLOC,
    keys.ANALYSIS_ERROR,
    keys.COMMENTED_CODE_REMOVED_BYTES,
    keys.PII_COUNTS,
    keys.ORDER_STRATEGY,
    keys.ORDER_POSITION,
    keys.OBJECTIVE,
    keys.FIM_MODE,
    keys.SFIM_NODE,
    keys.SFIM_FALLBACK,
)
#: the string columns, from the document
_STRINGS = (
    ("id", None),
    ("repo", keys.REPO),
    ("path", keys.PATH),
    ("source", keys.SOURCE),
    ("kind", keys.KIND),
    ("language", keys.LANGUAGE),
    ("revision", keys.REVISION),
    ("repo_url", keys.REPO_URL),
    ("license", keys.LICENSE),
    ("license_source", keys.LICENSE_SOURCE),
    ("file_license", keys.FILE_LICENSE),
    ("file_license_source", keys.FILE_LICENSE_SOURCE),
    ("content_id", keys.CONTENT_ID),
)


def schema():
    """The provenance table's Arrow schema (fixed: a bucket's first row fixes no type)."""
    import pyarrow as pa

    fields = [pa.field(name, pa.string()) for name, _ in _STRINGS]
    fields += [
        pa.field("size_bytes", pa.int64()),
        pa.field("text_bytes", pa.int64()),
        pa.field("decisions", pa.string()),
        pa.field("stages", pa.list_(pa.string())),
        pa.field("shard", pa.string()),
        pa.field("token_start", pa.int64()),
        pa.field("token_end", pa.int64()),
    ]
    return pa.schema(fields)


def record(document: Document) -> dict:
    """The document's row, without its place in the shards (``shard``, ``token_start``, ``token_end``)."""
    meta = document.metadata
    row = {name: (document.id if key is None else meta.get(key)) for name, key in _STRINGS}
    row = {name: None if value is None else str(value) for name, value in row.items()}
    # the id of the file as read, never of the text as formatted: none when no reader recorded one
    size = meta.get(keys.SIZE_BYTES)
    row["size_bytes"] = int(size) if isinstance(size, (int, float)) and not isinstance(size, bool) else None
    row["text_bytes"] = keys.text_bytes(document)
    decisions = {key: meta[key] for key in DECISION_KEYS if meta.get(key) is not None}
    row["decisions"] = json.dumps(decisions, sort_keys=True, ensure_ascii=False, default=str) if decisions else None
    return row


def write_table(path: str | Path, rows: list[dict]) -> Path:
    """Write ``rows`` (records with their place) as the parquet file ``path``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema())
    temporary = path.with_name(path.name + ".tmp")
    pq.write_table(table, temporary, compression="zstd")
    temporary.replace(path)
    return path


def read_rows(path: str | Path) -> list[dict]:
    """The rows of one provenance file."""
    import pyarrow.parquet as pq

    return pq.read_table(path, schema=schema()).to_pylist()


def bucket_file(folder: str | Path, bucket: int) -> Path:
    return Path(folder) / f"{bucket:05d}.parquet"
