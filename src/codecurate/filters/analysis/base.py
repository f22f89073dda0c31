"""What every analyzer shares: severities, findings, the per-file report, running a tool on a
batch of files as one process, and isolating the file that makes the tool crash or hang.

An analyzer runs one external tool over a whole batch (files written to a temporary folder, the
tool started once, its machine-readable output mapped back to the files). A tool that crashes or
runs past its time limit on a batch is run again on each half of the batch, down to the single
file at fault, which gets the status ``failed`` or ``timeout``; the other files are analyzed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import ClassVar

#: SonarQube's severities of bugs and vulnerabilities, most severe first (``info`` is not counted).
SEVERITIES = ("blocker", "critical", "major", "minor")
#: Default weight of one finding of each severity. With the default threshold (20 weighted defects
#: per 1,000 lines) and ``min_lines`` 50, a file may hold one weight unit per 50 lines: a single
#: blocker drops a file of up to 5,000 lines, a critical one of up to 2,500, a major one of up to
#: 1,000; minor findings alone drop a file when there is more than one per 25 lines (a minor
#: finding is a small defect or a rule with known false positives: two of them in a short C file,
#: an unchecked `dlerror()` or a pointer cast, dropped maintained code at a weight of 1).
DEFAULT_WEIGHTS = {"blocker": 100.0, "critical": 50.0, "major": 20.0, "minor": 0.5}
#: The value that switches a rule off in a ``rules`` override.
OFF = "off"

OK = "ok"
SKIPPED = "skipped"  # the tool could not analyze the file (a reason in ``detail``); not a defect
FAILED = "failed"  # the tool crashed on the file
TIMEOUT = "timeout"  # the tool ran past its time limit on the file
MISSING = "missing"  # the tool is not installed or does not work here


class AnalyzerMissing(RuntimeError):
    """The analyzer's tool is not installed (or does not run); the message says how to install it."""


class AnalyzerFailure(RuntimeError):
    """The tool failed on a batch (crash, unreadable output); the batch is split to find the file."""


class AnalyzerTimeout(AnalyzerFailure):
    """The tool ran past its time limit on a batch."""


@dataclass(frozen=True)
class SourceFile:
    """One file to analyze: its text, its path in the repository (rules depend on it: tests,
    ``__init__.py``, stubs), its language, and its repository (Go packages are grouped by it)."""

    text: str
    path: str = ""
    language: str = ""
    repo: str = ""


@dataclass(frozen=True)
class Finding:
    """One defect: the analyzer's rule id, its severity (one of ``SEVERITIES``), line, message."""

    rule: str
    severity: str
    line: int = 0
    message: str = ""


@dataclass
class FileReport:
    """What an analyzer found in one file, or why it could not say (``status`` other than ``ok``)."""

    findings: list[Finding] = field(default_factory=list)
    status: str = OK
    detail: str = ""


def is_test_path(path: str) -> bool:
    """Whether ``path`` is a test file by the usual conventions: a ``test``/``tests``/``testing``/
    ``__tests__``/``spec`` folder or one named ``FooTests``/``FooTest`` (Xcode, .NET), ``test_*.py``,
    ``*_test.py``, ``conftest.py``, ``*_test.go``, ``*.test.js``/``*.spec.ts``, ``*_spec.rb``, and the
    JVM, .NET, Swift and PHP classes ``FooTest``/``FooTests``/``FooSpec`` (``.java``, ``.kt``, ``.cs``,
    ``.swift``, ``.php``, ``.scala``)."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    for part in parts[:-1]:
        if part.lower() in {"test", "tests", "testing", "__tests__", "spec", "specs"} or _TEST_FOLDER.search(part):
            return True
    name = parts[-1].lower() if parts else ""
    stem = name.split(".", 1)[0]
    return (name == "conftest.py" or stem.startswith("test_") or stem.endswith(("_test", "_tests", "_spec"))
            or re.search(r"\.(test|spec)\.[cm]?[jt]sx?$", name) is not None
            or (parts and _TEST_CLASS.search(parts[-1]) is not None))


#: a folder of tests named for what it tests: ``CoreTests``, ``Foo.Tests``, ``UnitTest``
_TEST_FOLDER = re.compile(r"(?:^|[a-z0-9.])(?:Tests?|Specs?)$")
#: a test class file: ``ParserTest.java``, ``ParserTests.cs``, ``ParserSpec.kt``
_TEST_CLASS = re.compile(r"[a-z0-9](?:Tests?|Specs?|IT)\.(?:java|kt|kts|cs|swift|php|scala|groovy)$")


_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def safe_basename(path: str, default: str, extensions: Sequence[str]) -> str:
    """The file name of ``path`` when it is a plain name ending in one of ``extensions``, else
    ``default``: the name is kept where tools read meaning into it (``__init__.py``, ``.pyi``)."""
    name = PurePosixPath(path.replace("\\", "/")).name
    if _SAFE_NAME.fullmatch(name) and name.endswith(tuple(extensions)):
        return name
    return default


def run_tool(argv: Sequence[str], *, cwd: str | Path, timeout: float,
             env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``argv`` in its own process group; past ``timeout`` seconds kill the whole group (tools
    such as ``go vet`` start children of their own) and raise ``AnalyzerTimeout``."""
    try:
        process = subprocess.Popen(list(argv), cwd=cwd, env=None if env is None else dict(env),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
    except OSError as error:
        raise AnalyzerMissing(f"cannot start {argv[0]}: {error}") from error
    with process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):  # the group may be gone already
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AnalyzerTimeout(f"{Path(argv[0]).name} ran past {timeout:.3g} s") from None
    return subprocess.CompletedProcess(list(argv), process.returncode, out.decode("utf-8", "replace"),
                                       err.decode("utf-8", "replace"))


