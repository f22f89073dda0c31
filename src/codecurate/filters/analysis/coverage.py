"""What the static-analysis stage tells the report and the summary: files analyzed per language and
analyzer, from the stage's counters (``codecurate.core.report_sections``)."""

from __future__ import annotations

from codecurate.core.report_sections import Section


def analysis_coverage(counters: dict) -> dict[str, dict]:
    """Per language, from a static-analysis stage's counters: files analyzed per analyzer, files no
    analyzer could read (``not_analyzed``), files whose analyzer is not installed (``missing``) and
    files of a language no selected analyzer reads (``no_analyzer``). Empty for other stages."""
    coverage: dict[str, dict] = {}

    def entry(language: str) -> dict:
        return coverage.setdefault(language, {"analyzed": {}, "not_analyzed": 0, "missing": {}, "no_analyzer": 0})

    for key, value in counters.items():
        parts = key.split("/")
        if parts[0] == "analyzed" and len(parts) == 3:
            entry(parts[2])["analyzed"][parts[1]] = int(value)
        elif parts[0] == "analyzer_missing" and len(parts) == 3:
            entry(parts[2])["missing"][parts[1]] = int(value)
        elif parts[0] in ("not_analyzed", "no_analyzer") and len(parts) == 2:
            entry(parts[1])[parts[0]] = int(value)
    return dict(sorted(coverage.items(), key=lambda item: -sum(item[1]["analyzed"].values())))


def format_coverage(coverage: dict[str, dict], shown: int | None = None) -> str:
    """``Python 120 (ruff), Go 36 (semgrep 30, go_vet 6); not analyzed: C 2; no analyzer: Lua 4``;
    ``shown``: at most that many languages per list, then how many more."""
    analyzed = ", ".join(
        f"{language} {sum(e['analyzed'].values())} ("
        + ", ".join(
            f"{name} {n}" if len(e["analyzed"]) > 1 else name
            for name, n in sorted(e["analyzed"].items(), key=lambda x: -x[1])
        )
        + ")"
        for language, e in coverage.items()
        if e["analyzed"]
    )
    parts = [analyzed or "nothing"]
    for label, key in (("not analyzed", "not_analyzed"), ("no analyzer", "no_analyzer")):
        items = sorted(((language, e[key]) for language, e in coverage.items() if e[key]), key=lambda x: -x[1])
        listed = ", ".join(f"{language} {n}" for language, n in items[:shown])
        if shown is not None and len(items) > shown:
            listed += f" and {len(items) - shown} more languages ({sum(n for _, n in items[shown:])} files)"
        if listed:
            parts.append(f"{label}: {listed}")
    missing = ", ".join(
        f"{language} {n} ({name})" for language, e in coverage.items() for name, n in e["missing"].items()
    )
    if missing:
        parts.append(f"analyzer missing: {missing}")
    return "; ".join(parts)


def coverage_sections(stage: dict) -> list[Section]:
    """The report's table of files analyzed, per language and analyzer."""
    title = "Static analysis: files analyzed, per language and analyzer"
    coverage = analysis_coverage(stage["counters"])
    if not coverage:
        return [Section(title, empty="(no stage)")]
    lines = [
        f"{stage['stage']}:",
        "",
        "| language | analyzed | by analyzer | not analyzed | analyzer missing | no analyzer |",
        "|---|---|---|---|---|---|",
    ]
    for language, e in coverage.items():
        by = ", ".join(f"{name} {n:,}" for name, n in sorted(e["analyzed"].items(), key=lambda x: -x[1]))
        missing = ", ".join(f"{name} {n:,}" for name, n in e["missing"].items())
        lines.append(
            f"| {language} | {sum(e['analyzed'].values()):,} | {by} | {e['not_analyzed']:,} | "
            f"{missing} | {e['no_analyzer']:,} |"
        )
    return [Section(title, [*lines, ""], {"static_analysis": coverage}, per_stage=True, empty="(no stage)")]


def coverage_lines(stage: dict, brief: bool) -> list[str]:
    """The summary's ``analyzed:`` line (at most four languages per list when ``brief``)."""
    coverage = analysis_coverage(stage["counters"])
    return [f"analyzed: {format_coverage(coverage, shown=4 if brief else None)}"] if coverage else []
