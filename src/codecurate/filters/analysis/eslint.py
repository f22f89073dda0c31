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

Starting eslint costs more than linting a batch of small files (node, eslint, the configuration,
the ``globals`` table and the TypeScript parser and compiler load: about 1.2 CPU seconds, twice
per batch when some files are parsed again as scripts). When eslint's package folder is known (an
npm prefix, or an ``eslint`` executable that links into one), one long-lived node process per
analyzer runs eslint's own command line (``lib/cli.js``, the code ``bin/eslint.js`` runs) once per
batch with the same arguments: same options, same configuration, same output. Anything unusual
(the process dies, an exit status other than 0 or 1, output it cannot read) makes that batch run
as before, as its own ``eslint`` process, so a crash is reported exactly as it was; a batch past
its time limit kills the process (the next batch starts another).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from importlib import resources
from pathlib import Path
from typing import ClassVar

from codecurate.filters.analysis.base import (
    MISSING,
    SKIPPED,
    Analyzer,
    AnalyzerFailure,
    AnalyzerMissing,
    AnalyzerTimeout,
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


#: The long-lived eslint process: eslint's own command line (``lib/cli.js``) once per request.
SERVER_SCRIPT = r"""
"use strict";
// codecurate's eslint server: ESLint's command line (lib/cli.js, what bin/eslint.js runs), once per
// request, in one process. A request is a JSON line on stdin, {"cwd": folder, "args": [...]}; the
// reply, {"code": exit status} or {"error": why}, a JSON line on file descriptor
// CODECURATE_ESLINT_REPLY_FD (stdout stays eslint's).
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");

const replyFd = Number(process.env.CODECURATE_ESLINT_REPLY_FD);
const reply = (message) => fs.writeSync(replyFd, JSON.stringify(message) + "\n");
const describe = (error) => String((error && error.stack) || error);
let fatal = null; // what bin/eslint.js reports as "Oops! Something went wrong!" (exit status 2)
process.on("uncaughtException", (error) => { fatal = fatal || error; });
process.on("unhandledRejection", (error) => { fatal = fatal || error; });

let cli = null;
try {
  cli = require(path.join(process.env.CODECURATE_ESLINT_MODULES, "eslint", "lib", "cli.js"));
} catch (error) {
  reply({ error: `cannot load eslint's command line: ${describe(error)}` });
  process.exit(3);
}
(async () => {
  for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    let answer;
    try {
      const request = JSON.parse(line);
      process.chdir(request.cwd);
      fatal = null;
      const code = await cli.execute(["node", "eslint", ...request.args], null, true);
      answer = fatal === null ? { code } : { error: describe(fatal) };
    } catch (error) {
      answer = { error: describe(error) };
    }
    reply(answer);
  }
})();
"""


class ServerGone(RuntimeError):
    """The eslint server died, or answered something other than a clean eslint run."""


def _stop(process: subprocess.Popen, folder: str, reply_fd: int, owner: int, graceful: float = 2.0) -> None:
    """End a server (its whole process group) and remove its folder; only in the process that
    started it (a forked child must not end its parent's server)."""
    if os.getpid() != owner:
        return
    with contextlib.suppress(OSError):
        os.close(reply_fd)
    with contextlib.suppress(OSError):
        process.stdin.close()  # an idle server ends at the end of its input
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=graceful)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # a busy one (past its time limit), and anything it started
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    shutil.rmtree(folder, ignore_errors=True)


