"""The run summary: per stage, documents and bytes in, kept, and dropped by reason; every other
count a stage keeps (``counters``); its block's name (``block``) and what the block adds from its
counters (``codecurate.core.report_sections``: the objectives stage's realised shares per language,
``objective_shares``), and the lines it prints under the stage in ``format_summary``. A stage
whose block keeps no accounts of its own (a datatrove step named by import path) is marked
``pass_through``: the engine counted it at the step's boundaries (``codecurate.recipe.passthrough``).

Computed from the datatrove stats every task writes (``logs/<segment>/stats/NNNNN.json``) and the
plan saved beside them, so it works the same after a local run, a Ray run or Slurm jobs, and for a
run still in progress (the summary then says which tasks are missing).
"""

from __future__ import annotations

import json
import posixpath
import time
from pathlib import Path

from datatrove.io import DataFolder

from codecurate.core.blocks import (
    STAT_DROPPED,
    STAT_DROPPED_BYTES,
    STAT_DROPPED_EXTENSION,
    STAT_IN,
    STAT_IN_BYTES,
    STAT_KEPT,
    STAT_KEPT_BYTES,
)
from codecurate.core.folders import Location, datafolder, forget_listings, read_json, write_json
from codecurate.core.report_sections import human_size, stage_fields, stage_lines
from codecurate.recipe.clock import SEGMENT_SECONDS


def stat_total(value) -> float:
    """The ``total`` of one datatrove metric as saved to disk (a dict, or a bare number)."""
    if isinstance(value, dict):
        return value.get("total", 0)
    return value or 0


def _empty_stage(stage_id: str) -> dict:
    return {"stage": stage_id, "documents_in": 0, "bytes_in": 0, "kept": 0, "bytes_kept": 0,
            "dropped": {}, "seconds": 0.0, "counters": {}}


def _reason(stage: dict, reason: str) -> dict:
    return stage["dropped"].setdefault(reason, {"documents": 0, "bytes": 0})


def _dropped_record(record: dict) -> dict:
    """One drop reason as the summary writes it: counts, and per extension when the block counted them
    (most frequent first)."""
    written = {"documents": int(record["documents"]), "bytes": int(record["bytes"])}
    if "extensions" in record:
        ranked = sorted(record["extensions"].items(), key=lambda item: (-item[1], item[0]))
        written["extensions"] = {extension: int(count) for extension, count in ranked}
    return written


def _charge_time(stages: dict[str, dict], charges: list[str | None], per_step: list[dict]) -> None:
    """Add one task's step times to the stages they are charged to; the task's wall time that no step
    timed (``Clock``'s ``segment_seconds``) goes to the stage charged with the clock."""
    timed = 0.0
    for charge, step in zip(charges, per_step):
        wall = step.get("stats", {}).get(SEGMENT_SECONDS)
        seconds = max(0.0, stat_total(wall) - timed) if wall is not None else stat_total(step.get("time_stats", {}))
        timed += seconds if wall is None else 0.0
        if charge is not None:
            stages.setdefault(charge, _empty_stage(charge))["seconds"] += seconds


def _read_whole_json(folder: DataFolder, name: str, completion: str | None = None, attempts: int = 5):
    """``name``'s JSON, or ``None`` while a task is still writing it (datatrove writes its stats and
    its description in place): a file that does not parse is read again a few times, and skipped
    when it still does not and the task has not completed; a completed task's broken file raises."""
    for attempt in range(attempts):
        try:
            return read_json(folder, name)
        except (json.JSONDecodeError, UnicodeDecodeError, FileNotFoundError):
            if attempt + 1 < attempts:
                time.sleep(0.05 * (attempt + 1))
    if completion is not None and folder.exists(completion):
        raise ValueError(f"{folder.resolve_paths(name)}: not valid JSON, and its task has completed")
    return None


