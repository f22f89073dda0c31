"""The ``static_analysis`` block: drop files with too many weighted defects per 1,000 lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Literal

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter, Verdict
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput
from codecurate.filters.analysis.base import (
    DEFAULT_WEIGHTS,
    FAILED,
    MISSING,
    OK,
    SEVERITIES,
    SKIPPED,
    TIMEOUT,
    Analyzer,
    FileReport,
    SourceFile,
)
from codecurate.filters.analysis.coverage import coverage_lines, coverage_sections
from codecurate.filters.analysis.cppcheck import CppcheckAnalyzer
from codecurate.filters.analysis.eslint import EslintAnalyzer
from codecurate.filters.analysis.govet import GoVetAnalyzer
from codecurate.filters.analysis.oxlint import OxlintAnalyzer
from codecurate.filters.analysis.ruff import RuffAnalyzer
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer
from codecurate.filters.analysis.shellcheck import ShellcheckAnalyzer

#: analyzer name -> class; ``analyzers`` of the block names these (another analyzer registers here)
ANALYZERS: dict[str, type[Analyzer]] = {
    "ruff": RuffAnalyzer,
    "cppcheck": CppcheckAnalyzer,
    "eslint": EslintAnalyzer,
    "go_vet": GoVetAnalyzer,
    "oxlint": OxlintAnalyzer,
    "shellcheck": ShellcheckAnalyzer,
    "semgrep": SemgrepAnalyzer,
}
#: every analyzer the analysis extra installs (ESLint, which needs node and npm, is optional: it reads the
#: same files as oxlint, which drops the same files at 20x less CPU)
DEFAULT_ANALYZERS = ("ruff", "cppcheck", "oxlint", "go_vet", "shellcheck", "semgrep")

DROP_REASON = "analysis_defects"
FAILED_REASON = "analyzer_failed"
TIMEOUT_REASON = "analyzer_timeout"
#: findings recorded as the evidence on a dropped file (the first by line)
EVIDENCE_FINDINGS = 20


@register("static_analysis")
class StaticAnalysisFilter(CodecurateFilter):
    """Drop files whose weighted defects per 1,000 lines exceed ``max_weighted_defects_per_kloc``
    (reason ``analysis_defects``), as the paper's SonarQube filter removed files with bugs and
    vulnerabilities. Each finding weighs its severity's weight; a file shorter than ``min_lines``
    counts as ``min_lines`` long, so one minor finding in a 3-line file is not 333 per KLOC.

    A file no selected analyzer reads passes. A file whose analyzer is not installed passes (stat
    ``analyzer_missing/<analyzer>/<language>``, a warning once). A file an analyzer could not
    analyze (Go importing packages outside the standard library, a parse the tool does not
    support) passes (stat ``analysis_skipped/<analyzer>``). A file that crashes the analyzer or
    makes it time out is isolated from its batch (the rest is analyzed), logged by name, and
    dropped (reasons ``analyzer_failed``, ``analyzer_timeout``) or, with ``on_failure: keep``,
    kept with the stat of the same name.

    Args:
        analyzers: which analyzers run (``ruff``, ``cppcheck``, ``eslint``, ``go_vet``; default all).
        max_weighted_defects_per_kloc: the threshold.
        severity_weights: weight of one finding per severity (``blocker``, ``critical``, ``major``,
            ``minor``); those given replace the defaults (100, 50, 20, 0.5).
        min_lines: files shorter than this are judged as if they had this many lines.
        batch_size: files per batch (each analyzer runs on its languages' files of a batch, in runs of at
            most its ``max_files_per_run``): large, so that a language that is a small share of the
            input still reaches its tool in runs of many files (semgrep's start-up costs 2 CPU s).
        batch_megabytes: a batch also ends once its texts reach this many megabytes (memory).
        timeout_seconds: an analyzer's time limit per file (a batch of n files gets
            ``timeout_seconds`` plus n times the analyzer's expected time per file).
        on_failure: ``drop`` or ``keep`` the file that crashes an analyzer or makes it time out.
        tools: per analyzer, its executable (for eslint also an npm prefix); the default is the
            environment variable ``CODECURATE_<ANALYZER>`` (``CODECURATE_GO`` for go_vet), then PATH.
        rules: per analyzer, ``rule -> severity`` overrides; severity ``"off"`` (quoted in YAML) drops the rule.
    """

    name = "static_analysis"

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """Files analyzed per language and analyzer (``codecurate.core.report_sections``)."""
        return coverage_sections(stage)

    @classmethod
    def summary_lines(cls, stage: dict, brief: bool) -> list[str]:
        return coverage_lines(stage, brief)

    def __init__(
        self,
        analyzers: list[str] | None = None,
        max_weighted_defects_per_kloc: float = 20.0,
        severity_weights: dict[str, float] | None = None,
        min_lines: int = 50,
        batch_size: int = 2048,
        batch_megabytes: float = 16.0,
        timeout_seconds: float = 60.0,
        on_failure: Literal["drop", "keep"] = "drop",
        tools: dict[str, str] | None = None,
        rules: dict[str, dict[str, str]] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        names = list(DEFAULT_ANALYZERS if analyzers is None else analyzers)
        self._check(names, max_weighted_defects_per_kloc, severity_weights or {}, min_lines, batch_size,
                    batch_megabytes, timeout_seconds, on_failure, tools or {}, rules or {})
        self.analyzers = [ANALYZERS[name](command=(tools or {}).get(name), timeout_seconds=timeout_seconds,
                                          rules=(rules or {}).get(name)) for name in names]
        self.max_weighted_defects_per_kloc = max_weighted_defects_per_kloc
        self.weights = {**DEFAULT_WEIGHTS, **(severity_weights or {})}
        self.min_lines = min_lines
        self.batch_size = batch_size
        self.batch_bytes = int(batch_megabytes * 1_000_000)
        self.on_failure = on_failure
        self._warned: set[str] = set()

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """Languages whose files no analyzer read (each analyzer skipped them), and analyzers not
        installed (their files passed unanalyzed) (``codecurate.core.run_warnings``)."""
        counters = (stage or {}).get("counters") or {}
        skipped: dict[str, list[str]] = {}
        missing: dict[str, dict[str, int]] = {}
        for key, value in counters.items():
            parts = key.split("/")
            if parts[0] == "analysis_skipped" and len(parts) == 3:
                skipped.setdefault(parts[2], []).append(f"{parts[1]} {int(value)}")
            elif parts[0] == "analyzer_missing" and len(parts) == 3:
                missing.setdefault(parts[1], {})[parts[2]] = int(value)
        warnings = []
        for key, value in counters.items():
            if key.startswith("not_analyzed/") and value:
                language = key.partition("/")[2]
                why = f" (skipped by {', '.join(sorted(skipped.get(language, [])))})" if language in skipped else ""
                warnings.append(f"{int(value)} {language} files were read by no analyzer{why}: they passed "
                                "unanalyzed (docs/static-analysis.md)")
        for name, languages in sorted(missing.items()):
            files = ", ".join(f"{language} {n}" for language, n in sorted(languages.items(), key=lambda x: -x[1]))
            warnings.append(f"analyzer {name} is not installed: its files passed unanalyzed ({files}); "
                            "docs/static-analysis.md says how to install it")
        return warnings

    @staticmethod
    def _check(names: list[str], threshold: float, weights: Mapping[str, float], min_lines: int, batch_size: int,
               batch_megabytes: float, timeout_seconds: float, on_failure: str, tools: Mapping[str, str],
               rules: Mapping[str, Mapping[str, str]]) -> None:
        known = ", ".join(ANALYZERS)
        if not names:
            raise ValueError(f"analyzers: name at least one of {known}")
        for name in names:
            if name not in ANALYZERS:
                raise ValueError(f"analyzers: unknown analyzer {name!r}; known: {known}")
        if len(set(names)) != len(names):
            raise ValueError(f"analyzers: {names} names an analyzer twice")
        for option, mapping in (("tools", tools), ("rules", rules)):
            for name in mapping:
                if name not in ANALYZERS:
                    raise ValueError(f"{option}: unknown analyzer {name!r}; known: {known}")
        for severity, weight in weights.items():
            if severity not in SEVERITIES or not isinstance(weight, (int, float)) or weight < 0:
                raise ValueError(f"severity_weights: {severity!r}: {weight!r}; expected a weight >= 0 for each of "
                                 f"{', '.join(SEVERITIES)}")
        if batch_megabytes <= 0:
            raise ValueError(f"batch_megabytes must be > 0, not {batch_megabytes}")
        if threshold < 0 or min_lines < 1 or batch_size < 1 or timeout_seconds <= 0:
            raise ValueError("max_weighted_defects_per_kloc must be >= 0, min_lines and batch_size >= 1, "
                             "timeout_seconds > 0")
        if on_failure not in ("drop", "keep"):
            raise ValueError(f"on_failure must be 'drop' or 'keep', not {on_failure!r}")

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        try:
            yield from super().run(data, rank, world_size)
        finally:
            for analyzer in self.analyzers:  # a long-lived tool process ends with the task
                analyzer.close()

    def filter(self, document: Document) -> Verdict:  # one file: a batch of one
        return self.filter_batch([document])[0]

    def filter_batch(self, batch: list[Document]) -> list[Verdict]:
        """The verdict on each document of ``batch`` (True, or ``(False, reason)``), its metadata set;
        each selected analyzer runs once on the batch's files of its languages (the base filter's
        loop hands it ``batch_size`` documents at a time), then each fallback analyzer on the files
        their own analyzer skipped or could not run on."""
        code = [i for i, d in enumerate(batch) if d.metadata.get(keys.KIND) != keys.KIND_TEXT]
        reports: dict[int, list[tuple[Analyzer, FileReport]]] = {i: [] for i in code}
        # the analyzers without fallback languages first; then each fallback analyzer in one run on its own
        # languages' files and the files the others skipped (a semgrep run costs 2 CPU s to start)
        ordered = sorted(self.analyzers, key=lambda analyzer: bool(analyzer.fallback_languages))
        for analyzer in ordered:
            wanted = [i for i in code if batch[i].metadata.get(keys.LANGUAGE) in analyzer.languages
                      or (batch[i].metadata.get(keys.LANGUAGE) in analyzer.fallback_languages
                          and all(report.status in (SKIPPED, MISSING) for _, report in reports[i]))]
            self._analyze(analyzer, batch, wanted, reports)
        results: list[Verdict] = [True] * len(batch)
        for i in code:
            if not reports[i]:
                if batch[i].metadata.get(keys.LANGUAGE):
                    self.stat_update(f"no_analyzer/{batch[i].metadata.get(keys.LANGUAGE)}")
                continue
            analyzed = any(report.status == OK for _, report in reports[i])
            if not analyzed:
                self.stat_update(f"not_analyzed/{batch[i].metadata.get(keys.LANGUAGE)}")
            for analyzer, report in reports[i]:
                if analyzed and report.status in (SKIPPED, MISSING):  # a fallback analyzed it
                    self.stat_update(f"analysis_fallback/{analyzer.name}/{batch[i].metadata.get(keys.LANGUAGE)}")
                    if report.status == MISSING:
                        self._warn_missing(analyzer, report)
                    continue
                verdict = self._verdict(analyzer, batch[i], report)
                if verdict is not True and results[i] is True:
                    results[i] = verdict
        return results

    def _analyze(self, analyzer: Analyzer, batch: list[Document], wanted: list[int],
                 reports: dict[int, list[tuple[Analyzer, FileReport]]]) -> None:
        if not wanted:
            return
        files = [SourceFile(batch[i].text, batch[i].metadata.get(keys.PATH) or "",
                            batch[i].metadata.get(keys.LANGUAGE) or "", batch[i].metadata.get(keys.REPO) or "")
                 for i in wanted]
        for i, report in zip(wanted, analyzer.analyze(files)):
            reports[i].append((analyzer, report))

    def _warn_missing(self, analyzer: Analyzer, report: FileReport) -> None:
        if analyzer.name not in self._warned:
            self._warned.add(analyzer.name)
            logger.warning(f"static_analysis: {report.detail}; its files pass unanalyzed or go to a fallback")

    def _verdict(self, analyzer: Analyzer, document: Document, report: FileReport) -> Verdict:
        language = document.metadata.get(keys.LANGUAGE)
        if report.status == MISSING:
            self.stat_update(f"analyzer_missing/{analyzer.name}/{language}")
            self._warn_missing(analyzer, report)
            return True
        if report.status in (FAILED, TIMEOUT):
            reason = FAILED_REASON if report.status == FAILED else TIMEOUT_REASON
            document.metadata[keys.ANALYSIS_ERROR] = f"{analyzer.name}: {report.detail}"
            logger.warning(f"static_analysis: {analyzer.name} {report.status} on {keys.describe(document)}: "
                           f"{report.detail}")
            if self.on_failure == "drop":
                return False, reason
            self.stat_update(reason + "/" + analyzer.name)
            return True
        if report.status == SKIPPED:
            self.stat_update(f"analysis_skipped/{analyzer.name}/{language}")
            document.metadata[keys.ANALYSIS_ERROR] = f"{analyzer.name}: {report.detail}"
            return True
        self.stat_update(f"analyzed/{analyzer.name}/{language}")
        rules = Counter(f"{analyzer.name}:{f.rule}" for f in report.findings)
        for rule, count in rules.items():
            self.stat_update(f"rule/{rule}", value=count)
        weighted = sum(self.weights[f.severity] for f in report.findings)
        lines = max(self.min_lines, document.text.count("\n") + 1)
        per_kloc = weighted * 1000 / lines
        document.metadata[keys.ANALYSIS_DEFECTS] = len(report.findings)
        document.metadata[keys.ANALYSIS_DEFECTS_PER_KLOC] = round(per_kloc, 2)
        if rules:
            document.metadata[keys.ANALYSIS_RULES] = dict(rules)
        if per_kloc > self.max_weighted_defects_per_kloc:
            shown = sorted(report.findings, key=lambda f: (f.line, f.rule))[:EVIDENCE_FINDINGS]
            document.metadata[keys.EVIDENCE] = {"findings": [
                {"rule": f"{analyzer.name}:{f.rule}", "severity": f.severity, "line": f.line,
                 "message": f.message[:200]} for f in shown]}
            return False, DROP_REASON
        return True