class EslintServer:
    """One node process running ``SERVER_SCRIPT`` for one analyzer: ``lint`` runs eslint's command
    line with ``args`` in ``cwd`` and returns its exit status and its output (``--output-file``)."""

    #: requests before the process is replaced (bounds whatever a long-lived node may accumulate)
    max_requests = 256

    def __init__(self, node: str, modules: Path, rules: str, env: dict[str, str]):
        self.owner = os.getpid()
        self.folder = tempfile.mkdtemp(prefix="codecurate-eslint-server-")
        script = Path(self.folder) / "server.cjs"
        script.write_text(SERVER_SCRIPT, encoding="utf-8")
        (Path(self.folder) / "eslint-rules.json").write_text(rules, encoding="utf-8")
        self.output = Path(self.folder) / "results.json"
        reply_read, reply_write = os.pipe()
        env = {**env, "CODECURATE_ESLINT_RULES": str(Path(self.folder) / "eslint-rules.json"),
               "CODECURATE_ESLINT_MODULES": str(modules), "CODECURATE_ESLINT_REPLY_FD": str(reply_write)}
        try:
            self.process = subprocess.Popen([node, str(script)], cwd=self.folder, env=env, stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            pass_fds=(reply_write,), start_new_session=True)
        except OSError:
            os.close(reply_read)
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        finally:
            os.close(reply_write)
        self.reply_fd = reply_read
        self.requests = 0
        self._pending = b""
        self._finalizer = weakref.finalize(self, _stop, self.process, self.folder, reply_read, self.owner)

    def usable(self) -> bool:
        return os.getpid() == self.owner and self.process.poll() is None and self.requests < self.max_requests

    def close(self, graceful: bool = True) -> None:
        """End the process: at the end of its input when ``graceful``, else killed at once."""
        if self._finalizer.alive:
            self._finalizer.detach()
            _stop(self.process, self.folder, self.reply_fd, self.owner, 2.0 if graceful else 0.0)

    def lint(self, cwd: Path, args: list[str], deadline: float) -> tuple[int, str]:
        """eslint's exit status and output for ``args`` run in ``cwd``; ``AnalyzerTimeout`` past
        ``deadline`` (``time.monotonic``), ``ServerGone`` when the process cannot answer."""
        self.requests += 1
        self.output.unlink(missing_ok=True)
        request = json.dumps({"cwd": str(cwd), "args": [*args, "--output-file", str(self.output)]}) + "\n"
        try:
            self.process.stdin.write(request.encode("utf-8"))
            self.process.stdin.flush()
        except OSError as error:
            raise ServerGone(f"eslint server: {error}") from error
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.reply_fd], [], [], remaining)[0]:
                raise AnalyzerTimeout("eslint server: time limit")
            chunk = os.read(self.reply_fd, 65536)
            if not chunk:
                raise ServerGone(f"eslint server exited ({self.process.poll()})")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError as error:
            raise ServerGone(f"eslint server: unreadable reply {line[:200]!r}") from error
        if "code" not in answer:
            raise ServerGone(f"eslint server: {str(answer.get('error'))[:300]}")
        try:
            output = self.output.read_bytes().decode("utf-8", "replace") if self.output.exists() else ""
        except OSError as error:
            raise ServerGone(f"eslint server: {error}") from error
        return int(answer["code"]), output


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
                 rules: dict[str, str] | None = None, server: bool = True):
        super().__init__(command, timeout_seconds, rules)
        self.modules: Path | None = None
        self.typescript = False
        #: run batches through one long-lived eslint process (``EslintServer``) when eslint's package
        #: folder is known; ``False``: one ``eslint`` process per run, as the command line is used
        self.server = server
        self._server: EslintServer | None = None
        self._server_failures = 0

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_server"] = None  # a process is not pickled: each copy starts its own
        return state

    def close(self, graceful: bool = True) -> None:
        """End the eslint server, if one runs (it also ends with the interpreter)."""
        if self._server is not None:
            self._server.close(graceful)
            self._server = None

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

    def _rules(self) -> str:
        """eslint-rules.json for the configuration: the packaged table with this analyzer's severities."""
        table = _rule_table()
        rules = {name: {**table.get(name, {}), "severity": severity} for name, severity in self.severities.items()}
        return json.dumps({"rules": rules})

    def _rules_file(self, folder: Path) -> None:
        (folder / "eslint-rules.json").write_text(self._rules(), encoding="utf-8")

    #: server failures after which the analyzer runs one eslint process per batch for good
    MAX_SERVER_FAILURES = 3

    def _lint(self, argv: list[str], names: list[str], folder: Path, timeout: float) -> dict[str, list[dict]]:
        config = resources.files("codecurate").joinpath("data", "eslint.config.mjs")
        with resources.as_file(config) as config_path:
            args = ["--config", str(config_path), "--format", "json", "--no-warn-ignored",
                    "--no-error-on-unmatched-pattern", *names]
            served = self._serve(argv, args, folder, timeout)
            if served is not None:
                return served
            if not (folder / "eslint-rules.json").is_file():
                self._rules_file(folder)
            done = run_tool([*argv, *args], cwd=folder, timeout=timeout, env=self.environment(folder))
        if done.returncode not in (0, 1):
            raise AnalyzerFailure(f"eslint {describe_exit(done)}")
        results = self._results(done.stdout, done.stderr)
        if self.server and self.modules is not None:  # eslint itself ran well where the server did not
            self._server_failures += 1
        return results

    @staticmethod
    def _results(output: str, stderr: str = "") -> dict[str, list[dict]]:
        try:
            results = json.loads(output)
        except json.JSONDecodeError as error:
            raise AnalyzerFailure(f"eslint: unreadable output ({error}): {stderr.strip()[-300:]}") from error
        return {Path(result["filePath"]).name: result.get("messages", []) for result in results}

    def _serve(self, argv: list[str], args: list[str], folder: Path, timeout: float) -> dict[str, list[dict]] | None:
        """The run through the eslint server; ``None`` when there is none or it did not give a clean
        eslint run (the caller then runs eslint as its own process, as the command line would)."""
        if not self.server or self.modules is None or self._server_failures >= self.MAX_SERVER_FAILURES:
            return None
        deadline = time.monotonic() + timeout  # a server's start-up counts, as a process's does
        try:
            if self._server is None or not self._server.usable():
                self.close()
                env = self.environment(folder)
                node = shutil.which("node", path=env.get("PATH"))
                if node is None:
                    self._server_failures = self.MAX_SERVER_FAILURES  # eslint's own shebang would not run either
                    return None
                self._server = EslintServer(node, self.modules, self._rules(), env)
            code, output = self._server.lint(folder, args, deadline)
            if code not in (0, 1):
                raise ServerGone(f"eslint exit {code}")
            return self._results(output)
        except AnalyzerTimeout:
            self.close(graceful=False)  # killed, as a process past its limit is
            raise AnalyzerTimeout(f"{Path(argv[0]).name} ran past {timeout:.3g} s") from None
        except (ServerGone, AnalyzerFailure, OSError):
            self.close(graceful=False)  # the next batch starts a fresh one
            return None

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        if not self.server or self.modules is None:
            self._rules_file(folder)  # else written once for the server, or by _lint when it runs eslint itself
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
