"""Semgrep with codecurate's own rules: the languages no dedicated analyzer covers, and a second
opinion for files the dedicated analyzer had to skip.

Semgrep (LGPL-2.1, the ``semgrep`` wheel) parses some thirty languages and matches rules written
as code patterns. It runs here offline, one process per batch, with only the rule files shipped in
``codecurate/data/semgrep/`` (one a language, written for this project: bugs and vulnerabilities,
no style), never the registry: no network, no login, no metrics. Each rule's metadata gives its
SonarQube-style severity (``codecurate-severity``), why it is counted, and whether it counts in
test files (``tests: false``: fixtures hold fake secrets and odd code on purpose).

``languages`` are analyzed by semgrep alone (Java, C#, Kotlin, PHP, Ruby, Rust, Swift, ...);
``fallback_languages`` (Go, C, C++) only when their dedicated analyzer skipped the file: a Go file
whose imports are outside the standard library (``go vet`` cannot type-check it offline), a C file
whose macros cppcheck does not know. Those rules are syntactic: they judge what can be judged
without the build.

A rule may state what text a file needs for the rule to match (``codecurate-requires``: regular
expressions that must all be found in the file, derived from the rule's own literals); a file no
rule of its language can match is not given to semgrep (parsing is most of semgrep's time).
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path

import yaml

from codecurate.filters.analysis.base import (
    SEVERITIES,
    SKIPPED,
    Analyzer,
    AnalyzerFailure,
    AnalyzerMissing,
    FileReport,
    Finding,
    SourceFile,
    describe_exit,
    is_test_path,
    run_tool,
    write_text,
)
from codecurate.filters.analysis.tools import script

#: codecurate language -> (semgrep's language id, the file extension semgrep reads it by)
SEMGREP_LANGUAGES: dict[str, tuple[str, str]] = {
    "Java": ("java", ".java"),
    "C#": ("csharp", ".cs"),
    "Kotlin": ("kotlin", ".kt"),
    "PHP": ("php", ".php"),
    "Ruby": ("ruby", ".rb"),
    "Rust": ("rust", ".rs"),
    "Swift": ("swift", ".swift"),
    "Scala": ("scala", ".scala"),
    "Go": ("go", ".go"),
    "C": ("c", ".c"),
    "C++": ("cpp", ".cpp"),
}
#: languages with a dedicated analyzer: semgrep reads their files only when that analyzer skipped them
FALLBACK = frozenset({"Go", "C", "C++"})
SEVERITY_KEY = "codecurate-severity"
REQUIRES_KEY = "codecurate-requires"
#: semgrep's errors that mean it read nothing of the file (semgrep 1.18x reports a whole-file syntax
#: error at level ``warn``; a partial parse, ``PartialParsing``, still analyzes the rest)
WHOLE_FILE_ERRORS = frozenset({"Syntax error", "Lexical error", "Other syntax error", "Timeout",
                               "OutOfMemory", "Out of memory"})
_RULE_ID = re.compile(r"[a-z][a-z0-9-]*")


def rules_folder() -> Path:
    """``codecurate/data/semgrep``, or the folder ``$CODECURATE_SEMGREP_RULES`` names (rules being written)."""
    override = os.environ.get("CODECURATE_SEMGREP_RULES")
    return Path(override) if override else Path(str(resources.files("codecurate") / "data" / "semgrep"))


def shipped_rules() -> dict[str, dict]:
    return _rules_in(rules_folder())


@functools.lru_cache(maxsize=4)
def _rules_in(folder: Path) -> dict[str, dict]:
    """rule id -> {severity, why, tests, languages} of every rule shipped in ``data/semgrep/``;
    a rule without a valid severity is an error in the package, reported by file and rule."""
    table: dict[str, dict] = {}
    by_semgrep = {semgrep: name for name, (semgrep, _) in SEMGREP_LANGUAGES.items()}
    for path in sorted(folder.glob("*.yaml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []):
            rule_id = rule.get("id", "")
            meta = rule.get("metadata") or {}
            severity = meta.get(SEVERITY_KEY)
            if not _RULE_ID.fullmatch(rule_id) or severity not in SEVERITIES or rule_id in table:
                raise ValueError(f"{path.name}: rule {rule_id!r}: needs a unique id of [a-z0-9-] and "
                                 f"metadata.{SEVERITY_KEY} in {SEVERITIES}")
            languages = [by_semgrep.get(language, language) for language in rule.get("languages", [])]
            try:
                requires = [re.compile(pattern) for pattern in meta.get(REQUIRES_KEY) or ()]
            except (re.error, TypeError) as error:
                raise ValueError(f"{path.name}: rule {rule_id!r}: metadata.{REQUIRES_KEY}: {error}") from None
            table[rule_id] = {"severity": severity, "why": str(meta.get("why", "")),
                              "tests": bool(meta.get("tests", True)), "languages": languages, "file": str(path),
                              "requires": requires, "rule": rule}
    return table


def rule_files(languages: set[str]) -> list[str]:
    """The rule files with a rule for one of ``languages``: semgrep parses only those (loading every
    language's rules costs more than matching a batch)."""
    return sorted({rule["file"] for rule in shipped_rules().values() if languages & set(rule["languages"])})


def reports_without_rules(files: list[SourceFile]) -> list[FileReport]:
    return [FileReport(status=SKIPPED, detail=f"no semgrep rule for {file.language or 'this language'}")
            for file in files]


class SemgrepAnalyzer(Analyzer):
    """Files of the languages in ``data/semgrep/`` with semgrep and codecurate's rules (one process per
    batch, offline); ``pip install 'codecurate[analysis]'`` brings it. ``only``: run just these rules,
    on every language they are written for (a subset to measure: ``benchmarks/go_checks.py``)."""

    name = "semgrep"
    ENV = "CODECURATE_SEMGREP"
    INSTALL = "pip install 'codecurate[analysis]' (the semgrep wheel)"
    #: semgrep starts in about 2 CPU seconds and matches about 1 MB per CPU second: runs of many files
    max_files_per_run = 1024
    seconds_per_file = 0.5
    #: semgrep's own limit per rule and file; a file past it is reported skipped, not blamed
    RULE_TIMEOUT = 10

    def __init__(self, command: str | None = None, timeout_seconds: float = 60.0,
                 rules: Mapping[str, str] | None = None, only: Collection[str] | None = None):
        super().__init__(command, timeout_seconds, rules)
        for rule in only or ():
            self.check_rule(rule)
        self.only = frozenset(only) if only is not None else None
        covered = self.covered()
        self.languages = covered - FALLBACK
        self.fallback_languages = covered & FALLBACK

    def selected(self) -> dict[str, dict]:
        """The rules this analyzer runs: every shipped rule, or those of ``only``."""
        table = shipped_rules()
        return table if self.only is None else {rule: table[rule] for rule in sorted(self.only)}

    def can_match(self, file: SourceFile) -> bool:
        """Whether a selected rule for the file's language can match its text (``codecurate-requires``)."""
        return any(file.language in rule["languages"] and all(p.search(file.text) for p in rule["requires"])
                   for name, rule in self.selected().items() if name not in self.disabled)

    @classmethod
    def covered(cls) -> frozenset[str]:
        return frozenset(language for rule in shipped_rules().values() for language in rule["languages"]
                         if language in SEMGREP_LANGUAGES)

    @classmethod
    def rule_table(cls) -> dict[str, tuple[str, str]]:
        return {rule: (entry["severity"], entry["why"]) for rule, entry in shipped_rules().items()}

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if rule not in shipped_rules():
            raise ValueError(f"semgrep: {rule!r} is not one of codecurate's semgrep rules "
                             f"(codecurate/data/semgrep/*.yaml)")

    def default_candidates(self) -> list[str]:
        return [found for found in (script("semgrep"),) if found] + ["semgrep"]

    @staticmethod
    def environment(folder: Path) -> dict[str, str]:
        """Offline and quiet: no version check, no metrics, settings and logs in ``folder``."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("SEMGREP_APP")}
        env.update({"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off",
                    "SEMGREP_SETTINGS_FILE": str(folder / ".semgrep-settings.yml"),
                    "SEMGREP_LOG_FILE": str(folder / ".semgrep.log"),
                    "SEMGREP_VERSION_CACHE_PATH": str(folder / ".semgrep-version"),
                    "SEMGREP_IN_DOCKER": "0", "PYTHONWARNINGS": "ignore"})
        return env

    def smoke_test(self, argv: list[str]) -> None:
        """A run on a file with a known defect. Not for ``only`` rules: the probe's rule may not be
        among them."""
        if self.only is not None:
            return
        probe = SourceFile("class P {\n  int f(int n) {\n    n = n;\n    return n;\n  }\n}\n", "P.java", "Java")
        with tempfile.TemporaryDirectory(prefix="codecurate-semgrep-") as folder:
            reports = self.run(argv, [probe], Path(folder), 300)
        if reports[0].status != "ok" or not reports[0].findings:
            raise AnalyzerMissing(f"semgrep at {argv[0]} does not report a Java self-assignment: "
                                  f"{reports[0].status} {reports[0].detail}")

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        if self.only is not None:
            rules = [rule["rule"] for rule in self.selected().values()
                     if {file.language for file in files} & set(rule["languages"])]
            if not rules:
                return reports_without_rules(files)
            (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
            configs = ["--config", str(folder / "rules.yaml")]
        else:
            configs = [arg for path in rule_files({file.language for file in files}) for arg in ("--config", path)]
        if not configs:
            return reports_without_rules(files)
        reports = [FileReport() for _ in files]
        targets = folder / "t"
        targets.mkdir()
        names = []
        given = [index for index, file in enumerate(files) if self.can_match(file)]  # no rule can match the rest
        if not given:
            return reports
        for index in given:
            file = files[index]
            _, extension = SEMGREP_LANGUAGES.get(file.language, ("", ".txt"))
            names.append(f"f{index:06d}{extension}")
            write_text(targets / names[-1], file.text)
        # --experimental: semgrep's OCaml command line (osemgrep) instead of its Python one: the same
        # engine and output, 0.15 instead of 1.6 CPU s to start, 40% less CPU on 5 MB of Java
        command = [*argv, "scan", "--experimental", *configs, "--json", "--quiet", "--metrics", "off",
                   "--disable-version-check", "--no-git-ignore", "--timeout", str(self.RULE_TIMEOUT),
                   "--timeout-threshold", "0", "--max-target-bytes", "0", "--jobs", "1", "--max-memory", "4000",
                   "."]
        done = run_tool(command, cwd=targets, timeout=timeout, env=self.environment(folder))
        try:
            output = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AnalyzerFailure(f"semgrep {describe_exit(done)}") from None
        index_of = {name: index for index, name in zip(given, names)}
        for error in output.get("errors") or ():
            index = index_of.get(Path(str(error.get("path", ""))).name)
            if index is None:
                continue
            kind = error.get("type")
            kind = kind[0] if isinstance(kind, list) and kind else str(kind)
            if error.get("level") == "error" or kind in WHOLE_FILE_ERRORS:
                reports[index].status = SKIPPED
                reports[index].detail = f"semgrep could not analyze it ({kind}: {str(error.get('message'))[:200]})"
        table = shipped_rules()
        seen: set[tuple[int, str, int]] = set()
        for result in output.get("results") or ():
            index = index_of.get(Path(str(result.get("path", ""))).name)
            rule = str(result.get("check_id", "")).rsplit(".", 1)[-1]
            if index is None or rule not in table or reports[index].status == SKIPPED:
                continue
            if not table[rule]["tests"] and is_test_path(files[index].path):
                continue
            line = int((result.get("start") or {}).get("line", 0))
            if (index, rule, line) in seen:  # one rule can match a line through overlapping patterns
                continue
            seen.add((index, rule, line))
            finding = self.finding(rule, line, str((result.get("extra") or {}).get("message", ""))[:300])
            if finding is not None:
                reports[index].findings.append(finding)
        return reports

    def finding(self, rule: str, line: int = 0, message: str = "") -> Finding | None:
        if rule in self.disabled:
            return None
        severity = self.severities.get(rule) or shipped_rules()[rule]["severity"]
        return Finding(rule, severity, line, message)
