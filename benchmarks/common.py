"""Shared helpers of the benchmarks: a real-code corpus from the installed packages, and timing."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from codecurate.readers import InstalledPackagesReader


def build_repositories(root: Path, max_bytes: int) -> int:
    """Copy real source files of installed distributions into ``root/<dist>/...`` (one folder per
    distribution) until ``max_bytes``; returns the bytes copied."""
    total = 0
    reader = InstalledPackagesReader(articles=False, exclude=["*.pyc", "__pycache__", "*.so", "*.so.*"])
    for name in reader.list_repositories():
        repo = reader.open_repository(name)
        for file in repo.files:
            if not file.path.endswith((".py", ".pyi", ".c", ".h", ".txt", ".md", ".json", ".toml")):
                continue
            target = root / name / file.path
            try:
                size = file.location.stat().st_size
            except OSError:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file.location, target)
            total += size
            if total >= max_bytes:
                return total
    return total


def best_of(function: Callable[[], object], repeat: int = 3) -> float:
    """Seconds of the fastest of ``repeat`` runs of ``function``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def timed(label: str, megabytes: float, function: Callable[[], object], repeat: int = 3) -> float:
    """Best-of-``repeat`` throughput of ``function`` in MB/s (one process: MB/s per core)."""
    best = best_of(function, repeat)
    rate = megabytes / best
    print(f"{label:<48} {best:8.3f} s  {rate:8.1f} MB/s/core", file=sys.stderr)
    return rate
