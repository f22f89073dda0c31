"""Removing documents from finished shards: only the merge buckets that hold them are rebuilt.

A bucket's shards are its units in their seeded order, cut into parts at the first unit boundary
past ``max_tokens_per_shard`` (``ShardMerge``). Rebuilding one without some documents writes the same
units in the same order, each without the removed documents (a unit left empty goes), cut the same
way: the bytes a merge of those documents would have written, as long as no two units of the bucket
share a name (their order then also depends on their tokens). The other buckets' files are not
touched. The provenance (``OUTPUT/provenance/BUCKET.parquet``) says which documents each bucket holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from codecurate.provenance import PROVENANCE_FOLDER, bucket_file, read_rows, write_table
from codecurate.tokenizer_files import load_tokenizer
from codecurate.tokens.shards import Shard, ShardWriter, write_megatron


def _bucket(name: str) -> int:
    return int(name.split("_", 1)[0])


def remove_from_shards(root: str | Path, removed: Callable[[dict], bool], max_tokens_per_shard: int) -> dict:
    """Rebuild the buckets of ``root/tokens`` holding a document whose provenance row ``removed``
    accepts, without those documents; rewrite their provenance files and ``tokens/summary.json``.

    Returns ``{"documents": [row + tokens], "buckets": {bucket: {"before": [files], "after": [files]}},
    "untouched": [files]}``. Raises ``FileNotFoundError`` when the shards have no provenance."""
    root = Path(root)
    tokens_folder, provenance = root / "tokens", root / PROVENANCE_FOLDER
    summary_path = tokens_folder / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    buckets = sorted({_bucket(s["file"]) for s in summary["shards"]})
    missing = [b for b in buckets if not bucket_file(provenance, b).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{provenance}: no provenance for buckets {missing} of {tokens_folder} (an output "
            "written before provenance was recorded): rerun the recipe to remove documents"
        )
    removed_rows: list[dict] = []
    rebuilt: dict[int, dict] = {}
    for bucket in buckets:
        rows = read_rows(bucket_file(provenance, bucket))
        if not any(removed(row) for row in rows):
            continue
        files = [s["file"] for s in summary["shards"] if _bucket(s["file"]) == bucket]
        entries, kept_rows = _rebuild(tokens_folder, files, rows, removed, removed_rows, max_tokens_per_shard, summary)
        write_table(bucket_file(provenance, bucket), kept_rows)
        rebuilt[bucket] = {"before": files, "after": [e["file"] for e in entries]}
        at = next(i for i, s in enumerate(summary["shards"]) if _bucket(s["file"]) == bucket)
        summary["shards"] = [s for s in summary["shards"] if _bucket(s["file"]) != bucket]
        summary["shards"][at:at] = entries
    if rebuilt:
        for key in ("tokens", "documents", "units", "windows"):
            summary[key] = sum(s[key] for s in summary["shards"])
        summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    untouched = [s["file"] for s in summary["shards"] if _bucket(s["file"]) not in rebuilt]
    return {"documents": removed_rows, "buckets": rebuilt, "untouched": untouched}


def _rebuild(
    folder: Path,
    files: list[str],
    rows: list[dict],
    removed: Callable[[dict], bool],
    removed_rows: list[dict],
    max_tokens: int,
    summary: dict,
) -> tuple[list[dict], list[dict]]:
    """Write one bucket's parts anew without the removed documents; its new summary entries and rows."""
    units: list[list[tuple[object, dict]]] = []  # (tokens, row) of each kept document, per unit
    index = 0
    sources = [Shard(folder / name) for name in files]
    for shard in sources:
        for unit in shard.units():
            kept = []
            for tokens in unit:
                row = rows[index]
                index += 1
                if removed(row):
                    removed_rows.append(row)
                else:
                    kept.append((np.array(tokens), row))  # a copy: the file is rewritten
            if kept:
                units.append(kept)
    if index != len(rows):
        raise ValueError(
            f"{folder}: the provenance of {files[0].split('_')[0]} lists {len(rows)} documents, its shards hold {index}"
        )
    tokenizer_name, token_size = sources[0].tokenizer_name, sources[0].token_size
    prefix = files[0].split("_", 1)[0] + "_"
    for stale in [*folder.glob(f"{prefix}*"), *(folder / "megatron").glob(f"{prefix}*")]:
        stale.unlink()
    megatron = bool(summary.get("megatron"))
    vocab = load_tokenizer(folder.parent / "tokenizer").get_vocab_size() if megatron else None
    entries: list[dict] = []
    kept_rows: list[dict] = []
    writer, megatron_units = None, []

    def finish() -> None:
        info = writer.close()
        entries.append(
            {
                "file": info.path.name,
                "tokens": info.tokens,
                "documents": info.documents,
                "units": info.units,
                "windows": info.tokens // (summary["sequence_length"] + 1),
            }
        )
        if megatron:
            write_megatron(folder / "megatron" / info.path.stem, megatron_units, vocab)
            megatron_units.clear()

    for unit in units:
        if writer is None:
            writer = ShardWriter(folder / f"{prefix}{len(entries):05d}.ds", token_size, tokenizer_name)
        for tokens, row in unit:
            start = writer.count
            writer.write_document(tokens)
            kept_rows.append({**row, "shard": writer.path.name, "token_start": start, "token_end": writer.count})
        writer.end_unit()
        if megatron:
            megatron_units.append([tokens for tokens, _ in unit])
        if writer.count >= max_tokens:
            finish()
            writer = None
    if writer is not None:
        finish()
    return entries, kept_rows
