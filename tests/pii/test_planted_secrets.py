"""Secrets planted across 22 files of 20 types never reach the documents, the shards or any file
of the output (issue 23): the recipe's PII stage scans what each format can hold a secret in, and
the paths and the repository name too; the raw text between passes is removed after the run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.pii.redact import PIIRedactor
from codecurate.readers.repositories import RepositoriesReader
from tests.pii.planted import PATH_IP, REPOSITORY, TEMPLATES, write_planted_repository

pytest.importorskip("tree_sitter_language_pack")


def test_every_planted_value_is_redacted_by_the_block(tmp_path):
    planted = write_planted_repository(tmp_path)
    assert len(TEMPLATES) >= 20 and sum(map(len, planted.values())) > 80
    block = PIIRedactor(urls=True)
    seen = 0
    for document in RepositoriesReader(str(tmp_path)).run(None, 0, 1):
        path = document.metadata[keys.PATH]
        assert block.filter(document) is True
        record = json.dumps({"id": document.id, "text": document.text, "metadata": document.metadata})
        assert [v for v in planted[path] if v in record] == [], path
        assert REPOSITORY not in record and document.metadata[keys.REPO].startswith("<EMAIL>~")
        seen += 1
    assert seen == len(planted)


def test_the_redacted_names_stay_distinct_and_each_repository_keeps_one_name(tmp_path):
    block = PIIRedactor()
    a, _ = block.redact_name("ann@corp-mail.com/tools")
    b, _ = block.redact_name("bob@corp-mail.com/tools")
    assert a != b and a.startswith("<EMAIL>/tools~") and b.startswith("<EMAIL>/tools~")
    assert block.redact_name("ann@corp-mail.com/tools")[0] == a
    assert block.redact_name(f"backups/{PATH_IP}/notes.txt")[0].startswith("backups/<IP_ADDRESS>/notes.txt~")
    assert block.redact_name("src/main.py") == ("src/main.py", {})
    # a network in CIDR notation is not a host; a path after an address is not a prefix length
    assert block.redact_name("allow 52.1.0.0/16")[0] == "allow 52.1.0.0/16"


def test_no_planted_value_reaches_any_output_file_of_a_run(tmp_path):
    from codecurate.recipe.run import run_recipe
    from codecurate.recipe.schema import validate
    from codecurate.tokenizer_files import load_tokenizer
    from codecurate.tokens.shards import Shard

    repos, out = tmp_path / "repos", tmp_path / "out"
    planted = write_planted_repository(repos)
    recipe = {
        "name": "planted", "seed": 2, "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [
            {"block": "pii_redaction", "id": "pii", "params": {"scope": "code", "urls": True}},
            {"block": "repository_order", "id": "order"},
            {"block": "training_objectives", "id": "objectives"},
            {"block": "tokenized_shards", "id": "shards",
             "params": {"vocab_size": 600, "sample_rate": 1.0, "sequence_length": 256,
                        "max_tokens_per_shard": 50_000, "merge_tasks": 2}},
        ],
    }
    summary = run_recipe(validate(recipe), keep_intermediate=False)  # what a run keeps for reruns is raw text
    assert summary["complete"]
    values = sorted({v for vs in planted.values() for v in vs} | {REPOSITORY})
    documents = [json.loads(line) for p in sorted((out / "documents").glob("*.jsonl.gz"))
                 for line in gzip.decompress(p.read_bytes()).decode("utf-8").splitlines()]
    assert len(documents) == len(planted)  # every file reached the output: none passed by being dropped
    # the raw text between passes is gone; every other file of the output is searched, decompressed
    assert not (out / "intermediate").exists() and not (out / "work").exists()
    searched = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file() and "logs" not in p.relative_to(out).parts):
        data = path.read_bytes()
        text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", errors="replace")
        assert [v for v in values if v in text] == [], path
        searched += 1
    assert searched > 10
    tokenizer = load_tokenizer(out / "tokenizer")
    decoded = "".join(tokenizer.decode(unit.tolist(), skip_special_tokens=False)
                      for shard in sorted((out / "tokens").glob("*.ds")) for units in Shard(shard).units()
                      for unit in units).replace("\u2581", " ")
    assert len(decoded) > 3_000 and "<PASSWORD>" in decoded and "<KEY>" in decoded
    assert [v for v in values if v in decoded] == []


def test_keep_intermediate_keeps_the_scratch_folders(tmp_path):
    from codecurate.recipe.run import run_recipe
    from codecurate.recipe.schema import validate

    repos = tmp_path / "repos"
    (repos / "r").mkdir(parents=True)
    (repos / "r" / "a.py").write_text("x = 1\n")
    recipe = {"name": "keep", "seed": 1, "output": str(tmp_path / "out"), "executor": {"type": "local", "tasks": 1},
              "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
              "stages": [{"block": "exact_dedup", "id": "dedup"}]}
    assert run_recipe(validate(recipe), keep_intermediate=True)["complete"]
    assert (tmp_path / "out" / "intermediate" / "dedup").is_dir() and (tmp_path / "out" / "work" / "dedup").is_dir()
    recipe["output"] = str(tmp_path / "out2")
    assert run_recipe(validate(recipe), keep_intermediate=False)["complete"]
    assert not (tmp_path / "out2" / "intermediate").exists() and not (tmp_path / "out2" / "work").exists()
    assert Path(tmp_path / "out2" / "documents").is_dir()
    assert run_recipe(validate(recipe))["complete"]  # a rerun of the completed run finds nothing to redo


def test_public_digests_in_markup_are_not_keys():
    """HTML is scanned whole now: a subresource-integrity digest is public, a random literal is not."""
    from tests.conftest import make_doc

    html = ('<script src="a.js" integrity="sha384-sRIl4kxILFvY47J16cr9ZwB07vP4J8+LH7qKQnuqkuIAvNWLzeN8tE5YBujZqJLB">'
            '</script>\n<div data-key="sRIl4kxILFvY47J16cr9ZwB07vP4J8"></div>\n')
    document = make_doc(html, "web/index.html", **{keys.LANGUAGE: "HTML"})
    assert PIIRedactor().filter(document) is True
    assert "sha384-sRIl4kxILFvY47J16" in document.text and 'data-key="<KEY>"' in document.text
