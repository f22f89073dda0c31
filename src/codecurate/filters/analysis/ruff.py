"""Python: ruff's defect and vulnerability rules, curated one by one, with a severity each.

The rule set follows what SonarQube's filter removes, bugs and vulnerabilities, and leaves out
style and code smells (unused imports and variables, missing ``strict=``, asserts, bare ``except``
passes) and security *hotspots*, patterns that are only a risk in some contexts and that SonarQube
itself asks a human to review rather than counting as issues (``eval``, ``exec``, ``pickle``,
``random``, ``subprocess`` without a shell, MD5, temporary files, binding to 0.0.0.0).

Rules fit the file: in tests (``tests/`` folders, ``test_*.py``, ``conftest.py``) security rules
are off (fixtures hold fake passwords and SQL on purpose, test servers skip certificate checks) and
so are the idioms of pytest (``assert False``, a bare comparison inside ``pytest.raises``); in
``__init__.py`` and stubs (``.pyi``) re-exports are not unused imports; the builtins of Python 2
and IPython are known names, so compatibility shims (``text_type = unicode`` under ``if PY2:``)
are not undefined names; and a "hard-coded password" must look like a secret (see
``looks_like_secret``), not a token kind such as ``token = "operator"``.
"""

from __future__ import annotations

import json
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
    is_test_path,
    run_tool,
    write_text,
)

#: The pseudo-rule of a syntax error (ruff reports ``invalid-syntax``, older releases ``E999`` or no code).
SYNTAX_ERROR = "invalid-syntax"