#: Folders of a run that hold the documents between passes (raw text, before PII redaction) and the
#: passes' working files: a complete run keeps of them what a rerun needs (``codecurate.recipe.rerun``)
SCRATCH_FOLDERS = ("intermediate", "work")


def scratch_sizes(output: str | Path) -> dict[str, int]:
    """The bytes in each of ``output``'s ``SCRATCH_FOLDERS`` that exists, by name."""
    folder = datafolder(output)
    return {name: int(folder.fs.du(folder.resolve_paths(name))) for name in SCRATCH_FOLDERS if folder.isdir(name)}


def compute_summary(output: str | Path) -> dict:
    """Summary of the run in ``output`` (it must hold ``plan.json``)."""
    folder = datafolder(output)
    forget_listings(folder)  # a poll (wait_for_slurm) would count the stats files of its first look only
    if not folder.isfile("plan.json"):
        raise FileNotFoundError(f"{output} holds no codecurate run (no plan.json)")
    plan = read_json(folder, "plan.json")
    blocks = _stage_blocks(recorded_stages(output))
    stages: dict[str, dict] = {}
    segments = []
    for segment in plan["segments"]:
        logs = datafolder(Location(output) / "logs" / segment["name"])
        stats_files = logs.list_files("stats", glob_pattern="*.json") if logs.isdir("stats") else []
        completions = len(logs.list_files("completions")) if logs.isdir("completions") else 0
        world_size = segment.get("tasks")
        described = _read_whole_json(logs, "executor.json") if logs.isfile("executor.json") else None
        if isinstance(described, dict):
            world_size = described.get("world_size", world_size)
        segments.append({"name": segment["name"], "tasks": world_size, "completed": completions})
        charges = segment.get("charge_ids") or segment["stage_ids"]
        for stats_file in stats_files:
            per_step = _read_whole_json(logs, stats_file, f"completions/{posixpath.basename(stats_file)[:-5]}")
            if per_step is None:  # the task is writing it: counted when it has completed
                continue
            _charge_time(stages, charges, per_step)
            for stage_id, step in zip(segment["stage_ids"], per_step):
                if stage_id is None:
                    continue
                stage = stages.setdefault(stage_id, _empty_stage(stage_id))
                for key, value in step.get("stats", {}).items():
                    total = stat_total(value)
                    if key == STAT_IN:
                        stage["documents_in"] += total
                    elif key == STAT_IN_BYTES:
                        stage["bytes_in"] += total
                    elif key == STAT_KEPT:
                        stage["kept"] += total
                    elif key == STAT_KEPT_BYTES:
                        stage["bytes_kept"] += total
                    elif key.startswith(STAT_DROPPED_EXTENSION):
                        reason, _, extension = key[len(STAT_DROPPED_EXTENSION) :].rpartition("/")
                        extensions = _reason(stage, reason).setdefault("extensions", {})
                        extensions[extension] = extensions.get(extension, 0) + total
                    elif key.startswith(STAT_DROPPED_BYTES):
                        _reason(stage, key[len(STAT_DROPPED_BYTES) :])["bytes"] += total
                    elif key.startswith(STAT_DROPPED):
                        _reason(stage, key[len(STAT_DROPPED) :])["documents"] += total
                    else:
                        stage["counters"][key] = stage["counters"].get(key, 0) + total
    for stage in stages.values():
        for key in ("documents_in", "bytes_in", "kept", "bytes_kept"):
            stage[key] = int(stage[key])
        dropped_docs = sum(int(r["documents"]) for r in stage["dropped"].values())
        dropped_bytes = sum(int(r["bytes"]) for r in stage["dropped"].values())
        stage["dropped_total"] = dropped_docs
        stage["balanced"] = (
            stage["documents_in"] == stage["kept"] + dropped_docs
            and stage["bytes_in"] == stage["bytes_kept"] + dropped_bytes
        )
        stage["seconds"] = round(stage["seconds"], 3)
        stage["dropped"] = {k: _dropped_record(v) for k, v in sorted(stage["dropped"].items())}
        stage["counters"] = {k: int(v) if float(v).is_integer() else v for k, v in sorted(stage["counters"].items())}
        if stage["stage"] in blocks:  # what the stage's block adds (codecurate.core.report_sections)
            name, cls, params = blocks[stage["stage"]]
            stage["block"] = name
            stage.update(stage_fields(cls, params, stage))
    for stage_id in plan.get("pass_through", []):  # counted by the engine around a step of no accounts
        if stage_id in stages:
            stages[stage_id]["pass_through"] = True
    order = [sid for segment in plan["segments"] for sid in segment["stage_ids"] if sid is not None]
    ordered = [stages[sid] for sid in dict.fromkeys(order) if sid in stages]
    complete = all(s["tasks"] is not None and s["completed"] >= s["tasks"] for s in segments)
    summary = {"complete": complete, "segments": segments, "stages": ordered}
    summary["warnings"] = collect_warnings(output, summary)
    if complete:  # what the run keeps for reruns of a changed recipe (codecurate.recipe.rerun)
        summary["kept_for_reruns"] = scratch_sizes(output)
    return summary


