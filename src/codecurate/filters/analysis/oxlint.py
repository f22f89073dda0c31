"""JavaScript and TypeScript with oxlint: ESLint's defect rules, Rust-built, one oxlint process per batch.

oxlint comes as a wheel (``pip install 'codecurate[analysis]'``: the ``oxlint`` console script
beside the interpreter); no node, no npm. codecurate looks for it in the ``command`` given to the
block, then ``$CODECURATE_OXLINT``, then beside the running interpreter, then on PATH.

The rules and their severities are codecurate's (``codecurate/data/oxlint.json``): ESLint's core
defect rules of ``eslint-rules.json``, one to one under the same names, and the environments whose
globals ``no-undef`` knows (ES, browser, Node, workers, AMD, jQuery, mocha/jest/jasmine/qunit,
web extensions). Each run writes oxlint's configuration from that table into the batch's folder:
every category off, those rules on, ``no-undef`` and ``no-dupe-class-members`` off for
TypeScript and TSX (types and overloads are not values), no project or nested configuration.

oxlint reads a ``.js`` file as a module or as a CommonJS script, whichever it is (no retry as
ESLint needs), and JSX in it. ``// eslint-disable`` and ``// oxlint-disable`` comments are honored
by oxlint; ``/* global name */`` comments, which it does not read, are honored here (a ``no-undef``
finding for a name such a comment declares is not counted). A file oxlint cannot parse (Flow
types, a syntax error) is ``skipped`` with oxlint's message: the syntax stage judges syntax. oxlint
silently passes a file with a ``@flow`` pragma that it cannot parse; the pragma is neutralized
(``@flow`` -> ``@fl0w``, same length) in the copy it reads, so that such a file is skipped too.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import ClassVar

from codecurate.filters.analysis import tools
from codecurate.filters.analysis.base import (
    OK,
    SKIPPED,
    Analyzer,
    AnalyzerFailure,
    AnalyzerMissing,
    FileReport,
    SourceFile,
    describe_exit,
    run_tool,
    write_text,
)


def _table() -> dict:
    return json.loads(resources.files("codecurate").joinpath("data", "oxlint.json").read_text("utf-8"))


#: rule -> (severity, why), from the packaged oxlint.json
OXLINT_RULES: dict[str, tuple[str, str]] = {
    name: (rule["severity"], rule["why"]) for name, rule in _table()["rules"].items()
}
TYPESCRIPT = frozenset({"TypeScript", "TSX"})
EXTENSIONS = {"JavaScript": ".js", "TypeScript": ".ts", "TSX": ".tsx"}
#: file name endings kept from the path, which tell oxlint how to read the file: a CommonJS script
#: (.cjs), a module (.mjs), a declaration file (.d.ts: ``export const x: T;`` without a value)
KEPT_EXTENSIONS = {"JavaScript": (".mjs", ".cjs", ".jsx"),
                   "TypeScript": (".d.ts", ".d.mts", ".d.cts", ".mts", ".cts"), "TSX": ()}
#: the plugins whose rules a rule id may name (``oxc/missing-throw``); ESLint's rules are bare names
PLUGINS = ("eslint", "oxc", "typescript", "unicorn")

_CODE = re.compile(r"([\w-]+)\((.+)\)")  # "eslint(no-undef)", "oxc(missing-throw)"
_UNDEFINED = re.compile(r"'([^']+)' is not defined")
#: ESLint's ``/* global a, b: writable */`` (also ``globals``), block comments only
_GLOBAL_COMMENT = re.compile(r"/\*\s*globals?\s((?:[^*]|\*(?!/))*)\*/")
#: the comments (and a hashbang) before the first token, where a ``@flow`` pragma is read
_LEADING_COMMENTS = re.compile(r"\A(?:\ufeff)?(?:#![^\n]*\n)?(?:\s+|//[^\n]*(?:\n|\Z)|/\*(?:[^*]|\*(?!/))*\*/)*")


def declared_globals(text: str) -> set[str]:
    """The names ``/* global ... */`` comments of ``text`` declare (``name`` or ``name: writable``)."""
    if "global" not in text:
        return set()
    names = set()
    for match in _GLOBAL_COMMENT.finditer(text):
        body = re.split(r"\s-{2,}\s", match.group(1) + " ", maxsplit=1)[0]  # "-- why": a description
        for item in body.split(","):
            name = item.split(":", 1)[0].strip()
            if name:
                names.add(name)
    return names


def hide_flow_pragma(text: str) -> str:
    """``text`` with ``@flow`` in its leading comments written ``@fl0w`` (same length, so lines and
    offsets do not move): oxlint passes a file with the pragma that it cannot parse without a word."""
    if "@flow" not in text:
        return text
    head = _LEADING_COMMENTS.match(text)
    end = head.end() if head else 0
    return text[:end].replace("@flow", "@fl0w") + text[end:]


def rule_id(code: str) -> str:
    """codecurate's rule id for oxlint's ``code``: ``eslint(no-undef)`` -> ``no-undef``,
    ``oxc(missing-throw)`` -> ``oxc/missing-throw``."""
    match = _CODE.fullmatch(code)
    if match is None:
        return code
    plugin, rule = match.groups()
    return rule if plugin == "eslint" else f"{plugin}/{rule}"


def extension(file: SourceFile) -> str:
    """The file name ending oxlint reads ``file`` by: its own when it says more than its language's."""
    path = file.path.lower()
    kept = next((ending for ending in KEPT_EXTENSIONS.get(file.language, ()) if path.endswith(ending)), None)
    return kept or EXTENSIONS.get(file.language, ".js")


