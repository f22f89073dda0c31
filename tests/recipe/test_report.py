import json

import pytest

from codecurate import documents as keys
from codecurate.cli import main
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz, write

pytest.importorskip("matplotlib")
pytest.importorskip("tree_sitter_language_pack")

PNG = b"\x89PNG\r\n\x1a\n"


def corpus(root):
    body = "".join(f"def f{i}(x):\n    return x * {i} + {i}\n\n" for i in range(40))
    for r in range(3):
        write(root / f"r{r}" / "lib.py", body)  # exact duplicates across repositories
        write(root / f"r{r}" / f"own{r}.py", f"def g(x):\n    return x - {r}\n")
        write(root / f"r{r}" / "contact.py", f"# maintainer: dev{r}@corp-mail.org\nX = {r}\n")
        write(root / f"r{r}" / "main.go", f"package main\n\nfunc main() {{ println({r}) }}\n")
    return root


def test_report_numbers_agree_with_the_run_and_plots_are_written(tmp_path, capsys):
    out = tmp_path / "out"
    recipe = {
        "name": "report", "seed": 2, "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(corpus(tmp_path / "repos"))}}],
        "stages": [
            {"block": "exact_dedup", "id": "exact", "params": {"partitions": 2}},
            {"block": "pii_redaction", "id": "pii", "params": {"scope": "code"}},
            {"block": "repository_order", "id": "order"},
            {"block": "training_objectives", "id": "objectives"},
            {"block": "tokenized_shards", "id": "shards", "params": {"vocab_size": 400, "sample_rate": 1.0}},
        ],
    }
    run_recipe(validate(recipe))
    assert main(["report", str(out)]) == 0
    assert "report.md" in capsys.readouterr().out
    data = json.loads((out / "report" / "report.json").read_text())
    documents = [r for p in sorted((out / "documents").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    assert sum(v["files"] for v in data["languages"].values()) == len(documents) == 10
    assert set(data["languages"]) == {"Python", "Go"}
    assert data["dedup_cluster_sizes"] == {"exact": {"3": 1}}  # lib.py three times: one cluster of 3
    assert data["pii"] == {"EMAIL": 3}
    assert sum(data["order_strategies"].values()) == 3
    assert sum(data["objectives"].values()) == len(documents)
    shares = data["objective_shares"]  # realised per language, from the stage's counts
    assert shares["all code"]["documents"] == len(documents) and set(shares) == {"all code", "Python", "Go"}
    go = [r["metadata"] for r in documents if r["metadata"][keys.LANGUAGE] == "Go"]
    assert shares["Go"]["sfim"] == round(sum(m[keys.OBJECTIVE] == "sfim" for m in go) / len(go), 4)
    assert shares["Go"]["sfim_eligible"] == 1.0  # every main.go has a function
    assert data["tokens"]["documents"] == len(documents)
    funnel = {s["stage"]: s for s in data["funnel"]}
    assert funnel["exact"]["dropped"] == {"exact_duplicate": {"documents": 2, "bytes": 2 * len(
        "".join(f"def f{i}(x):\n    return x * {i} + {i}\n\n" for i in range(40)))}}
    for name in ("funnel", "languages", "pii", "strategies", "objectives", "dedup", "time"):
        png = out / "report" / f"{name}.png"
        assert png.read_bytes()[:8] == PNG and png.stat().st_size > 2000, name
    md = (out / "report" / "report.md").read_text()
    assert "![funnel](funnel.png)" in md and "| EMAIL | 3 |" in md and "1 clusters of 3" in md
    assert f"| all code | {len(documents)} | {shares['all code']['sfim']:.3f} |" in md
    assert all(r["metadata"].get(keys.PII_COUNTS) for r in documents if r["metadata"][keys.PATH] == "contact.py")
    # every stage has a time, the multi-pass ones (exact dedup, objectives, shards) included
    summary = json.loads((out / "summary.json").read_text())
    seconds = {s["stage"]: s["seconds"] for s in summary["stages"]}
    assert set(seconds) >= {"repositories", "exact", "pii", "order", "objectives", "shards", "output"}
    assert all(value > 0 for value in seconds.values()), seconds
