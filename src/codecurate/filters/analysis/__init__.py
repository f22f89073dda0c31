"""Static analysis: external analyzers report defects and vulnerabilities per file, each finding
weighs its severity, and files with too many weighted defects per thousand lines are dropped.

The paper ran SonarQube, a server, to remove files with bugs and vulnerabilities. Here each
language has an offline analyzer run as one process per batch of files: ruff for Python
(``ruff``), cppcheck for C and C++ (``cppcheck``), ESLint for JavaScript and TypeScript
(``eslint``), ``go vet`` for Go (``go_vet``), each with a curated list of defect rules and a
SonarQube-style severity per rule (blocker, critical, major, minor); no style rules. A missing
tool, a crash or a time-out never stops a run. Another analyzer plugs in by subclassing
``Analyzer`` and adding it to ``ANALYZERS``. See docs/static-analysis.md.
"""

from codecurate.filters.analysis.base import (
    DEFAULT_WEIGHTS,
    SEVERITIES,
    Analyzer,
    AnalyzerFailure,
    AnalyzerMissing,
    AnalyzerTimeout,
    FileReport,
    Finding,
    SourceFile,
)
from codecurate.filters.analysis.cppcheck import CppcheckAnalyzer
from codecurate.filters.analysis.eslint import EslintAnalyzer
from codecurate.filters.analysis.filter import ANALYZERS, DEFAULT_ANALYZERS, StaticAnalysisFilter
from codecurate.filters.analysis.govet import GoVetAnalyzer
from codecurate.filters.analysis.oxlint import OxlintAnalyzer
from codecurate.filters.analysis.ruff import RuffAnalyzer
from codecurate.filters.analysis.semgrep import SemgrepAnalyzer
from codecurate.filters.analysis.shellcheck import ShellcheckAnalyzer

__all__ = [
    "ANALYZERS",
    "DEFAULT_ANALYZERS",
    "DEFAULT_WEIGHTS",
    "SEVERITIES",
    "Analyzer",
    "AnalyzerFailure",
    "AnalyzerMissing",
    "AnalyzerTimeout",
    "CppcheckAnalyzer",
    "EslintAnalyzer",
    "FileReport",
    "Finding",
    "GoVetAnalyzer",
    "OxlintAnalyzer",
    "RuffAnalyzer",
    "SemgrepAnalyzer",
    "ShellcheckAnalyzer",
    "SourceFile",
    "StaticAnalysisFilter",
]
