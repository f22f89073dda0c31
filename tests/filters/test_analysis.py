"""The static_analysis block with the real analyzers: ruff, cppcheck, go vet and eslint.

Missing tools are installed as root on Debian (apt, npm; see analysis_tools.py); where that is
impossible the tests that need them skip, unless CI is set: then they fail.
"""

import os
from pathlib import Path

import pytest
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.filters.analysis import (
    ANALYZERS,
    DEFAULT_ANALYZERS,
    Analyzer,
    AnalyzerFailure,
    FileReport,
    Finding,
    RuffAnalyzer,
    SourceFile,
    StaticAnalysisFilter,
)
from codecurate.filters.analysis.govet import go_head
from codecurate.filters.analysis.ruff import is_bound, looks_like_secret
from tests.conftest import make_doc
from tests.filters.analysis_tools import ToolUnavailable, ensure_cppcheck, ensure_eslint, ensure_go

pytest.importorskip("ruff")


def _tool(ensure):
    try:
        return ensure()
    except ToolUnavailable as error:
        if os.environ.get("CI"):
            raise  # CI runs as root on Debian: the analyzers must install there
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def cppcheck():
    _tool(ensure_cppcheck)


@pytest.fixture(scope="session")
def go():
    _tool(ensure_go)


@pytest.fixture(scope="session")
def eslint() -> str:
    return _tool(ensure_eslint)


def judge(block: StaticAnalysisFilter, *docs) -> dict[str, str | None]:
    """document path -> None when kept, else the drop reason (one batch)."""
    results = block.filter_batch(list(docs))
    return {d.metadata[keys.PATH]: (None if r is True else r[1]) for d, r in zip(docs, results)}


def py(text: str, path: str = "pkg/module.py"):
    return make_doc(text, path, language="Python")


CLEAN = "def add(a, b):\n    return a + b\n"
TYPO = "def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return reslt\n"


# --- Python: rules that fit the file ------------------------------------------------------------

def test_undefined_name_is_a_blocker_and_drops_the_file():
    block = StaticAnalysisFilter(analyzers=["ruff"])
    typo, clean = py(TYPO, "pkg/a.py"), py(CLEAN, "pkg/b.py")
    assert judge(block, typo, clean) == {"pkg/a.py": "analysis_defects", "pkg/b.py": None}
    assert typo.metadata[keys.ANALYSIS_RULES] == {"ruff:F821": 1}
    assert typo.metadata[keys.ANALYSIS_DEFECTS] == 1
    assert typo.metadata[keys.ANALYSIS_DEFECTS_PER_KLOC] == 2000.0  # weight 100 over 50 lines
    finding = typo.metadata[keys.EVIDENCE]["findings"]  # for the report page: the rule at its line
    assert [(f["rule"], f["severity"], f["line"]) for f in finding] == [("ruff:F821", "blocker", 5)]
    assert "reslt" in finding[0]["message"] and keys.EVIDENCE not in clean.metadata
    assert clean.metadata[keys.ANALYSIS_DEFECTS] == 0
    assert block.stats["rule/ruff:F821"].total == 1


def test_pytest_asserts_and_test_fixtures_are_not_defects():
    test = """import pytest

PASSWORD = 'S3cret!pw'


def test_login(client):
    assert client.login('u', PASSWORD)
    assert client.user == 'u'
    with pytest.raises(KeyError):
        client.session['x'] == 1
    assert False, 'unreachable'
"""
    block = StaticAnalysisFilter(analyzers=["ruff"])
    verdicts = judge(block, py(test, "tests/test_login.py"), py(test, "src/login.py"))
    # in a test: asserts, a fixture password and a comparison inside pytest.raises are fine;
    # the same text as a module holds a hard-coded password (critical) and a useless comparison
    assert verdicts == {"tests/test_login.py": None, "src/login.py": "analysis_defects"}


