"""Tokenizer training in both styles: the sentencepiece layout (aiXcoder's ids, byte fallback, FIM
tokens atomic), the byte-level option, what transformers reads from the saved folder, and given
tokenizers checked for single-token FIM strings."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecurate.fim.formats import FORMATS, PSM, SPM
from codecurate.tokenizer_files import check_single_tokens, copy_tokenizer, load_tokenizer, tokenizer_info
from codecurate.tokens.tokenizer_trainer import TokenizerSpec, save_tokenizer, special_tokens, train_tokenizer

pytest.importorskip("tokenizers")

AIX = FORMATS["aixcoder"]


def corpus():
    import datatrove

    return [p.read_text(encoding="utf-8") for p in sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:200]]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tok")
    save_tokenizer(train_tokenizer(corpus(), vocab_size=2000), folder)
    return load_tokenizer(folder)


@pytest.fixture(scope="module")
def bytelevel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bytelevel")
    spec = TokenizerSpec("bytelevel")
    save_tokenizer(train_tokenizer(corpus(), vocab_size=2000, spec=spec), folder, spec=spec)
    return load_tokenizer(folder)


def test_sentencepiece_layout_is_aixcoders(tokenizer):
    vocab = tokenizer.get_vocab()
    assert [vocab["<unk>"], vocab["<s>"], vocab["</s>"]] == [0, 1, 2]
    assert [vocab[t] for t in (AIX.prefix, AIX.suffix, AIX.middle)] == [3, 4, 5]
    assert [vocab[f"<0x{b:02X}>"] for b in (0, 255)] == [6, 261]  # SentencePiece's byte pieces, after the specials
    assert tokenizer.get_vocab_size() == 2000
    model = json.loads(tokenizer.to_str())
    assert model["model"]["type"] == "BPE" and model["model"]["byte_fallback"] is True
    assert "Metaspace" in json.dumps(model["pre_tokenizer"])
    assert special_tokens() == ["<unk>", "<s>", "</s>", AIX.prefix, AIX.suffix, AIX.middle]


def test_fim_tokens_are_single_pieces_and_others_are_text(tokenizer):
    text = AIX.render(SPM, "def f(x):\n", "    return x\n", "\n")
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    assert ids[:3] == [1, 3, 4] and ids[-1] == 2 and ids.count(5) == 1
    assert check_single_tokens(tokenizer, AIX.special_tokens, "t") == {"<s>": 1, "</s>": 2, AIX.prefix: 3,
                                                                       AIX.suffix: 4, AIX.middle: 5}
    # only the chosen format's strings are special: StarCoder's is text here
    assert tokenizer.token_to_id("<fim_prefix>") is None
    with pytest.raises(ValueError, match="'<fim_prefix>' encodes to"):
        check_single_tokens(tokenizer, ["<fim_prefix>"], "t")


def test_unseen_characters_fall_back_to_bytes(tokenizer):
    encoding = tokenizer.encode("x = '日本語 ☺'", add_special_tokens=False)
    assert 0 not in encoding.ids  # never <unk>
    assert "<0xE6>" in encoding.tokens
    assert tokenizer.decode(encoding.ids) == "x = '日本語 ☺'"


@settings(max_examples=80, deadline=None)
@given(text=st.text())
def test_decode_gives_the_text_back_with_meta_spaces_as_spaces(tokenizer, text):
    # SentencePiece's rule: a space is ▁ for the tokenizer, so a literal ▁ comes back as a space
    if AIX.found_in(text):
        return
    cut = len(text) // 2
    formatted = AIX.render(PSM, text[:cut], text[cut:], "")
    ids = tokenizer.encode(formatted, add_special_tokens=False).ids
    assert tokenizer.decode(ids, skip_special_tokens=False) == formatted.replace("\u2581", " ")
    assert ids[:2] == [1, 3] and ids[-1] == 2


def test_the_bytelevel_style_stays_an_option(bytelevel):
    vocab = bytelevel.get_vocab()
    assert [vocab["<s>"], vocab["</s>"], vocab["<unk>"]] == [0, 1, 2]
    assert vocab[AIX.prefix] == 3 and "<fim_prefix>" not in vocab and "<0x00>" not in vocab
    text = AIX.render(PSM, "a ▁ b", "日本", "")
    assert bytelevel.decode(bytelevel.encode(text, add_special_tokens=False).ids, skip_special_tokens=False) == text


def test_extra_special_tokens_are_added_on_request():
    spec = TokenizerSpec(extra=tuple(FORMATS["starcoder"].special_tokens))
    trained = train_tokenizer(["def f(x):\n    return x\n"] * 50, vocab_size=400, spec=spec)
    assert trained.token_to_id("<|endoftext|>") == 6 and trained.token_to_id("<fim_middle>") == 9
    assert trained.encode("f<fim_middle>x", add_special_tokens=False).tokens == ["f", "<fim_middle>", "x"]


def test_small_vocabulary_and_unknown_style_are_refused():
    with pytest.raises(ValueError, match="below the 256 byte pieces"):
        train_tokenizer(["x"], vocab_size=200)
    with pytest.raises(ValueError, match="below the 256 byte symbols"):
        train_tokenizer(["x"], vocab_size=100, spec=TokenizerSpec("bytelevel"))
    with pytest.raises(ValueError, match="unknown tokenizer style 'wordpiece'"):
        TokenizerSpec("wordpiece")


def test_missing_tokenizer_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no tokenizer at"):
        load_tokenizer(tmp_path)


@pytest.mark.parametrize("style", ["sentencepiece", "bytelevel"])
def test_the_folder_loads_with_transformers_autotokenizer(tmp_path, style):
    transformers = pytest.importorskip("transformers")
    spec = TokenizerSpec(style)
    trained = train_tokenizer(["def f(x):\n    return x\n"] * 50, vocab_size=400, spec=spec)
    save_tokenizer(trained, tmp_path, spec=spec)
    auto = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    text = AIX.render(PSM, "def f(", "x", "):\n")
    ids = auto(text, add_special_tokens=False)["input_ids"]
    assert ids == trained.encode(text, add_special_tokens=False).ids
    info = tokenizer_info(tmp_path)
    # what nanotron reads: len(tokenizer) (asserted against vocab_size), bos/eos ids for the model config
    assert len(auto) == len(auto.get_vocab()) == info.vocab_size == trained.get_vocab_size()
    assert (auto.bos_token_id, auto.eos_token_id, auto.pad_token_id) == \
        (info.bos_token_id, info.eos_token_id, info.pad_token_id)
    assert (info.bos_token_id, info.eos_token_id) == ((1, 2) if style == "sentencepiece" else (0, 1))
    assert auto.convert_tokens_to_ids(AIX.middle) == trained.token_to_id(AIX.middle)


def aixcoder_layout_tokenizer(folder: Path, fim: bool = True) -> Path:
    """A small tokenizer built by hand as transformers converts aiXcoder's SentencePiece model: BPE with
    byte fallback, Metaspace, <unk> 0, <s> 1, </s> 2, the FIM pieces as user-defined symbols."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    fim_tokens = [AIX.prefix, AIX.suffix, AIX.middle] if fim else []
    pieces = ["▁", "d", "e", "f", "r", "t", "u", "n", "x", "de", "def", "▁r", "▁re", "re", "ur", "urn", "▁ret",
              "▁return"]
    merges = [("d", "e"), ("de", "f"), ("▁", "r"), ("▁r", "e"), ("r", "e"), ("u", "r"), ("ur", "n"), ("▁re", "t"),
              ("▁ret", "urn")]
    vocab = ["<unk>", "<s>", "</s>", *fim_tokens, *(f"<0x{b:02X}>" for b in range(256)), *pieces]
    tokenizer = Tokenizer(models.BPE({t: i for i, t in enumerate(vocab)}, merges, unk_token="<unk>",
                                     byte_fallback=True, fuse_unk=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                           decoders.Strip(" ", 1, 0)])
    tokenizer.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in ("<unk>", "<s>", "</s>")])
    tokenizer.add_tokens([AddedToken(t, normalized=False, special=False) for t in fim_tokens])
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "LlamaTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
         "pad_token": None, "add_bos_token": False, "add_eos_token": False, "legacy": False}))
    (folder / "model-00001-of-00002.safetensors").write_bytes(b"weights are not copied")
    return folder


