"""A changed recipe run into the output of an earlier one: what differs, and which segments can stay.

The recorded recipe (``recipe.json``) and the new one are compared stage by stage on their resolved
parameters (the recipe's values over the block's defaults, ``codecurate.core.run_warnings``), so
writing out a default changes nothing. A change of the seed, of ``executor.tasks`` or of the inputs
changes every stage; other executor keys (workers, Slurm's partition, time...) change no output.

The segments before the first one that holds a step of a changed stage (a stage's own step, or a
pass charged to it, such as a census observing the documents before it) are reused as they are:
their completion markers stay and datatrove skips them; the later ones run again, their logs,
exclusions and intermediate folders removed first. A rerun needs what the reused segments wrote
for the later ones (``intermediate/``, ``work/``): a complete run removes them unless
``--keep-intermediate``; without them the recipe is refused with the keys that differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from codecurate.core.folders import datafolder, exists, remove
from codecurate.core.registry import get_block
from codecurate.core.run_warnings import resolved_params
from codecurate.recipe.clock import Clock
from codecurate.recipe.console import Progress
from codecurate.recipe.plan import Plan
from codecurate.recipe.schema import default_stage_id
from codecurate.writers import DocumentsWriter

#: executor keys that change what a run writes (the others change how it runs)
OUTPUT_EXECUTOR_KEYS = ("tasks",)


@dataclass
class Rerun:
    """How a changed recipe reruns: ``first`` is the index of the first segment to run again
    (``len(segments)``: none), ``differences`` the changed keys, ``changed`` the changed stage ids,
    ``missing`` what the reused segments wrote that is gone (then it cannot rerun)."""

    first: int
    differences: list[str]
    changed: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)


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


def plan_rerun(old_recipe: dict, new_recipe: dict, old_plan: dict, plan: Plan) -> Rerun:
    """Which segments of ``plan`` run again in an output holding a run of ``old_recipe`` planned as
    ``old_plan`` (its ``plan.json``)."""
    found, first_stage = differences(old_recipe, new_recipe)
    segments = plan.segments
    if first_stage is None:
        return Rerun(len(segments), found)
    changed = {stage_id for stage_id, _, _ in _stages(new_recipe)[first_stage:]}
    first = len(segments)
    for index, segment in enumerate(segments):
        touched = any(stage in changed for stage in segment.stage_ids) or any(
            charge in changed and not _engine_step(step) for step, charge in zip(segment.steps, segment.charge_ids)
        )
        recorded = old_plan["segments"][index] if index < len(old_plan.get("segments", [])) else None
        same = (
            recorded is not None
            and recorded["name"] == segment.name
            and recorded["tasks"] == segment.tasks
            and recorded["stage_ids"] == segment.stage_ids
            and recorded["steps"] == [str(s) for s in segment.steps]
        )
        if touched or not same:
            first = index
            break
    rerun = Rerun(first, found, changed)
    written = {
        _path(step, "output_folder")
        for segment in segments[:first]
        for step in segment.steps
        if isinstance(step, DocumentsWriter)
    }
    for segment in segments[first:]:
        for step in segment.steps:
            reads = _path(step, "data_folder")
            if reads in written and not _exists(reads):
                rerun.missing.append(reads)
    rerun.missing = sorted(set(rerun.missing))
    return rerun


def _path(step, attribute: str) -> str | None:
    return getattr(getattr(step, attribute, None), "path", None)


def _exists(path: str) -> bool:
    folder = datafolder(path)
    return exists(folder) and bool(folder.list_files())


def clear_rerun(plan: Plan, old_plan: dict, rerun: Rerun, output: str) -> list[str]:
    """Remove what the segments that run again wrote in the earlier run: their logs (completion
    markers), the folders their writers fill, the exclusions of their stages, the changed stages'
    work folders, the summary and report; the names removed."""
    folder = datafolder(output)
    names = {f"logs/{segment['name']}" for segment in old_plan.get("segments", [])[rerun.first :]}
    names |= {f"logs/{segment.name}" for segment in plan.segments[rerun.first :]}
    stages = {stage for segment in plan.segments[rerun.first :] for stage in segment.stage_ids if stage}
    names |= {f"excluded/{stage}" for stage in stages} | {f"work/{stage}" for stage in rerun.changed}
    names |= {f"samples/{stage}" for stage in stages}
    written = {
        _path(step, "output_folder")
        for segment in plan.segments[rerun.first :]
        for step in segment.steps
        if isinstance(step, DocumentsWriter)
    }
    root = str(folder.resolve_paths("")).rstrip("/")
    names |= {path[len(root) + 1 :] for path in written if path and path.startswith(root + "/")}
    names |= {"summary.json", "report"}
    removed = []
    for name in sorted(names):
        if folder.exists(name):
            remove(folder, name)
            removed.append(name)
    return removed
