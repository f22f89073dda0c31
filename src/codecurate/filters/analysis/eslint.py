"""JavaScript and TypeScript: ESLint's core defect rules, one eslint process per batch, offline.

The configuration is codecurate's own (``codecurate/data/eslint.config.mjs``, rules and severities
in ``eslint-rules.json`` beside it): no plugin, no project configuration, nothing downloaded. ESLint
is not a Python package; codecurate looks for it in the ``command`` given to the block (an eslint
executable or an npm prefix), then ``$CODECURATE_ESLINT`` (the same), then ``eslint`` on PATH, then
the npm prefix ``~/.cache/codecurate/eslint``, where this installs it:

    npm install --prefix ~/.cache/codecurate/eslint eslint@9 @typescript-eslint/parser@8

TypeScript needs ``@typescript-eslint/parser`` beside eslint; without it TypeScript files are
reported as ``missing`` (and pass). A JavaScript file that is not a valid module is parsed again
as a CommonJS script; one neither parser reads (Flow types, decorators) is ``skipped``: the syntax
stage judges syntax.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import ClassVar

from codecurate.filters.analysis.base import (
    MISSING,
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


def _rule_table() -> dict[str, dict]:
    return json.loads(resources.files("codecurate").joinpath("data", "eslint-rules.json").read_text("utf-8"))["rules"]


#: rule -> (severity, why), from the packaged eslint-rules.json
ESLINT_RULES: dict[str, tuple[str, str]] = {
    name: (rule["severity"], rule["why"]) for name, rule in _rule_table().items()
}
TYPESCRIPT = frozenset({"TypeScript", "TSX"})
EXTENSIONS = {"JavaScript": ".js", "TypeScript": ".ts", "TSX": ".tsx"}


def default_prefix() -> Path:
    """The npm prefix codecurate looks in last: ``$XDG_CACHE_HOME/codecurate/eslint`` or ``~/.cache/...``."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "codecurate" / "eslint"