def recorded_stages(output: str | Path) -> list[tuple[str, str, dict]]:
    """``(stage id, block name, params)`` of every input and stage of the recipe recorded in ``output``
    (a path or an fsspec URL)."""
    from datatrove.io import get_datafolder

    from codecurate.recipe.schema import default_stage_id

    try:
        with get_datafolder(str(output)).open("recipe.json", "r", encoding="utf-8") as file:
            recorded = json.load(file)
    except (OSError, ValueError):
        return []
    found = []
    for key, name_key in (("inputs", "reader"), ("stages", "block")):
        for entry in recorded.get(key) or [] if isinstance(recorded, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get(name_key), str):
                params = entry.get("params") if isinstance(entry.get("params"), dict) else {}
                found.append((entry.get("id") or default_stage_id(entry[name_key]), entry[name_key], params))
    return found


def _stage_blocks(stages: list[tuple[str, str, dict]]) -> dict[str, tuple[str, type, dict]]:
    """``stage id -> (block name, class, params)`` of the recorded stages whose block is installed."""
    from codecurate.core.registry import get_block

    found = {}
    for stage_id, name, params in stages:
        try:
            found[stage_id] = (name, get_block(name), params)
        except (KeyError, ImportError):
            continue
    return found


def block_warnings(stages: list[tuple[str, str, dict]], summaries: dict[str, dict] | None) -> list[dict]:
    """``{"stage", "message"}`` for each warning the blocks of ``stages`` (``(id, block, params)``)
    contribute (``codecurate.core.run_warnings``); ``summaries``: the summary's stage entries by id,
    ``None`` before a run (validation)."""
    from codecurate.core.registry import get_block
    from codecurate.core.run_warnings import stage_warnings

    warnings = []
    for stage_id, name, params in stages:
        try:
            cls = get_block(name)
        except KeyError:
            continue
        stage = None if summaries is None else summaries.get(stage_id)
        if summaries is not None and stage is None:
            continue  # it has not run (yet)
        warnings += [{"stage": stage_id, "message": m} for m in stage_warnings(cls, params, stage)]
    return warnings


def collect_warnings(output: str | Path, summary: dict) -> list[dict]:
    """Everything the run knows is degraded or wrong: the engine's own findings (stages whose counts do
    not balance, nothing reaching the output) and what each stage's block contributes."""
    warnings = [{"stage": s["stage"], "message": f"documents in ({s['documents_in']}) != kept ({s['kept']}) + dropped "
                 f"({s['dropped_total']}), or the bytes do not balance: a block lost or invented documents"}
                for s in summary["stages"] if not s["balanced"]]
    stages = summary["stages"]
    if summary["complete"] and stages and not stages[-1]["kept"]:
        warnings.append({"stage": stages[-1]["stage"], "message": f"no document reached the output "
                         f"({stages[0]['documents_in']} read; the stages' drops say where they went)"})
    return warnings + block_warnings(recorded_stages(output), {s["stage"]: s for s in stages})