#: rule -> (severity, why). Blocker: the code cannot run as written (SyntaxError at compile time,
#: NameError or UnboundLocalError when reached). Critical: wrong whenever reached (TypeError,
#: always-true assert) or a vulnerability. Major: very likely a bug. Minor: a probable defect
#: with a small impact.
RUFF_RULES: dict[str, tuple[str, str]] = {
    SYNTAX_ERROR: ("blocker", "syntax error: the file does not compile as Python 3"),
    # pyflakes: names
    "F821": ("blocker", "undefined name: NameError when reached (minor when the file binds the name elsewhere)"),
    "F822": ("critical", "name in __all__ is not defined: `import *` fails"),
    "F823": ("blocker", "local variable referenced before assignment: UnboundLocalError"),
    "F811": ("minor", "redefinition of an unused name: dead first definition (a duplicate test never runs), "
                      "or a function that replaces itself on first call"),
    # pyflakes: statements that do not compile
    "F404": ("blocker", "`from __future__` import after other statements: SyntaxError"),
    "F407": ("blocker", "undefined `__future__` feature: SyntaxError"),
    "F621": ("blocker", "too many expressions in star-unpacking assignment: SyntaxError"),
    "F622": ("blocker", "two starred expressions in an assignment: SyntaxError"),
    "F701": ("blocker", "`break` outside a loop: SyntaxError"),
    "F702": ("blocker", "`continue` outside a loop: SyntaxError"),
    "F704": ("blocker", "`yield` outside a function: SyntaxError"),
    "F706": ("blocker", "`return` outside a function: SyntaxError"),
    "F707": ("blocker", "bare `except:` not last: SyntaxError"),
    # pyflakes: format strings that raise
    "F501": ("critical", "invalid %-format string: ValueError"),
    "F502": ("critical", "%-format expects a mapping: TypeError"),
    "F503": ("critical", "%-format expects a sequence: TypeError"),
    "F505": ("critical", "%-format named argument missing: KeyError"),
    "F506": ("critical", "%-format mixes positional and named placeholders: TypeError"),
    "F507": ("critical", "%-format placeholder and argument counts differ: TypeError"),
    "F508": ("critical", "%-format `*` specifier needs a sequence: TypeError"),
    "F509": ("critical", "%-format unsupported character: ValueError"),
    "F521": ("critical", "invalid str.format string: ValueError"),
    "F524": ("critical", "str.format argument missing: IndexError/KeyError"),
    "F525": ("critical", "str.format mixes automatic and manual numbering: ValueError"),
    # pyflakes: logic
    "F601": ("major", "dictionary key repeated with different values: the first is lost"),
    "F602": ("major", "dictionary key variable repeated with different values"),
    "F631": ("critical", "assert on a non-empty tuple: always true"),
    "F632": ("major", "`is` comparison with a literal: identity, not equality"),
    "F633": ("critical", "`print >>` syntax: TypeError on Python 3"),
    "F901": ("critical", "`raise NotImplemented`: TypeError (NotImplementedError meant)"),
    # bugbear: bugs, not opinions
    "B002": ("critical", "`++x` is two unary pluses, not an increment"),
    "B003": ("major", "assigning os.environ does not change the process environment"),
    "B005": ("major", ".strip() with a multi-character string strips characters, not the string"),
    "B012": ("major", "return/break/continue in `finally` swallows the exception"),
    "B015": ("major", "comparison whose result is discarded (outside tests: a missing assert or assignment)"),
    "B016": ("critical", "raising a literal: TypeError"),
    "B018": ("minor", "expression statement with no effect (outside tests)"),
    "B025": ("major", "the same exception caught twice: the second handler is dead"),
    "B029": ("critical", "`except ()` catches nothing"),
    "B030": ("critical", "except with something that is not an exception class: TypeError when matched"),
    "B031": ("major", "itertools.groupby group reused: empty the second time"),
    "B032": ("major", "`a.b: int` annotates instead of assigning"),
    "B033": ("minor", "duplicate item in a set literal"),
    "B034": ("major", "re.sub/split count or flags passed positionally: silently the wrong parameter"),
    "B035": ("major", "dict comprehension with a constant key: one entry"),
    "B039": ("major", "mutable ContextVar default: shared between contexts"),
    # pylint errors
    "PLE0100": ("critical", "`yield` in __init__: TypeError"),
    "PLE0101": ("critical", "`return` with a value in __init__: TypeError"),
    "PLE0115": ("blocker", "name both nonlocal and global: SyntaxError"),
    "PLE0117": ("blocker", "nonlocal without a binding: SyntaxError"),
    "PLE0118": ("blocker", "name used before its global declaration: SyntaxError"),
    "PLE0237": ("critical", "assignment to an attribute not in __slots__: AttributeError"),
    "PLE0241": ("blocker", "duplicate base classes: TypeError at class creation"),
    "PLE0302": ("major", "special method with the wrong signature"),
    "PLE0303": ("major", "__len__ returns a non-integer"),
    "PLE0304": ("major", "__bool__ returns a non-bool"),
    "PLE0305": ("major", "__index__ returns a non-integer"),
    "PLE0307": ("major", "__str__ returns a non-string"),
    "PLE0308": ("major", "__bytes__ returns non-bytes"),
    "PLE0309": ("major", "__hash__ returns a non-integer"),
    "PLE0604": ("critical", "non-string in __all__: TypeError on `import *`"),
    "PLE0643": ("critical", "index out of range of a literal sequence: IndexError"),
    "PLE1132": ("blocker", "repeated keyword argument: SyntaxError"),
    "PLE1142": ("blocker", "`await` outside an async function: SyntaxError"),
    "PLE1205": ("major", "logging call with more arguments than placeholders"),
    "PLE1206": ("major", "logging call with fewer arguments than placeholders"),
    "PLE1300": ("critical", "unsupported %-format character: ValueError"),
    "PLE1307": ("critical", "%-format argument of the wrong type: TypeError"),
    "PLE1310": ("major", "str.strip with duplicate characters: a misunderstanding of strip"),
    "PLE1507": ("critical", "os.getenv with a non-string: TypeError"),
    "PLE1519": ("major", "@singledispatch on a method dispatches on self"),
    "PLE1520": ("major", "@singledispatchmethod on a function"),
    "PLE1700": ("blocker", "`yield from` in an async function: SyntaxError"),
    "PLE2502": ("critical", "bidirectional Unicode control character: code that reads differently than it runs"),
    # bandit: vulnerabilities (not hotspots)
    "S105": ("critical", "hard-coded password or secret (the value must look like one)"),
    "S106": ("critical", "hard-coded password passed as an argument (the value must look like one)"),
    "S107": ("critical", "hard-coded password as a parameter default (the value must look like one)"),
    "S608": ("critical", "SQL built by string formatting or concatenation: SQL injection"),
    "S201": ("critical", "Flask debug=True: the debugger executes arbitrary code"),
    "S501": ("critical", "HTTP request with certificate validation off"),
    "S502": ("critical", "SSL/TLS with an insecure protocol version"),
    "S503": ("critical", "SSL/TLS default of an insecure protocol version"),
    "S504": ("major", "ssl.wrap_socket without a protocol version"),
    "S505": ("critical", "cryptographic key too short"),
    "S506": ("critical", "yaml.load without a safe loader: arbitrary object construction"),
    "S507": ("critical", "SSH client accepts unknown host keys"),
    "S508": ("major", "SNMP v1/v2 (insecure)"),
    "S509": ("major", "SNMPv3 without encryption"),
    "S323": ("critical", "SSL context without certificate verification"),
    "S602": ("minor", "subprocess with shell=True: command injection when the arguments come from input"),
    "S604": ("minor", "call with shell=True: command injection when the arguments come from input"),
    "S605": ("minor", "os.system/os.popen with a shell: command injection when the arguments come from input"),
    "S609": ("minor", "shell wildcard in a command: injection through file names"),
    "S610": ("major", "Django QuerySet.extra: SQL injection"),
    "S611": ("critical", "Django RawSQL: SQL injection"),
    "S612": ("major", "logging.config.listen: executes received configuration"),
    "S701": ("critical", "Jinja2 autoescape=False: cross-site scripting"),
    "S202": ("major", "tarfile.extractall without a member filter: path traversal"),
    "S103": ("minor", "chmod with a permissive mask"),
}

