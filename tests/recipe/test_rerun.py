"""Reruns that reuse work: the same command on a complete output runs nothing; a changed late stage
reruns only the segments from it on (with --keep-intermediate), giving what a fresh run gives; where
the earlier run's intermediate folders are gone the refusal lists the keys that differ."""

import gzip
import json
import time
from pathlib import Path

import yaml

from codecurate.cli import main
from tests.conftest import write

SOURCE = "def f(x):\n    return x + 1\n"


def make_recipe(tmp_path: Path, out: str, max_lines: int = 10_000, workers: int = 1) -> Path:
    repos = tmp_path / "repos"
    if not repos.exists():
        for repo in range(4):
            for index in range(3):
                lines = "".join(f"v{n} = {n}\n" for n in range(index * 4 + repo))
                write(repos / f"r{repo}" / f"m{index}.py", SOURCE + lines)
            write(repos / f"r{repo}" / "copy.py", SOURCE)  # an exact duplicate in every repository
    recipe = {
        "name": "rerun",
        "seed": 7,
        "output": str(tmp_path / out),
        "executor": {"type": "local", "tasks": 2, "workers": workers},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [
            {"block": "group_by_repository", "id": "group", "params": {"buckets": 2}},
            {"block": "exact_dedup", "id": "exact"},
            {"block": "long_files", "id": "long", "params": {"max_lines": max_lines}},
        ],
    }
    path = tmp_path / f"{out}.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


def contents(out: Path) -> dict:
    """Every document and exclusion the run wrote, by folder, sorted; and the stage counts."""
    found = {}
    for folder in ("documents", "excluded"):
        records = []
        for path in sorted((out / folder).rglob("*.jsonl.gz")):
            with gzip.open(path, "rt") as f:
                records += [json.loads(line) for line in f]
        found[folder] = sorted(json.dumps(r, sort_keys=True) for r in records)
    summary = json.loads((out / "summary.json").read_text())
    found["stages"] = [{k: s[k] for k in ("stage", "documents_in", "kept", "dropped")} for s in summary["stages"]]
    return found


def completions(out: Path) -> dict[str, float]:
    return {str(p.relative_to(out)): p.stat().st_mtime for p in (out / "logs").glob("*/completions/*")}


def test_the_same_command_on_a_complete_output_runs_nothing(tmp_path, capsys):
    recipe = make_recipe(tmp_path, "out")
    assert main(["run", str(recipe)]) == 0
    done = completions(tmp_path / "out")
    capsys.readouterr()
    assert main(["run", str(recipe)]) == 0
    printed = capsys.readouterr().out
    assert f"{tmp_path / 'out'} already holds this recipe's complete run: nothing was run" in printed
    assert "segments done" not in printed and completions(tmp_path / "out") == done
    # a key that changes no output (the workers) is no change either
    assert main(["run", str(make_recipe(tmp_path, "out", workers=2))]) == 0
    assert "already holds this recipe's complete run" in capsys.readouterr().out


def test_a_changed_late_stage_reruns_only_the_segments_after_it_as_a_fresh_run_would(tmp_path, capsys):
    assert main(["run", str(make_recipe(tmp_path, "out")), "--keep-intermediate"]) == 0
    before = completions(tmp_path / "out")
    assert "kept intermediate/ " in capsys.readouterr().out  # and its size, what a rerun needs
    time.sleep(0.05)  # a rewritten completion marker gets a later time
    changed = make_recipe(tmp_path, "out", max_lines=3)
    assert main(["run", str(changed), "--keep-intermediate"]) == 0
    printed = capsys.readouterr().out
    after = completions(tmp_path / "out")
    kept = {name for name, mtime in before.items() if after.get(name) == mtime}
    segments = sorted({name.split("/")[1] for name in after})
    rerun = sorted({name.split("/")[1] for name in after if name not in kept})
    assert rerun == segments[-1:] and len(segments) > 3  # only exact dedup's filter segment, where long_files joins
    assert f"reused {len(segments) - 1} of {len(segments)} segments" in printed

    assert main(["run", str(make_recipe(tmp_path, "fresh", max_lines=3))]) == 0
    rerun_contents, fresh = contents(tmp_path / "out"), contents(tmp_path / "fresh")
    assert rerun_contents == fresh
    assert any(s["stage"] == "long" and "too_many_lines" in json.dumps(s["dropped"]) for s in fresh["stages"])


def test_without_the_earlier_intermediate_folders_the_refusal_lists_the_keys_that_differ(tmp_path, capsys):
    assert main(["run", str(make_recipe(tmp_path, "out"))]) == 0  # intermediate/ removed after the run
    capsys.readouterr()
    assert main(["run", str(make_recipe(tmp_path, "out", max_lines=3))]) == 2
    refused = capsys.readouterr().err
    assert "holds a run of a different recipe" in refused and "stages.long.params.max_lines: 10000 -> 3" in refused
    assert "removed after a complete run unless --keep-intermediate" in refused
