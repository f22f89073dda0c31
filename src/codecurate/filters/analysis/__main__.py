"""``python -m codecurate.filters.analysis``: every analyzer's rules as Markdown tables, grouped by
severity (what docs/static-analysis.md lists; a test checks that it lists every rule)."""

from __future__ import annotations

from codecurate.filters.analysis.base import SEVERITIES
from codecurate.filters.analysis.filter import ANALYZERS


def rules_markdown() -> str:
    lines = []
    for name, analyzer in ANALYZERS.items():
        table = analyzer.rule_table()
        if not table:
            continue
        lines += [f"#### {name}", "", "| rule | severity | why |", "|---|---|---|"]
        for rule, (severity, why) in sorted(table.items(), key=lambda item: (SEVERITIES.index(item[1][0]), item[0])):
            lines.append(f"| `{rule}` | {severity} | {why.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(rules_markdown())
