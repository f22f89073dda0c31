"""The oxlint analyzer with the real oxlint: each rule fires on a small realistic defect and not on
its correct twin; comments that silence rules, environments, parse failures, a crash and a huge file.
All defect files go through one oxlint run (a few runs in all: oxlint takes milliseconds)."""

from __future__ import annotations

import json
import os
import stat
from importlib import resources

import pytest

from codecurate.filters.analysis.base import FAILED, OK, SKIPPED, SourceFile
from codecurate.filters.analysis.oxlint import OXLINT_RULES, OxlintAnalyzer, declared_globals, hide_flow_pragma

GLOBALS = "/* global A, a, b, c, f, g, n, x, text */\n"
#: rule -> (defect, correct twin), JavaScript
CASES = {
    "no-const-assign": ("const limit = 1;\nlimit = 2;\n", "let limit = 1;\nlimit = 2;\n"),
    "no-import-assign": ('import config from "./config";\nconfig = {};\n',
                         'import config from "./config";\nconfig.debug = true;\n'),
    "no-obj-calls": ("const data = JSON(text);\n", "const data = JSON.parse(text);\n"),
    "no-new-native-nonconstructor": ('const key = new Symbol("id");\n', 'const key = Symbol("id");\n'),
    "no-this-before-super": ("class B extends A {\n  constructor() {\n    this.x = 1;\n    super();\n  }\n}\n",
                             "class B extends A {\n  constructor() {\n    super();\n    this.x = 1;\n  }\n}\n"),
    "constructor-super": ("class B extends A {\n  constructor() {\n    this.x = 1;\n  }\n}\n",
                          "class B extends A {\n  constructor() {\n    super();\n  }\n}\n"),
    "no-undef": ("function total(items) {\n  return items.length + totl;\n}\n",
                 "function total(items) {\n  return items.length + window.innerWidth + process.pid;\n}\n"),
    "no-unsafe-finally": ("function read(r) {\n  try {\n    return r.read();\n  } finally {\n"
                          "    return null;\n  }\n}\n",
                          "function read(r) {\n  try {\n    return r.read();\n  } finally {\n"
                          "    r.close();\n  }\n}\n"),
    "no-unsafe-negation": ("function missing(k, t) {\n  return !k in t;\n}\n",
                           "function missing(k, t) {\n  return !(k in t);\n}\n"),
    "no-unsafe-optional-chaining": ("function run(o) {\n  return (o?.fn)();\n}\n",
                                    "function run(o) {\n  return o?.fn();\n}\n"),
    "for-direction": ("for (let i = 10; i >= 0; i++) {\n  console.log(i);\n}\n",
                      "for (let i = 10; i >= 0; i--) {\n  console.log(i);\n}\n"),
    "no-invalid-regexp": ('const re = new RegExp("[a-z");\n', 'const re = new RegExp("[a-z]");\n'),
    "use-isnan": ("function missing(v) {\n  return v === NaN;\n}\n",
                  "function missing(v) {\n  return Number.isNaN(v);\n}\n"),
    "valid-typeof": ('function isText(v) {\n  return typeof v === "strnig";\n}\n',
                     'function isText(v) {\n  return typeof v === "string";\n}\n'),
    "no-unreachable": ("function clamp(v) {\n  return v;\n  v = v * 2;\n}\n",
                       "function clamp(v) {\n  v = v * 2;\n  return v;\n}\n"),
    "no-unreachable-loop": ("function first(xs) {\n  for (const x of xs) {\n    return x;\n  }\n}\n",
                            "function first(xs) {\n  for (const x of xs) {\n    if (x) return x;\n  }\n}\n"),
    "no-dupe-keys": ("const defaults = {\n  timeout: 1,\n  timeout: 5,\n};\n",
                     "const defaults = {\n  timeout: 1,\n  retries: 5,\n};\n"),
    "no-dupe-class-members": ("class A {\n  get() { return 1; }\n  get() { return 2; }\n}\n",
                              "class A {\n  get() { return 1; }\n  set() { return 2; }\n}\n"),
    "no-dupe-else-if": ("if (a === 1) f();\nelse if (a === 1) g();\n", "if (a === 1) f();\nelse if (a === 2) g();\n"),
    "no-duplicate-case": ('switch (n) {\n  case "a": f(); break;\n  case "a": g(); break;\n}\n',
                          'switch (n) {\n  case "a": f(); break;\n  case "b": g(); break;\n}\n'),
    "no-self-assign": ("let total = 0;\ntotal = total;\n", "let total = 0;\ntotal = total + 1;\n"),
    "no-func-assign": ("function handler() {}\nhandler = null;\n", "let handler = function () {};\nhandler = null;\n"),
    "no-class-assign": ("class Model {}\nModel = null;\n", "let Model = class {};\nModel = null;\n"),
    "no-ex-assign": ("try {\n  f();\n} catch (e) {\n  e = 1;\n}\n", "try {\n  f();\n} catch (e) {\n  g(e);\n}\n"),
    "getter-return": ("const o = {\n  get size() {\n    this.n;\n  },\n};\n",
                      "const o = {\n  get size() {\n    return this.n;\n  },\n};\n"),
    "no-setter-return": ("const o = {\n  set size(v) {\n    return v;\n  },\n};\n",
                         "const o = {\n  set size(v) {\n    this.n = v;\n  },\n};\n"),
    "no-compare-neg-zero": ("if (x === -0) f();\n", "if (Object.is(x, -0)) f();\n"),
    "no-constant-binary-expression": ("const v = a + b ?? c;\n", "const v = a + (b ?? c);\n"),
    "no-empty-character-class": ("const re = /^abc[]/;\n", "const re = /^abc[a-z]/;\n"),
    "no-async-promise-executor": ("new Promise(async (resolve) => {\n  resolve(await f());\n});\n",
                                  "new Promise((resolve) => {\n  f().then(resolve);\n});\n"),
    "no-loss-of-precision": ("const big = 9007199254740993;\n", "const big = 9007199254740992;\n"),
    "no-unexpected-multiline": ("const s = f\n[a, b].forEach(g);\n", "const s = f;\n[a, b].forEach(g);\n"),
    "no-sparse-arrays": ("const colors = ['red',, 'blue'];\n", "const colors = ['red', 'blue'];\n"),
    "no-useless-backreference": ("const re = /(a)|\\1b/;\n", "const re = /(a)\\1b/;\n"),
    "no-empty-pattern": ("function f({}) {\n  return 1;\n}\n", "function f({ a }) {\n  return a;\n}\n"),
}


