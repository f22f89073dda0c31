"""``codecurate remove OUTPUT --opt-out FILE``: a finished output rewritten without the files an
opt-out list names (``codecurate.optout``).

What is rewritten: the documents (``documents/``, each file holding a removed document, its other
lines byte for byte), the exclusions (``excluded/``: a dropped copy of a removed file goes too), the
parquet files of ``huggingface_output`` stages, and the training shards: only the merge buckets that
hold a removed document (``codecurate.tokens.removal``), with their provenance rows and
``tokens/summary.json``; every other shard file is left as it is. The tokenizer is not touched. What
the run kept for reruns (``intermediate/``, ``work/``) holds the removed files too: it is deleted. What
was removed, from which file and shard, and how many tokens, goes to ``removals/<time>.json``.
"""

from __future__ import annotations

import gzip
import inspect
import json
import os
import time
from collections import Counter
from pathlib import Path

import fsspec
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.core.compression import CODECS
from codecurate.core.folders import datafolder, is_url
from codecurate.core.folders import remove as remove_folder
from codecurate.optout import OptOutEntry, OptOutList, read_opt_out
from codecurate.recipe.lock import OutputLock
from codecurate.recipe.run import RESOLVED_RECIPE, OutputInUseError, read_marker
from codecurate.recipe.summary import SCRATCH_FOLDERS

REMOVALS_FOLDER = "removals"
_WRITE_CODECS = {".gz": CODECS["gzip"], ".zst": CODECS["zstd"]}


class RemovalError(RuntimeError):
    """An output that cannot be rewritten as asked; the message says why and what to do."""


def _rewrite_jsonl(path: Path, opt_out: OptOutList, found: dict[str, dict], matched: Counter) -> int:
    """Drop from the jsonl file ``path`` the documents ``opt_out`` names, keeping the other lines' bytes;
    returns how many went. A document is recorded in ``found`` (by id) with the file it left."""
    compression = "infer" if path.suffix in _WRITE_CODECS else None
    with fsspec.open(str(path), "rb", compression=compression) as file:
        lines = file.read().splitlines(keepends=True)
    kept, gone = [], 0
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
            document = Document(text=record.get("text") or "", id=record["id"], metadata=record.get("metadata") or {})
        except (ValueError, KeyError, TypeError) as error:
            raise RemovalError(
                f"{path}:{number}: not a document record ({error}); nothing was rewritten from this file"
            ) from None
        entry = opt_out.match(document)
        if entry is None:
            kept.append(line)
            continue
        gone += 1
        matched[entry.line] += 1
        meta = document.metadata
        found.setdefault(
            document.id,
            {
                "id": document.id,
                "repo": meta.get(keys.REPO),
                "path": meta.get(keys.PATH),
                "content_id": meta.get(keys.CONTENT_ID),
                "entry": str(entry),
                "files": [],
            },
        )
        found[document.id]["files"].append(str(path))
    if gone:
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        if path.suffix == ".gz":  # as the writers' codec (level 6, no time), naming the file they named
            with open(temporary, "wb") as raw, gzip.GzipFile(path.name, "wb", 6, raw, mtime=0) as file:
                file.write(b"".join(kept))
        else:
            with fsspec.open(str(temporary), "wb", compression=_WRITE_CODECS.get(path.suffix)) as file:
                file.write(b"".join(kept))
        temporary.replace(path)
    return gone