def test_init_reexports_are_not_unused_imports():
    reexports = "from .core import Engine, run\nfrom .errors import *\n\n__all__ = ['Engine', 'run']\n"
    unused = "import os\nimport sys\n\n\ndef f():\n    return 1\n"
    # unused imports are not counted by default (a smell, not a defect) ...
    assert judge(StaticAnalysisFilter(analyzers=["ruff"]), py(unused)) == {"pkg/module.py": None}
    # ... and when a recipe counts them, re-exports of __init__.py still are not
    block = StaticAnalysisFilter(analyzers=["ruff"], rules={"ruff": {"F401": "critical"}})
    verdicts = judge(block, py(reexports, "pkg/__init__.py"), py(unused, "pkg/module.py"))
    assert verdicts == {"pkg/__init__.py": None, "pkg/module.py": "analysis_defects"}


def test_compatibility_shims_are_not_defects():
    shims = ("import sys\n\ntry:\n    import simplejson as json\nexcept ImportError:\n    import json\n\n"
             "if sys.version_info[0] == 2:\n    text_type = unicode\n    string_types = (basestring,)\nelse:\n"
             "    text_type = str\n    string_types = (str,)\n\ntry:\n    from functools import cache\n"
             "except ImportError:\n    def cache(f):\n        return f\n\n\ndef dumps(x):\n    return json.dumps(x)\n")
    assert judge(StaticAnalysisFilter(analyzers=["ruff"]), py(shims)) == {"pkg/module.py": None}


def test_a_name_bound_elsewhere_in_the_file_is_minor():
    loop = ("def scan(nodes):\n    high = False\n    for node in nodes:\n        if high:\n            best = top\n"
            "        top = node\n        high = not high\n    return best\n")
    doc = py(loop)
    assert judge(StaticAnalysisFilter(analyzers=["ruff"]), doc) == {"pkg/module.py": None}
    assert doc.metadata[keys.ANALYSIS_RULES] == {"ruff:F821": 1}  # counted, at weight 1
    assert is_bound("top", loop) and not is_bound("reslt", TYPO)


def test_password_like_names_need_a_secret_like_value():
    assert looks_like_secret("R3port!2024") and looks_like_secret("hunter2")
    assert not any(looks_like_secret(v) for v in ("operator", "Bearer", "#bygroup", ":****", "{password}", ""))
    tokens = "def kind(token):\n    if token == 'operator':\n        return 1\n    password = ''\n    return 0\n"
    secret = "def connect(db):\n    return db.connect(user='app', password='R3port!2024')\n"
    block = StaticAnalysisFilter(analyzers=["ruff"])
    assert judge(block, py(tokens, "a.py"), py(secret, "b.py")) == {"a.py": None, "b.py": "analysis_defects"}


def test_sql_built_by_string_formatting_is_dropped():
    sql = ("def find(cursor, name):\n    cursor.execute(f\"SELECT id FROM users WHERE name = '{name}'\")\n"
           "    return cursor.fetchone()\n")
    doc = py(sql)
    assert judge(StaticAnalysisFilter(analyzers=["ruff"]), doc) == {"pkg/module.py": "analysis_defects"}
    assert doc.metadata[keys.ANALYSIS_RULES] == {"ruff:S608": 1}


def test_weighted_threshold_and_min_lines():
    ruff = {"ruff": {"F401": "minor"}}
    two, three = "import os\nimport sys\n", "import os\nimport sys\nimport re\n"
    block = StaticAnalysisFilter(analyzers=["ruff"], rules=ruff)  # minor = 0.5, 20 per KLOC, min_lines 50
    assert judge(block, py(two, "two.py"), py(three, "three.py")) == {"two.py": None, "three.py": "analysis_defects"}
    long_four = three + "import json\n" + "x = 1\n" * 96  # 4 minors in 100 lines: 20 per KLOC, not above
    assert judge(block, py(long_four, "long.py")) == {"long.py": None}
    stricter = StaticAnalysisFilter(analyzers=["ruff"], rules=ruff, severity_weights={"minor": 3})
    assert judge(stricter, py(long_four, "long.py")) == {"long.py": "analysis_defects"}
    lenient = StaticAnalysisFilter(analyzers=["ruff"], rules=ruff, max_weighted_defects_per_kloc=40)
    assert judge(lenient, py(three, "three.py")) == {"three.py": None}


def test_text_documents_and_other_languages_pass():
    block = StaticAnalysisFilter(analyzers=["ruff"])
    text = make_doc(TYPO, "README.md", kind=keys.KIND_TEXT, language="Python")
    ruby = make_doc("puts undefined_thing\n", "a.rb", language="Ruby")
    assert judge(block, text, ruby) == {"README.md": None, "a.rb": None}
    assert keys.ANALYSIS_DEFECTS not in text.metadata


