"""Shared fixtures: corpora the tests build themselves."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.readers.base import RepositoryReader


@pytest.fixture(autouse=True)
def _logging_to_this_tests_stderr():
    """datatrove binds its log handler to the sys.stderr of the moment; under pytest's capture that
    stream is closed after each test, so bind it again to this test's stream."""
    from datatrove.utils.logging import setup_default_logger

    setup_default_logger()
    yield


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    """A folder of three repositories: a git work tree, a plain tree with a sidecar, a tiny one."""
    root = tmp_path / "repos"
    alpha = root / "alpha"
    write(alpha / "main.py", "import util\n\nprint(util.add(1, 2))\n")
    write(alpha / "util.py", "def add(a, b):\n    return a + b\n")
    write(alpha / "LICENSE", "MIT License\n\nPermission is hereby granted...\n")
    write(alpha / "scripts" / "run", "#!/usr/bin/env bash\necho hi\n")
    if shutil.which("git"):
        git(alpha, "init", "-q")
        git(alpha, "add", ".")
        git(alpha, "commit", "-q", "-m", "one")
        write(alpha / "util.py", "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n")
        git(alpha, "commit", "-q", "-am", "two")
    beta = root / "beta"
    write(beta / "src" / "Main.java", "class Main { public static void main(String[] a) {} }\n")
    write(beta / "README.md", "# beta\n")
    write(beta / "empty.txt", "")
    write(beta / "latin1.c", "/* caf\xe9 */\nint x;\n".encode("latin-1"))
    write(beta / "bom16.js", "var s = 'x';\n".encode("utf-16"))
    write(root / "beta.json", json.dumps({"name": "owner/beta", "license": "Apache-2.0", "stars": 42}))
    write(root / "gamma" / "index.ts", "export const x: number = 1;\n")
    return root


def read_all(reader: RepositoryReader, world_size: int = 1) -> list:
    docs = []
    for rank in range(world_size):
        docs.extend(reader.run(None, rank, world_size))
    return docs


def read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def make_doc(text: str, path: str = "src/main.py", repo: str | None = "o/r", **metadata) -> Document:
    """A code document as the readers make them."""
    meta = {keys.REPO: repo, keys.PATH: path, keys.KIND: keys.KIND_CODE, **metadata}
    return Document(text=text, id=f"{repo}/{path}", metadata=meta)


def verdict(block, document) -> str | None:
    """None when ``block`` keeps the document, else the drop reason."""
    result = block.filter(document)
    keep, reason = result if isinstance(result, tuple) else (result, None)
    return None if keep else reason


AIXCODER = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"


def aixcoder_recipe(out: Path, repos: Path, *overrides: str):
    """The aiXcoder recipe on a folder of repositories, 2 tasks, with ``--set``-style overrides."""
    from codecurate.recipe.schema import load_recipe

    return load_recipe(AIXCODER, overrides=["executor.tasks=2", *overrides], output=str(out), input_path=str(repos))


def run_outputs(out: Path) -> tuple[list, dict]:
    """A run's documents ``(id, text)``, sorted, and its shard files' bytes (the output folder's path
    replaced by ``OUTPUT``): what two runs must share."""
    documents = sorted((r["id"], r["text"]) for p in sorted((out / "documents").glob("*.gz")) for r in read_jsonl_gz(p))
    # the metadata names the tokenizer by its absolute path, which is the run's own
    root = str(out.resolve()).encode()
    shards = {p.name: p.read_bytes().replace(root, b"OUTPUT") for p in sorted((out / "tokens").glob("*.ds*"))}
    return documents, shards
