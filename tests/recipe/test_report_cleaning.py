import json
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.recipe.report import collect, write_report
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from codecurate.recipe.summary import format_summary
from tests.conftest import read_jsonl_gz, write

pytest.importorskip("presidio_analyzer")
pytest.importorskip("tree_sitter_language_pack")

MAIN = '''"""Entry point."""

# Fetch from https://data.jane-doe-lab.net/export.csv when run by hand.

# def main_old():
#     rows = load("input.csv")
#     rows = [r for r in rows if r]
#     print(len(rows))
#     return rows


def main():
    return 0
'''


def test_summary_and_report_show_duplicate_repositories_commented_code_and_urls(tmp_path):
    root = tmp_path / "repos"
    for k in range(6):
        write(root / "app" / "app" / f"m{k}.py", f"def f{k}(x):\n    return x * {k} + {k * k}\n")
        write(root / "copy" / "vendor" / "app2" / f"m{k}.py", f"def f{k}(x):\n    return x * {k} + {k * k}\n")
    write(root / "app" / "app" / "main.py", MAIN)
    write(root / "app.json", json.dumps({"name": "org/app", "stars": 50}))
    write(root / "copy.json", json.dumps({"name": "someone/app-copy", "stars": 1}))
    out = tmp_path / "out"
    recipe = validate({
        "name": "cleaning", "seed": 3, "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(root)}}],
        "stages": [
            {"block": "project_dedup", "id": "projects"},
            {"block": "commented_code", "id": "commented", "params": {"delete_share": 1.0}},
            {"block": "pii_redaction", "id": "pii", "params": {"urls": True}},
        ],
    })
    summary = run_recipe(recipe)
    stages = {s["stage"]: s for s in summary["stages"]}
    assert all(s["balanced"] for s in summary["stages"])
    assert stages["projects"]["dropped"]["duplicate_repository"]["documents"] == 6
    assert stages["commented"]["counters"]["deleted_blocks"] == 1
    text = format_summary(summary)
    assert "duplicate repositories: 1 of 2 repositories, in 1 clusters" in text
    assert "commented-out code: 2 comment blocks, 1 large, 1 of them code, 1 deleted" in text
    documents = [r for p in sorted((out / "documents").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    main = next(r for r in documents if r["metadata"][keys.PATH] == "app/main.py")
    assert "# Fetch from <URL> when run by hand." in main["text"] and "def main_old" not in main["text"]
    assert main["metadata"][keys.COMMENTED_CODE_REMOVED_BYTES] == len(MAIN.split("\n\n")[2]) + 1
    assert main["metadata"][keys.PII_COUNTS] == {"URL": 1}
    data = collect(out)
    assert data["duplicate_repositories"] == {"projects": {"someone/app-copy": {
        "kept": "org/app", "similarity": pytest.approx(6 / 9, abs=1e-6), "files": 6}}}
    assert data["commented_code"]["commented"]["deleted_blocks"] == 1
    assert data["pii"] == {"URL": 1}
    md = (Path(write_report(out, plots=False)) / "report.md").read_text()
    assert "| someone/app-copy | org/app |" in md and "1 deleted" in md and "| URL | 1 |" in md
