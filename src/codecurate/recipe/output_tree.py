"""What a run writes in its output folder, at every level: what ``--overwrite`` may delete.

``RUN_TREE`` describes the folder as the engine, the executors (datatrove's logging folders, Slurm's
logs) and the blocks lay it out: each level maps a name pattern (a regular expression matching the
whole name) to ``FILE``, to the next level, or to ``ANYTHING`` (a block's scratch folder under
``work/<stage>/``, laid out by the block). ``foreign_paths`` walks a folder and lists what fits no
pattern: a user's ``documents/notes.txt`` or ``report/mine.md``, which emptying the folder would lose.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator

from datatrove.io import DataFolder

from codecurate.recipe.lock import LOCK_FILE

#: a leaf: a file (or a symbolic link) of this name
FILE = "file"
#: a folder whose contents are a block's own (any names, any depth)
ANYTHING = "anything"
#: the value a name pattern maps to
Level = str | dict

#: a numbered file of a writer or a task: ``00000.jsonl.gz``, ``00001_00000.ds.index``, ``00003.parquet``
NUMBERED = r"\d+(?:_\d+)*(?:\.[A-Za-z0-9]+)+"
#: a name the run gives a folder: a stage id, a block's name, a bucket
NAME = r"[\w.+-]+"

#: datatrove's logging folder of one segment (``logs/NN-name/``), with codecurate's additions
SEGMENT_LOGS: dict[str, Level] = {
    "completions": {r"\d+": FILE},
    "logs": {r"task_\d+\.log": FILE},
    "stats": {r"\d+\.json": FILE},
    "progress": {r"\d+\.json": FILE},
    "errors": {r"\d+\.json": FILE},
    r"stats\.json|executor\.json|executor\.pik|ranks_to_run\.json|launch_script\.slurm": FILE,
    "slurm_logs": ANYTHING,  # datatrove's own Slurm log folder, when not given one
}

#: the output folder a run writes; ``{stage}`` levels are added per run (``run_tree``)
RUN_TREE: dict[str, Level] = {
    rf"\.codecurate-output\.json|{re.escape(LOCK_FILE)}(?:\..+)?": FILE,
    r"recipe\.json|recipe\.yaml|plan\.json|summary\.json": FILE,
    "documents": {NUMBERED: FILE},
    "excluded": {NAME: {NUMBERED: FILE}},
    "samples": {NAME: {NUMBERED: FILE}},
    "intermediate": {NAME: {NUMBERED: FILE, NAME: {NUMBERED: FILE}}},
    "work": {NAME: ANYTHING},
    "logs": {
        r"console\.log|error\.log": FILE,
        rf"\d+-{NAME}": SEGMENT_LOGS,
        "slurm": {NAME: {r"\d+_\d+\.out": FILE}},
    },
    "report": {
        r"report\.md|report\.json|index\.html|training_content\.md|training_content\.json": FILE,
        rf"{NAME}\.png": FILE,
    },
    "tokens": {NUMBERED: FILE, r"summary\.json": FILE, "megatron": {NUMBERED: FILE}},
    "tokenizer": {
        r"tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|added_tokens\.json|tokenizer\.model|"
        r"config\.json|chat_template\.jinja|vocab\.json|merges\.txt": FILE,
    },
    "training": {r"config\.yaml|train\.sbatch|layout\.md": FILE},
    "provenance": {NUMBERED: FILE},
    "removals": {rf"{NAME}\.json": FILE},
}

#: what a stage may write in a folder named after it (``huggingface_output`` without a folder)
STAGE_FOLDER: dict[str, Level] = {NUMBERED: FILE, "data": {NUMBERED: FILE}}


def run_tree(stage_ids: set[str]) -> dict[str, Level]:
    """``RUN_TREE`` with a folder for each of ``stage_ids``."""
    tree = dict(RUN_TREE)
    for stage in sorted(stage_ids):
        tree.setdefault(re.escape(stage), STAGE_FOLDER)
    return tree


def _level(tree: dict[str, Level], name: str) -> Level | None:
    return next((level for pattern, level in tree.items() if re.fullmatch(pattern, name)), None)


def _entries(folder: DataFolder, path: str) -> Iterator[tuple[str, bool]]:
    """``(name, is_folder)`` for the entries of ``path`` under ``folder``; a symbolic link is not a folder."""
    if folder.is_local():
        with os.scandir(folder.resolve_paths(path) if path else folder.path) as entries:
            for entry in entries:
                yield entry.name, entry.is_dir(follow_symlinks=False)
        return
    for entry in folder.ls(path, detail=True):
        name = posixpath.basename(entry["name"].rstrip("/"))
        if name and entry["name"].rstrip("/") != folder.resolve_paths(path).rstrip("/"):
            yield name, entry["type"] == "directory" and not entry.get("islink", False)


def foreign_paths(folder: DataFolder, stage_ids: set[str], limit: int = 1000) -> list[str]:
    """The paths under ``folder`` (relative, a folder's ending in ``/``) that fit no pattern of the run's
    tree: not written by a run. A foreign folder is listed, not entered; at most ``limit`` paths."""
    found: list[str] = []

    def walk(path: str, tree: dict[str, Level]) -> None:
        for name, is_folder in sorted(_entries(folder, path)):
            if len(found) >= limit:
                return
            inner = posixpath.join(path, name) if path else name
            level = _level(tree, name)
            if level == ANYTHING:
                continue
            if is_folder and isinstance(level, dict):
                walk(inner, level)
            elif level != FILE or is_folder:
                found.append(inner + ("/" if is_folder else ""))

    walk("", run_tree(stage_ids))
    return found
