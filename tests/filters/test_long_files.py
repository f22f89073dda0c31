import pytest

from codecurate.filters.long_files import LongFilesFilter, longest_line
from codecurate.metadata import EVIDENCE
from tests.conftest import make_doc, verdict

F = LongFilesFilter()


def test_defaults_are_the_papers():
    assert (F.max_line_chars, F.max_lines, F.max_bytes) == (1000, 10_000, 1_000_000)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a" * 1000 + "\n", None),
        ("a" * 1001 + "\n", "long_line"),
        ("x\n" * 10_000, None),
        ("x\n" * 10_001, "too_many_lines"),
        ("x\n" * 9_999 + "x", None),  # 10,000 lines, the last without a newline
        ("x\n" * 10_000 + "x", "too_many_lines"),
        (("b" * 99 + "\n") * 10_000, None),  # exactly 1,000,000 bytes
        (("b" * 99 + "\n") * 10_000 + "b", "too_large"),
        ("é" * 500_000, None),  # 1,000,000 bytes in 500,000 characters, on one line... too long a line
    ],
)
def test_edges(text, reason):
    block = F if not text.startswith("é") else LongFilesFilter(max_line_chars=10**6)
    assert verdict(block, make_doc(text)) == reason


def test_bytes_not_characters():
    assert verdict(LongFilesFilter(max_line_chars=10**6), make_doc("é" * 500_001)) == "too_large"


def test_longest_line():
    assert longest_line("ab\nabcd\n\nx") == 4
    assert longest_line("") == 0


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="max_lines must be >= 1"):
        LongFilesFilter(max_lines=0)


def test_a_long_line_is_recorded_where_it_is():
    document = make_doc("short\n" + "a" * 1001 + "\n" + "b" * 2000 + "\n")
    assert verdict(F, document) == "long_line"
    assert document.metadata[EVIDENCE] == {"line": 2, "chars": 1001, "limit": 1000}
