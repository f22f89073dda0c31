"""``codecurate report``: what a run did, for a person: Markdown, JSON and PNG plots.

From the run's output folder: the stage funnel (documents and bytes in, kept, dropped by reason),
the language distribution of the curated files (like the paper's Figure 2), dedup cluster sizes
(from the excluded duplicates), the repositories dropped as duplicates of another and the one kept,
the commented-out code found and deleted, PII replacements by type, the order strategies drawn, the
objective mix (layouts, and realised shares per language beside the share of files that could
serve SFIM), the tokens written and the time per stage.
"""

from __future__ import annotations

import gzip
import os
from collections import Counter
from pathlib import Path

import orjson

from codecurate import documents as keys
from codecurate.core.folders import Location, datafolder, read_json, staged_folder, write_json, write_text
from codecurate.recipe.summary import analysis_coverage, compute_summary, human_size


def _records(location: str):
    folder = datafolder(location)
    for path in folder.list_files(glob_pattern="**/*.jsonl.gz") if folder.isdir("") else []:
        with folder.open(path, "rb") as raw, gzip.open(raw, "rb") as f:
            for line in f:
                yield orjson.loads(line)


def collect(output: str | Path) -> dict:
    """Every number of the report, as JSON-able data."""
    output = Location(os.fspath(output))
    summary = compute_summary(output)
    languages: Counter = Counter()
    language_bytes: Counter = Counter()
    pii: Counter = Counter()
    objectives: Counter = Counter()
    modes: Counter = Counter()
    strategies: dict[str, str] = {}
    kinds: Counter = Counter()
    for record in _records(output / "documents"):
        meta = record.get("metadata") or {}
        kinds[meta.get(keys.KIND) or "unknown"] += 1
        if meta.get(keys.KIND) != keys.KIND_TEXT:
            language = meta.get(keys.LANGUAGE) or "unknown"
            languages[language] += 1
            language_bytes[language] += len(record.get("text", "").encode("utf-8", errors="surrogatepass"))
        for kind, count in (meta.get(keys.PII_COUNTS) or {}).items():
            pii[kind] += count
        if meta.get(keys.OBJECTIVE):
            objectives[meta[keys.OBJECTIVE]] += 1
            modes[f"{meta[keys.OBJECTIVE]}/{meta.get(keys.FIM_MODE)}"] += 1
        if meta.get(keys.ORDER_STRATEGY) and meta.get(keys.REPO):
            strategies[meta[keys.REPO]] = meta[keys.ORDER_STRATEGY]
    clusters: dict[str, Counter] = {}
    repositories: dict[str, dict[str, list]] = {}
    for stage in summary["stages"]:
        sizes: Counter = Counter()
        for record in _records(output / "excluded" / stage["stage"]):
            meta = record.get("metadata") or {}
            kept = meta.get(keys.DUPLICATE_OF)
            if kept:
                sizes[kept] += 1
            kept_repository = meta.get(keys.DUPLICATE_REPOSITORY_OF)
            if kept_repository and meta.get(keys.REPO):
                entry = repositories.setdefault(stage["stage"], {}).setdefault(
                    meta[keys.REPO], [kept_repository, meta.get(keys.DUPLICATE_SIMILARITY), 0])
                entry[2] += 1
        if sizes:
            clusters[stage["stage"]] = Counter(1 + n for n in sizes.values())
    commented = {s["stage"]: {k: s["counters"].get(k, 0) for k in ("comment_blocks", "large_blocks",
                                                                    "large_code_blocks", "deleted_blocks",
                                                                    "deleted_bytes")}
                 for s in summary["stages"] if "comment_blocks" in s["counters"]}
    analysis = {s["stage"]: coverage for s in summary["stages"] if (coverage := analysis_coverage(s["counters"]))}
    folder = datafolder(output)
    tokens = read_json(folder, "tokens/summary.json") if folder.isfile("tokens/summary.json") else None
    return {
        "complete": summary["complete"],
        "warnings": summary.get("warnings", []),
        "funnel": [{k: s[k] for k in ("stage", "documents_in", "kept", "dropped_total", "bytes_in", "bytes_kept",
                                      "dropped", "seconds")} for s in summary["stages"]],
        "kinds": dict(kinds),
        "languages": {k: {"files": languages[k], "bytes": language_bytes[k]} for k, _ in languages.most_common()},
        "dedup_cluster_sizes": {stage: {str(size): n for size, n in sorted(c.items())}
                                for stage, c in clusters.items()},
        "duplicate_repositories": {stage: {repo: {"kept": kept, "similarity": similarity, "files": files}
                                           for repo, (kept, similarity, files) in sorted(found.items())}
                                   for stage, found in repositories.items()},
        "commented_code": commented,
        "static_analysis": analysis,
        "pii": dict(pii.most_common()),
        "order_strategies": dict(Counter(strategies.values()).most_common()),
        "objectives": dict(objectives.most_common()),
        "objective_modes": dict(sorted(modes.items())),
        "objective_shares": next((s["objective_shares"] for s in summary["stages"] if s.get("objective_shares")), {}),
        "tokens": None if tokens is None else {k: tokens[k] for k in ("tokens", "documents", "units", "windows",
                                                                      "sequence_length")} | {
            "shards": len(tokens["shards"])},
    }