def _stage_params(output: Path, block: str) -> list[tuple[str, dict]]:
    """``(stage id, params)`` of the recorded recipe's stages of ``block``."""
    from codecurate.recipe.schema import default_stage_id

    try:
        recorded = json.loads((output / RESOLVED_RECIPE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [
        (entry.get("id") or default_stage_id(block), entry.get("params") or {})
        for entry in recorded.get("stages") or []
        if isinstance(entry, dict) and entry.get("block") == block
    ]


def _rewrite_parquet(folder: Path, ids: set[str], opt_out: OptOutList, found: dict, matched: Counter) -> list[str]:
    """Drop the rows of removed documents from the parquet files of a ``huggingface_output`` folder."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rewritten = []
    for path in sorted(folder.rglob("*.parquet")):
        table = pq.read_table(path)
        if "id" not in table.column_names:
            continue
        gone = []
        for row in table.select([c for c in ("id", "repo", "path") if c in table.column_names]).to_pylist():
            entry = opt_out.match(
                Document(text="", id=row["id"], metadata={keys.REPO: row.get("repo"), keys.PATH: row.get("path")})
            )
            if row["id"] in ids or entry is not None:
                gone.append(row["id"])
                if row["id"] not in found and entry is not None:
                    matched[entry.line] += 1
                    found[row["id"]] = {
                        "id": row["id"],
                        "repo": row.get("repo"),
                        "path": row.get("path"),
                        "content_id": None,
                        "entry": str(entry),
                        "files": [],
                    }
                if row["id"] in found:
                    found[row["id"]]["files"].append(str(path))
        if gone:
            metadata = pq.ParquetFile(path).metadata
            codec = metadata.row_group(0).column(0).compression.lower() if metadata.num_row_groups else "snappy"
            table = table.filter(pc.invert(pc.is_in(table["id"], value_set=pa.array(gone))))
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            pq.write_table(table, temporary, compression=None if codec == "uncompressed" else codec)
            temporary.replace(path)
            rewritten.append(str(path))
    return rewritten


def remove(output: str | Path, opt_out_file: str | Path) -> dict:
    """Rewrite ``output`` without what ``opt_out_file`` names; returns (and saves) the removal report.
    Raises ``OptOutError`` for a malformed list, ``RemovalError``/``OutputInUseError`` for an output
    that cannot be rewritten (no codecurate run, not on local disk)."""
    started = time.monotonic()
    opt_out = read_opt_out(opt_out_file)
    if is_url(output):
        raise RemovalError(
            f"{output}: codecurate remove rewrites an output on local disk; copy it down (or mount "
            "it), remove, and copy it back"
        )
    output = Path(output)
    if not output.is_dir() or read_marker(output) is None:
        raise OutputInUseError(f"{output} holds no codecurate run (no marker): nothing to remove from")
    lock = OutputLock(output).acquire()
    try:
        found: dict[str, dict] = {}
        matched: Counter = Counter()
        rewritten: dict[str, int] = {}
        for folder in ("documents", "excluded", "samples"):  # samples: the report page's before/after
            for path in sorted((output / folder).rglob("*.jsonl*")):
                if path.is_file() and not path.name.startswith("."):
                    gone = _rewrite_jsonl(path, opt_out, found, matched)
                    if gone:
                        rewritten[str(path.relative_to(output))] = gone
        parquet = []
        for stage_id, params in _stage_params(output, "huggingface_output"):
            folder = Path(params.get("output_folder") or output / stage_id)
            if folder.is_dir() and not params.get("repo_id"):
                parquet += _rewrite_parquet(folder, set(found), opt_out, found, matched)
        shards = None
        if (output / "tokens" / "summary.json").is_file():
            from codecurate.core.registry import get_block
            from codecurate.tokens.removal import remove_from_shards

            block = get_block("tokenized_shards")
            default = inspect.signature(block).parameters["max_tokens_per_shard"].default
            stages = _stage_params(output, "tokenized_shards")
            max_tokens = int((stages[0][1] if stages else {}).get("max_tokens_per_shard", default))

            def removed(row: dict) -> bool:
                if row["id"] in found:
                    return True
                entry: OptOutEntry | None = opt_out.match(
                    Document(
                        text="",
                        id=row["id"],
                        metadata={keys.REPO: row["repo"], keys.PATH: row["path"], keys.CONTENT_ID: row["content_id"]},
                    )
                )
                if entry is not None:
                    matched[entry.line] += 1
                    found[row["id"]] = {
                        "id": row["id"],
                        "repo": row["repo"],
                        "path": row["path"],
                        "content_id": row["content_id"],
                        "entry": str(entry),
                        "files": [],
                    }
                return entry is not None

            shards = remove_from_shards(output, removed, max_tokens)
            for row in shards["documents"]:
                found[row["id"]].update(
                    content_id=row["content_id"], shard=row["shard"], tokens=row["token_end"] - row["token_start"]
                )
        # what the run kept for reruns holds the removed files: a rerun must not bring them back
        scratch = [name for name in SCRATCH_FOLDERS if found and (output / name).exists()]
        for name in scratch:
            remove_folder(datafolder(output), name)
        report = {
            "opt_out": str(opt_out_file),
            "output": str(output),
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "removed": len(found),
            "tokens_removed": sum(d.get("tokens", 0) for d in found.values()),
            "entries": [
                {"line": e.line, "kind": e.kind, "value": e.value, "documents": matched.get(e.line, 0)}
                for e in opt_out.entries
            ],
            "unmatched": [str(e) for e in opt_out.unmatched(set(matched))],
            "rewritten": rewritten,
            "scratch_removed": scratch,
            "parquet_rewritten": parquet,
            "shards": None if shards is None else {"rebuilt": shards["buckets"], "untouched": len(shards["untouched"])},
            "documents": sorted(found.values(), key=lambda d: d["id"]),
            "tokenizer": "not touched (trained on a sample that may hold removed files: see docs/compliance.md)",
            "seconds": round(time.monotonic() - started, 3),
        }
        folder = output / REMOVALS_FOLDER
        folder.mkdir(exist_ok=True)
        path = folder / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        report["report"] = str(path)
        from codecurate.recipe.content import write_training_content

        write_training_content(output)  # the summary of what the shards now hold
        if (output / "report" / "report.json").is_file():  # the page's samples, without the files removed
            from codecurate.recipe.report_page import write_page

            write_page(output)
        return report
    finally:
        lock.release()


def format_report(report: dict) -> str:
    """The lines ``codecurate remove`` prints."""
    lines = [f"removed {report['removed']} documents ({report['tokens_removed']:,} tokens) from {report['output']}"]
    for name, count in report["rewritten"].items():
        lines.append(f"  {name}: {count} removed")
    if report.get("scratch_removed"):
        lines.append(
            f"  removed {', '.join(f'{name}/' for name in report['scratch_removed'])} (kept for reruns, "
            "they held the removed files: a changed recipe reruns from its first segment)"
        )
    shards = report["shards"]
    if shards is not None:
        for bucket, files in shards["rebuilt"].items():
            lines.append(
                f"  shards of bucket {int(bucket):05d} rebuilt: {', '.join(files['before'])} -> "
                f"{', '.join(files['after']) or '(none left)'}"
            )
        lines.append(f"  {shards['untouched']} shard files untouched")
    if not report["removed"]:
        lines.append(f"the opt-out list names nothing present in {report['output']}")
    else:
        lines += [f"  {entry} names nothing present" for entry in report["unmatched"]]
    lines.append(f"report: {report['report']}")
    return "\n".join(lines)
