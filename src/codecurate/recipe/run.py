"""Run a validated recipe: plan it, guard the output folder, execute the segments, summarise."""

from __future__ import annotations

import json
import os
import posixpath
import re
import time
import uuid
from pathlib import Path

import yaml
from datatrove.io import DataFolder
from datatrove.utils.logging import logger

from codecurate.core.folders import Location, datafolder, is_url, read_json, read_text, remove, write_json, write_text
from codecurate.recipe.console import RunConsole
from codecurate.recipe.errors import segment_failure
from codecurate.recipe.executors import make_executors
from codecurate.recipe.lock import LOCK_FILE, OutputLock
from codecurate.recipe.output_tree import foreign_paths
from codecurate.recipe.plan import Plan, build_plan
from codecurate.recipe.rerun import (
    Rerun,
    clear_rerun,
    differences,
    plan_rerun,
    prune_scratch,
    rerun_paths,
)
from codecurate.recipe.schema import Recipe
from codecurate.recipe.summary import compute_summary, write_summary
from codecurate.writers import DocumentsWriter

RESOLVED_RECIPE = "recipe.json"


class OutputInUseError(RuntimeError):
    """The output folder holds a run of a different recipe."""


def _input_paths(recipe: Recipe) -> list[Path]:
    """The existing paths the recipe's readers name."""
    paths = []
    for spec in recipe.inputs:
        for value in (getattr(spec, "params", None) or {}).values():
            if isinstance(value, str) and value and not is_url(value) and Path(value).exists():
                paths.append(Path(value).resolve())
    return paths


#: codecurate's own file in every output folder, written when a run starts: the proof that
#: ``--overwrite`` may delete the folder (with nothing in it that a run does not write; its name is
#: also in ``output_tree.RUN_TREE``)
OUTPUT_MARKER = ".codecurate-output.json"
#: the marker's format; a marker of another format is not trusted
MARKER_FORMAT = 1


def _recorded_stage_ids(output: DataFolder) -> set[str]:
    """The stage ids of the run recorded in ``output`` (a ``huggingface_output`` stage writes
    ``OUTPUT/<stage id>/`` when given no folder)."""
    from codecurate.recipe.schema import default_stage_id

    try:
        recorded = read_json(output, RESOLVED_RECIPE)
    except (OSError, ValueError):
        return set()
    ids: set[str] = set()
    if not isinstance(recorded, dict):
        return ids
    for key, name in (("inputs", "reader"), ("stages", "block")):
        entries = recorded.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("id") or entry.get(name), str):
                ids.add(entry.get("id") or default_stage_id(entry[name]))
    return ids


def read_marker(output: DataFolder | str) -> dict | None:
    """The marker of ``output``: ``None`` when there is none; raises ``OutputInUseError`` when it is
    not a valid marker of this format."""
    output = datafolder(output)
    path = output.resolve_paths(OUTPUT_MARKER)
    local = Path(path) if output.is_local() else None
    if not output.exists(OUTPUT_MARKER) and not (local is not None and local.is_symlink()):
        return None
    try:
        if (local is not None and local.is_symlink()) or not output.isfile(OUTPUT_MARKER):
            raise ValueError("not a regular file")
        marker = read_json(output, OUTPUT_MARKER)
        if not isinstance(marker, dict) or marker.get("format") != MARKER_FORMAT:
            raise ValueError(f"not format {MARKER_FORMAT}")
        if not isinstance(marker.get("run_id"), str) or not re.fullmatch(r"[0-9a-f]{32}", marker["run_id"]):
            raise ValueError("no run id")
    except (OSError, ValueError) as error:
        raise OutputInUseError(f"{path} is not a valid codecurate marker ({error}); {output.path} is left as it is: "
                               "delete it yourself if it is yours to delete, or choose another --output") from None
    return marker