@pytest.fixture(scope="module")
def analyzer() -> OxlintAnalyzer:
    found = OxlintAnalyzer()
    if (why := found.available()) is not None:
        pytest.skip(why)
    return found


def rules(report) -> set[str]:
    assert report.status == OK, report.detail
    return {finding.rule for finding in report.findings}


def test_every_rule_has_a_case_and_a_known_severity():
    assert set(CASES) == set(OXLINT_RULES)
    table = json.loads(resources.files("codecurate").joinpath("data", "oxlint.json").read_text("utf-8"))
    assert all(rule["severity"] in ("blocker", "critical", "major", "minor") and rule["why"]
               for rule in table["rules"].values())


def test_each_rule_fires_on_its_defect_and_not_on_the_twin(analyzer):
    files = []
    for rule, (defect, clean) in CASES.items():
        header = "" if rule == "no-undef" else GLOBALS  # the snippets' free names, declared
        files += [SourceFile(header + defect, f"src/{rule}.js", "JavaScript"),
                  SourceFile(header + clean, f"src/{rule}-ok.js", "JavaScript")]
    reports = analyzer.analyze(files)
    for index, rule in enumerate(CASES):
        assert rule in rules(reports[2 * index]), (rule, reports[2 * index])
        assert rules(reports[2 * index + 1]) == set(), (rule, reports[2 * index + 1])
        assert all(f.severity == OXLINT_RULES[f.rule][0] for f in reports[2 * index].findings)


