"""A changed recipe run into the output of an earlier one: what differs, and which segments can stay.

The recorded recipe (``recipe.json``) and the new one are compared stage by stage on their resolved
parameters (the recipe's values over the block's defaults, ``codecurate.core.run_warnings``), so
writing out a default changes nothing. A change of the seed, of ``executor.tasks`` or of the inputs
changes every stage; other executor keys (workers, Slurm's partition, time...) change no output.

The segments before the first one that holds a step of a changed stage (a stage's own step, or a
pass charged to it, such as a census observing the documents before it) are reused as they are:
their completion markers stay and datatrove skips them; the later ones run again, what they wrote
removed first. A rerun needs what the reused segments wrote for the later ones: the paths inside
the output that steps on both sides name (``named_paths``: the documents between passes in
``intermediate/``, a pass's results in ``work/``). A complete run keeps those of ``intermediate/``
and ``work/`` for a change at any stage (``rerun_paths``, ``prune_scratch``) and removes the rest;
where something a rerun needs is gone (``--no-keep-intermediate``, an older output), it starts at an
earlier segment, down to the first: a change of the first stage (or of the seed, the tasks, the
inputs) reruns every segment in the same output.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass, field

from datatrove.io import DataFolder
from datatrove.pipeline.base import PipelineStep

from codecurate.core.folders import datafolder, remove
from codecurate.core.registry import get_block
from codecurate.core.run_warnings import resolved_params
from codecurate.recipe.clock import Clock
from codecurate.recipe.console import Progress
from codecurate.recipe.plan import Plan
from codecurate.recipe.schema import default_stage_id
from codecurate.recipe.summary import SCRATCH_FOLDERS, scratch_sizes
from codecurate.writers import DocumentsWriter

#: executor keys that change what a run writes (the others change how it runs)
OUTPUT_EXECUTOR_KEYS = ("tasks",)
#: containers longer than this are no list of paths (a step's data, not its configuration)
_LONGEST_SCANNED = 64


@dataclass
class Rerun:
    """How a changed recipe reruns: ``first`` is the index of the first segment to run again
    (``len(segments)``: none; ``0``: all), ``differences`` the changed keys, ``changed`` the changed
    stage ids, ``touched`` the first segment a changed stage has a step in, ``missing`` what a
    segment from ``first`` to ``touched`` needed of the earlier run and is gone (so it runs again),
    ``removed`` what the segments that run again had written."""

    first: int
    differences: list[str]
    changed: set[str] = field(default_factory=set)
    touched: int = 0
    missing: list[str] = field(default_factory=list)
    #: what ``clear_rerun`` removed of the earlier run
    removed: list[str] = field(default_factory=list)


def _stages(recipe: dict) -> list[tuple[str, str, dict]]:
    """``(id, block, resolved params)`` of every input and stage, in order."""
    found = []
    for key, name_key in (("inputs", "reader"), ("stages", "block")):
        for entry in recipe.get(key) or []:
            name = entry[name_key]
            try:
                params = resolved_params(get_block(name), entry.get("params"))
            except KeyError:
                params = dict(entry.get("params") or {})
            found.append((entry.get("id") or default_stage_id(name), name, params))
    return found


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(old: dict, new: dict) -> tuple[list[str], int | None]:
    """The keys that differ between the recorded recipe ``old`` and ``new`` (``key: old -> new``, stages
    named by id), and the index (in inputs + stages order) of the first changed stage (``None``: none)."""
    found: list[str] = []
    first: int | None = None
    for key in ("seed", "name", "description"):
        if old.get(key) != new.get(key):
            found.append(f"{key}: {_short(old.get(key))} -> {_short(new.get(key))}")
            if key == "seed":
                first = 0
    old_executor, new_executor = old.get("executor") or {}, new.get("executor") or {}
    for key in sorted(set(old_executor) | set(new_executor)):
        if old_executor.get(key) != new_executor.get(key):
            found.append(f"executor.{key}: {_short(old_executor.get(key))} -> {_short(new_executor.get(key))}")
            if key in OUTPUT_EXECUTOR_KEYS:
                first = 0
    old_stages, new_stages = _stages(old), _stages(new)
    old_ids, new_ids = [stage[0] for stage in old_stages], [stage[0] for stage in new_stages]
    if old_ids != new_ids:  # stages added, removed or moved: compared by id, the first difference counts
        first = min(
            first if first is not None else len(new_ids),
            next((i for i, (a, b) in enumerate(zip(old_ids, new_ids)) if a != b), min(len(old_ids), len(new_ids))),
        )
        added = [f"{stage} (stage {new_ids.index(stage) + 1})" for stage in new_ids if stage not in old_ids]
        removed = [stage for stage in old_ids if stage not in new_ids]
        common = [stage for stage in new_ids if stage in old_ids]
        moved = [stage for stage in old_ids if stage in new_ids] != common
        found += [f"stages added: {', '.join(added)}"] if added else []
        found += [f"stages removed: {', '.join(removed)}"] if removed else []
        found += ["stages in another order"] if moved else []
    recorded = {stage[0]: stage for stage in old_stages}
    for index, (stage_id, block, params) in enumerate(new_stages):
        before = recorded.get(stage_id)
        if before is None or before == (stage_id, block, params):
            continue
        first = index if first is None else min(first, index)
        if before[1] != block:
            found.append(f"stages.{stage_id}.block: {before[1]} -> {block}")
            continue
        for param in sorted(set(before[2]) | set(params)):
            if before[2].get(param) != params.get(param):
                found.append(
                    f"stages.{stage_id}.params.{param}: {_short(before[2].get(param))} -> {_short(params.get(param))}"
                )
    return found, first


def _engine_step(step) -> bool:
    """A step whose output does not depend on the stage it is charged to (the input writer, clocks)."""
    return isinstance(step, (DocumentsWriter, Clock, Progress))


def _first_touched(plan: Plan, changed: set[str]) -> int:
    """The index of the first segment holding a step of a stage in ``changed``, or one charged to it."""
    for index, segment in enumerate(plan.segments):
        if any(stage in changed for stage in segment.stage_ids) or any(
            charge in changed and not _engine_step(step) for step, charge in zip(segment.steps, segment.charge_ids)
        ):
            return index
    return len(plan.segments)


def _bare(path: str) -> str:
    """``path`` without its scheme and trailing slash, as ``DataFolder.path`` gives it."""
    return path.split("://", 1)[-1].rstrip("/")


def named_paths(step: PipelineStep, root: str) -> set[str]:
    """The paths inside the output folder ``root`` (relative to it) that ``step`` names: its folders
    (``DataFolder``) and path strings, also those of the steps and writers it holds. What a pass
    reads or writes, from its parameters."""
    root = _bare(root)
    found: set[str] = set()
    seen: set[int] = set()

    def visit(value, depth: int) -> None:
        if isinstance(value, DataFolder):
            value = value.path
        elif isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str):
            path = _bare(value)
            if path.startswith(root + "/"):
                found.add(path[len(root) + 1 :])
            return
        if depth > 3 or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, (list, tuple, set, frozenset)) and len(value) <= _LONGEST_SCANNED:
            for item in value:
                visit(item, depth + 1)
        elif isinstance(value, dict) and len(value) <= _LONGEST_SCANNED:
            for item in value.values():
                visit(item, depth + 1)
        elif isinstance(value, PipelineStep):
            for item in vars(value).values():
                visit(item, depth + 1)

    visit(step, 0)
    return found


def _segment_paths(plan: Plan) -> list[set[str]]:
    root = datafolder(plan.output).path
    return [set().union(*(named_paths(step, root) for step in segment.steps)) for segment in plan.segments]


def _deeper(a: str, b: str) -> str | None:
    """The deeper of two paths when one holds the other (or they are the same), else ``None``."""
    if a == b or a.startswith(b + "/"):
        return a
    return b if b.startswith(a + "/") else None


def _needed(paths: list[set[str]], start: int) -> set[str]:
    """What the segments from ``start`` on read of what the earlier ones wrote: the paths named on
    both sides (the deeper one where one holds the other)."""
    earlier = set().union(*paths[:start])
    return {
        deeper
        for later in set().union(*paths[start:])
        for before in earlier
        if (deeper := _deeper(later, before)) is not None
    }


def rerun_paths(plan: Plan, stage_ids: list[str]) -> set[str]:
    """The paths of ``SCRATCH_FOLDERS`` a complete run of ``plan`` keeps so that a recipe changed at
    any one of ``stage_ids`` (its inputs and stages, in order) but the first reruns from that stage's
    first segment."""
    paths = _segment_paths(plan)
    starts = {_first_touched(plan, set(stage_ids[index:])) for index in range(1, len(stage_ids))}
    needed = set().union(*(_needed(paths, start) for start in starts if 0 < start < len(plan.segments)))
    return {path for path in needed if path.split("/", 1)[0] in SCRATCH_FOLDERS}


def prune_scratch(output: str, keep: set[str] | None) -> dict[str, int]:
    """Remove from ``output``'s ``SCRATCH_FOLDERS`` everything but the paths ``keep`` (``None``:
    keep all; empty: remove them); the bytes left in each folder that remains, by name."""
    folder = datafolder(output)

    def prune(name: str) -> None:
        if keep is None or any(_deeper(name, path) == name for path in keep):  # kept, or inside what is
            return
        if not any(path.startswith(name + "/") for path in keep):
            remove(folder, name)
            return
        for entry in folder.ls(name, detail=False):
            prune(f"{name}/{posixpath.basename(entry.rstrip('/'))}")

    for name in SCRATCH_FOLDERS:
        if folder.isdir(name) and not (folder.is_local() and folder.fs.islink(folder.resolve_paths(name))):
            prune(name)
    return scratch_sizes(output)


def plan_rerun(old_recipe: dict, new_recipe: dict, old_plan: dict, plan: Plan) -> Rerun:
    """Which segments of ``plan`` run again in an output holding a run of ``old_recipe`` planned as
    ``old_plan`` (its ``plan.json``): from the first one a changed stage touches or whose plan
    differs, or an earlier one when what that segment needs of the earlier run is gone."""
    found, first_stage = differences(old_recipe, new_recipe)
    segments = plan.segments
    if first_stage is None:
        return Rerun(len(segments), found, touched=len(segments))
    changed = {stage_id for stage_id, _, _ in _stages(new_recipe)[first_stage:]}
    first = _first_touched(plan, changed)
    for index, segment in enumerate(segments[:first]):
        recorded = old_plan["segments"][index] if index < len(old_plan.get("segments", [])) else None
        same = (
            recorded is not None
            and recorded["name"] == segment.name
            and recorded["tasks"] == segment.tasks
            and recorded["stage_ids"] == segment.stage_ids
            and recorded["steps"] == [str(s) for s in segment.steps]
        )
        if not same:
            first = index
            break
    rerun = Rerun(first, found, changed, touched=first)
    folder, paths = datafolder(plan.output), _segment_paths(plan)
    while rerun.first > 0:
        missing = sorted(  # what a run removes; an exclusions folder a stage never wrote is no loss
            path
            for path in _needed(paths, rerun.first)
            if path.split("/", 1)[0] in SCRATCH_FOLDERS and not folder.exists(path)
        )
        if not missing:
            break
        rerun.missing += [path for path in missing if path not in rerun.missing]
        rerun.first -= 1
    return rerun


def clear_rerun(plan: Plan, old_plan: dict, rerun: Rerun, output: str) -> list[str]:
    """Remove what the segments that run again wrote in the earlier run: their logs (completion
    markers), every path inside the output their steps name but those the run reads from the reused
    segments (documents, exclusions, the passes' files, shards...), the changed stages' work folders,
    the samples of their stages, the summary and report; the names removed."""
    folder = datafolder(output)
    names = {f"logs/{segment['name']}" for segment in old_plan.get("segments", [])[rerun.first :]}
    names |= {f"logs/{segment.name}" for segment in plan.segments[rerun.first :]}
    stages = {stage for segment in plan.segments[rerun.first :] for stage in segment.stage_ids if stage}
    names |= {f"excluded/{stage}" for stage in stages} | {f"samples/{stage}" for stage in stages}
    names |= {f"work/{stage}" for stage in rerun.changed}
    paths = _segment_paths(plan)
    needed = _needed(paths, rerun.first)
    names |= {path for path in set().union(*paths[rerun.first :]) if not path.startswith("logs/")}
    names = {name for name in names if not any(_deeper(name, path) for path in needed)}
    if rerun.first == 0:
        names |= set(SCRATCH_FOLDERS)
    names |= {"summary.json", "report"}
    removed = []
    for name in sorted(names):
        if folder.exists(name):
            remove(folder, name)
            removed.append(name)
    return removed
