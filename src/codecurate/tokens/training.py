"""Training a byte-level BPE tokenizer (Hugging Face ``tokenizers``) on curated documents.

Every FIM format's special strings, with ``<s>``, ``</s>`` and ``<unk>``, are added as special
tokens: each is one token, never split or merged with its neighbours, so the objectives' strings
tokenize the same way whatever the text around them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from codecurate.fim.formats import FORMATS

#: aiXcoder's vocabulary size (SPEC.md section 2).
DEFAULT_VOCAB_SIZE = 49_152


def special_tokens() -> list[str]:
    """``<s>``, ``</s>``, ``<unk>``, then every format's special strings, each once, in a fixed order."""
    tokens = ["<s>", "</s>", "<unk>"]
    for name in sorted(FORMATS):
        tokens.extend(t for t in FORMATS[name].special_tokens if t not in tokens)
    return tokens


def train_tokenizer(texts: Iterable[str], vocab_size: int = DEFAULT_VOCAB_SIZE, min_frequency: int = 2):
    """A byte-level BPE ``tokenizers.Tokenizer`` trained on ``texts`` (any byte sequence encodes,
    no ``<unk>`` is ever produced; decoding gives the text back exactly)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    specials = special_tokens()
    if vocab_size < 256 + len(specials):
        raise ValueError(f"vocab_size {vocab_size} is below the 256 byte symbols plus {len(specials)} special tokens")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def save_tokenizer(tokenizer, folder: str | Path, max_length: int = 32_768) -> Path:
    """Write ``tokenizer.json`` into ``folder`` (created), with the ``tokenizer_config.json`` that
    lets ``transformers.AutoTokenizer`` (which nanotron uses) load the folder; returns the json's path."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    path = target / "tokenizer.json"
    tokenizer.save(str(path))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
              "unk_token": "<unk>", "model_max_length": max_length, "clean_up_tokenization_spaces": False,
              "additional_special_tokens": special_tokens()[3:]}
    (target / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
    return path
