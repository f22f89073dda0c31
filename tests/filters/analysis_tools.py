"""The static analyzers the tests run, installed when missing.

As root on a Debian machine: ``apt-get install cppcheck`` / ``golang-go`` / ``npm`` when missing, and
eslint with the TypeScript parser into codecurate's default npm prefix
(``~/.cache/codecurate/eslint``), exactly as docs/static-analysis.md tells users to.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from codecurate.filters.analysis import CppcheckAnalyzer, EslintAnalyzer, GoVetAnalyzer
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


def ensure_cppcheck() -> None:
    if CppcheckAnalyzer().available() is not None:
        apt_install("cppcheck")
    if (why := CppcheckAnalyzer().available()) is not None:
        raise ToolUnavailable(why)


def ensure_go() -> None:
    if GoVetAnalyzer().available() is not None:
        apt_install("golang-go")
    if (why := GoVetAnalyzer().available()) is not None:
        raise ToolUnavailable(why)


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
