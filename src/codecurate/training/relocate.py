"""Moving an output folder to another place or machine: ``codecurate relocate OUTPUT NEW_ROOT``.

The rule: every path written for training is absolute, under the output folder (its *root*), because
nanotron resolves a relative path from whatever directory it runs in, and requires the shards' metadata
and the config to name the tokenizer by the same string (it loads that string with ``AutoTokenizer``).
``OUTPUT/tokens/summary.json`` records the root. After the folder is moved or copied (to a cluster),
``relocate`` rewrites every such path from the recorded root to ``NEW_ROOT`` (where the folder is, or
will be): the first line of each ``OUTPUT/tokens/*.metadata``, ``summary.json``, and in
``OUTPUT/training/`` the config (tokenizer, dataset folders, checkpoints) and the sbatch script's
``--config-file``. Paths outside the old root (a Hub tokenizer name, a shared checkpoint folder) stay.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import yaml


def _mover(old: str, new: str):
    def move(value):
        if isinstance(value, list):
            return [move(v) for v in value]
        if isinstance(value, str) and (value == old or value.startswith(old.rstrip(os.sep) + os.sep)):
            return new + value[len(old):]
        return value

    return move


def recorded_root(output: str | Path) -> str:
    """The root the output's paths were written under (``tokens/summary.json``)."""
    summary = Path(output) / "tokens" / "summary.json"
    if not summary.is_file():
        raise FileNotFoundError(f"{summary} not found: relocate needs an output with tokenized shards")
    root = json.loads(summary.read_text(encoding="utf-8")).get("root")
    if not root:
        raise ValueError(f"{summary} records no root (written by an older codecurate): run the tokens stage again")
    return root


def relocate(output: str | Path, new_root: str | Path | None = None) -> list[Path]:
    """Rewrite the paths in ``output`` from its recorded root to ``new_root`` (default: ``output``'s own
    absolute path, for a folder already moved); returns the files rewritten."""
    output = Path(output)
    old = recorded_root(output)
    new = os.path.abspath(new_root if new_root is not None else output)
    move = _mover(old, new)
    changed: list[Path] = []
    tokens = output / "tokens"
    for metadata in sorted(tokens.glob("*.metadata")):
        lines = metadata.read_text(encoding="utf-8").splitlines()
        name, size = lines[0].rsplit("|", 1)
        if move(name) != name:
            metadata.write_text("\n".join([f"{move(name)}|{size}", *lines[1:]]) + "\n", encoding="utf-8")
            changed.append(metadata)
    summary_path = tokens / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    summary["root"], summary["tokenizer"] = new, move(summary.get("tokenizer"))
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    changed.append(summary_path)
    config_path = output / "training" / "config.yaml"
    if config_path.is_file():
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        for section, keys in (("tokenizer", ("tokenizer_name_or_path",)),
                              ("checkpoints", ("checkpoints_path", "resume_checkpoint_path"))):
            for key in keys:
                if isinstance(config.get(section), dict) and key in config[section]:
                    config[section][key] = move(config[section][key])
        for stage in config.get("data_stages") or ():
            dataset = (stage.get("data") or {}).get("dataset")
            if isinstance(dataset, dict):
                for key in ("dataset_folder", "dataset_read_path", "tokenizer_name"):
                    if key in dataset:
                        dataset[key] = move(dataset[key])
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        changed.append(config_path)
    sbatch = output / "training" / "train.sbatch"
    if sbatch.is_file():
        lines = sbatch.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            head, flag, rest = line.partition("--config-file ")
            if flag:
                lines[i] = head + flag + shlex.quote(move(shlex.split(rest)[0]))
        sbatch.write_text("\n".join(lines) + "\n", encoding="utf-8")
        changed.append(sbatch)
    return changed