#: Rules not counted in tests: security rules (tests are not deployed; fixtures hold fake secrets
#: and SQL on purpose) and pytest idioms.
TEST_IGNORES = ("S", "B011", "B015", "B017", "B018")
#: Re-exports in ``__init__.py`` and stubs are not unused imports or redefinitions.
REEXPORT_IGNORES = ("F401", "F403", "F405", "E402")
STUB_IGNORES = ("F401", "F403", "F405", "F811", "F821")
#: Python 2 and IPython builtins: compatibility shims that use them are not undefined names.
COMPAT_BUILTINS = ("unicode", "basestring", "long", "unichr", "xrange", "raw_input", "file", "buffer",
                   "cmp", "execfile", "reduce", "reload", "apply", "intern", "coerce", "get_ipython",
                   "__IPYTHON__")
PASSWORD_RULES = frozenset({"S105", "S106", "S107"})

_RULE = re.compile(r"[A-Z]+[0-9]*|[a-z]+(-[a-z]+)*")
_STRING = re.compile(r"""[rRbBuUfF]{0,2}(?:'([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)")""")


def looks_like_secret(value: str) -> bool:
    """Whether a string assigned to (or compared with) a password-like name looks like a real
    secret: no spaces, no template, pattern or masking syntax, and, punctuation at its ends set
    aside, letters with digits or symbols (``"R3port!2024"``, ``"p@ss"``), or mixed case over
    eleven characters. Bandit's rules look at the name only; this keeps token kinds
    (``token == "#bygroup"``), masks (``":****"``) and parameter names (``"pass_zero"``) from
    counting as leaked credentials."""
    if any(c.isspace() for c in value) or value.startswith("$"):
        return False
    if any(marker in value for marker in ("{", "}", "%s", "%(", "\\", "(?", "<", ">", "***", "xxx", "XXX")):
        return False
    core = value.strip("#:.,;/-_*!?@")
    if len(core) < 4:
        return False
    letters = any(c.isalpha() for c in core)
    digits = any(c.isdigit() for c in core)
    symbols = any(not c.isalnum() and c not in "_-./:" for c in core)
    if letters and (digits or symbols):
        return True
    return letters and len(core) >= 12 and not core.islower() and not core.isupper() and core.isalpha()


