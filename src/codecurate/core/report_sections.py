"""What a stage adds to the report and the printed summary: sections a block contributes.

The engine writes the report's and the summary's common parts (the stage funnel, drops by reason,
the languages of the curated files, time per stage) and, for every stage, what its block class
contributes through these classmethods (each optional; the engine knows no block, only them):

- ``report_sections(cls, params, stage, output) -> list[Section]``: the stage's report sections.
  ``params``: the stage's parameters over the ``__init__`` defaults; ``stage``: its entry of the run
  summary (``counters``, ``dropped``...); ``output``: a ``StageOutput`` (the stage's excluded
  records, a JSON file of the run, and the ``tally`` below).
- ``report_document(cls, metadata, tally) -> None``: called once per curated document (its
  metadata) before ``report_sections``, to count into ``tally`` (a dict of the stage's own); the
  engine reads the documents once for every block.
- ``summary_fields(cls, params, stage) -> dict``: entries added to the stage's summary entry
  (``summary.json``), computed from its ``counters``.
- ``summary_lines(cls, stage, brief) -> list[str]``: lines printed under the stage in the summary
  (``brief``: the one-line-per-stage summary ``codecurate run`` prints).

A hook that fails does not take the report down: its section says what failed.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from codecurate.core.folders import Location, datafolder, read_json
from codecurate.core.run_warnings import resolved_params

#: the classmethods a block defines (see the module's docstring)
REPORT_HOOK = "report_sections"
TALLY_HOOK = "report_document"
FIELDS_HOOK = "summary_fields"
LINES_HOOK = "summary_lines"


@dataclass
class Plot:
    """One PNG of the report (``report/<name>.png``). Plots of one name from several stages are one
    figure: their ``values`` summed. ``kind``: ``"barh"`` (horizontal bars, the first ``top``
    values) or ``"histogram"`` (vertical bars on a log scale, the keys integers sorted); ``draw``: a
    figure of the block's own instead, ``draw(values) -> matplotlib Figure``."""

    name: str
    title: str
    xlabel: str
    values: dict[str, float]
    kind: str = "barh"
    top: int = 20
    draw: Callable[[dict], Any] | None = None


@dataclass
class Section:
    """A part of the report: a ``## title`` and its Markdown ``lines`` (a table's header and rows, or
    text), the numbers in ``fields`` (``report.json``'s keys; ``per_stage``: each under the stage's
    id) and its ``plots``. Sections of one title from several stages are one part, their lines in
    stage order, ``empty`` written when none has a line."""

    title: str
    lines: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    per_stage: bool = False
    empty: str = "(none)"
    plots: list[Plot] = field(default_factory=list)


def read_records(location: str) -> Iterator[dict]:
    """The records of every ``*.jsonl.gz`` under ``location`` (none when it is no folder)."""
    folder = datafolder(location)
    for path in folder.list_files(glob_pattern="**/*.jsonl.gz") if folder.isdir("") else []:
        with folder.open(path, "rb") as raw, gzip.open(raw, "rb") as f:
            for line in f:
                yield orjson.loads(line)


class StageOutput:
    """What a stage's ``report_sections`` reads of the run beside its summary entry."""

    def __init__(self, output: str, stage_id: str, tally: dict | None = None):
        self.output = Location(output)
        self.stage_id = stage_id
        #: what the block's ``report_document`` counted over the curated documents
        self.tally = tally if tally is not None else {}

    def excluded(self) -> Iterator[dict]:
        """The records this stage excluded."""
        return read_records(self.output / "excluded" / self.stage_id)

    def read_json(self, name: str) -> Any | None:
        """The JSON file ``name`` of the run's output folder (``tokens/summary.json``), ``None`` when
        it is not there."""
        folder = datafolder(self.output)
        return read_json(folder, name) if folder.isfile(name) else None


def _failed(cls: type, hook: str, error: Exception) -> str:
    return f"{cls.__name__}.{hook} failed: {type(error).__name__}: {error}"


def stage_sections(cls: type, params: dict | None, stage: dict, output: StageOutput) -> list[Section]:
    """The report sections ``cls`` contributes for one stage."""
    hook = getattr(cls, REPORT_HOOK, None)
    if hook is None:
        return []
    try:
        return list(hook(resolved_params(cls, params), stage, output) or ())
    except Exception as error:
        return [Section(f"{cls.__name__}: no section", [_failed(cls, REPORT_HOOK, error)])]


def document_tally(cls: type) -> Callable[[dict, dict], None] | None:
    """``cls``'s per-document counting hook, if it has one."""
    return getattr(cls, TALLY_HOOK, None)


def stage_fields(cls: type, params: dict | None, stage: dict) -> dict[str, Any]:
    """The summary entries ``cls`` adds to one stage's entry (a failure: ``fields_failed``, why)."""
    hook = getattr(cls, FIELDS_HOOK, None)
    if hook is None:
        return {}
    try:
        return dict(hook(resolved_params(cls, params), stage) or {})
    except Exception as error:
        return {"fields_failed": _failed(cls, FIELDS_HOOK, error)}


def stage_lines(cls: type, stage: dict, brief: bool) -> list[str]:
    """The lines ``cls`` prints under one stage of the summary."""
    hook = getattr(cls, LINES_HOOK, None)
    if hook is None:
        return []
    try:
        return [str(line) for line in hook(stage, brief) or ()]
    except Exception as error:
        return [_failed(cls, LINES_HOOK, error)]


def human_size(n: float) -> str:
    """``n`` bytes for a person: ``512 B``, ``1.5 MB``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