def test_run_counts_and_drops_through_the_pipeline():
    docs = [py(CLEAN, "a.py"), py(TYPO, "b.py"), make_doc("x", "c.js", language="JavaScript")]
    block = StaticAnalysisFilter(analyzers=["ruff"], batch_size=2)
    assert [d.id for d in block.run(iter(docs))] == ["o/r/a.py", "o/r/c.js"]
    assert block.stats["dropped/analysis_defects"].total == 1
    assert block.stats["in"].total == 3 and block.stats["kept"].total == 2


# --- bad input: crashes, time-outs, missing tools -----------------------------------------------

def test_a_file_that_crashes_ruff_is_isolated_and_the_batch_goes_on():
    deep = py("x = " + "[" * 10000 + "]" * 10000 + "\n", "gen/deep.py")  # ruff overflows its stack
    messages = []
    sink = logger.add(messages.append, level="WARNING")
    try:
        block = StaticAnalysisFilter(analyzers=["ruff"])
        verdicts = judge(block, py(CLEAN, "a.py"), deep, py(TYPO, "b.py"), py(CLEAN, "c.py"))
    finally:
        logger.remove(sink)
    assert verdicts == {"a.py": None, "gen/deep.py": "analyzer_failed", "b.py": "analysis_defects", "c.py": None}
    assert "ruff" in deep.metadata[keys.ANALYSIS_ERROR] and "SIGABRT" in deep.metadata[keys.ANALYSIS_ERROR]
    assert any("gen/deep.py" in str(m) and "failed" in str(m) for m in messages)
    kept = StaticAnalysisFilter(analyzers=["ruff"], on_failure="keep")
    assert judge(kept, deep) == {"gen/deep.py": None}
    assert kept.stats["analyzer_failed/ruff"].total == 1


def test_an_analyzer_that_times_out_gives_a_reason_per_file(eslint):
    # eslint (node) takes longer to start than the limit: every run times out and is killed
    block = StaticAnalysisFilter(analyzers=["eslint"], tools={"eslint": eslint}, timeout_seconds=0.001)
    block.analyzers[0].available()  # found and smoke-tested with its own limit
    block.analyzers[0].seconds_per_file = 0.0
    docs = [make_doc("let a = 1;\n", "a.js", language="JavaScript"), make_doc("b();\n", "b.js", language="JavaScript")]
    assert judge(block, *docs) == {"a.js": "analyzer_timeout", "b.js": "analyzer_timeout"}
    assert "ran past" in docs[0].metadata[keys.ANALYSIS_ERROR]


def test_a_missing_analyzer_is_a_stat_and_its_files_pass():
    block = StaticAnalysisFilter(analyzers=["ruff", "cppcheck", "eslint", "go_vet"],
                                 tools={"eslint": "/nonexistent/eslint", "cppcheck": "/nonexistent/cppcheck",
                                        "go_vet": "/nonexistent/go"})
    docs = [make_doc("undefinedThing();\n", "a.js", language="JavaScript"),
            make_doc("int f(void) { int a[2]; a[2] = 0; return a[0]; }\n", "a.c", language="C"),
            make_doc("int g() { return 1; }\n", "b.cpp", language="C++"),
            make_doc("package p\n\nfunc F() { x := 1; x = x }\n", "p/a.go", language="Go"),
            py(TYPO, "b.py")]
    assert judge(block, *docs) == {"a.js": None, "a.c": None, "b.cpp": None, "p/a.go": None,
                                   "b.py": "analysis_defects"}
    stats = {name: block.stats[f"analyzer_missing/{name}"].total
             for name in ("eslint/JavaScript", "cppcheck/C", "cppcheck/C++", "go_vet/Go")}
    assert stats == {"eslint/JavaScript": 1, "cppcheck/C": 1, "cppcheck/C++": 1, "go_vet/Go": 1}