class OxlintAnalyzer(Analyzer):
    """JavaScript, TypeScript and TSX files with oxlint and codecurate's rule set (ESLint's rules)."""

    name = "oxlint"
    languages = frozenset({"JavaScript", "TypeScript", "TSX"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = OXLINT_RULES
    ENV = "CODECURATE_OXLINT"
    INSTALL = ("install it with pip: pip install 'codecurate[analysis]' (or pip install oxlint; or point "
               "$CODECURATE_OXLINT or the block's tools.oxlint at an oxlint executable)")
    max_files_per_run = 256
    seconds_per_file = 0.05

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if rule in OXLINT_RULES:
            return
        plugin, _, name = rule.rpartition("/")
        if (plugin and plugin not in PLUGINS) or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            raise ValueError(f"oxlint: {rule!r} is not an oxlint rule name (like no-undef or oxc/missing-throw)")

    def default_candidates(self) -> list[str]:
        beside = tools.script("oxlint")
        return ([beside] if beside else []) + ["oxlint"]

    def configuration(self) -> dict:
        """oxlint's configuration for this analyzer's rules: every category off, those rules on."""
        table = _table()
        plugins = sorted({rule.split("/", 1)[0] for rule in self.severities if "/" in rule} - {"eslint"})
        typescript_off = {rule: "off" for rule in self.severities
                          if table["rules"].get(rule, {}).get("typescript") is False}
        config: dict = {
            "plugins": plugins,
            "categories": {category: "off" for category in
                           ("correctness", "suspicious", "pedantic", "perf", "style", "restriction", "nursery")},
            "env": table.get("env", {}),
            "globals": table.get("globals", {}),
            "rules": {rule: "error" for rule in sorted(self.severities)},
        }
        if typescript_off:
            config["overrides"] = [{"files": ["**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx"], "rules": typescript_off}]
        return config

    def smoke_test(self, argv: list[str]) -> None:
        probes = [SourceFile("undefinedFunction();\n", "a.js", "JavaScript"),
                  SourceFile("const x: number = 1;\nif (x === NaN) { undefinedFunction(); }\n", "a.ts", "TypeScript")]
        with tempfile.TemporaryDirectory(prefix="codecurate-oxlint-") as folder:
            reports = self.run(argv, probes, Path(folder), 60)
        if "no-undef" in self.severities and not any(f.rule == "no-undef" for f in reports[0].findings):
            raise AnalyzerMissing(f"oxlint at {argv[0]} does not report an undefined name: "
                                  f"{reports[0].status} {reports[0].detail}")
        if reports[1].status != OK:
            raise AnalyzerMissing(f"oxlint at {argv[0]} does not read TypeScript: {reports[1].detail}")

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        config = folder / "codecurate-oxlintrc.json"
        config.write_text(json.dumps(self.configuration()), encoding="utf-8")
        names = [f"f{index:06d}{extension(file)}" for index, file in enumerate(files)]
        for name, file in zip(names, files):
            write_text(folder / name, hide_flow_pragma(file.text))
        env = {**os.environ, "NO_COLOR": "1"}
        done = run_tool([*argv, "--config", str(config), "--format", "json", "--disable-nested-config",
                         "--no-ignore", "--threads", "1", *names], cwd=folder, timeout=timeout, env=env)
        if done.returncode not in (0, 1):
            raise AnalyzerFailure(f"oxlint {describe_exit(done)}")
        try:
            output = json.loads(done.stdout)
            diagnostics = output["diagnostics"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise AnalyzerFailure(f"oxlint: unreadable output ({error}): {done.stderr.strip()[-300:]}") from error
        if done.returncode == 1 and not diagnostics:  # an error of oxlint's own (its configuration)
            raise AnalyzerFailure(f"oxlint {describe_exit(done)}")
        by_file: dict[str, list[dict]] = {}
        for diagnostic in diagnostics:
            by_file.setdefault(Path(str(diagnostic.get("filename", ""))).name, []).append(diagnostic)
        reports = []
        for name, file in zip(names, files):
            found = by_file.get(name, [])
            unparsed = next((d for d in found if not d.get("code")), None)
            if unparsed is not None:
                reports.append(FileReport(status=SKIPPED, detail=f"oxlint could not parse it: "
                                                                 f"{str(unparsed.get('message', ''))[:200]}"))
                continue
            declared = declared_globals(file.text)
            report = FileReport()
            for diagnostic in found:
                rule = rule_id(str(diagnostic["code"]))
                message = str(diagnostic.get("message", ""))
                if rule == "no-undef" and declared:
                    undefined = _UNDEFINED.match(message)
                    if undefined and undefined.group(1) in declared:
                        continue
                labels = diagnostic.get("labels") or [{}]
                line = int(((labels[0] or {}).get("span") or {}).get("line") or 0)
                finding = self.finding(rule, line, message)
                if finding is not None:
                    report.findings.append(finding)
            reports.append(report)
        return reports

