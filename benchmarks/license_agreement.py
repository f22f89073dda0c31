"""Declared versus ScanCode-detected licenses of the installed Python distributions.

For every distribution with license files (its ``*.dist-info`` license files, or top-level
LICENSE/COPYING files), compare the license its metadata declares (``License-Expression``, else
unambiguous classifiers: ``codecurate.readers.installed.declared_license``) with what ScanCode
detects in the files (``codecurate.filters.license.detect_license``). Prints a markdown table.

    python benchmarks/license_agreement.py > /tmp/agreement.md
"""

from __future__ import annotations

import sys

from license_expression import Licensing

from codecurate.filters.license.repository import detect_license, is_license_file
from codecurate.licenses import is_permissive
from codecurate.readers import InstalledPackagesReader
from codecurate.readers.installed import declared_license


def normalized(expression: str | None) -> str | None:
    if not expression:
        return None
    try:
        return str(Licensing().parse(expression).simplify()).lower()
    except Exception:
        return expression.lower()


def main() -> None:
    reader = InstalledPackagesReader(articles=False)
    rows = []
    for name in reader.list_repositories():
        repo = reader.open_repository(name)
        texts = []
        for file in repo.files:
            if is_license_file(file.path, 0):
                try:
                    texts.append(file.location.read_text(encoding="utf-8", errors="replace"))
                except OSError:
                    continue
        declared, source, raw = declared_license(reader._found[name].metadata)
        detected = detect_license(texts) if texts else None
        rows.append((name, declared, source, raw, detected, len(texts)))
    both = [r for r in rows if r[1] and r[4]]
    agree = [r for r in both if normalized(r[1]) == normalized(r[4])]
    same_verdict = [r for r in both if is_permissive(r[1]) == is_permissive(r[4])]
    print(f"distributions: {len(rows)}; with license files: {sum(1 for r in rows if r[5])}; "
          f"declared (SPDX): {sum(1 for r in rows if r[1])}; detected: {sum(1 for r in rows if r[4])}\n")
    print(f"both declared and detected: {len(both)}; same expression: {len(agree)} "
          f"({len(agree) / max(1, len(both)):.1%}); same permissive verdict: {len(same_verdict)} "
          f"({len(same_verdict) / max(1, len(both)):.1%})\n")
    print("| distribution | declared | from | detected by ScanCode | same | permissive (declared / detected) |")
    print("|---|---|---|---|---|---|")
    for name, declared, source, raw, detected, _ in rows:
        shown = declared or (f"({raw[:40]})" if raw else "-")
        same = "yes" if declared and detected and normalized(declared) == normalized(detected) else (
            "no" if declared and detected else "-")
        verdicts = " / ".join("-" if e is None else ("yes" if is_permissive(e) else "no") for e in (declared, detected))
        print(f"| {name} | {shown} | {source or '-'} | {detected or '-'} | {same} | {verdicts} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
