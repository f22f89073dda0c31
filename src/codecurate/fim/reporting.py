"""What the objectives stage tells the summary and the report: the realised objective shares per
language (from its ``objective/<group>/<objective>`` counts), the objective and layout of each curated
document, and a figure of both (``codecurate.core.report_sections``)."""

from __future__ import annotations

from collections import Counter

from codecurate import metadata as keys
from codecurate.core.report_sections import Plot, Section, StageOutput
from codecurate.fim.counters import ARTICLE_GROUP, ELIGIBLE_COUNTER, FALLBACK_COUNTER, OBJECTIVE_COUNTER

#: the group of every code file in the objective shares
ALL_CODE = "all code"


def objective_shares(counters: dict[str, float]) -> dict[str, dict]:
    """Per group (``all code`` first, then languages by files, then ``article``): ``documents``,
    the share of each objective, and for code the share of files that could serve SFIM."""
    groups: dict[str, dict[str, float]] = {}
    for key, value in counters.items():
        parts = key[len(OBJECTIVE_COUNTER) :].split("/") if key.startswith(OBJECTIVE_COUNTER) else []
        if len(parts) == 2:
            groups.setdefault(parts[0], {})[parts[1]] = value
    code = {g: c for g, c in groups.items() if g != ARTICLE_GROUP}
    if not code and ARTICLE_GROUP not in groups:
        return {}
    total: dict[str, float] = {}
    for counts in code.values():
        for objective, n in counts.items():
            total[objective] = total.get(objective, 0) + n
    ordered = ([(ALL_CODE, total)] if code else []) + sorted(code.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    ordered += [(ARTICLE_GROUP, groups[ARTICLE_GROUP])] if ARTICLE_GROUP in groups else []
    measured = any(k.startswith((ELIGIBLE_COUNTER, FALLBACK_COUNTER)) for k in counters)  # SFIM was wanted
    shares = {}
    for group, counts in ordered:
        documents = sum(counts.values())
        entry = {"documents": int(documents)}
        entry.update(
            {
                objective: round(counts.get(objective, 0) / documents, 4)
                for objective in ("sfim", "fim", "ntp")
                if group != ARTICLE_GROUP or objective != "sfim"
            }
        )
        if group != ARTICLE_GROUP and measured:
            eligible = (
                sum(counters.get(ELIGIBLE_COUNTER + g, 0) for g in code)
                if group == ALL_CODE
                else counters.get(ELIGIBLE_COUNTER + group, 0)
            )
            entry["sfim_eligible"] = round(eligible / documents, 4)
        shares[group] = entry
    return shares


def count_document(metadata: dict, tally: dict) -> None:
    """Count a curated document's objective and layout."""
    if metadata.get(keys.OBJECTIVE):
        tally.setdefault("objectives", Counter())[metadata[keys.OBJECTIVE]] += 1
        tally.setdefault("modes", Counter())[f"{metadata[keys.OBJECTIVE]}/{metadata.get(keys.FIM_MODE)}"] += 1


def objective_sections(stage: dict, output: StageOutput) -> list[Section]:
    """The objectives and layouts drawn, and the realised shares per language."""
    objectives = dict(output.tally.get("objectives", Counter()).most_common())
    modes = dict(sorted(output.tally.get("modes", Counter()).items()))
    shares = stage.get("objective_shares") or {}
    lines = (
        ["| objective / layout | documents |", "|---|---|", *(f"| {k} | {v:,} |" for k, v in modes.items())]
        if modes
        else ["(none)"]
    )
    if shares:
        lines += [
            "",
            "Realised shares per language (SFIM goes only to files that can serve it):",
            "",
            "| group | documents | SFIM | FIM | NTP | could serve SFIM |",
            "|---|---|---|---|---|---|",
        ]
        for group, entry in shares.items():
            cells = " | ".join(f"{entry[k]:.3f}" if k in entry else "" for k in ("sfim", "fim", "ntp", "sfim_eligible"))
            lines.append(f"| {group} | {entry['documents']:,} | {cells} |")
    figure = Plot(
        "objectives",
        "Objective and layout per document",
        "documents",
        modes,
        draw=lambda values: draw_objectives(values, shares),
    )
    fields = {"objectives": objectives, "objective_modes": modes, "objective_shares": shares}
    return [Section("Objectives", lines, fields, plots=[figure] if modes else [])]


def summary_lines(stage: dict) -> list[str]:
    """One line per group of the realised shares."""
    lines = []
    for group, entry in stage.get("objective_shares", {}).items():
        shares = " ".join(f"{k} {entry[k]:.3f}" for k in ("sfim", "fim", "ntp") if k in entry)
        eligible = f" (could serve SFIM: {entry['sfim_eligible']:.3f})" if "sfim_eligible" in entry else ""
        lines.append(f"objectives {group}: {entry['documents']} documents, {shares}{eligible}")
    return lines


def draw_objectives(modes: dict[str, int], shares: dict[str, dict], top: int = 15):
    """Objective and layout counts; beside them the realised shares per language, stacked, with the
    share of files that could serve SFIM marked (a matplotlib figure)."""
    import matplotlib.pyplot as plt

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
            ax.scatter(
                [m for _, m in marks],
                [y for y, _ in marks],
                marker="|",
                s=300,
                color="black",
                label="could serve SFIM",
                zorder=3,
            )
        ax.set_xlim(0, 1)
        ax.set_title("Realised objective shares per language")
        ax.set_xlabel("share of the group's documents")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8)
    return fig
