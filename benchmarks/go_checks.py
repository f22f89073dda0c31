"""codecurate's own Go analyzers (``data/govet/checks.go``, run by the go vet driver) against the
semgrep rules they replaced on the files the driver reads (issue 29): the same bugs, file by file.

    python benchmarks/go_checks.py [--limit N]

reads every Go file of the installed Go tree (``GOROOT/src``, ``testdata`` left out) and of Debian's
``/usr/share/gocode/src`` (the ``golang-*-dev`` packages installed), judges them with the go_vet
analyzer (the driver, whole packages) and with semgrep restricted to the five rules, and prints per
rule the files each one flags, those both flag, and the files only one flags (to read). Test files
count for neither (``sqlformat``/``tlsinsecure``, as the rules' ``tests: false``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from codecurate.filters.analysis.base import SourceFile
from codecurate.filters.analysis.govet import GoVetAnalyzer
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer

#: the driver's analyzer -> the semgrep rule it replaced
PAIRS = {"sqlformat": "go-sql-format-injection", "tlsinsecure": "go-tls-skip-verify",
         "replacezero": "go-replace-zero", "lockdefer": "go-lock-defer-mismatch",
         "closeinloop": "go-defer-close-in-loop"}


def corpus(limit: int) -> list[SourceFile]:
    """Go files of the Go tree and of Debian's gocode, as (repository = top folder) source files."""
    analyzer = GoVetAnalyzer()
    analyzer.locate()
    roots = [(Path(analyzer.goroot) / "src", "go")] if analyzer.goroot else []
    roots.append((Path("/usr/share/gocode/src"), ""))
    files = []
    for root, name in roots:
        for path in sorted(root.rglob("*.go")):
            relative = path.relative_to(root)
            if "testdata" in relative.parts or not path.is_file() or path.is_symlink():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            repo = name or "/".join(relative.parts[:3])
            files.append(SourceFile(text, str(relative), "Go", repo))
            if len(files) >= limit:
                return files
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=1_000_000, help="at most this many files")
    args = parser.parse_args()
    files = corpus(args.limit)
    print(f"{len(files)} Go files, {sum(len(f.text) for f in files) / 1e6:.1f} MB")
    start = time.perf_counter()
    driver = GoVetAnalyzer().analyze(files)
    print(f"driver: {time.perf_counter() - start:.0f} s, "
          f"statuses {dict(Counter(r.status for r in driver))}")
    start = time.perf_counter()
    semgrep = SemgrepAnalyzer(only=set(PAIRS.values())).analyze(files)
    print(f"semgrep (five rules): {time.perf_counter() - start:.0f} s, "
          f"statuses {dict(Counter(r.status for r in semgrep))}")
    print("\n| driver check | semgrep rule | files (driver) | files (semgrep) | both | only driver | only semgrep |")
    print("|---|---|---|---|---|---|---|")
    differences = []
    for check, rule in PAIRS.items():
        mine = {i for i, r in enumerate(driver) if r.status == "ok" and any(f.rule == check for f in r.findings)}
        theirs = {i for i, r in enumerate(semgrep) if r.status == "ok" and any(f.rule == rule for f in r.findings)
                  and driver[i].status == "ok"}  # files the driver read
        print(f"| {check} | {rule} | {len(mine)} | {len(theirs)} | {len(mine & theirs)} | {len(mine - theirs)} | "
              f"{len(theirs - mine)} |")
        differences += [(check, "only driver", files[i]) for i in sorted(mine - theirs)]
        differences += [(rule, "only semgrep", files[i]) for i in sorted(theirs - mine)]
    for name, side, file in differences:
        print(f"  {side}: {name} {file.repo}/{file.path}", file=sys.stderr)


if __name__ == "__main__":
    main()
