"""The training-content summary: what the shards of a run hold, from its provenance
(``codecurate.provenance``), and what the run's stages removed, from its summary.

Written by ``codecurate report`` (and after ``codecurate remove``) as ``OUTPUT/report/training_content.md``
and ``.json``: totals, languages, licences (the repository's and the files' own), sources, sizes,
the filters applied with what each removed, and the removals on request. Its tables are the ones a
model card or a public summary of training content (the EU AI Act's template: data sources, their
size, how the data was processed, how opt-outs were honoured) asks for.
"""

from __future__ import annotations

import json
from pathlib import Path

from codecurate.provenance import PROVENANCE_FOLDER, schema

CONTENT_FILE = "training_content"


def _table(output: Path):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    files = sorted((output / PROVENANCE_FOLDER).glob("*.parquet"))
    if not files:
        return None
    table = pa.concat_tables([pq.read_table(path, schema=schema()) for path in files])
    tokens = pc.subtract(table["token_end"], table["token_start"])
    table = table.append_column("tokens", tokens)
    for column in ("language", "license", "file_license", "source", "kind"):
        table = table.set_column(table.schema.get_field_index(column), column, pc.fill_null(table[column], "(none)"))
    return table


def _grouped(table, keys: list[str], total_tokens: int) -> list[dict]:
    """Documents, repositories, tokens, bytes per value of ``keys``, most tokens first."""
    grouped = table.group_by(keys).aggregate(
        [("id", "count"), ("repo", "count_distinct"), ("tokens", "sum"), ("text_bytes", "sum")]
    )
    rows = []
    for row in grouped.to_pylist():
        rows.append(
            {
                **{k: row[k] for k in keys},
                "documents": row["id_count"],
                "repositories": row["repo_count_distinct"],
                "tokens": row["tokens_sum"],
                "bytes": row["text_bytes_sum"],
                "token_share": round(row["tokens_sum"] / total_tokens, 4) if total_tokens else 0.0,
            }
        )
    return sorted(rows, key=lambda r: (-r["tokens"], *(str(r[k]) for k in keys)))


def _sizes(table) -> dict:
    import pyarrow.compute as pc

    sizes = {}
    for column in ("tokens", "text_bytes"):
        values = table[column]
        if len(values):
            quantiles = pc.quantile(values, q=[0.5, 0.9, 0.99], interpolation="nearest").to_pylist()
            sizes[column] = {
                "median": quantiles[0],
                "p90": quantiles[1],
                "p99": quantiles[2],
                "max": pc.max(values).as_py(),
            }
    return sizes


def training_content(output: str | Path) -> dict | None:
    """The summary of ``output``'s training content; ``None`` when it has no provenance (no shards)."""
    output = Path(output)
    table = _table(output)
    if table is None:
        return None
    import pyarrow.compute as pc

    total_tokens = int(pc.sum(table["tokens"]).as_py() or 0)
    summary_path = output / "summary.json"
    run = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {"stages": []}
    filters = [
        {
            "stage": s["stage"],
            "documents_in": s["documents_in"],
            "kept": s["kept"],
            "removed": {reason: d["documents"] for reason, d in sorted(s["dropped"].items())},
            "removed_bytes": sum(d["bytes"] for d in s["dropped"].values()),
        }
        for s in run.get("stages", [])
        if s.get("documents_in")
    ]
    removals = []
    for path in sorted((output / "removals").glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        removals.append(
            {
                "when": report["when"],
                "opt_out": report["opt_out"],
                "documents": report["removed"],
                "tokens": report["tokens_removed"],
                "unmatched_entries": len(report["unmatched"]),
            }
        )
    file_licensed = table.filter(pc.not_equal(table["file_license"], "(none)"))
    return {
        "totals": {
            "documents": table.num_rows,
            "repositories": len(pc.unique(table["repo"].drop_null())),
            "tokens": total_tokens,
            "bytes": int(pc.sum(table["text_bytes"]).as_py() or 0),
            "bytes_as_read": int(pc.sum(table["size_bytes"]).as_py() or 0),
            "shards": len(pc.unique(table["shard"])),
            "with_content_id": table.num_rows - table["content_id"].null_count,
        },
        "sources": _grouped(table, ["source", "kind"], total_tokens),
        "languages": _grouped(table, ["language"], total_tokens),
        "licenses": _grouped(table, ["license"], total_tokens),
        "file_licenses": _grouped(file_licensed, ["file_license"], total_tokens) if file_licensed.num_rows else [],
        "sizes": _sizes(table),
        "filters": filters,
        "removals": removals,
    }


def _markdown_table(rows: list[dict], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            cells.append(
                f"{value:,}" if isinstance(value, int) else f"{value:.2%}" if column == "token_share" else str(value)
            )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(content: dict) -> str:
    """The summary as Markdown tables."""
    totals = content["totals"]
    lines = [
        "# Training content",
        "",
        f"{totals['documents']:,} documents of {totals['repositories']:,} repositories, {totals['tokens']:,} "
        f"tokens in {totals['shards']:,} shards ({totals['bytes']:,} bytes of text as trained, "
        f"{totals['bytes_as_read']:,} as read); {totals['with_content_id']:,} with a Software Heritage "
        "content id (`OUTPUT/provenance/`).",
        "",
    ]
    counts = ["documents", "repositories", "tokens", "token_share", "bytes"]
    for title, rows, keys in (
        ("Sources", content["sources"], ["source", "kind"]),
        ("Languages", content["languages"], ["language"]),
        ("Licences (the repository's)", content["licenses"], ["license"]),
        ("Files with a licence of their own", content["file_licenses"], ["file_license"]),
    ):
        lines += [f"## {title}", "", *(_markdown_table(rows, keys + counts) if rows else ["none"]), ""]
    lines += ["## Sizes", "", "| per document | median | p90 | p99 | max |", "|---|---|---|---|---|"]
    for name, size in content["sizes"].items():
        lines.append(f"| {name} | {size['median']:,} | {size['p90']:,} | {size['p99']:,} | {size['max']:,} |")
    lines += [
        "",
        "## Filters applied and what they removed",
        "",
        "| stage | documents in | kept | removed |",
        "|---|---|---|---|",
    ]
    for stage in content["filters"]:
        removed = ", ".join(f"{reason} {n:,}" for reason, n in stage["removed"].items()) or "-"
        lines.append(f"| {stage['stage']} | {stage['documents_in']:,} | {stage['kept']:,} | {removed} |")
    lines += ["", "## Removals on request (`codecurate remove`)", ""]
    lines += [
        f"- {r['when']}: {r['documents']:,} documents, {r['tokens']:,} tokens ({r['opt_out']}; "
        f"{r['unmatched_entries']} entries named nothing present)"
        for r in content["removals"]
    ] or ["none"]
    return "\n".join(lines) + "\n"


def write_training_content(output: str | Path) -> Path | None:
    """Write ``OUTPUT/report/training_content.{md,json}``; the Markdown's path, or ``None`` without
    provenance."""
    content = training_content(output)
    if content is None:
        return None
    folder = Path(output) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{CONTENT_FILE}.json").write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    path = folder / f"{CONTENT_FILE}.md"
    path.write_text(markdown(content), encoding="utf-8")
    return path
