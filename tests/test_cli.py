import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codecurate.cli import main
from tests.conftest import AIXCODER, read_jsonl_gz

REPO = Path(__file__).resolve().parents[1]


def write_recipe(tmp_path: Path, repos: Path, stages: str = "[]") -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(
        f"name: cli\noutput: {tmp_path / 'out'}\nexecutor: {{type: local, tasks: 2, workers: 1}}\n"
        f"inputs:\n  - reader: repositories\n    params: {{data_folder: {repos}}}\nstages: {stages}\n"
    )
    return path


def test_validate_prints_the_plan(tmp_path, repo_root, capsys):
    path = write_recipe(tmp_path, repo_root, "[{block: group_by_repository, id: group}]")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid recipe 'cli'" in out
    assert "segment 03-group-gather (16 tasks)" in out


def test_invalid_recipe_exits_2_with_the_key_path(tmp_path, repo_root, capsys):
    path = write_recipe(tmp_path, repo_root, "[{block: group_by_repository, params: {buckets: -1}}]")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 7, stages[0].params.buckets: must be >= 1, got -1" in err
    assert main(["run", str(path)]) == 2


def test_run_then_report(tmp_path, repo_root, capsys):
    path = write_recipe(tmp_path, repo_root)
    assert main(["run", str(path), "--set", "inputs.0.params.exclude=['*.md']"]) == 0
    out = capsys.readouterr().out
    table = out.splitlines()
    assert any(line.startswith("repositories ") and line.endswith("excluded_path 1") for line in table), out
    assert "run complete" in out
    assert main(["report", str(tmp_path / "out"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [s["stage"] for s in summary["stages"]] == ["repositories", "output"]
    # another recipe into the same folder, changed at its reader: every segment runs again there
    assert main(["run", str(path)]) == 0
    assert "the change touches the first segment: nothing to reuse, every segment runs again" in capsys.readouterr().out
    assert main(["run", str(path), "--overwrite"]) == 0


def test_run_with_input_and_output_flags(tmp_path, repo_root, capsys):
    path = write_recipe(tmp_path, tmp_path)  # the recipe's own input is replaced by --input
    out = tmp_path / "elsewhere"
    assert main(["run", str(path), "--input", str(repo_root), "--output", str(out)]) == 0
    assert (out / "documents" / "00000.jsonl.gz").is_file()
    assert json.loads((out / "summary.json").read_text())["stages"][0]["kept"] == 10


def test_report_on_a_folder_without_a_run(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no codecurate run" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["validate", "--help"], ["report", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: codecurate" in capsys.readouterr().out


def test_blocks_lists_the_registry(capsys):
    assert main(["blocks"]) == 0
    out = capsys.readouterr().out
    for name in ("installed_packages", "repositories", "the_stack", "articles", "documents", "group_by_repository"):
        assert name in out


def test_console_script_is_installed():
    exe = shutil.which("codecurate") or str(Path(sys.executable).parent / "codecurate")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("codecurate ")


def test_aixcoder_recipe_runs_on_the_default_input(tmp_path, capsys):
    out = tmp_path / "aix"
    argv = ["run", str(AIXCODER), "--output", str(out), "--set", "inputs.0.params.distributions=[PyYAML, orjson]"]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    stages = {s["stage"]: s for s in summary["stages"]}
    assert list(stages) == [
        "installed_packages", "opt_out", "group", "license", "file_license", "project_dedup", "quality", "trivial",
        "languages", "long", "content", "exact_dedup", "near_dedup", "commented_code", "syntax", "metrics", "analysis",
        "sensitive", "decontamination", "pii", "order", "objectives", "shards", "training", "output"]
    assert stages["installed_packages"]["kept"] > 20
    assert "excluded_path" in stages["installed_packages"]["dropped"]  # compiled extensions are left out
    # orjson is MPL-2.0 AND (Apache-2.0 OR MIT): not permissive; PyYAML (MIT) goes on
    assert set(stages["license"]["dropped"]) == {"license_not_permissive"}
    assert 0 < stages["output"]["kept"] < stages["installed_packages"]["kept"]
    kept = [r for p in (out / "documents").glob("*.jsonl.gz") for r in read_jsonl_gz(p)]
    assert {r["metadata"]["repo"] for r in kept} == {"pyyaml"}
    assert summary["complete"] and all(s["balanced"] for s in summary["stages"])
    positions = [r["metadata"]["order_position"] for r in kept if r["metadata"]["kind"] == "code"]
    assert sorted(positions) == list(range(len(positions)))  # one repository, every file placed once
    assert all(r["text"].startswith("<s>") and r["text"].endswith("</s>") for r in kept)
    assert {r["metadata"]["objective"] for r in kept} <= {"sfim", "fim", "ntp"}
    tokens = json.loads((out / "tokens" / "summary.json").read_text())
    assert tokens["documents"] == len(kept) and tokens["tokens"] > 0
    assert (out / "training" / "config.yaml").exists() and (out / "tokenizer" / "tokenizer.json").exists()
    assert (out / "report" / "report.md").exists() and (out / "report" / "funnel.png").exists()  # run writes it
    assert 'id="page-data"' in (out / "report" / "index.html").read_text(encoding="utf-8")  # and the page
    content = json.loads((out / "report" / "training_content.json").read_text())  # and the training content
    assert content["totals"]["documents"] == tokens["documents"] and content["totals"]["tokens"] == tokens["tokens"]
    assert {r["license"] for r in content["licenses"]} == {"MIT"}  # PyYAML's


@pytest.mark.parametrize("source", ["repositories", "the_stack"])
def test_aixcoder_recipe_runs_on_a_folder_of_repositories_and_on_the_stack_parquet(tmp_path, repo_root, source):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if source == "repositories":
        given = repo_root
    else:
        given = tmp_path / "stack"
        given.mkdir()
        rows = [{"hexsha": f"{r}-{i}", "content": f"def f{i}(x):\n    return x + {r * 10 + i}\n",
                 "max_stars_repo_name": f"org/repo{r}", "max_stars_repo_path": f"src/f{i}.py",
                 "max_stars_repo_licenses": ["MIT"], "max_stars_count": r, "lang": "Python"}
                for i in range(4) for r in range(5)]  # interleaved: repositories are not contiguous
        for part in range(2):
            pq.write_table(pa.Table.from_pylist(rows[part::2]), given / f"part-{part}.parquet")
    out = tmp_path / "out"
    assert main(["run", str(AIXCODER), "--input", str(given), "--output", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and all(s["balanced"] for s in summary["stages"])
    kept = [r for p in (out / "documents").glob("*.jsonl.gz") for r in read_jsonl_gz(p)]
    assert kept and json.loads((out / "tokens" / "summary.json").read_text())["documents"] == len(kept)
    by_repo = {}
    for r in kept:
        if r["metadata"]["kind"] == "code":
            by_repo.setdefault(r["metadata"]["repo"], []).append(r["metadata"]["order_position"])
    assert all(sorted(p) == list(range(len(p))) for p in by_repo.values())


def test_run_without_a_terminal_prints_a_short_console_and_logs_the_rest(tmp_path, repo_root):
    out = tmp_path / "out"
    with (tmp_path / "console.txt").open("w") as console:
        done = subprocess.run([sys.executable, "-m", "codecurate.cli", "run", str(AIXCODER), "--input", str(repo_root),
                               "--output", str(out), "--set", "executor.tasks=2"], stdout=console,
                              stderr=subprocess.STDOUT, timeout=1200)
    printed = (tmp_path / "console.txt").read_text().splitlines()
    assert done.returncode == 0, printed[-20:]
    assert len(printed) <= 45, "\n".join(printed)
    assert any(line.startswith("stage ") and "docs in" in line for line in printed)
    assert any(line.startswith("run complete") for line in printed)  # ", with N warnings" where there are
    assert printed[-1] == f"report: {out / 'report' / 'report.md'}"
    assert any(line.startswith("syntax ") for line in printed)  # one line per stage
    assert not any("Launching pipeline" in line for line in printed)  # datatrove's logs go to the log file
    assert "Launching pipeline" in (out / "logs" / "console.log").read_text()


def test_an_empty_input_ends_with_an_empty_valid_output_and_says_so(tmp_path, capsys):
    (tmp_path / "repos").mkdir()
    out = tmp_path / "out"
    assert main(["run", str(AIXCODER), "--input", str(tmp_path / "repos"), "--output", str(out)]) == 0
    assert "  - output: no document reached the output (0 read" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] and all(s["balanced"] for s in summary["stages"])
    assert list((out / "documents").glob("*.jsonl.gz"))  # empty files, readable


def test_an_output_climbing_out_of_a_folder_it_names_is_refused_before_anything_is_written(tmp_path, repo_root,
                                                                                            capsys, monkeypatch):
    path = write_recipe(tmp_path, repo_root)
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert main(["run", str(path), "--output", "a/../../b"]) == 2
    assert "'a/../../b' names 'a' and climbs out of it with '..' (it means '../b')" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here", "r.yaml", "repos"]
    assert not list((tmp_path / "here").iterdir())
    assert main(["run", str(path), "--output", "./out//x/"]) == 0  # normalised, the same folder
    assert (tmp_path / "here" / "out" / "x" / ".codecurate-output.json").is_file()