def is_bound(name: str, text: str) -> bool:
    """Whether ``text`` binds ``name`` somewhere (assignment, tuple target, loop target, def, class,
    import, ``as``, walrus, global). An F821 on such a name comes from the order or scope of bindings
    (a variable first set later in a loop body, a name deleted and bound again, an ``except ... as``
    name used after its block), rarely from a typo or a missing import."""
    n = re.escape(name)
    pattern = (rf"(?:^|[^\w.]){n}\s*(?::[^=\n]+)?=(?!=)|\bfor\b[^\n:]*?\b{n}\b[^\n:]*?\bin\b"
               rf"|\b(?:def|class)\s+{n}\b|\bimport\b[^\n]*\b{n}\b|\bas\s+{n}\b|\b{n}\s*:="
               rf"|\b(?:global|nonlocal)\b[^\n]*\b{n}\b"
               rf"|^[ \t]*\(?(?:[\w.]+[ \t]*,[ \t]*)*{n}[ \t]*(?:,[ \t]*[\w.*]+[ \t]*)*\)?[ \t]*=(?!=)")
    return re.search(pattern, text, re.M) is not None


def _literal_at(text_lines: list[str], finding: dict) -> str | None:
    """The last string literal inside a finding's range (one line), or ``None``."""
    start, end = finding.get("location") or {}, finding.get("end_location") or {}
    row = start.get("row", 0)
    if not 1 <= row <= len(text_lines):
        return None
    line = text_lines[row - 1]
    stop = end.get("column", len(line) + 1) - 1 if end.get("row") == row else len(line)
    matches = list(_STRING.finditer(line[max(0, start.get("column", 1) - 1):stop]))
    if not matches:
        return None
    last = matches[-1]
    return last.group(1) if last.group(1) is not None else last.group(2)


