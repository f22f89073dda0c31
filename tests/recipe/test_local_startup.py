"""The local executor's start-up: loguru's library folders are listed once per sys.path, not once
per log sink (datatrove adds three sinks for every task)."""

from __future__ import annotations

import os
import sys
import sysconfig

from loguru import logger
from loguru._better_exceptions import ExceptionFormatter

import codecurate.recipe.local  # noqa: F401  (applies the reuse)


def _listed_by_loguru() -> list[str]:
    paths = {sysconfig.get_path(name, scheme) for scheme in sysconfig.get_scheme_names()
             for name in ("stdlib", "platstdlib", "platlib", "purelib")}
    return [os.path.abspath(path).lower() + os.sep for path in paths if path in sys.path]


def test_sinks_reuse_the_library_folders(tmp_path, monkeypatch):
    assert sorted(ExceptionFormatter._get_lib_dirs()) == sorted(_listed_by_loguru())
    calls = []
    original = sysconfig.get_path
    monkeypatch.setattr(sysconfig, "get_path", lambda *a, **k: calls.append(a) or original(*a, **k))
    for k in range(3):
        logger.remove(logger.add(tmp_path / f"{k}.log"))
    assert calls == []
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])  # a new sys.path is listed again
    logger.remove(logger.add(tmp_path / "after.log"))
    assert calls


def test_executor_json_names_the_segment_it_waits_for(tmp_path):
    import json

    from codecurate.recipe.local import LocalExecutor

    def nothing(data, rank=0, world_size=1):
        yield from data or ()

    first = LocalExecutor([nothing], tasks=1, workers=1, logging_dir=str(tmp_path / "first"))
    second = LocalExecutor([nothing], tasks=1, workers=1, logging_dir=str(tmp_path / "second"), depends=first)
    second.run()
    written = json.loads((tmp_path / "second" / "executor.json").read_text())
    assert written["depends"] == str(tmp_path / "first")
    assert second.depends is first  # restored after writing
    assert json.loads((tmp_path / "first" / "executor.json").read_text())["depends"] is None