class EslintAnalyzer(Analyzer):
    """JavaScript, TypeScript and TSX files with ESLint 9 and codecurate's rule set."""

    name = "eslint"
    languages = frozenset({"JavaScript", "TypeScript", "TSX"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = ESLINT_RULES
    ENV = "CODECURATE_ESLINT"
    INSTALL = ("install it with npm: npm install --prefix ~/.cache/codecurate/eslint eslint@9 "
               "@typescript-eslint/parser@8 (or point $CODECURATE_ESLINT or the block's tools.eslint at an "
               "npm prefix or an eslint executable)")
    max_files_per_run = 256
    seconds_per_file = 0.2

    def __init__(self, command: str | None = None, timeout_seconds: float = 60.0,
                 rules: dict[str, str] | None = None):
        super().__init__(command, timeout_seconds, rules)
        self.modules: Path | None = None
        self.typescript = False

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if rule not in ESLINT_RULES and not rule.replace("-", "").isalpha():
            raise ValueError(f"eslint: {rule!r} is not an ESLint core rule name (like no-undef)")

    def default_candidates(self) -> list[str]:
        return ["eslint", str(default_prefix())]

    def locate(self) -> list[str]:
        tried = []
        for candidate in self.candidates():
            path = Path(candidate).expanduser()
            if os.sep not in candidate:  # a command name: on PATH
                found = shutil.which(candidate)
                path = Path(found) if found else None
            elif path.is_dir():  # an npm prefix
                path = path / "node_modules" / ".bin" / "eslint"
            if path is not None and path.is_file() and os.access(path, os.X_OK):
                real = path.resolve()  # node_modules/eslint/bin/eslint.js
                if real.parent.name == "bin" and real.parent.parent.parent.name == "node_modules":
                    self.modules = real.parent.parent.parent
                self.typescript = self.modules is not None and \
                    (self.modules / "@typescript-eslint" / "parser" / "package.json").is_file()
                return [str(path)]
            tried.append(candidate)
        raise AnalyzerMissing(f"eslint: not found (tried {', '.join(tried)}); {self.INSTALL}")

    def environment(self, folder: Path) -> dict[str, str]:
        env = {**os.environ, "CODECURATE_ESLINT_RULES": str(folder / "eslint-rules.json")}
        if self.modules is not None:
            env["CODECURATE_ESLINT_MODULES"] = str(self.modules)
        return env

    def smoke_test(self, argv: list[str]) -> None:
        probes = [SourceFile("undefinedFunction();\n", "a.js", "JavaScript")]
        if self.typescript:
            probes.append(SourceFile("const x: number = 1;\nif (x === NaN) { undefinedFunction(); }\n", "a.ts",
                                     "TypeScript"))
        with tempfile.TemporaryDirectory(prefix="codecurate-eslint-") as folder:
            reports = self.run(argv, probes, Path(folder), 120)
        if not reports[0].findings:
            raise AnalyzerMissing(f"eslint at {argv[0]} does not report an undefined name: "
                                  f"{reports[0].status} {reports[0].detail}")
        if self.typescript and not reports[1].findings:
            self.typescript = False

    def analyze(self, files: list[SourceFile]) -> list[FileReport]:
        files = list(files)
        missing = self.available()
        if missing is not None or self.typescript or not any(f.language in TYPESCRIPT for f in files):
            return super().analyze(files)
        why = (f"eslint is installed without @typescript-eslint/parser beside it (npm install --prefix "
               f"{self.modules.parent if self.modules else '<its prefix>'} @typescript-eslint/parser@8)")
        javascript = [f for f in files if f.language not in TYPESCRIPT]
        done = iter(super().analyze(javascript))
        return [FileReport(status=MISSING, detail=why) if f.language in TYPESCRIPT else next(done) for f in files]

    def _rules_file(self, folder: Path) -> None:
        table = _rule_table()
        rules = {name: {**table.get(name, {}), "severity": severity} for name, severity in self.severities.items()}
        (folder / "eslint-rules.json").write_text(json.dumps({"rules": rules}), encoding="utf-8")

    def _lint(self, argv: list[str], names: list[str], folder: Path, timeout: float) -> dict[str, list[dict]]:
        config = resources.files("codecurate").joinpath("data", "eslint.config.mjs")
        with resources.as_file(config) as config_path:
            command = [*argv, "--config", str(config_path), "--format", "json", "--no-warn-ignored",
                       "--no-error-on-unmatched-pattern", *names]
            done = run_tool(command, cwd=folder, timeout=timeout, env=self.environment(folder))
        if done.returncode not in (0, 1):
            raise AnalyzerFailure(f"eslint {describe_exit(done)}")
        try:
            results = json.loads(done.stdout)
        except json.JSONDecodeError as error:
            raise AnalyzerFailure(f"eslint: unreadable output ({error}): {done.stderr.strip()[-300:]}") from error
        return {Path(result["filePath"]).name: result.get("messages", []) for result in results}

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        self._rules_file(folder)
        names = [f"f{index:06d}{EXTENSIONS.get(file.language, '.js')}" for index, file in enumerate(files)]
        for name, file in zip(names, files):
            write_text(folder / name, file.text)
        messages = self._lint(argv, names, folder, timeout)
        retry = [i for i, name in enumerate(names) if files[i].language == "JavaScript"
                 and any(m.get("fatal") for m in messages.get(name, []))]
        if retry:  # not a valid module: parse it as a CommonJS script
            for i in retry:
                (folder / names[i]).rename(folder / (names[i][:-3] + ".cjs"))
                names[i] = names[i][:-3] + ".cjs"
            messages.update(self._lint(argv, [names[i] for i in retry], folder, timeout))
        reports = []
        for name in names:
            found = messages.get(name, [])
            fatal = next((m for m in found if m.get("fatal")), None)
            if fatal is not None:
                reports.append(FileReport(status=SKIPPED, detail=f"eslint could not parse it: "
                                                                 f"{fatal.get('message', '')[:200]}"))
                continue
            report = FileReport()
            for message in found:
                finding = self.finding(message.get("ruleId") or "", message.get("line", 0), message.get("message", ""))
                if finding is not None:
                    report.findings.append(finding)
            reports.append(report)
        return reports
