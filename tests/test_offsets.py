from hypothesis import given
from hypothesis import strategies as st

from codecurate.offsets import char_offsets, merge_spans


@given(st.text())
def test_byte_offsets_of_character_starts_map_to_those_characters(text):
    source = text.encode("utf-8", errors="surrogatepass")
    starts = [len(text[:i].encode("utf-8", errors="surrogatepass")) for i in range(len(text) + 1)]
    assert char_offsets(source, text, starts) == list(range(len(text) + 1))


def test_non_ascii_and_past_the_end():
    text = "é = 'ß'\n"
    source = text.encode()
    assert char_offsets(source, text, [0, 2, 6, 8, len(source), 99]) == [0, 1, 5, 6, 8, 8]


def test_merge_spans_joins_overlapping_and_touching_ranges():
    assert merge_spans([(5, 7), (0, 2), (1, 3), (3, 4), (9, 9)]) == [(0, 4), (5, 7), (9, 9)]
