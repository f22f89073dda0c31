from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.filters.language_selection import (
    AIXCODER_LANGUAGES,
    LanguageSelectionFilter,
    extension_label,
)
from codecurate.languages import LANGUAGES
from codecurate.readers import RepositoriesReader
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import make_doc, read_all, read_jsonl_gz, verdict, write


def _mixed_repository(root: Path) -> Path:
    """A repository as they come: code, a LICENSE, a data folder of rule files, dotfiles, docs."""
    repo = root / "scanner"
    write(repo / "src" / "scan.py", "def scan(path):\n    return open(path).read()\n")
    write(repo / "src" / "native" / "fast.c", "int fast(int x) { return x * 2; }\n")
    write(repo / "web" / "app.ts", "export const n: number = 1;\n")
    write(repo / "LICENSE", "MIT License\n\nPermission is hereby granted...\n")
    write(repo / "CHANGES", "1.0: first release\n")
    write(repo / "README.md", "# scanner\n")
    write(repo / ".gitignore", "*.pyc\n")
    write(repo / ".editorconfig", "root = true\n")
    for index in range(3):
        write(repo / "data" / "rules" / f"mit_{index}.RULE", f"---\nlicense_expression: mit\n---\nrule {index}\n")
        write(repo / "data" / "rules" / f"mit_{index}.yml", f"license_expression: mit\nid: {index}\n")
    return root


def test_repository_keeps_only_the_code_and_what_the_recipe_lists(tmp_path):
    root = _mixed_repository(tmp_path / "repos")
    documents = read_all(RepositoriesReader(str(root)))
    block = LanguageSelectionFilter()
    reasons = {d.metadata[keys.PATH]: verdict(block, d) for d in documents}
    assert {path for path, reason in reasons.items() if reason is None} == {
        "src/scan.py", "src/native/fast.c", "web/app.ts",
        *(f"data/rules/mit_{i}.yml" for i in range(3)),  # YAML is on aiXcoder's list
    }
    assert {path: reason for path, reason in reasons.items() if reason} == {
        "LICENSE": "language_not_selected",  # plain text
        "CHANGES": "unknown_language",
        "README.md": "language_not_selected",  # documentation is the user's choice
        ".gitignore": "unknown_language",
        ".editorconfig": "language_not_selected",  # INI
        **{f"data/rules/mit_{i}.RULE": "unknown_language" for i in range(3)},
    }
    # a recipe that lists its languages keeps exactly those, documentation included when asked
    listed = LanguageSelectionFilter(languages=["python", "c"], include_documentation=True)
    assert {d.metadata[keys.PATH] for d in documents if verdict(listed, d) is None} == {
        "src/scan.py", "src/native/fast.c", "README.md"}


def test_articles_pass_and_the_default_names_real_languages():
    block = LanguageSelectionFilter()
    article = make_doc("Prose about code.", "README", **{keys.KIND: keys.KIND_TEXT, keys.LANGUAGE: None})
    assert verdict(block, article) is None
    assert set(AIXCODER_LANGUAGES) <= set(LANGUAGES)  # every default is a language the readers detect
    with pytest.raises(KeyError, match="unknown language 'Klingon'"):
        LanguageSelectionFilter(languages=["Klingon"])
    with pytest.raises(ValueError, match="languages is empty"):
        LanguageSelectionFilter(languages=[])


@pytest.mark.parametrize(("path", "label"), [
    ("a/b/rules/mit.RULE", ".rule"), ("LICENSE", "LICENSE"), (".gitignore", ".gitignore"),
    ("data/x.tar.gz", ".gz"), ("odd/" + "x" * 40, "other"), ("we ird/fi le.a b", "other"),
])
def test_extension_labels(path, label):
    assert extension_label(path) == label


def test_summary_counts_what_was_left_out_per_extension(tmp_path):
    root = _mixed_repository(tmp_path / "repos")
    out = tmp_path / "out"
    summary = run_recipe(validate({
        "name": "languages", "output": str(out), "executor": {"type": "local", "tasks": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(root)}}],
        "stages": [{"block": "language_selection", "id": "languages"}],
    }))
    stage = {s["stage"]: s for s in summary["stages"]}["languages"]
    assert stage["balanced"] and stage["kept"] == 6
    assert stage["dropped"]["unknown_language"]["documents"] == 5
    assert stage["dropped"]["unknown_language"]["extensions"] == {".rule": 3, ".gitignore": 1, "CHANGES": 1}
    assert stage["dropped"]["language_not_selected"]["extensions"] == {".editorconfig": 1, ".md": 1, "LICENSE": 1}
    excluded = [r for p in sorted((out / "excluded" / "languages").glob("*.gz")) for r in read_jsonl_gz(p)]
    assert sorted(r["metadata"]["filter_reason"] for r in excluded) == ["language_not_selected"] * 3 + [
        "unknown_language"] * 5