class RuffAnalyzer(Analyzer):
    """Python files with ruff (one ``ruff check`` per batch), rules from ``RUFF_RULES``."""

    name = "ruff"
    languages = frozenset({"Python"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = RUFF_RULES
    ENV = "CODECURATE_RUFF"
    INSTALL = "pip install 'codecurate[analysis]' (or any ruff >= 0.14 on PATH)"
    max_files_per_run = 256
    seconds_per_file = 0.05
    #: the newest Python the parser accepts (syntax of 3.14 is not an error)
    TARGET_VERSION = "py314"

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if not _RULE.fullmatch(rule):
            raise ValueError(f"ruff: {rule!r} is not a ruff rule code (like F821)")

    def default_candidates(self) -> list[str]:
        candidates = []
        try:
            from ruff.__main__ import find_ruff_bin

            candidates.append(find_ruff_bin())
        except (ImportError, FileNotFoundError):
            pass
        return [*candidates, "ruff"]

    def config(self) -> str:
        """ruff.toml for a batch: the selected rules, builtins and per-file ignores."""
        select = sorted(rule for rule in self.severities if rule != SYNTAX_ERROR and rule != "E999")
        ignores = {"tests/**": TEST_IGNORES, "tests-init/**": (*TEST_IGNORES, *REEXPORT_IGNORES),
                   "src-init/**": REEXPORT_IGNORES, "**/*.pyi": STUB_IGNORES}
        lines = [f'target-version = "{self.TARGET_VERSION}"', f"builtins = {json.dumps(list(COMPAT_BUILTINS))}",
                 "respect-gitignore = false", "exclude = []",  # every file of the batch, wherever TMPDIR is
                 "[lint]", f"select = {json.dumps(select)}", "[lint.per-file-ignores]"]
        lines += [f"{json.dumps(pattern)} = {json.dumps(list(codes))}" for pattern, codes in ignores.items()]
        return "\n".join(lines) + "\n"

    @staticmethod
    def layout(index: int, file: SourceFile) -> str:
        """Relative path of file ``index`` in the batch folder: one folder per kind of file, for the
        per-file ignores (``tests``, ``src``, with ``-init`` for ``__init__.py``); ``__init__.py``
        keeps its name (in its own folder: ruff knows ``__all__`` may name submodules there) and
        stubs their extension. A folder per file only where needed: creating and deleting
        folders costs more than ruff's whole run on slow file systems."""
        name = file.path.replace("\\", "/").rsplit("/", 1)[-1]
        folder = "tests" if is_test_path(file.path) else "src"
        if name in ("__init__.py", "__init__.pyi"):
            return f"{folder}-init/f{index:06d}/{name}"
        return f"{folder}/f{index:06d}{'.pyi' if name.endswith('.pyi') else '.py'}"

    def smoke_test(self, argv: list[str]) -> None:
        with tempfile.TemporaryDirectory(prefix="codecurate-ruff-") as folder:
            reports = self.run(argv, [SourceFile("x = undefined_name\n", "a.py", "Python")], Path(folder), 60)
        if [f.rule for f in reports[0].findings] != ["F821"] and "F821" in self.severities:
            raise AnalyzerMissing(f"ruff at {argv[0]} does not report an undefined name; is it ruff?")

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        (folder / "ruff.toml").write_text(self.config(), encoding="utf-8")
        for kind in ("src", "tests", "src-init", "tests-init"):
            (folder / kind).mkdir()
        for index, file in enumerate(files):
            path = folder / self.layout(index, file)
            if path.name.startswith("__init__"):
                path.parent.mkdir()
            write_text(path, file.text)
        command = [*argv, "check", "--config", str(folder / "ruff.toml"), "--no-cache", "--exit-zero",
                   "--no-fix", "--output-format", "json", "--quiet", "."]
        done = run_tool(command, cwd=folder, timeout=timeout)
        if done.returncode != 0:
            raise AnalyzerFailure(f"ruff {describe_exit(done)}")
        try:
            problems = json.loads(done.stdout or "[]")
        except json.JSONDecodeError as error:
            raise AnalyzerFailure(f"ruff: unreadable output ({error})") from error
        reports = [FileReport() for _ in files]
        lines: dict[int, list[str]] = {}
        for problem in problems:
            index = self._index(folder, problem.get("filename", ""))
            if index is None or index >= len(files):
                continue
            rule = problem.get("code") or SYNTAX_ERROR
            if rule == "E999":
                rule = SYNTAX_ERROR
            if rule == SYNTAX_ERROR and any(f.rule == SYNTAX_ERROR for f in reports[index].findings):
                continue  # one syntax error is counted once, not once per recovery of the parser
            if rule in PASSWORD_RULES:
                text_lines = lines.setdefault(index, files[index].text.splitlines())
                value = _literal_at(text_lines, problem)
                if value is None or not looks_like_secret(value):
                    continue
            finding = self.finding(rule, (problem.get("location") or {}).get("row", 0), problem.get("message", ""))
            if finding is None:
                continue
            if rule == "F821" and finding.severity != "minor":
                name = re.search(r"`([^`]+)`", finding.message)
                if name and is_bound(name.group(1), files[index].text):
                    finding = Finding(rule, "minor", finding.line, finding.message + " (bound elsewhere in the file)")
            reports[index].findings.append(finding)
        return reports

    @staticmethod
    def _index(folder: Path, filename: str) -> int | None:
        path = Path(filename)
        stem = path.parent.name if path.stem == "__init__" else path.stem
        return int(stem[1:]) if stem.startswith("f") and stem[1:].isdigit() else None