def describe_exit(done: subprocess.CompletedProcess) -> str:
    """``"exit -6 (SIGABRT): <last stderr line>"`` for a failed tool run."""
    code = done.returncode
    name = ""
    if code < 0:
        with contextlib.suppress(ValueError):
            name = f" ({signal.Signals(-code).name})"
    tail = (done.stderr or done.stdout or "").strip().splitlines()
    return f"exit {code}{name}" + (f": {tail[-1][:300]}" if tail else "")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 (unpaired surrogates become ``?``: tools read UTF-8 only)."""
    path.write_bytes(text.encode("utf-8", "replace"))


class Analyzer(ABC):
    """An external static analyzer for some ``languages``: one tool process per batch of files.

    A subclass names its tool, the rules it counts with their severity (``RULES``), how to find
    the tool (``locate``) and how to run it on a batch written to a folder (``run``). ``analyze``
    adds the rest: a smoke test the first time, batches of at most ``max_files_per_run`` files, and
    the isolation of files that crash the tool or make it hang.

    Args:
        command: the tool's executable (or, for eslint, an npm prefix); ``None`` looks it up.
        timeout_seconds: time limit for the tool on one file; a run of ``n`` files gets
            ``timeout_seconds + n * seconds_per_file``.
        rules: ``rule -> severity`` overrides of ``RULES``; the severity ``"off"`` drops a rule.
    """

    name: ClassVar[str] = "analyzer"
    languages: ClassVar[frozenset[str]] = frozenset()
    #: languages it reads only when the analyzer of their own skipped the file (or is missing)
    fallback_languages: ClassVar[frozenset[str]] = frozenset()
    #: rule id -> (severity, why it is counted at that severity)
    RULES: ClassVar[Mapping[str, tuple[str, str]]] = {}
    #: environment variable naming the tool (an executable path)
    ENV: ClassVar[str] = ""
    #: how a user installs the tool, for the message when it is missing
    INSTALL: ClassVar[str] = ""
    max_files_per_run: ClassVar[int] = 256
    #: generous expected seconds per file, for the time limit of a batch
    seconds_per_file: ClassVar[float] = 0.1

    def __init__(self, command: str | None = None, timeout_seconds: float = 60.0,
                 rules: Mapping[str, str] | None = None):
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be > 0")
        self.command = command
        self.timeout_seconds = timeout_seconds
        self.severities = self.resolve_rules(rules or {})
        self.disabled = frozenset(rule for rule, severity in (rules or {}).items() if severity == OFF)
        self._argv: list[str] | None = None
        self._missing: str | None = None

    @classmethod
    def check_rule(cls, rule: str) -> None:
        """Raise ``ValueError`` when ``rule`` cannot be one of this analyzer's rule ids."""
        return None

    @classmethod
    def rule_table(cls) -> dict[str, tuple[str, str]]:
        """Every rule it counts by default: ``rule -> (severity, why)`` (docs/static-analysis.md lists them)."""
        return dict(cls.RULES)

    @classmethod
    def resolve_rules(cls, overrides: Mapping[str, str]) -> dict[str, str]:
        """``RULES``' severities with ``overrides`` applied (validated: clear errors at load time)."""
        severities = {rule: severity for rule, (severity, _) in cls.RULES.items()}
        for rule, severity in overrides.items():
            if severity != OFF and severity not in SEVERITIES:
                raise ValueError(f"{cls.name}: rule {rule!r}: severity must be one of "
                                 f"{', '.join(SEVERITIES)} or {OFF!r}, not {severity!r}")
            cls.check_rule(rule)
            if severity == OFF:
                severities.pop(rule, None)
            else:
                severities[rule] = severity
        return severities

    # --- finding the tool ---------------------------------------------------------------------

    def candidates(self) -> list[str]:
        """Executables to try, best first: the ``command`` parameter, then ``ENV``, then PATH."""
        if self.command:
            return [self.command]
        found = [os.environ[self.ENV]] if self.ENV and os.environ.get(self.ENV) else []
        return found + self.default_candidates()

    def default_candidates(self) -> list[str]:
        return []

    def locate(self) -> list[str]:
        """The argv prefix that starts the tool; ``AnalyzerMissing`` (with how to install it) when
        no candidate exists."""
        tried = []
        for candidate in self.candidates():
            path = shutil.which(candidate) if os.sep not in candidate else candidate
            if path and os.path.isfile(path) and os.access(path, os.X_OK):
                return [path]
            tried.append(candidate)
        raise AnalyzerMissing(f"{self.name}: not found (tried {', '.join(tried) or 'nothing'}); {self.INSTALL}")

    def smoke_test(self, argv: list[str]) -> None:
        """Run the tool once on a trivial file of each language; raise ``AnalyzerMissing`` if it
        does not work (a tool found but unusable is as good as missing)."""
        return None

    def available(self) -> str | None:
        """``None`` when the tool is found and works, else why not (looked up once)."""
        if self._argv is None and self._missing is None:
            try:
                argv = self.locate()
                self.smoke_test(argv)
                self._argv = argv
            except (AnalyzerMissing, AnalyzerFailure) as error:
                self._missing = str(error)
            except Exception as error:  # a tool that answers in a way we cannot read is not usable
                self._missing = f"{self.name}: unusable ({type(error).__name__}: {error})"
        return self._missing

    # --- running it -----------------------------------------------------------------------------

    def time_limit(self, files: int) -> float:
        return self.timeout_seconds + files * self.seconds_per_file

    @abstractmethod
    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        """Analyze ``files`` with one run of the tool (``argv`` starts it) in the empty ``folder``;
        one report per file, in order. Raise ``AnalyzerFailure`` when the tool fails on the batch
        (a crash, output that cannot be read): the caller then isolates the file at fault."""

    def analyze(self, files: Sequence[SourceFile]) -> list[FileReport]:
        """One report per file, in order; never raises for a tool's crash, hang or absence."""
        files = list(files)
        if not files:
            return []
        missing = self.available()
        if missing is not None:
            return [FileReport(status=MISSING, detail=missing) for _ in files]
        reports: list[FileReport | None] = [None] * len(files)
        for chunk in self.batches(files):
            for index, report in zip(chunk, self._isolate([files[i] for i in chunk])):
                reports[index] = report
        return [report or FileReport() for report in reports]

    def batches(self, files: list[SourceFile]) -> list[list[int]]:
        """How ``files`` are split into tool runs (indices): at most ``max_files_per_run`` each."""
        step = self.max_files_per_run
        return [list(range(start, min(start + step, len(files)))) for start in range(0, len(files), step)]

    def _isolate(self, files: list[SourceFile]) -> list[FileReport]:
        assert self._argv is not None
        try:
            with tempfile.TemporaryDirectory(prefix=f"codecurate-{self.name}-") as folder:
                return self.run(self._argv, files, Path(folder), self.time_limit(len(files)))
        except AnalyzerMissing as error:  # the tool disappeared mid-run
            return [FileReport(status=MISSING, detail=str(error)) for _ in files]
        except Exception as error:  # a crash, a hang, or output we could not read: find the file
            if not isinstance(error, AnalyzerFailure):
                error = AnalyzerFailure(f"{self.name}: {type(error).__name__}: {error}")
            if len(files) == 1:
                status = TIMEOUT if isinstance(error, AnalyzerTimeout) else FAILED
                return [FileReport(status=status, detail=str(error))]
            middle = len(files) // 2
            return self._isolate(files[:middle]) + self._isolate(files[middle:])

    def close(self) -> None:
        """Release what the analyzer keeps between batches (a long-lived tool process); it starts
        again if ``analyze`` is called later."""
        return None

    def finding(self, rule: str, line: int = 0, message: str = "") -> Finding | None:
        """A ``Finding`` for ``rule`` at its severity, or ``None`` when the rule is not counted."""
        severity = self.severities.get(rule)
        return None if severity is None else Finding(rule, severity, line, message)