def test_a_given_tokenizer_in_aixcoders_layout_is_checked_and_copied_as_is(tmp_path):
    given = aixcoder_layout_tokenizer(tmp_path / "aix")
    tokenizer = load_tokenizer(given)
    assert check_single_tokens(tokenizer, AIX.special_tokens, given) == {"<s>": 1, "</s>": 2, AIX.prefix: 3,
                                                                         AIX.suffix: 4, AIX.middle: 5}
    copied = copy_tokenizer(given, tmp_path / "out")
    assert sorted(p.name for p in copied.iterdir()) == ["tokenizer.json", "tokenizer_config.json"]
    assert (copied / "tokenizer.json").read_bytes() == (given / "tokenizer.json").read_bytes()
    info = tokenizer_info(copied)
    assert (info.bos_token_id, info.eos_token_id, info.pad_token_id, info.vocab_size) == (1, 2, None, 280)
    transformers = pytest.importorskip("transformers")
    auto = transformers.AutoTokenizer.from_pretrained(str(copied))
    assert len(auto) == info.vocab_size and auto.eos_token_id == 2


def test_a_given_tokenizer_without_the_fim_tokens_is_refused_naming_the_token(tmp_path):
    given = aixcoder_layout_tokenizer(tmp_path / "aix", fim=False)
    with pytest.raises(ValueError, match=r"'▁<AIX-SPAN-PRE>' encodes to \d+ ids .* not one"):
        check_single_tokens(load_tokenizer(given), AIX.special_tokens, given)


def test_a_bare_tokenizer_json_gets_a_config_naming_its_specials(tmp_path):
    trained = train_tokenizer(["def f(x):\n    return x\n"] * 50, vocab_size=400)
    trained.save(str(tmp_path / "tok.json"))
    copied = copy_tokenizer(tmp_path / "tok.json", tmp_path / "out", bos="<s>", eos="</s>", unk="<unk>")
    info = tokenizer_info(copied)
    assert (info.bos_token_id, info.eos_token_id, info.ids["unk"]) == (1, 2, 0)


def test_the_same_texts_train_the_same_tokenizer_in_any_process(tmp_path):
    """Characters of equal frequency past the alphabet's limit: the trainer would break the tie in
    hash order, which every process draws anew."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from codecurate.tokens.tokenizer_trainer import train_tokenizer\n"
        "texts = ['def f(x):\\n    return x + 1\\n' * 50] + [''.join(chr(0x4e00 + 3 * i + k) for k in range(3)) * 2"
        " for i in range(400)]\n"
        "tokenizer = train_tokenizer(texts, vocab_size=600, min_frequency=2)\n"
        "sys.stdout.write(tokenizer.to_str())\n"
    )
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
               for _ in range(3)}
    assert len(outputs) == 1
