"""The library examples of the README and docs run as written: each ```python block marked
``<!-- runnable -->`` is copied into a file and run in a folder holding ``my_repos/`` (two small
repositories and one file over the examples' line limit), as a reader would run it. Every ```python
block is marked, runnable or ``<!-- fragment -->``, so that no example goes untested unnoticed."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE, FRAGMENT = "<!-- runnable -->", "<!-- fragment -->"


def python_blocks(page: Path) -> list[tuple[int, str, str]]:
    """``(line, marker, code)`` of each ```python block of ``page``; the marker is the line before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() == "```python":
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            marker = lines[i - 1].strip() if i else ""
            blocks.append((i + 1, marker, "\n".join(lines[i + 1:end]) + "\n"))
    return blocks


EXAMPLES = [pytest.param(code, id=f"{page.name}:{line}")
            for page in PAGES for line, marker, code in python_blocks(page) if marker == RUNNABLE]


def test_every_python_block_is_marked():
    unmarked = [f"{page.name}:{line}" for page in PAGES for line, marker, _ in python_blocks(page)
                if marker not in (RUNNABLE, FRAGMENT)]
    assert unmarked == [], f"mark each ```python block {RUNNABLE} (tested) or {FRAGMENT}"
    assert len(EXAMPLES) >= 2  # the README's and docs/recipes.md's


def make_repositories(folder: Path) -> None:
    (folder / "tools").mkdir(parents=True)
    (folder / "tools" / "add.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (folder / "tools" / "generated.py").write_text("".join(f"x{i} = {i}\n" for i in range(6000)), encoding="utf-8")
    (folder / "hello").mkdir()
    (folder / "hello" / "main.c").write_text('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n',
                                             encoding="utf-8")


@pytest.mark.parametrize("code", EXAMPLES)
def test_the_example_runs_as_written(code, tmp_path):
    make_repositories(tmp_path / "my_repos")
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    # without `if __name__ == "__main__":` the workers run the pipeline again on import and it hangs; a run
    # takes about 10 s, the timeout leaves room for a loaded machine
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    kept = []
    for path in sorted((tmp_path / "out").rglob("documents/*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            kept += [json.loads(line)["metadata"]["path"] for line in f]
    # the file of 6000 lines is over both examples' limits of 5000
    assert sorted(Path(p).name for p in kept) == ["add.py", "main.c"]