def test_scripts_modules_typescript_comments_and_parse_failures(analyzer):
    files = [
        # a CommonJS script (with, octal literal, top-level return) and a module with JSX: both read as they are
        SourceFile("var o = require('x');\nwith (o) { y = 010; }\nif (o) return;\n", "lib/old.js", "JavaScript"),
        SourceFile('import React from "react";\nexport const App = () => <div>{typeof x === "strnig"}</div>;\n',
                   "src/app.js", "JavaScript"),
        # TypeScript: no no-undef (the compiler's job) nor no-dupe-class-members (overloads); the other rules run
        SourceFile("class A {\n  m(): void;\n  m(x?: number) {}\n}\nfoo();\nif (n === NaN) {}\n", "src/a.ts",
                   "TypeScript"),
        SourceFile("export const App = () => <div>{undefinedName === NaN}</div>;\n", "src/app.tsx", "TSX"),
        SourceFile("export declare const version: string;\nexport const x: number;\n", "types/index.d.ts",
                   "TypeScript"),
        # the authors' word: eslint-disable, oxlint-disable, /* global */ (with a description)
        SourceFile("/* global ActiveXObject -- old IE */\nnew ActiveXObject('x');\n"
                   "foo(); // eslint-disable-line no-undef\n// oxlint-disable-next-line no-undef\nbar();\n"
                   "/* eslint-disable */\nbaz();\n", "src/ie.js", "JavaScript"),
        # what oxlint cannot parse is skipped: a syntax error, Flow types (even with the @flow pragma)
        SourceFile("function (( {\n", "src/broken.js", "JavaScript"),
        SourceFile("// @flow\ntype T = number;\nexport function f(x: T) { return x; }\n", "src/flow.js", "JavaScript"),
        SourceFile("/* @flow */\nexport function f(x) { return typeof x === 'strnig'; }\n", "src/plainflow.js",
                   "JavaScript"),
    ]
    reports = analyzer.analyze(files)
    assert rules(reports[0]) == {"no-undef"}  # y, nothing about the script's syntax
    assert rules(reports[1]) == {"valid-typeof"}
    assert rules(reports[2]) == {"use-isnan"}
    assert rules(reports[3]) == {"use-isnan"}
    assert rules(reports[4]) == set()
    assert rules(reports[5]) == set()
    assert reports[6].status == SKIPPED and "could not parse" in reports[6].detail
    assert reports[7].status == SKIPPED
    assert rules(reports[8]) == {"valid-typeof"}


def test_overrides_and_helpers():
    assert OxlintAnalyzer(rules={"no-undef": "off"}).configuration()["rules"].get("no-undef") is None
    assert OxlintAnalyzer(rules={"oxc/missing-throw": "major"}).configuration()["plugins"] == ["oxc"]
    with pytest.raises(ValueError):
        OxlintAnalyzer(rules={"nosuchplugin/rule": "major"})
    assert declared_globals("/*global a, b: writable */ /* globals c -- why */") == {"a", "b", "c"}
    assert hide_flow_pragma("// @flow\nconst a = '@flow';\n") == "// @fl0w\nconst a = '@flow';\n"


def test_a_crash_is_isolated_and_a_huge_file_is_analyzed(analyzer, tmp_path):
    fake = tmp_path / "oxlint"  # the real oxlint, except that it aborts on a file holding CRASH_ME
    fake.write_text(f'#!/bin/sh\nif grep -qs -e CRASH_ME -- "$@"; then kill -ABRT $$; fi\n'
                    f'exec {analyzer._argv[0]} "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    crashing = OxlintAnalyzer(command=str(fake))
    huge = "var a = 1;\n" * 200_000 + "undefinedName();\n"
    files = [SourceFile("const x = 1;\n", "a.js", "JavaScript"), SourceFile("// CRASH_ME\n", "b.js", "JavaScript"),
             SourceFile("if (x === NaN) {}\n", "c.js", "JavaScript"), SourceFile(huge, "big.js", "JavaScript")]
    reports = crashing.analyze(files)
    assert [r.status for r in reports] == [OK, FAILED, OK, OK]
    assert "SIGABRT" in reports[1].detail
    assert rules(reports[2]) == {"no-undef", "use-isnan"}
    assert rules(reports[3]) == {"no-undef"}
    assert os.path.exists(analyzer._argv[0])