def markdown(data: dict, plots: dict[str, str]) -> str:
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
    sections = [
        ("Languages (curated files)", "languages",
         [f"| {k} | {v['files']:,} | {human_size(v['bytes'])} |" for k, v in data["languages"].items()],
         "| language | files | bytes |\n|---|---|---|"),
        ("PII replaced, by type", "pii", [f"| {k} | {v:,} |" for k, v in data["pii"].items()],
         "| type | count |\n|---|---|"),
        ("Order strategies drawn (repositories)", "strategies",
         [f"| {k} | {v:,} |" for k, v in data["order_strategies"].items()], "| strategy | repositories |\n|---|---|"),
        ("Objectives", "objectives", [f"| {k} | {v:,} |" for k, v in data["objective_modes"].items()],
         "| objective / layout | documents |\n|---|---|"),
    ]
    for title, plot, rows, header in sections:
        lines += ["", f"## {title}", ""]
        if plot in plots:
            lines += [f"![{plot}]({plots[plot]})", ""]
        lines += [header, *rows] if rows else ["(none)"]
        if plot == "objectives" and data["objective_shares"]:
            lines += ["", "Realised shares per language (SFIM goes only to files that can serve it):", "",
                      "| group | documents | SFIM | FIM | NTP | could serve SFIM |", "|---|---|---|---|---|---|"]
            for group, entry in data["objective_shares"].items():
                cells = " | ".join(f"{entry[k]:.3f}" if k in entry else ""
                                   for k in ("sfim", "fim", "ntp", "sfim_eligible"))
                lines.append(f"| {group} | {entry['documents']:,} | {cells} |")
    lines += ["", "## Dedup clusters", ""]
    if "dedup" in plots:
        lines += [f"![dedup]({plots['dedup']})", ""]
    for stage, sizes in data["dedup_cluster_sizes"].items():
        lines.append(f"- {stage}: " + ", ".join(f"{n:,} clusters of {size}" for size, n in sizes.items()))
    if not data["dedup_cluster_sizes"]:
        lines.append("(no duplicates)")
    lines += ["", "## Duplicate repositories", ""]
    for stage, found in data["duplicate_repositories"].items():
        lines += [f"{stage}: {len(found):,} repositories dropped ({sum(e['files'] for e in found.values()):,} files)",
                  "", "| dropped | kept | similarity | files |", "|---|---|---|---|"]
        lines += [f"| {repo} | {e['kept']} | {e['similarity']} | {e['files']:,} |" for repo, e in found.items()]
    if not data["duplicate_repositories"]:
        lines.append("(none)")
    lines += ["", "## Commented-out code", ""]
    for stage, c in data["commented_code"].items():
        lines.append(f"- {stage}: {c['comment_blocks']:,} comment blocks, {c['large_blocks']:,} large, "
                     f"{c['large_code_blocks']:,} of them code, {c['deleted_blocks']:,} deleted "
                     f"({human_size(c['deleted_bytes'])})")
    if not data["commented_code"]:
        lines.append("(no stage)")
    lines += ["", "## Static analysis: files analyzed, per language and analyzer", ""]
    for stage, coverage in data.get("static_analysis", {}).items():
        lines += [f"{stage}:", "",
                  "| language | analyzed | by analyzer | not analyzed | analyzer missing | no analyzer |",
                  "|---|---|---|---|---|---|"]
        for language, e in coverage.items():
            by = ", ".join(f"{name} {n:,}" for name, n in sorted(e["analyzed"].items(), key=lambda x: -x[1]))
            missing = ", ".join(f"{name} {n:,}" for name, n in e["missing"].items())
            lines.append(f"| {language} | {sum(e['analyzed'].values()):,} | {by} | {e['not_analyzed']:,} | "
                         f"{missing} | {e['no_analyzer']:,} |")
        lines.append("")
    if not data.get("static_analysis"):
        lines.append("(no stage)")
    lines += ["", "## Tokens", ""]
    tokens = data["tokens"]
    lines.append("(no shards)" if tokens is None else
                 f"{tokens['tokens']:,} tokens in {tokens['shards']} shards: {tokens['documents']:,} documents, "
                 f"{tokens['units']:,} units (repositories and articles), {tokens['windows']:,} windows of "
                 f"{tokens['sequence_length'] + 1:,} tokens")
    if "time" in plots:
        lines += ["", "## Time per stage", "", f"![time]({plots['time']})"]
    return "\n".join(lines) + "\n"