def test_another_analyzer_plugs_in_and_a_crashing_file_is_bisected_out(monkeypatch):
    class Todos(Analyzer):
        """Counts TODOs; crashes on a batch holding CRASH (as a tool would)."""

        name = "todos"
        languages = frozenset({"Python"})
        RULES = {"todo": ("major", "a TODO")}
        runs = 0

        def locate(self):
            return []

        def run(self, argv, files, folder, timeout):
            Todos.runs += 1
            if any("CRASH" in f.text for f in files):
                raise AnalyzerFailure("exit -11 (SIGSEGV)")
            return [FileReport([Finding("todo", "major")] * f.text.count("TODO")) for f in files]

    monkeypatch.setitem(ANALYZERS, "todos", Todos)
    block = StaticAnalysisFilter(analyzers=["todos"], max_weighted_defects_per_kloc=0)
    docs = [py(f"x = {i}\n", f"{i}.py") for i in range(7)] + [py("x = 1  # TODO\n", "t.py"), py("CRASH\n", "c.py")]
    verdicts = judge(block, *docs)
    assert verdicts == {**{f"{i}.py": None for i in range(7)}, "t.py": "analysis_defects", "c.py": "analyzer_failed"}
    assert Todos.runs <= 1 + 2 * 4  # a batch of 9 is halved down to the culprit, not run file by file


def test_parameters_are_checked_once_with_clear_errors():
    with pytest.raises(ValueError, match="unknown analyzer 'sonarqube'"):
        StaticAnalysisFilter(analyzers=["sonarqube"])
    with pytest.raises(ValueError, match="at least one"):
        StaticAnalysisFilter(analyzers=[])
    with pytest.raises(ValueError, match="twice"):
        StaticAnalysisFilter(analyzers=["ruff", "ruff"])
    with pytest.raises(ValueError, match="severity_weights"):
        StaticAnalysisFilter(severity_weights={"fatal": 10})
    with pytest.raises(ValueError, match="severity must be one of"):
        StaticAnalysisFilter(rules={"ruff": {"F821": "high"}})
    with pytest.raises(ValueError, match="not a ruff rule code"):
        StaticAnalysisFilter(rules={"ruff": {"undefined name": "major"}})
    with pytest.raises(ValueError, match="tools: unknown analyzer 'pylint'"):
        StaticAnalysisFilter(tools={"pylint": "/usr/bin/pylint"})
    with pytest.raises(ValueError, match="on_failure"):
        StaticAnalysisFilter(on_failure="ignore")
    with pytest.raises(ValueError, match="batch_megabytes"):
        StaticAnalysisFilter(batch_megabytes=0)
    assert [a.name for a in StaticAnalysisFilter().analyzers] == list(DEFAULT_ANALYZERS)


def test_ruff_rule_table_is_known_to_ruff():
    analyzer = RuffAnalyzer()
    assert analyzer.available() is None
    report = analyzer.analyze([SourceFile("x = 1\n", "a.py", "Python")])[0]
    assert report.status == "ok" and report.findings == []
    assert "S101" not in analyzer.severities and "F401" not in analyzer.severities  # asserts, unused imports


# --- C and C++: cppcheck ----------------------------------------------------------------------------

LEAK = ("#include <stdlib.h>\n#include <string.h>\n\nint copy_name(const char *source, int length)\n{\n"
        "    char *buffer = malloc(length + 1);\n    if (length > 64)\n        return -1;\n"
        "    memcpy(buffer, source, length);\n    free(buffer);\n    return length;\n}\n")
DOUBLE_FREE = "#include <cstdlib>\n\nvoid release(char *label)\n{\n    free(label);\n    free(label);\n}\n"


def test_cppcheck_catches_planted_defects(cppcheck):
    block = StaticAnalysisFilter(analyzers=["cppcheck"])
    leak, double = make_doc(LEAK, "src/name.c", language="C"), make_doc(DOUBLE_FREE, "src/r.cpp", language="C++")
    fixed = make_doc(LEAK.replace("return -1;", "{ free(buffer); return -1; }"), "src/fixed.c", language="C")
    assert judge(block, leak, double, fixed) == {"src/name.c": "analysis_defects", "src/r.cpp": "analysis_defects",
                                                 "src/fixed.c": None}
    assert leak.metadata[keys.ANALYSIS_RULES]["cppcheck:memleak"] == 1
    assert double.metadata[keys.ANALYSIS_RULES] == {"cppcheck:doubleFree": 1}
    assert block.stats["analyzed/cppcheck/C"].total == 2  # unknown macros: tests/filters/test_analysis_cppcheck.py


