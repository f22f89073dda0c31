"""Reruns that reuse work: the same command on a complete output runs nothing; a complete run keeps
what a rerun needs (and says so, with its size); a changed late stage then reruns only the segments
from it on, giving byte for byte what a fresh run gives; a change of the first stage, or an output
whose kept folders are gone (--no-keep-intermediate), reruns every segment in the same output."""

import gzip
import json
import re
import shutil
import time
from pathlib import Path

import yaml

from codecurate.cli import main
from tests.conftest import write

SOURCE = "def f(x):\n    return x + 1\n"


def make_recipe(tmp_path: Path, out: str, max_lines: int = 10_000, workers: int = 1, exclude: tuple = ()) -> Path:
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
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos), "exclude": list(exclude)}}],
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
    """Every file of the documents and exclusions the run wrote, decompressed, by path; and the stage counts."""
    found = {
        str(p.relative_to(out)): gzip.decompress(p.read_bytes())
        for folder in ("documents", "excluded")
        for p in sorted((out / folder).rglob("*.jsonl.gz"))
    }
    summary = json.loads((out / "summary.json").read_text())
    found["stages"] = [{k: s[k] for k in ("stage", "documents_in", "kept", "dropped")} for s in summary["stages"]]
    return found


def kept(out: Path) -> list[str]:
    """The files left in the run's passes' folders."""
    return sorted(
        str(p.relative_to(out)) for name in ("intermediate", "work") for p in (out / name).rglob("*") if p.is_file()
    )


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
    assert main(["run", str(make_recipe(tmp_path, "out"))]) == 0  # the default: keep what a rerun needs
    before = completions(tmp_path / "out")
    printed = capsys.readouterr().out
    size = re.search(r"kept for reruns: intermediate/ ([\d.]+ [KMGT]?B), work/ ([\d.]+ [KMGT]?B)", printed)
    assert size, printed
    files = kept(tmp_path / "out")
    # the exact dedup's input and its verdicts (what its last segment, where long_files joins, reads) are
    # kept; the hashes and groups only its earlier passes read are not
    assert any(f.startswith("intermediate/exact/") for f in files) and any(
        f.startswith("work/exact/drops/") for f in files
    )
    assert [f for f in files if f.startswith("work/exact/") and not f.startswith("work/exact/drops/")] == []
    report = json.loads((tmp_path / "out" / "report" / "report.json").read_text())
    assert set(report["kept_for_reruns"]) == {"intermediate", "work"}
    assert "## Kept for reruns" in (tmp_path / "out" / "report" / "report.md").read_text()
    original = contents(tmp_path / "out")
    time.sleep(0.05)  # a rewritten completion marker gets a later time
    assert main(["run", str(make_recipe(tmp_path, "out", max_lines=3))]) == 0
    printed = capsys.readouterr().out
    after = completions(tmp_path / "out")
    unchanged = {name for name, mtime in before.items() if after.get(name) == mtime}
    segments = sorted({name.split("/")[1] for name in after})
    rerun = sorted({name.split("/")[1] for name in after if name not in unchanged})
    assert rerun == segments[-1:] and len(segments) > 3  # only exact dedup's filter segment, where long_files joins
    assert "stages.long.params.max_lines: 10000 -> 3" in printed
    assert f"reusing {len(segments) - 1} of {len(segments)} segments" in printed
    assert f"running {segments[-1]}" in printed

    assert main(["run", str(make_recipe(tmp_path, "fresh", max_lines=3))]) == 0
    rerun_contents, fresh = contents(tmp_path / "out"), contents(tmp_path / "fresh")
    assert rerun_contents == fresh
    assert any(s["stage"] == "long" and "too_many_lines" in json.dumps(s["dropped"]) for s in fresh["stages"])
    assert kept(tmp_path / "out") == kept(tmp_path / "fresh")

    # what the changed stage's segment reads is gone: the rerun starts at the latest segment that has its inputs
    shutil.rmtree(tmp_path / "out" / "work" / "exact" / "drops")
    assert main(["run", str(make_recipe(tmp_path, "out"))]) == 0
    printed = capsys.readouterr().out
    assert f"({segments[-1]} is the first segment the change touches; it needs work/exact/drops" in printed
    assert re.search(r"reusing [1-4] of 6 segments .*; running 0[2-5]-\S+ to 06-exact-filter", printed), printed
    assert contents(tmp_path / "out") == original


def test_without_what_a_rerun_needs_or_with_a_changed_first_stage_every_segment_reruns_in_place(tmp_path, capsys):
    assert main(["run", str(make_recipe(tmp_path, "out")), "--no-keep-intermediate"]) == 0
    assert not (tmp_path / "out" / "intermediate").exists() and not (tmp_path / "out" / "work").exists()
    assert "kept for reruns" not in capsys.readouterr().out
    before = completions(tmp_path / "out")
    time.sleep(0.05)
    assert main(["run", str(make_recipe(tmp_path, "out", max_lines=3))]) == 0  # nothing kept: from the start
    printed = capsys.readouterr().out
    assert "stages.long.params.max_lines: 10000 -> 3" in printed
    assert "nothing to reuse, every segment runs again" in printed
    assert "intermediate/exact" in printed  # what the changed stage's segment needed, gone
    after = completions(tmp_path / "out")
    assert set(after) == set(before) and all(after[name] > before[name] for name in before)
    assert main(["run", str(make_recipe(tmp_path, "fresh", max_lines=3))]) == 0
    assert contents(tmp_path / "out") == contents(tmp_path / "fresh")

    capsys.readouterr()
    changed = make_recipe(tmp_path, "out", max_lines=3, exclude=("copy.py",))  # the reader: the first stage
    assert main(["run", str(changed)]) == 0
    printed = capsys.readouterr().out
    assert 'stages.repositories.params.exclude: [] -> ["copy.py"]' in printed
    assert "the change touches the first segment: nothing to reuse, every segment runs again" in printed
    assert main(["run", str(make_recipe(tmp_path, "fresh3", max_lines=3, exclude=("copy.py",)))]) == 0
    assert contents(tmp_path / "out") == contents(tmp_path / "fresh3")


def test_the_aixcoder_recipe_keeps_each_multi_pass_blocks_input_and_what_its_last_pass_reads(tmp_path):
    from codecurate.recipe.plan import build_plan
    from codecurate.recipe.rerun import rerun_paths
    from codecurate.recipe.schema import load_recipe

    recipe = load_recipe(Path(__file__).parents[2] / "recipes" / "aixcoder7b" / "recipe.yaml", output=str(tmp_path))
    keep = rerun_paths(build_plan(recipe), [spec.stage_id for spec in [*recipe.inputs, *recipe.stages]])
    blocks = [
        "group",
        "project_dedup",
        "quality",
        "exact_dedup",
        "near_dedup",
        "decontamination",
        "objectives",
        "shards",
    ]
    assert {path for path in keep if path.startswith("intermediate/")} == {f"intermediate/{b}" for b in blocks}
    # the results the blocks' last passes read; not the signatures, pairs, hashes, samples or shard task files
    assert {"work/near_dedup/drops", "work/exact_dedup/drops", "work/quality/quality.json"} <= keep
    assert {"work/decontamination/index.pickle", "work/objectives/sfim_rates.json", "work/group/buckets"} <= keep
    assert not any(
        path in keep for path in ("work/near_dedup", "work/exact_dedup", "work/shards", "work/shards/sample")
    )
    assert not any(path.startswith("work/shards/") for path in keep)