def write_marker(output: DataFolder | str, run_id: str, recipe: Recipe) -> None:
    """Write ``OUTPUT_MARKER`` (atomically): format, run id, recipe name, when."""
    marker = {"format": MARKER_FORMAT, "tool": "codecurate", "run_id": run_id, "recipe": recipe.name,
              "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_json(datafolder(output), OUTPUT_MARKER, marker)


def _top_level(output: DataFolder) -> dict[str, bool]:
    """The names at the top of ``output`` (none when it does not exist), each with whether it is a
    folder (a symbolic link to one is not)."""
    if not output.isdir(""):
        return {}
    names = {}
    for entry in output.ls("", detail=True):
        name = posixpath.basename(entry["name"].rstrip("/"))
        names[name] = entry["type"] == "directory" and not entry.get("islink", False)
    return names


def _check_deletable(recipe: Recipe, output: DataFolder) -> None:
    """Refuse to empty ``output`` unless it holds a valid marker and nothing a run does not write, at
    any level (``codecurate.recipe.output_tree``), and holds neither the working directory nor an
    input of the recipe."""
    where = recipe.output
    if read_marker(output) is None:
        if output.isfile(RESOLVED_RECIPE):
            raise OutputInUseError(
                f"--overwrite refused: {where} has a {RESOLVED_RECIPE} but no {OUTPUT_MARKER} (an output written "
                f"before codecurate marked its outputs, or not codecurate's): nothing was deleted. Delete it yourself "
                f"(rm -r {where}) if it is yours to delete, or choose another --output")
        raise OutputInUseError(f"--overwrite refused: {where} holds no codecurate run (no {OUTPUT_MARKER}); "
                               "it deletes only a codecurate output folder")
    if output.is_local():
        folder = Path(output.path).resolve()
        for place, what in [(Path.cwd().resolve(), "the working directory"),
                            *((path, f"the input {path}") for path in _input_paths(recipe))]:
            if place == folder or folder in place.parents:
                raise OutputInUseError(f"--overwrite refused: {where} holds {what}; choose another --output")
    foreign = foreign_paths(output, _recorded_stage_ids(output))
    if foreign:
        listed = ", ".join(foreign[:10]) + (f" and {len(foreign) - 10} more" if len(foreign) > 10 else "")
        raise OutputInUseError(f"--overwrite refused: {where} holds what a codecurate run does not write, which "
                               f"would be lost: {listed}. Move it out of the folder, or choose another --output")


def _rerun_changed(recipe: Recipe, folder: DataFolder, plan: Plan | None) -> Rerun:
    """Make ``folder``, holding a run of another recipe, ready to rerun ``plan`` from its first
    changed stage, or from the first segment whose input is gone (``codecurate.recipe.rerun``); the
    rerun. ``OutputInUseError`` listing the keys that differ without a plan of either run."""
    old = read_json(folder, RESOLVED_RECIPE)
    new = json.loads(json.dumps(recipe.raw, default=str))
    old_plan = read_json(folder, "plan.json") if folder.isfile("plan.json") else None
    if plan is None or old_plan is None:
        where = folder.resolve_paths(RESOLVED_RECIPE)
        raise OutputInUseError(
            f"output folder {folder.path} holds a run of a different recipe (see {where}): "
            f"{'; '.join(differences(old, new)[0][:12]) or 'the recipe files differ'}; choose another --output, or "
            "pass --overwrite to delete it")
    rerun = plan_rerun(old, new, old_plan, plan)
    rerun.removed = clear_rerun(plan, old_plan, rerun, folder.path)
    return rerun


def describe_rerun(rerun: Rerun, segments: list[str], output: str) -> str:
    """The lines saying what a changed recipe reuses of the run in ``output`` and what it runs again
    (the console shows them before the segments)."""
    shown = "; ".join(rerun.differences[:6]) + ("; ..." if len(rerun.differences) > 6 else "")

    def span(first: int, last: int) -> str:
        return segments[first] if first == last else f"{segments[first]} to {segments[last]}"

    if rerun.first == 0:
        why = (f"{segments[rerun.touched]} is the first segment the change touches, and what it needs of the earlier "
               f"run is gone ({', '.join(rerun.missing[:4])})" if rerun.touched > 0
               else "the change touches the first segment")
        return f"the recipe changed ({shown}): {why}: nothing to reuse, every segment runs again in {output}"
    lines = [f"the recipe changed ({shown}): reusing {rerun.first} of {len(segments)} segments of the run already "
             f"in {output} ({span(0, rerun.first - 1)}); running {span(rerun.first, len(segments) - 1)}"]
    if rerun.first < rerun.touched:
        lines.append(f"  ({segments[rerun.touched]} is the first segment the change touches; it needs "
                     f"{', '.join(rerun.missing[:4])} of the earlier run, which is gone)")
    return "\n".join(lines)


def prepare_output(recipe: Recipe, overwrite: bool = False, plan: Plan | None = None) -> Location:
    """Make the output folder ready: new, the same recipe's earlier run (resumed), or overwritten.

    Resuming relies on datatrove's completion markers, which are only meaningful for the very same
    recipe; a folder holding another recipe's run is refused unless ``overwrite`` is set. Overwriting
    empties only a folder proven to be a codecurate output: a valid ``OUTPUT_MARKER`` and nothing in
    it, at any level, that a run does not write (``codecurate.recipe.output_tree``); never one holding
    the working directory or the recipe's input. The marker is written before anything else of the
    run; a resumed run keeps its run id. ``output`` is a local path or a URL (``s3://bucket/prefix``), read and written
    through ``DataFolder``. With the ``plan`` of ``recipe``, a folder holding a run of another recipe
    reruns from its first changed stage, reusing the segments before it (as far as what they wrote
    for the later ones is still there; ``codecurate.recipe.rerun``), the rerun set as ``plan.rerun``;
    without a plan it is refused, naming the keys that differ.
    """
    output = Location(recipe.output)
    folder = datafolder(output)
    resolved = json.dumps(recipe.raw, sort_keys=True, indent=2, default=str)
    contents = {name: is_folder for name, is_folder in _top_level(folder).items() if name != LOCK_FILE}
    has_recipe = folder.isfile(RESOLVED_RECIPE)
    run_id = uuid.uuid4().hex
    if contents and overwrite:
        _check_deletable(recipe, folder)
        for name in contents:  # the lock, this run's, stays
            remove(folder, name)
    elif has_recipe and read_text(folder, RESOLVED_RECIPE) != resolved + "\n":
        rerun = _rerun_changed(recipe, folder, plan)
        if plan is not None:
            plan.rerun = rerun
        marker = read_marker(folder)
        run_id = marker["run_id"] if marker else run_id
    elif contents and not has_recipe:
        raise OutputInUseError(f"output folder {output} is not empty and holds no codecurate run; choose another")
    elif contents:  # the same recipe: resumed, the same run
        marker = read_marker(folder)
        run_id = marker["run_id"] if marker else run_id
    if folder.is_local():
        os.makedirs(folder.path, exist_ok=True)
    write_marker(folder, run_id, recipe)
    write_text(folder, RESOLVED_RECIPE, resolved + "\n")
    write_text(folder, "recipe.yaml", yaml.safe_dump(recipe.raw, sort_keys=False))
    return output


def wait_for_slurm(output: str, executors: list, seconds: float, poll: float = 2.0) -> dict:
    """Wait until every task of the run has completed, then write and return the summary. Raises
    the ``TaskError`` a failed task recorded when the jobs have left the queue unfinished, or
    ``RuntimeError`` when none did (a job killed: see the Slurm logs); ``TimeoutError`` after
    ``seconds``."""
    import subprocess

    job_ids = sorted({str(e.job_id) for e in executors if getattr(e, "job_id", None) not in (None, -1)})
    deadline = time.monotonic() + seconds
    while True:
        summary = compute_summary(output)
        if summary["complete"]:
            return write_summary(output)
        queued = subprocess.run(["squeue", "-h", "-o", "%i %r", "-j", ",".join(job_ids)], capture_output=True,
                                text=True).stdout.splitlines() if job_ids else []
        if any("DependencyNeverSatisfied" in line for line in queued):  # an earlier segment failed
            subprocess.run(["scancel", *job_ids], capture_output=True)
            queued = []
        if job_ids and not queued:
            summary = compute_summary(output)  # the last task may have finished since the first look
            if summary["complete"]:
                return write_summary(output)
            missing = [s["name"] for s in summary["segments"] if s["completed"] < (s["tasks"] or 1)]
            for name in missing:  # the two lines a failed task recorded (codecurate.recipe.errors)
                if (failure := segment_failure(datafolder(Location(output) / "logs" / name))) is not None:
                    raise failure
            raise RuntimeError(f"the Slurm jobs of {output} left the queue before finishing segments "
                               f"{', '.join(missing)}; see {_slurm_logs(output, executors)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the Slurm jobs of {output} did not finish within {seconds:g} s")
        time.sleep(poll)


def _slurm_logs(output: str, executors: list) -> str:
    """Where Slurm wrote the jobs' logs: the folder above the segments' (``logs/slurm`` of a local output)."""
    folders = {os.path.dirname(str(e.slurm_logs_folder).rstrip("/")) for e in executors
               if getattr(e, "slurm_logs_folder", None)}
    return folders.pop() if len(folders) == 1 else str(Location(output) / "logs" / "slurm")


def _finish(output: Location, keep_intermediate: bool | None, summary: dict | None = None,
            keep: set[str] | None = None) -> dict:
    """Write (or take) the summary; once the run is complete, remove of its scratch folders what
    ``keep_intermediate`` says: ``None`` all but ``keep`` (what a rerun needs), ``False`` all,
    ``True`` nothing, and write the summary again (``kept_for_reruns``: the bytes left in each)."""
    summary = summary if summary is not None else write_summary(output)
    if summary.get("complete"):
        if keep_intermediate is not None:  # True: all of them; False: none
            keep = None if keep_intermediate else set()
        kept = prune_scratch(output, keep)
        logger.info(f"kept of the passes' folders: {kept or 'nothing'}")
        summary = write_summary(output)
    return summary


def _folder(step, attribute: str) -> str | None:
    folder = getattr(step, attribute, None)
    return getattr(folder, "path", None)


def run_recipe(recipe: Recipe, overwrite: bool = False, join_passes: bool = True, console: bool = False,
               verbose: bool = False, keep_intermediate: bool | None = None) -> dict | None:
    """Run ``recipe``. Returns the summary, or ``None`` for Slurm when it does not ``wait``.
    ``join_passes``: see ``build_plan``. ``console``: show one live line per segment and send the
    logs to ``OUTPUT/logs/console.log`` (``verbose``: leave them on the console too;
    ``codecurate.recipe.console``). Once the run is complete, ``intermediate/`` and ``work/`` (raw,
    unredacted text) keep what a rerun of a changed recipe needs (``codecurate.recipe.rerun``), their
    sizes in the summary's ``kept_for_reruns``; ``keep_intermediate`` True keeps them whole, False
    removes them; a Slurm run that does not ``wait`` keeps them. The output folder is locked for the whole run
    (``codecurate.recipe.lock``); a second run into it raises ``OutputLockedError``. A run whose
    segments were all complete runs nothing and returns the summary with ``already_complete``; one
    that reused segments of an earlier run (a resumed or changed recipe, ``codecurate.recipe.rerun``)
    returns their number as ``reused_segments``, a changed recipe what it reran as ``rerun``
    (``describe_rerun``'s lines)."""
    lock = OutputLock(recipe.output).acquire()
    held_by_jobs = False
    try:
        plan: Plan = build_plan(recipe, join_passes)
        output = prepare_output(recipe, overwrite, plan)
        plan.save()
        keep = rerun_paths(plan, [spec.stage_id for spec in [*recipe.inputs, *recipe.stages]])
        rerun = plan.rerun and plan.rerun.first < len(plan.segments) and \
            describe_rerun(plan.rerun, [s.name for s in plan.segments], str(output))
        before = compute_summary(output)["segments"]  # segments complete before this run: skipped
        reused = sum(1 for segment in before if segment["tasks"] is not None
                     and segment["completed"] >= segment["tasks"])
        if reused == len(plan.segments):
            logger.info(f"{output} holds this recipe's complete run: nothing to do (--overwrite runs it again)")
            summary = _finish(output, keep_intermediate, keep=keep)
            return {**summary, "already_complete": True, "reused_segments": reused}
        executors = make_executors(recipe, plan)
        kind = recipe.executor["type"]
        if kind == "slurm":
            executors[-1].run()  # submits every segment, each job depending on the previous one
            job_ids = sorted({str(e.job_id) for e in executors if getattr(e, "job_id", None) not in (None, -1)})
            if job_ids:
                lock.hand_to_slurm(job_ids)  # the jobs hold the output until they leave the queue
                held_by_jobs = True
            logger.info(f"submitted {len(executors)} Slurm job groups; `codecurate report {output}` when they finish")
            wait = recipe.executor.get("wait", 0)
            if not wait:
                return None
            try:
                summary = wait_for_slurm(output, executors, wait)
            except TimeoutError:
                raise  # the jobs still run, and still hold the lock
            except BaseException:
                held_by_jobs = False  # they left the queue
                raise
            held_by_jobs = False
            return _finish(output, keep_intermediate, summary, keep)
        if kind == "ray":
            import ray

            if not ray.is_initialized():  # with the console, the tasks' logs are files, not driver output
                ray.init(log_to_driver=not console)
        display = RunConsole(output, len(executors), verbose=verbose) if console else None
        if rerun:
            removed = f"rerun: removed {', '.join(plan.rerun.removed)} of the earlier run"
            if display is None:
                logger.info(f"{rerun}\n{removed}")
            else:  # the lines on the console, what was removed in the console log
                display.note(rerun)
                with display.logged("rerun"):
                    logger.info(removed)
        started = time.monotonic()
        for index, (segment, executor) in enumerate(zip(plan.segments, executors), start=1):
            if display is None:
                logger.info(f"segment {index}/{len(executors)}: {segment.name} ({executor.world_size} tasks)")
                executor.run()
                continue
            reads = _folder(segment.steps[0], "data_folder") if segment.steps else None
            writes = next((_folder(step, "output_folder") for step in segment.steps
                           if isinstance(step, DocumentsWriter)), None)
            with display.segment(index, segment.name, executor.world_size, reads, writes):
                executor.run()
        if display is None:
            summary = _finish(output, keep_intermediate, keep=keep)
        else:  # its log lines (the scratch folders removed) go to the console log, not between the lines
            with display.logged("finish"):
                summary = _finish(output, keep_intermediate, keep=keep)
            display.finish(time.monotonic() - started)
        summary = {**summary, "reused_segments": reused} if reused else summary
        return {**summary, "rerun": rerun} if rerun else summary
    finally:
        if not held_by_jobs:
            lock.release()
