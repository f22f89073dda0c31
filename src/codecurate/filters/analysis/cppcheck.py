"""C and C++: cppcheck's bug checks (its ``error``, ``warning`` and ``portability`` findings), one
cppcheck process per batch.

Each file is analyzed alone, as a translation unit without its includes and with one preprocessor
configuration (``--max-configs=1``): what a file is, not what its build makes of it. Findings that
say cppcheck could not understand the file (``syntaxError`` on a macro it does not know,
``unknownMacro``, a ``#error`` of an unmet configuration, internal errors) are not defects: the file
is reported ``skipped`` and kept, as a compiler with the project's headers may well accept it (the
syntax stage judges syntax). Cross-file checks (``ctu*``) are ignored: the files of a batch are
unrelated. Style and performance checks are off.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import ClassVar

from codecurate.filters.analysis.base import (
    Analyzer,
    AnalyzerFailure,
    AnalyzerMissing,
    FileReport,
    Finding,
    SourceFile,
    describe_exit,
    run_tool,
    write_text,
)

_MEMORY = "memory safety: undefined behaviour (corruption, crash, exploitable)"
_LEAK = "leak: memory or a handle is never released"
#: cppcheck id -> (severity, why). Ids not listed count by cppcheck's own category (``CATEGORIES``).
CPPCHECK_RULES: dict[str, tuple[str, str]] = {
    **{rule: ("blocker", _MEMORY) for rule in (
        "arrayIndexOutOfBounds", "arrayIndexOutOfBoundsCond", "bufferAccessOutOfBounds", "negativeIndex",
        "outOfBounds", "pointerOutOfBounds", "doubleFree", "deallocuse", "invalidFree", "deallocret",
        "returnDanglingLifetime", "danglingLifetime", "invalidLifetime", "danglingTemporaryLifetime",
        "returnReference", "returnTempReference", "danglingReference", "danglingTempReference",
        "autoVariables", "autovarInvalidDeallocation", "stringLiteralWrite", "containerOutOfBounds",
        "stlOutOfBounds", "negativeContainerIndex", "eraseDereference", "invalidIterator1",
        "invalidContainer", "invalidContainerLoop", "useClosedFile", "uninitvar", "uninitdata",
        "uninitStructMember", "zerodiv", "mismatchAllocDealloc", "shiftNegative", "sprintfOverlappingData",
        "bufferNotZeroTerminated", "insecureCmdLineArgs", "wrongPrintfScanfArgNum", "invalidScanfFormatWidth",
    )},
    **{rule: ("critical", _LEAK) for rule in (
        "memleak", "resourceLeak", "memleakOnRealloc", "leakReturnValNotUsed", "leakNoVarFunctionCall",
        "leakUnsafeArgAlloc",
    )},
    "nullPointer": ("critical", "null pointer dereference (cppcheck also flags never-run concept checks)"),
    "nullPointerArithmetic": ("critical", "arithmetic on a null pointer"),
    "integerOverflow": ("critical", "signed integer overflow: undefined behaviour"),
    "shiftTooManyBits": ("critical", "shift by the width of the type or more: undefined behaviour"),
    "shiftTooManyBitsSigned": ("critical", "shift into the sign bit: undefined behaviour"),
    "mismatchingContainers": ("major", "iterators of two containers used together"),
    "mismatchingContainerIterator": ("major", "iterator of another container"),
    "missingReturn": ("minor", "exit path without a return value (cppcheck misses noreturn macros)"),
    "nullPointerRedundantCheck": ("major", "pointer dereferenced, then checked for null"),
    "uninitMemberVar": ("minor", "constructor leaves a member uninitialized"),
    "uninitMemberVarPrivate": ("minor", "constructor leaves a private member uninitialized"),
    "duplInheritedMember": ("minor", "member hides a member of a base class"),
}
#: severity of an id not in ``CPPCHECK_RULES``, by cppcheck's category (style, performance and
#: information are not enabled)
CATEGORIES = {"error": "critical", "warning": "minor", "portability": "minor"}
#: ids that say cppcheck did not understand the file: the file is skipped, not blamed
UNDERSTOOD_NOT = frozenset({"syntaxError", "unknownMacro", "internalAstError", "internalError", "cppcheckError",
                            "preprocessorErrorDirective", "instantiationError", "templateRecursion",
                            "noValidConfiguration"})
#: ids that are not about the file's code
NOT_DEFECTS = frozenset({"missingInclude", "missingIncludeSystem", "toomanyconfigs", "checkersReport",
                         "unmatchedSuppression", "normalCheckLevelMaxBranches", "purgedConfiguration",
                         "unknownEvaluationOrder", "bailoutUninitVar"})

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SEP = "\x1f"


class CppcheckAnalyzer(Analyzer):
    """C and C++ files with cppcheck (one process per batch); apt: ``apt-get install cppcheck``."""

    name = "cppcheck"
    languages = frozenset({"C", "C++"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = CPPCHECK_RULES
    ENV = "CODECURATE_CPPCHECK"
    INSTALL = "install cppcheck (Debian/Ubuntu: apt-get install cppcheck; macOS: brew install cppcheck)"
    max_files_per_run = 32
    seconds_per_file = 1.0
    OPTIONS = ("--enable=warning,portability", "--library=posix", "--inline-suppr", "--max-configs=1", "--quiet",
               f"--template={{file}}{_SEP}{{line}}{_SEP}{{severity}}{_SEP}{{id}}{_SEP}{{message}}")

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if not _ID.fullmatch(rule):
            raise ValueError(f"cppcheck: {rule!r} is not a cppcheck id (like nullPointer)")

    def default_candidates(self) -> list[str]:
        return ["cppcheck"]

    def severity(self, rule: str, category: str) -> str | None:
        if rule in self.disabled or rule in NOT_DEFECTS or rule.startswith("ctu"):
            return None
        return self.severities.get(rule) or CATEGORIES.get(category)

    def smoke_test(self, argv: list[str]) -> None:
        probe = SourceFile("int f(void) { int a[2]; a[2] = 0; return a[0]; }\n", "a.c", "C")
        with tempfile.TemporaryDirectory(prefix="codecurate-cppcheck-") as folder:
            reports = self.run(argv, [probe], Path(folder), 60)
        if reports[0].status != "ok" or not reports[0].findings:
            raise AnalyzerMissing(f"cppcheck at {argv[0]} does not report an out-of-bounds write: "
                                  f"{reports[0].status} {reports[0].detail}")

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        names = []
        for index, file in enumerate(files):
            name = f"f{index:06d}{'.c' if file.language == 'C' else '.cpp'}"
            write_text(folder / name, file.text)
            names.append(name)
        done = run_tool([*argv, *self.OPTIONS, *names], cwd=folder, timeout=timeout)
        if done.returncode != 0:
            raise AnalyzerFailure(f"cppcheck {describe_exit(done)}")
        reports = [FileReport() for _ in files]
        for line in done.stderr.splitlines():
            parts = line.split(_SEP)
            if len(parts) != 5 or not parts[0].startswith("f"):
                continue
            stem = Path(parts[0]).stem
            if not stem[1:].isdigit() or int(stem[1:]) >= len(files):
                continue
            report = reports[int(stem[1:])]
            path, number, category, rule, message = parts
            if rule in UNDERSTOOD_NOT:
                report.status, report.detail = "skipped", f"cppcheck could not parse it ({rule}: {message[:200]})"
                continue
            severity = self.severity(rule, category)
            if severity is not None:
                report.findings.append(Finding(rule, severity, int(number) if number.isdigit() else 0, message))
        for report in reports:
            if report.status == "skipped":
                report.findings = []  # what it found in a file it did not understand is not evidence
        return reports
