"""``codecurate report``: what a run did, for a person: Markdown, JSON and PNG plots.

From the run's output folder: the stage funnel (documents and bytes in, kept, dropped by reason),
the language distribution of the curated files (like the paper's Figure 2), what each stage's block
contributes (``codecurate.core.report_sections``: dedup cluster sizes, the repositories dropped as
duplicates, the commented-out code deleted, PII replacements by type, the order strategies drawn,
the objective mix, the tokens written...), in stage order, and the time per stage.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from codecurate import metadata as keys
from codecurate.core.folders import Location, datafolder, staged_folder, write_json, write_text
from codecurate.core.report_sections import (
    TALLY_HOOK,
    Plot,
    Section,
    StageOutput,
    document_tally,
    read_records,
    stage_sections,
)
from codecurate.recipe.summary import compute_summary, human_size, recorded_stages


def _contributors(output: Location, summary: dict) -> list[tuple[dict, type, dict]]:
    """``(summary entry, block class, params)`` of each stage that ran, in stage order."""
    from codecurate.core.registry import get_block

    recorded = {stage_id: (name, params) for stage_id, name, params in recorded_stages(output)}
    found = []
    for stage in summary["stages"]:
        if stage["stage"] not in recorded:
            continue
        name, params = recorded[stage["stage"]]
        try:
            found.append((stage, get_block(name), params))
        except (KeyError, ImportError):
            continue  # a block no longer installed: its stage is in the funnel, without sections
    return found


def gather(output: str | Path) -> tuple[dict, list[tuple[str, Section]]]:
    """Every number of the report, as JSON-able data, and the sections the stages contribute
    (``(stage id, section)``, in stage order)."""
    output = Location(os.fspath(output))
    summary = compute_summary(output)
    contributors = _contributors(output, summary)
    tallies: dict[str, dict] = {stage["stage"]: {} for stage, _, _ in contributors}
    counting = {stage["stage"]: hook for stage, cls, _ in contributors if (hook := document_tally(cls))}
    failed: dict[str, str] = {}
    languages: Counter = Counter()
    language_bytes: Counter = Counter()
    kinds: Counter = Counter()
    for record in read_records(output / "documents"):
        meta = record.get("metadata") or {}
        kinds[meta.get(keys.KIND) or "unknown"] += 1
        if meta.get(keys.KIND) != keys.KIND_TEXT:
            language = meta.get(keys.LANGUAGE) or "unknown"
            languages[language] += 1
            language_bytes[language] += len(record.get("text", "").encode("utf-8", errors="surrogatepass"))
        for stage_id, hook in list(counting.items()):
            try:
                hook(meta, tallies[stage_id])
            except Exception as error:  # the stage's sections say so; the report goes on
                failed[stage_id] = (f"{TALLY_HOOK} failed on document {record.get('id')!r}: "
                                    f"{type(error).__name__}: {error}")
                del counting[stage_id]
    data = {
        "complete": summary["complete"],
        "warnings": summary.get("warnings", []),
        "funnel": [{k: s[k] for k in ("stage", "documents_in", "kept", "dropped_total", "bytes_in", "bytes_kept",
                                      "dropped", "seconds")} for s in summary["stages"]],
        "kinds": dict(kinds),
        "languages": {k: {"files": languages[k], "bytes": language_bytes[k]} for k, _ in languages.most_common()},
        "kept_for_reruns": summary.get("kept_for_reruns", {}),
    }
    sections: list[tuple[str, Section]] = []
    for stage, cls, params in contributors:
        stage_id = stage["stage"]
        if stage_id in failed:
            sections.append((stage_id, Section(f"{stage_id}: no section", [f"{cls.__name__}.{failed[stage_id]}"])))
            continue
        for section in stage_sections(cls, params, stage, StageOutput(output, stage_id, tallies[stage_id])):
            sections.append((stage_id, section))
            for key, value in section.fields.items():
                if section.per_stage:
                    data.setdefault(key, {})[stage_id] = value
                else:
                    data.setdefault(key, value)  # a block in two stages: the first stage's
    return data, sections


def collect(output: str | Path) -> dict:
    """Every number of the report, as JSON-able data (``report.json``)."""
    return gather(output)[0]


def _merged(sections: list[tuple[str, Section]]) -> list[tuple[str, list[str], str, list[Plot]]]:
    """The report's parts: the sections of one title joined, in the order first seen (``(title, lines,
    placeholder, plots)``; plots of one name joined, their values summed)."""
    parts: dict[str, tuple[list[str], list[str], dict[str, Plot]]] = {}
    for _, section in sections:
        lines, empty, plots = parts.setdefault(section.title, ([], [section.empty], {}))
        lines += section.lines
        for figure in section.plots:
            if figure.name not in plots:
                plots[figure.name] = Plot(**{**figure.__dict__, "values": dict(figure.values)})
            elif figure.draw is None:
                values = plots[figure.name].values
                for key, value in figure.values.items():
                    values[key] = values.get(key, 0) + value
    return [(title, lines, empty[0], list(plots.values())) for title, (lines, empty, plots) in parts.items()]


def markdown(data: dict, parts: list[tuple[str, list[str], str, list[Plot]]], plots: dict[str, str]) -> str:
    """``report.md``: the funnel, the drops, the languages, the stages' parts (``_merged``), the time."""
    lines = ["# codecurate run report", ""]
    if not data["complete"]:
        lines += ["**The run is incomplete**: some tasks have not finished.", ""]
    if data.get("warnings"):
        lines += ["## Warnings", "", *(f"- **{w['stage']}**: {w['message']}" for w in data["warnings"]), ""]
    if "funnel" in plots:
        lines += [f"![funnel]({plots['funnel']})", ""]
    lines += ["## Stages", "", "| stage | documents in | kept | dropped | bytes in | bytes kept | seconds |",
              "|---|---|---|---|---|---|---|"]
    for s in data["funnel"]:
        lines.append(f"| {s['stage']} | {s['documents_in']:,} | {s['kept']:,} | {s['dropped_total']:,} | "
                     f"{human_size(s['bytes_in'])} | {human_size(s['bytes_kept'])} | {s['seconds']:.1f} |")
    lines += ["", "Dropped, by reason:", ""]
    for s in data["funnel"]:
        for reason, counts in s["dropped"].items():
            lines.append(f"- {s['stage']} / {reason}: {counts['documents']:,} documents, {human_size(counts['bytes'])}")
    languages = [f"| {k} | {v['files']:,} | {human_size(v['bytes'])} |" for k, v in data["languages"].items()]
    languages = ["| language | files | bytes |", "|---|---|---|", *languages] if languages else []
    for title, body, empty, figures in [("Languages (curated files)", languages, "(none)",
                                         [Plot("languages", "", "", {})]), *parts]:
        lines += ["", f"## {title}", ""]
        lines += [line for f in figures if f.name in plots for line in (f"![{f.name}]({plots[f.name]})", "")]
        lines += body or [empty]
    if "time" in plots:
        lines += ["", "## Time per stage", "", f"![time]({plots['time']})"]
    if data.get("kept_for_reruns"):
        listed = ", ".join(f"`{name}/` {human_size(size)}" for name, size in data["kept_for_reruns"].items())
        lines += ["", "## Kept for reruns", "", f"{listed}: what a changed recipe reruns from (raw text before PII "
                  "redaction; `codecurate run --no-keep-intermediate` removes it, see docs/recipes.md)."]
    return "\n".join(lines) + "\n"