# --- Go: go vet ---------------------------------------------------------------------------------------

def test_go_vet_catches_planted_defects_package_by_package(go):
    block = StaticAnalysisFilter(analyzers=["go_vet"])
    printf = make_doc('package report\n\nimport "fmt"\n\nfunc Report(name string) {\n'
                      '\tfmt.Printf("%d items\\n", name)\n}\n', "report/report.go", language="Go")
    uses_sibling = make_doc("package calc\n\nfunc Double(x int) int { return twice(x) }\n", "calc/a.go",
                            language="Go")
    sibling = make_doc("package calc\n\nfunc twice(x int) int { return 2 * x }\n", "calc/b.go", language="Go")
    external = make_doc('package web\n\nimport "github.com/gorilla/mux"\n\nvar R = mux.NewRouter()\n', "web/r.go",
                        language="Go")
    verdicts = judge(block, printf, uses_sibling, sibling, external)
    assert verdicts == {"report/report.go": "analysis_defects", "calc/a.go": None, "calc/b.go": None,
                        "web/r.go": None}
    assert printf.metadata[keys.ANALYSIS_RULES] == {"go_vet:printf": 1}
    assert uses_sibling.metadata[keys.ANALYSIS_DEFECTS] == 0  # type-checked with its package
    # go vet refuses it (mux is not here): codecurate's driver of vet's analyzers judges it
    assert external.metadata[keys.ANALYSIS_DEFECTS] == 0 and keys.ANALYSIS_ERROR not in external.metadata
    assert block.stats["analyzed/go_vet/Go"].total == 4


def test_go_vet_type_checks_the_go_trees_own_packages_and_leaves_out_cgo_files(go):
    """Code of the Go distribution imports its private packages (``internal/...``, ``cmd/internal/...``):
    vetted inside a linked copy of GOROOT; a cgo file is left out, the rest of its package vetted."""
    block = StaticAnalysisFilter(analyzers=["go_vet"])
    internal = make_doc('package strs\n\nimport (\n\t"fmt"\n\t"internal/bytealg"\n)\n\n'
                        'func Find(s string) int {\n\tfmt.Printf("%d\\n", s)\n'
                        '\treturn bytealg.IndexByteString(s, 1)\n}\n',
                        "strs/find.go", language="Go", repo="go-strs")
    tool = make_doc('package main\n\nimport (\n\t"fmt"\n\t"cmd/internal/objabi"\n)\n\n'
                    'func main() { fmt.Println(objabi.PathToPrefix("x")) }\n', "tool/main.go", language="Go",
                    repo="go-cmd")
    missing = make_doc('package gone\n\nimport "internal/nosuchpackage"\n\nvar X = nosuchpackage.Y\n',
                       "gone/gone.go", language="Go", repo="go-gone")
    cgo = make_doc('package sys\n\n// int twice(int x) { return 2 * x; }\nimport "C"\n\n'
                   'func Twice(x int) int { return int(C.twice(C.int(x))) }\n', "sys/twice.go", language="Go",
                   repo="o/r")
    plain = make_doc('package sys\n\nimport "fmt"\n\nfunc Name() string { return fmt.Sprintf("%s", 1) }\n',
                     "sys/name.go", language="Go", repo="o/r")
    verdicts = judge(block, internal, tool, missing, cgo, plain)
    assert verdicts == {"strs/find.go": "analysis_defects", "tool/main.go": None, "gone/gone.go": None,
                        "sys/twice.go": None, "sys/name.go": "analysis_defects"}
    assert internal.metadata[keys.ANALYSIS_RULES] == {"go_vet:printf": 1}
    assert tool.metadata[keys.ANALYSIS_DEFECTS] == 0  # type-checked inside cmd, not skipped
    # what go vet refuses (an import go does not have, a cgo file) codecurate's driver of its analyzers judges
    assert missing.metadata[keys.ANALYSIS_DEFECTS] == 0 and keys.ANALYSIS_ERROR not in missing.metadata
    assert cgo.metadata[keys.ANALYSIS_DEFECTS] == 0 and keys.ANALYSIS_ERROR not in cgo.metadata
    assert plain.metadata[keys.ANALYSIS_RULES] == {"go_vet:printf": 1}
    assert block.stats["analyzed/go_vet/Go"].total == 5