def format_warnings(warnings: list[dict]) -> str:
    """The warnings block of the console: a heading and one line per warning (empty for none)."""
    if not warnings:
        return ""
    lines = [f"warnings ({len(warnings)}):"]
    lines += [f"  - {w['stage']}: {w['message']}" for w in warnings]
    return "\n".join(lines)


def write_summary(output: str | Path) -> dict:
    """Compute the summary and save it as ``summary.json`` in ``output``."""
    summary = compute_summary(output)
    write_json(datafolder(output), "summary.json", summary)
    return summary


#: extensions listed per drop reason in the printed summary (summary.json has them all)
_EXTENSIONS_SHOWN = 8


def _block_lines(stage: dict, brief: bool) -> list[str]:
    """What the stage's block prints under it (``codecurate.core.report_sections``)."""
    from codecurate.core.registry import get_block

    try:
        cls = get_block(stage["block"]) if stage.get("block") else None
    except (KeyError, ImportError):
        cls = None
    return [] if cls is None else stage_lines(cls, stage, brief)


def format_summary(summary: dict, brief: bool = False) -> str:
    """The summary as a table a person reads; ``brief``: one line per stage (its main drop reasons
    inline), the segments only when some have not finished: what ``codecurate run`` prints."""
    header = f"{'stage':<24} {'docs in':>10} {'kept':>10} {'dropped':>10} {'bytes in':>10} {'bytes kept':>11} " \
        f"{'seconds':>8}  check"
    lines = [header + ("  main drop reasons" if brief else ""), "-" * len(header)]
    for stage in summary["stages"]:
        line = (
            f"{stage['stage']:<24} {stage['documents_in']:>10} {stage['kept']:>10} {stage['dropped_total']:>10} "
            f"{human_size(stage['bytes_in']):>10} {human_size(stage['bytes_kept']):>11} {stage['seconds']:>8.1f}  "
            f"{'ok' if stage['balanced'] else 'IN != KEPT + DROPPED'}"
            f"{' (pass-through)' if stage.get('pass_through') else ''}"
        )
        contributed = [f"    {text}" for text in _block_lines(stage, brief)]
        if brief:
            reasons = sorted(stage["dropped"].items(), key=lambda item: -item[1]["documents"])
            shown = ", ".join(f"{reason} {counts['documents']}" for reason, counts in reasons[:2])
            more = f", {len(reasons) - 2} more" if len(reasons) > 2 else ""
            lines += [f"{line}  {shown}{more}".rstrip(), *contributed]
            continue
        lines.append(line)
        for reason, counts in stage["dropped"].items():
            lines.append(f"    dropped {reason}: {counts['documents']} documents, {human_size(counts['bytes'])}")
            if counts.get("extensions"):
                top = list(counts["extensions"].items())[:_EXTENSIONS_SHOWN]
                more = len(counts["extensions"]) - len(top)
                listed = ", ".join(f"{extension} {count}" for extension, count in top)
                lines.append(f"        by extension: {listed}{f', and {more} more' if more > 0 else ''}")
        lines += contributed
    lines.append("")
    for segment in summary["segments"]:
        if not brief or segment["completed"] < (segment["tasks"] or 1):
            lines.append(f"segment {segment['name']}: {segment['completed']}/{segment['tasks']} tasks completed")
    if summary.get("warnings"):
        lines += [format_warnings(summary["warnings"]), ""]
    lines.append(("run complete" + (f", with {len(summary['warnings'])} warnings" if summary.get("warnings") else ""))
                 if summary["complete"] else "run INCOMPLETE: some tasks have not finished")
    return "\n".join(lines)
