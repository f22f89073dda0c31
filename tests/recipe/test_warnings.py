"""Warnings where people look: what a run knows is degraded (no word list, an input not read, a
language no analyzer read, an SFIM share out of reach, a vocabulary that limits the training layout)
is in the console's warnings block, summary.json and the report; ``--strict`` exits 4 on any."""

import json
from pathlib import Path

import yaml

from codecurate.cli import main
from codecurate.core.run_warnings import stage_warnings
from codecurate.filters.analysis.filter import StaticAnalysisFilter
from codecurate.fim.objectives import TrainingObjectives
from codecurate.recipe.summary import block_warnings
from codecurate.training.nanotron_config import NanotronConfig
from tests.conftest import write


def small_recipe(tmp_path: Path, stages: list[dict]) -> Path:
    repos = tmp_path / "repos"
    write(repos / "one" / "a.py", "def f(x):\n    return x + 1\n")
    write(repos / "stray.txt", "a file at the top of the input is no repository\n")
    recipe = {
        "name": "warned",
        "output": str(tmp_path / "out"),
        "executor": {"type": "local", "tasks": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": stages,
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return path


def test_a_run_with_warnings_says_so_in_the_console_summary_and_report_and_strict_fails(tmp_path, capsys):
    recipe = small_recipe(tmp_path, [{"block": "sensitive_words", "id": "sensitive"}])
    assert main(["run", str(recipe)]) == 0
    printed = capsys.readouterr().out
    assert "warnings (2):" in printed and "run complete, with 2 warnings" in printed
    assert "  - sensitive: no sensitive-word list given (params words_file or words)" in printed
    assert "  - repositories: inputs not read: not_a_repository 1 (each named in excluded/repositories/)" in printed
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert [w["stage"] for w in summary["warnings"]] == ["repositories", "sensitive"]
    report = (out / "report" / "report.md").read_text()
    assert "## Warnings" in report and "- **sensitive**: no sensitive-word list given" in report

    assert main(["run", str(recipe), "--strict"]) == 4  # the same run, complete: its warnings stand
    assert "--strict: the run ended with 2 warnings" in capsys.readouterr().err


def test_a_run_without_warnings_passes_strict(tmp_path, capsys):
    recipe = small_recipe(tmp_path, [{"block": "sensitive_words", "params": {"words": ["forbidden"]}}])
    (tmp_path / "repos" / "stray.txt").unlink()
    assert main(["run", str(recipe), "--strict"]) == 0
    printed = capsys.readouterr().out
    assert "warnings (" not in printed and "run complete\n" in printed


def test_validate_lists_the_warnings_the_recipe_alone_shows(tmp_path, capsys):
    recipe = small_recipe(tmp_path, [{"block": "sensitive_words", "id": "sensitive"}])
    assert main(["validate", str(recipe)]) == 0
    assert "warning: sensitive: no sensitive-word list given" in capsys.readouterr().out


def test_blocks_contribute_their_warnings_from_their_counts():
    analysis = {
        "stage": "analysis",
        "counters": {
            "analysis_skipped/go_vet/Go": 36,
            "not_analyzed/Go": 36,
            "analyzed/ruff/Python": 10,
            "analyzer_missing/oxlint/JavaScript": 4,
        },
    }
    assert stage_warnings(StaticAnalysisFilter, {}, analysis) == [
        "36 Go files were read by no analyzer (skipped by go_vet 36): they passed unanalyzed (docs/static-analysis.md)",
        "analyzer oxlint is not installed: its files passed unanalyzed (JavaScript 4); docs/static-analysis.md says "
        "how to install it",
    ]
    quiet = {"stage": "analysis", "counters": {"analyzed/ruff/Python": 3}}
    assert stage_warnings(StaticAnalysisFilter, {}, quiet) == []

    short = {
        "stage": "objectives",
        "objective_shares": {
            "all code": {"documents": 200, "sfim": 0.41, "fim": 0.3, "ntp": 0.29, "sfim_eligible": 0.41}
        },
    }
    warned = stage_warnings(TrainingObjectives, {"code_mix": {"sfim": 0.7, "fim": 0.15, "ntp": 0.15}}, short)
    assert warned and warned[0].startswith("SFIM share 0.700 (param code_mix) is out of reach: only 0.410 of the 200")
    met = {"stage": "objectives", "objective_shares": {"all code": {"documents": 200, "sfim": 0.695}}}
    assert stage_warnings(TrainingObjectives, {}, met) == []  # the default mix, met within rounding

    limited = {"stage": "training", "counters": {"vocabulary_limits_tp": 10001}}
    assert "vocabulary (10001 tokens)" in stage_warnings(NanotronConfig, {}, limited)[0]
    # a stage that has not run contributes nothing; one of an unknown block is skipped
    assert block_warnings([("sensitive", "sensitive_words", {}), ("x", "no_such_block", {})], {}) == []
