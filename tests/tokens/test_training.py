from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecurate.fim.formats import FORMATS, PSM
from codecurate.tokens.loading import load_tokenizer
from codecurate.tokens.training import save_tokenizer, special_tokens, train_tokenizer

pytest.importorskip("tokenizers")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    import datatrove

    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:200]]
    trained = train_tokenizer(texts, vocab_size=2000)
    folder = tmp_path_factory.mktemp("tok")
    save_tokenizer(trained, folder)
    return load_tokenizer(folder)


def test_special_tokens_are_single_tokens(tokenizer):
    for token in special_tokens():
        token_id = tokenizer.token_to_id(token)
        ids = tokenizer.encode(f"ab{token}cd", add_special_tokens=False).ids
        assert token_id is not None and ids.count(token_id) == 1
        assert tokenizer.decode(ids, skip_special_tokens=False) == f"ab{token}cd"
    assert "▁<AIX-SPAN-PRE>" in special_tokens() and special_tokens()[:3] == ["<s>", "</s>", "<unk>"]


def test_vocabulary_size_is_the_one_asked(tokenizer):
    assert tokenizer.get_vocab_size() <= 2000
    assert tokenizer.get_vocab_size() > 1500


@settings(max_examples=80, deadline=None)
@given(text=st.text(), name=st.sampled_from(sorted(FORMATS)))
def test_decode_gives_formatted_text_back_exactly(tokenizer, text, name):
    fmt = FORMATS[name]
    if fmt.found_in(text):
        return
    cut = len(text) // 2
    formatted = fmt.render(PSM, text[:cut], text[cut:], "")
    ids = tokenizer.encode(formatted, add_special_tokens=False).ids
    assert tokenizer.decode(ids, skip_special_tokens=False) == formatted


def test_small_vocabulary_is_refused():
    with pytest.raises(ValueError, match="below the 256 byte symbols"):
        train_tokenizer(["x"], vocab_size=100)


def test_missing_tokenizer_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no tokenizer at"):
        load_tokenizer(tmp_path)


def test_the_folder_loads_with_transformers_autotokenizer(tmp_path):
    transformers = pytest.importorskip("transformers")
    trained = train_tokenizer(["def f(x):\n    return x\n"] * 50, vocab_size=400)
    save_tokenizer(trained, tmp_path)
    auto = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    text = FORMATS["aixcoder"].render(PSM, "def f(", "x", "):\n")
    assert auto.decode(auto(text, add_special_tokens=False)["input_ids"]) == text
    assert auto.bos_token == "<s>" and auto.eos_token == "</s>"
    assert len(auto) == trained.get_vocab_size()  # nanotron's run_train.py asserts this against vocab_size
    assert auto.convert_tokens_to_ids("▁<AIX-SPAN-MIDDLE>") == trained.token_to_id("▁<AIX-SPAN-MIDDLE>")
