"""Opt-out lists: parsed with their line numbers, content ids as git computes them, and the
``opt_out`` stage dropping, as they are read, the files a list names (repository, author, path, content)."""

import json
import subprocess
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.optout import OptOutError, author_id, content_id, parse_opt_out
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import RecipeError, validate
from tests.conftest import git, read_jsonl_gz, write


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("repository a/b\nrepo c/d\n", 2, "unknown kind 'repo'"),
        ("# comment\n\nauthor nobody\n", 3, "'nobody' is not an e-mail address"),
        ("content swh:1:cnt:1234\n", 1, "is not a content id"),
        ("path a b\n", 1, "needs exactly one value"),
        ("repository\n", 1, "needs exactly one value"),
        ("repository /a/b\n", 1, "starts or ends with '/'"),
    ],
)
def test_a_malformed_entry_is_refused_with_its_line(text, line, message):
    with pytest.raises(OptOutError, match=rf"^list.txt:{line}: .*{message}"):
        parse_opt_out(text, "list.txt")


def test_content_ids_are_what_git_hash_object_prints():
    import datatrove

    for path in sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:5]:
        sha1 = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True).stdout
        assert content_id(path.read_bytes()) == f"swh:1:cnt:{sha1.strip()}"


def test_the_opt_out_stage_drops_what_the_list_names_as_it_is_read(tmp_path):
    repos = tmp_path / "repos"
    for name in ("keep", "gone", "mixed"):
        write(repos / name / "a.py", f"print('{name} a')\n")
        write(repos / name / "secret" / "b.py", f"print('{name} b')\n")
    mixed = repos / "mixed"
    git(mixed, "init", "-q")
    git(mixed, "add", "a.py")
    git(mixed, "commit", "-q", "-m", "one")
    write(mixed / "c.py", "print('by someone else')\n")
    subprocess.run(
        ["git", "-C", str(mixed), "-c", "user.name=o", "-c", "user.email=Other@Example.org", "add", "c.py"], check=True
    )
    subprocess.run(
        [
            "git",
            "-C",
            str(mixed),
            "-c",
            "user.name=o",
            "-c",
            "user.email=Other@Example.org",
            "commit",
            "-q",
            "-m",
            "two",
        ],
        check=True,
    )
    cid = content_id(b"print('keep a')\n")
    listed = tmp_path / "opt-out.txt"
    listed.write_text(
        "# requests\nrepository gone\nauthor other@example.org  # case does not matter\n"
        f"path keep/secret/*\ncontent {cid}\nrepository never/seen\n"
    )
    out = tmp_path / "out"
    recipe = {
        "name": "optout",
        "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos), "record_authors": True}}],
        "stages": [{"block": "opt_out", "id": "opt_out", "params": {"opt_out_file": str(listed)}}],
    }
    summary = run_recipe(validate(recipe))
    kept = sorted(r["id"] for p in (out / "documents").glob("*.gz") for r in read_jsonl_gz(p))
    assert kept == ["mixed/a.py", "mixed/secret/b.py"]
    excluded = {r["id"]: r for p in (out / "excluded" / "opt_out").rglob("*.gz") for r in read_jsonl_gz(p)}
    assert {i: r["metadata"][keys.FILTER_REASON] for i, r in excluded.items()} == {
        "gone/a.py": "opted_out_repository",
        "gone/secret/b.py": "opted_out_repository",
        "mixed/c.py": "opted_out_author",
        "keep/secret/b.py": "opted_out_path",
        "keep/a.py": "opted_out_content",
    }
    assert all(not r.get("text") for r in excluded.values())  # the request's content is not kept
    assert excluded["keep/a.py"]["metadata"][keys.CONTENT_ID] == cid
    assert excluded["mixed/c.py"]["metadata"][keys.AUTHOR_IDS] == [author_id("other@example.org")]
    stage = next(s for s in summary["stages"] if s["stage"] == "opt_out")
    assert stage["dropped"]["opted_out_repository"]["documents"] == 2
    # the entry that names nothing present has no count: the line numbers of those that matched
    assert {k: v for k, v in stage["counters"].items() if k.startswith("matched_line/")} == {
        "matched_line/2": 2,
        "matched_line/3": 1,
        "matched_line/4": 1,
        "matched_line/5": 1,
    }
    assert stage["counters"]["authors_not_recorded"] == 1  # mixed/secret/b.py was never committed
    # the entry that named nothing is a run warning, with its line
    assert {
        "stage": "opt_out",
        "message": f"opt-out list {listed}: 1 of 5 entries name nothing present in the input "
        "(line 6: repository never/seen)",
    } in summary["warnings"]
    # the same list on a finished run that had no opt-out stage: the same documents go, authors included
    after = tmp_path / "after"
    assert run_recipe(validate({**recipe, "output": str(after), "stages": []}))["complete"]
    from codecurate.recipe.remove import remove

    report = remove(after, listed)
    assert sorted(r["id"] for p in (after / "documents").glob("*.gz") for r in read_jsonl_gz(p)) == kept
    assert [e["documents"] for e in report["entries"]] == [2, 1, 1, 1, 0]
    assert report["unmatched"] == ["line 6: repository never/seen"]
    listed.write_text("repository ok\nrepository a b\n")
    with pytest.raises(RecipeError, match=r"opt-out.txt:2: repository entry needs exactly one value"):
        validate(recipe)
    assert json.loads((out / "summary.json").read_text())["complete"]


def test_the_stack_reader_records_its_hexsha_as_the_content_id(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from codecurate.readers.the_stack import TheStackReader

    texts = ["def f():\n    return 1\n", "x = 'caf\u00e9'\n"]
    sha1 = content_id(texts[0].encode()).removeprefix("swh:1:cnt:")
    table = pa.table(
        {
            "content": texts,
            "hexsha": [sha1.upper(), None],
            "lang": ["Python", "Python"],
            "max_stars_repo_name": ["o/a", "o/b"],
            "max_stars_repo_path": ["f.py", "x.py"],
        }
    )
    pq.write_table(table, tmp_path / "part.parquet")
    documents = list(TheStackReader(str(tmp_path)).run())
    assert [d.metadata[keys.CONTENT_ID] for d in documents] == [f"swh:1:cnt:{sha1}", content_id(texts[1].encode())]


def test_without_a_list_every_document_passes_and_the_run_says_so():
    from codecurate.filters.opt_out import OptOut
    from tests.conftest import make_doc

    block = OptOut(None)
    assert block.filter(make_doc("x = 1\n")) is True
    assert OptOut.run_warnings({"opt_out_file": None}, None) == [
        "no opt-out list given (params opt_out_file): no file is removed on request"
    ]