def plot(data: dict, folder: Path) -> dict[str, str]:
    """PNG plots into ``folder``; returns name -> file name."""
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

    def bars(name: str, values: dict[str, float], title: str, xlabel: str, top: int = 20) -> None:
        if not values:
            return
        items = list(values.items())[:top][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(items) + 1.5))
        ax.barh([k for k, _ in items], [v for _, v in items], color="#3b7dd8")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        save(fig, name)

    def objectives(modes: dict[str, int], shares: dict[str, dict], top: int = 15) -> None:
        """Objective and layout counts; beside them the realised shares per language, stacked, with
        the share of files that could serve SFIM marked."""
        if not modes:
            return
        groups = list(shares.items())[: top + 1][::-1]
        height = 0.35 * max(len(modes), len(groups)) + 2.5
        fig, axes = plt.subplots(1, 2 if groups else 1, figsize=(14 if groups else 8, height))
        left = axes[0] if groups else axes
        items = list(modes.items())[::-1]
        left.barh([k for k, _ in items], [v for _, v in items], color="#3b7dd8")
        left.set_title("Objective and layout per document")
        left.set_xlabel("documents")
        if groups:
            ax, names, start = axes[1], [f"{g} ({e['documents']:,})" for g, e in groups], [0.0] * len(groups)
            for objective, color in (("sfim", "#3b7dd8"), ("fim", "#e07b39"), ("ntp", "#7fb069")):
                widths = [e.get(objective, 0.0) for _, e in groups]
                ax.barh(names, widths, left=start, color=color, label=objective.upper())
                start = [a + b for a, b in zip(start, widths)]
            marks = [(y, e["sfim_eligible"]) for y, (_, e) in enumerate(groups) if "sfim_eligible" in e]
            if marks:
                ax.scatter([m for _, m in marks], [y for y, _ in marks], marker="|", s=300, color="black",
                           label="could serve SFIM", zorder=3)
            ax.set_xlim(0, 1)
            ax.set_title("Realised objective shares per language")
            ax.set_xlabel("share of the group's documents")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8)
        save(fig, "objectives")

    bars("languages", {k: v["bytes"] / 2**20 for k, v in data["languages"].items()},
         "Languages of the curated files (top 20)", "MiB")
    bars("pii", data["pii"], "PII replaced, by type", "replacements")
    bars("strategies", data["order_strategies"], "Order strategy drawn per repository", "repositories")
    objectives(data["objective_modes"], data["objective_shares"])
    bars("time", {s["stage"]: s["seconds"] for s in funnel if s["seconds"]}, "Time per stage (task-seconds)",
         "seconds", top=50)
    sizes = Counter()
    for per_stage in data["dedup_cluster_sizes"].values():
        for size, n in per_stage.items():
            sizes[int(size)] += n
    if sizes:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        xs = sorted(sizes)
        ax.bar([str(x) for x in xs], [sizes[x] for x in xs], color="#3b7dd8")
        ax.set_yscale("log")
        ax.set_title("Duplicate cluster sizes (exact and near)")
        ax.set_xlabel("files in the cluster")
        save(fig, "dedup")
    return made


def write_report(output: str | Path, plots: bool = True) -> Location:
    """``OUTPUT/report/`` with ``report.md``, ``report.json`` and the PNG plots; returns the folder
    (a local path or a URL, like ``output``)."""
    output = Location(os.fspath(output))
    data = collect(output)
    location = output / "report"
    folder = datafolder(location)
    made = {}
    if plots:
        with staged_folder(folder) as local:  # matplotlib writes local files
            made = plot(data, Path(local))
    write_json(folder, "report.json", data)
    write_text(folder, "report.md", markdown(data, made))
    return location
