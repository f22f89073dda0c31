import pytest

from codecurate import metadata as keys
from codecurate.filters.sensitive_words import SensitiveWordsFilter, load_word_list
from tests.conftest import make_doc, verdict


@pytest.fixture
def words_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# test list\n\nbadword\n  Secret Phrase  \nfoo_bar\n", encoding="utf-8")
    return path


def test_word_list_format(words_file):
    assert load_word_list(words_file) == ["badword", "Secret Phrase", "foo_bar"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x = 'BadWord'", "badword"),
        ("a secret   phrase", None),  # phrases match as written (single spaces)
        ("# the secret phrase here", "secret phrase"),
        ("badwords are fine", None),  # whole words only
        ("notbadword", None),
        ("call(foo_bar)", "foo_bar"),
        ("foo_barbaz = 1", None),
        ("clean code", None),
    ],
)
def test_whole_word_case_insensitive(words_file, text, match):
    block = SensitiveWordsFilter(str(words_file))
    doc = make_doc(text)
    assert verdict(block, doc) == (None if match is None else "sensitive_word")
    assert doc.metadata.get(keys.SENSITIVE_MATCH) == match


def test_inline_words_and_no_list():
    assert verdict(SensitiveWordsFilter(words=["Zork"]), make_doc("ZORK!")) == "sensitive_word"
    assert verdict(SensitiveWordsFilter(), make_doc("anything")) is None


def test_missing_list_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        SensitiveWordsFilter(str(tmp_path / "none.txt"))


def test_survives_pickling(words_file):
    import pickle

    block = SensitiveWordsFilter(str(words_file))
    block.first_match("warm up")
    clone = pickle.loads(pickle.dumps(block))
    assert clone.first_match("a badword") == "badword"
