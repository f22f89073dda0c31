import json
import shutil

import pytest

from codecurate import metadata as keys
from codecurate.cli import main
from codecurate.core import CodecurateFilter, registry
from codecurate.core.report_sections import Plot, Section
from codecurate.recipe.report import write_report
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from codecurate.recipe.summary import format_summary
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


class LongFunctions(CodecurateFilter):
    """A block of the test's own: counts the files holding more than ``limit`` functions, and brings
    its section, plot and summary line (``codecurate.core.report_sections``)."""

    name = "long_functions"

    def __init__(self, limit: int = 10, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.limit = limit

    def filter(self, document) -> bool:
        self.stat_update("many_functions" if document.text.count("def ") > self.limit else "few_functions")
        return True

    @classmethod
    def report_document(cls, metadata: dict, tally: dict) -> None:
        tally[metadata[keys.LANGUAGE]] = tally.get(metadata[keys.LANGUAGE], 0) + 1

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output) -> list[Section]:
        many = stage["counters"].get("many_functions", 0)
        return [Section("Long files", [f"- {stage['stage']}: {many} files over {params['limit']} functions",
                                       f"- curated per language: {dict(sorted(output.tally.items()))}"],
                        {"long_files": many}, per_stage=True,
                        plots=[Plot("long_files", "Files per language", "files", output.tally)])]

    @classmethod
    def summary_lines(cls, stage: dict, brief: bool) -> list[str]:
        return [f"long files: {stage['counters'].get('many_functions', 0)}"]


def data_tokens(out) -> str:
    """``N tokens in M`` as ``tokens/summary.json`` has them."""
    written = json.loads((out / "tokens" / "summary.json").read_text())
    return f"{written['tokens']:,} tokens in {len(written['shards'])}"


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """One small run of the stages that bring report sections, and a block of the test's own."""
    registry.register("long_functions")(LongFunctions)
    tmp_path = tmp_path_factory.mktemp("report")
    out = tmp_path / "out"
    recipe = {
        "name": "report", "seed": 2, "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(corpus(tmp_path / "repos"))}}],
        "stages": [
            {"block": "exact_dedup", "id": "exact", "params": {"partitions": 2}},
            {"block": "long_functions", "id": "long", "params": {"limit": 30}},
            {"block": "commented_code", "id": "commented", "params": {"delete_share": 1.0}},
            {"block": "pii_redaction", "id": "pii", "params": {"scope": "code"}},
            {"block": "repository_order", "id": "order"},
            {"block": "training_objectives", "id": "objectives"},
            {"block": "tokenized_shards", "id": "shards", "params": {"vocab_size": 400, "sample_rate": 1.0}},
        ],
    }
    summary = run_recipe(validate(recipe))
    yield out, summary
    del registry._REGISTRY["long_functions"]  # the other tests' registry as it was


def test_report_numbers_agree_with_the_run_and_plots_are_written(report_run, capsys):
    out, _ = report_run
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
    timed = {"repositories", "exact", "pii", "order", "objectives", "shards", "output"}
    assert set(seconds) >= timed
    assert all(seconds[stage] > 0 for stage in timed), seconds  # the test's own block takes no time


def test_each_stage_brings_its_sections_in_stage_order_a_block_of_ours_too(report_run, tmp_path):
    out, summary = report_run
    copy = tmp_path / "copy"  # a report of its own (the other test writes one into the run's folder)
    shutil.copytree(out, copy)
    write_report(copy, plots=True)
    md = (copy / "report" / "report.md").read_text()
    titles = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert titles == ["Stages", "Languages (curated files)", "Dedup clusters", "Long files", "Commented-out code",
                      "PII replaced, by type", "Order strategies drawn (repositories)", "Objectives", "Tokens",
                      "Time per stage", "Kept for reruns"]
    assert "- exact: 1 clusters of 3" in md and "![dedup](dedup.png)" in md
    assert "- long: 1 files over 30 functions" in md  # lib.py (40 functions), once: exact dedup dropped the copies
    assert "- curated per language: {'Go': 3, 'Python': 7}" in md
    assert "![long_files](long_files.png)" in md and (copy / "report" / "long_files.png").read_bytes()[:8] == PNG
    assert "- commented: 3 comment blocks, 0 large" in md  # each contact.py's one-line comment
    assert "| EMAIL | 3 |" in md and "| strategy | repositories |" in md
    assert "| objective / layout | documents |" in md and "Realised shares per language" in md
    assert f"{data_tokens(copy)} shards: 10 documents, 3 units (repositories and articles)" in md
    data = json.loads((copy / "report" / "report.json").read_text())
    assert data["long_files"] == {"long": 1} and data["commented_code"]["commented"]["comment_blocks"] == 3
    assert set(data) >= {"dedup_cluster_sizes", "pii", "order_strategies", "objectives", "objective_modes",
                         "objective_shares", "tokens", "commented_code"}
    stages = {s["stage"]: s for s in summary["stages"]}
    assert stages["long"]["block"] == "long_functions" and "objective_shares" in stages["objectives"]
    text = format_summary(summary)
    assert "    long files: 1" in text and "    commented-out code: 3 comment blocks, 0 large" in text
    assert "    objectives all code: 10 documents" in text
    assert "    long files: 1" in format_summary(summary, brief=True)


class Broken(CodecurateFilter):
    """Hooks that fail: the report and the summary say so and go on."""

    name = "broken"

    @classmethod
    def report_sections(cls, params, stage, output):
        raise RuntimeError("no numbers")

    @classmethod
    def summary_fields(cls, params, stage):
        raise KeyError("shares")

    @classmethod
    def summary_lines(cls, stage, brief):
        raise ValueError("no line")


def test_a_failing_hook_is_said_not_raised_and_parts_of_one_title_join():
    from codecurate.core.report_sections import StageOutput, stage_fields, stage_lines, stage_sections
    from codecurate.recipe.report import _merged, markdown

    stage = {"stage": "b", "counters": {}}
    [section] = stage_sections(Broken, {}, stage, StageOutput("/nonexistent", "b"))
    assert section.lines == ["Broken.report_sections failed: RuntimeError: no numbers"]
    assert stage_fields(Broken, {}, stage) == {"fields_failed": "Broken.summary_fields failed: KeyError: 'shares'"}
    assert stage_lines(Broken, stage, brief=True) == ["Broken.summary_lines failed: ValueError: no line"]
    parts = _merged([
        ("near", Section("Dedup clusters", ["- near: 2 clusters of 2"], empty="(no duplicates)",
                         plots=[Plot("dedup", "sizes", "files", {"2": 2}, kind="histogram")])),
        ("exact", Section("Dedup clusters", ["- exact: 1 clusters of 3"], empty="(no duplicates)",
                          plots=[Plot("dedup", "sizes", "files", {"2": 1, "3": 1}, kind="histogram")])),
        ("x", Section("Nothing here", empty="(no stage)")),
    ])
    assert [(title, lines, empty) for title, lines, empty, _ in parts] == [
        ("Dedup clusters", ["- near: 2 clusters of 2", "- exact: 1 clusters of 3"], "(no duplicates)"),
        ("Nothing here", [], "(no stage)"),
    ]
    assert parts[0][3][0].values == {"2": 3, "3": 1}  # one figure, the stages' values summed
    data = {"complete": True, "funnel": [], "languages": {}}
    md = markdown(data, parts, {"dedup": "dedup.png"})
    assert "## Dedup clusters\n\n![dedup](dedup.png)\n\n- near: 2 clusters of 2\n- exact: 1 clusters of 3\n" in md
    assert "## Nothing here\n\n(no stage)\n" in md