def test_go_head_reads_package_and_imports():
    text = ('// c\npackage foo // x\n\nimport (\n\t"fmt"\n\tweb "net/http" // why\n\t_ "embed"\n)\n'
            'import "os"\n\nfunc F() {}\n')
    assert go_head(text) == ("foo", ["fmt", "net/http", "embed", "os"])
    assert go_head("no package here") == (None, [])


# --- JavaScript and TypeScript: eslint -------------------------------------------------------------------

def test_eslint_catches_planted_defects(eslint):
    block = StaticAnalysisFilter(analyzers=["eslint"], tools={"eslint": eslint})
    typo = make_doc("export function total(items) {\n  let sum = 0;\n  for (const item of items) sum += item;\n"
                    "  return summ;\n}\n", "src/total.js", language="JavaScript")
    unreachable = make_doc("function clamp(v) {\n  if (v < 0) {\n    return 0;\n  }\n  return v;\n  v = v * 2;\n}\n"
                           "module.exports = clamp;\n", "lib/clamp.js", language="JavaScript")
    script = make_doc("var fs = require('fs');\nif (!fs) return;\nmodule.exports = function () { return window; };\n",
                      "lib/script.js", language="JavaScript")  # a CommonJS script, not a module: parsed again
    nan = make_doc("export function missing(v: number): boolean {\n  return v === NaN;\n}\n", "src/m.ts",
                   language="TypeScript")
    typed = make_doc("interface A { x: number }\nexport function f(a: A): number { return a.x; }\n"
                     "export function g(x: string): void;\nexport function g(x: any) { return x; }\n",
                     "src/t.ts", language="TypeScript")
    verdicts = judge(block, typo, unreachable, script, nan, typed)
    assert verdicts == {"src/total.js": "analysis_defects", "lib/clamp.js": "analysis_defects",
                        "lib/script.js": None, "src/m.ts": "analysis_defects", "src/t.ts": None}
    assert typo.metadata[keys.ANALYSIS_RULES] == {"eslint:no-undef": 1}
    assert unreachable.metadata[keys.ANALYSIS_RULES] == {"eslint:no-unreachable": 1}
    assert nan.metadata[keys.ANALYSIS_RULES] == {"eslint:use-isnan": 1}


def test_eslint_config_ships_with_the_package():
    from importlib import resources

    data = resources.files("codecurate").joinpath("data")
    assert data.joinpath("eslint.config.mjs").is_file() and data.joinpath("eslint-rules.json").is_file()
    assert Path(str(data.joinpath("eslint.config.mjs"))).read_text().count("eslint-rules.json") >= 1


# --- fallbacks: a file its own analyzer could not read goes to semgrep ----------------------------------

GETS = "#include <stdio.h>\n\nint main(void)\n{\n    char line[80];\n    gets(line);\n    return line[0];\n}\n"


def test_files_their_analyzer_cannot_read_go_to_semgrep(cppcheck):
    block = StaticAnalysisFilter(analyzers=["cppcheck", "semgrep"], tools={"cppcheck": "/nonexistent/cppcheck"})
    unsafe, safe = make_doc(GETS, "src/read.c", language="C"), make_doc(GETS.replace(
        "gets(line)", "fgets(line, sizeof(line), stdin)"), "src/ok.c", language="C")
    assert judge(block, unsafe, safe) == {"src/read.c": "analysis_defects", "src/ok.c": None}
    assert unsafe.metadata[keys.ANALYSIS_RULES] == {"semgrep:c-gets": 1}
    assert keys.ANALYSIS_ERROR not in safe.metadata  # analyzed by the fallback: no error recorded
    assert block.stats["analysis_fallback/cppcheck/C"].total == 2
    assert block.stats["analyzer_missing/cppcheck/C"].total == 0
    assert block.stats["analyzed/semgrep/C"].total == 2
    # with cppcheck there, semgrep does not read the files cppcheck analyzed
    both = StaticAnalysisFilter(analyzers=["cppcheck", "semgrep"])
    again = make_doc(GETS, "src/read.c", language="C")
    both.filter_batch([again])
    assert both.stats["analyzed/semgrep/C"].total == 0 and both.stats["analyzed/cppcheck/C"].total == 1
