"""Python that CPython refuses for its nesting limits is dropped; real code near them is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.filters.syntax.filter import SyntaxFilter
from codecurate.filters.syntax.python_limits import limit_exceeded, near_limits
from tests.conftest import make_doc, verdict

HOST = Path(json.__file__).with_name("decoder.py")  # a real file of the standard library


def _deep(depth: int, per_line: int = 25) -> str:
    opening = "(" * depth
    lines = "\n".join(opening[i:i + per_line] for i in range(0, depth, per_line))
    return f"\nvalue = {lines}1{')' * depth}\n"


def _loops(depth: int) -> str:
    return "\n" + "".join("    " * i + f"for i{i} in range(2):\n" for i in range(depth)) + "    " * depth + "pass\n"


def _judge(text: str) -> str | None:
    return verdict(SyntaxFilter(), make_doc(text, path="pkg/decoder.py", **{keys.LANGUAGE: "Python"}))


@pytest.mark.parametrize(("tail", "refused"), [
    (_deep(150), False), (_deep(250), True), (_deep(10_000), True),
    (_loops(19), False), (_loops(21), True),
    ("\nvalue = " + "-" * 40 + "1\n", False), ("\nvalue = " + "-" * 5000 + "1\n", True),
])
def test_nesting_limits_as_compile_sees_them(tail, refused):
    text = HOST.read_text(encoding="utf-8") + tail
    try:
        compile(text, "decoder.py", "exec", dont_inherit=True)
        compiles = True
    except (SyntaxError, RecursionError, MemoryError):
        compiles = False
    assert compiles is not refused  # the case is what it claims, for this Python
    assert (limit_exceeded(text) is not None) is refused
    assert _judge(text) == ("too_deeply_nested" if refused else None)


def test_real_files_pass_and_most_are_not_compiled():
    files = sorted(HOST.parent.parent.glob("*.py"))[:80]
    texts = [p.read_text(encoding="utf-8") for p in files]
    assert all(limit_exceeded(t) is None for t in texts)
    assert sum(near_limits(t) for t in texts) < len(texts) // 4


def test_other_syntax_errors_are_left_to_the_policy():
    # syntax this Python may not know, or an error tree-sitter tolerates: not a limit
    assert limit_exceeded("(" * 120 + "1" + ")" * 120 + "\nx = = 1\n") is None