def plot(data: dict, parts: list[tuple[str, list[str], str, list[Plot]]], folder: Path) -> dict[str, str]:
    """PNG plots into ``folder``: the funnel, the languages, each part's plots, the time per stage;
    returns name -> file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: dict[str, str] = {}

    def save(fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(folder / f"{name}.png", dpi=110)
        plt.close(fig)
        made[name] = f"{name}.png"

    funnel = data["funnel"]
    if funnel:
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(funnel) + 1.5))
        names = [s["stage"] for s in funnel][::-1]
        kept = [s["bytes_kept"] / 2**20 for s in funnel][::-1]
        dropped = [(s["bytes_in"] - s["bytes_kept"]) / 2**20 for s in funnel][::-1]
        ax.barh(names, kept, color="#3b7dd8", label="kept")
        ax.barh(names, dropped, left=kept, color="#e07b39", label="dropped")
        for y, s in enumerate(funnel[::-1]):
            ax.text(kept[y] + dropped[y], y, f" {s['kept']:,} / {s['documents_in']:,} docs", va="center", fontsize=8)
        ax.set_xlabel("MiB")
        ax.set_title("What each stage kept and dropped")
        ax.legend(loc="lower right")
        save(fig, "funnel")

    def draw(figure: Plot) -> None:
        if not figure.values or figure.name in made:
            return
        if figure.draw is not None:
            save(figure.draw(figure.values), figure.name)
            return
        if figure.kind == "histogram":
            sizes = sorted((int(k), v) for k, v in figure.values.items())
            fig, ax = plt.subplots(figsize=(7, 3.5))
            ax.bar([str(k) for k, _ in sizes], [v for _, v in sizes], color="#3b7dd8")
            ax.set_yscale("log")
        else:
            items = list(figure.values.items())[: figure.top][::-1]
            fig, ax = plt.subplots(figsize=(8, 0.35 * len(items) + 1.5))
            ax.barh([k for k, _ in items], [v for _, v in items], color="#3b7dd8")
        ax.set_title(figure.title)
        ax.set_xlabel(figure.xlabel)
        save(fig, figure.name)

    draw(Plot("languages", "Languages of the curated files (top 20)", "MiB",
              {k: v["bytes"] / 2**20 for k, v in data["languages"].items()}))
    for _, _, _, figures in parts:
        for figure in figures:
            draw(figure)
    draw(Plot("time", "Time per stage (task-seconds)", "seconds",
              {s["stage"]: s["seconds"] for s in funnel if s["seconds"]}, top=50))
    return made


def write_report(output: str | Path, plots: bool = True) -> Location:
    """``OUTPUT/report/`` with ``report.md``, ``report.json`` and the PNG plots; returns the folder
    (a local path or a URL, like ``output``)."""
    output = Location(os.fspath(output))
    data, sections = gather(output)
    parts = _merged(sections)
    location = output / "report"
    folder = datafolder(location)
    made = {}
    if plots:
        with staged_folder(folder) as local:  # matplotlib writes local files
            made = plot(data, parts, Path(local))
    write_json(folder, "report.json", data)
    write_text(folder, "report.md", markdown(data, parts, made))
    return location
