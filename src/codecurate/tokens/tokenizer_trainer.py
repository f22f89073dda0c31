"""Training a BPE tokenizer (Hugging Face ``tokenizers``) on curated documents, in one of two styles.

- ``sentencepiece`` (aiXcoder-7B's layout, the default): spaces become ``▁`` (U+2581, a ``Metaspace``
  pre-tokenizer), BPE with byte fallback (a character the
  vocabulary lacks is its UTF-8 bytes, ``<0x00>``..``<0xFF>``), ids ``<unk>`` 0, ``<s>`` 1, ``</s>`` 2,
  then the FIM strings, then the 256 byte pieces, then the learned pieces: SentencePiece's own order
  (unknown, control, user-defined symbols, bytes, pieces). This is what aiXcoder's ``tokenizer.model``
  is, and what ``transformers`` makes of such a model (``LlamaTokenizerFast``).
- ``bytelevel`` (GPT-2's): every byte a symbol, ids ``<s>`` 0, ``</s>`` 1, ``<unk>`` 2, then the FIM
  strings; decoding gives any text back exactly.

The special strings of the chosen FIM format (``codecurate.fim.formats``), and any given in
``extra``, are added tokens: each is one id, never split or merged with its neighbours, so the
objectives' strings tokenize the same way whatever the text around them. Other formats' strings are
ordinary text unless listed in ``extra``.

Pieces are learned inside words as SentencePiece learns them (``split_by_whitespace``,
``split_by_unicode_script``, ``split_digits``, whitespace-only pieces allowed): a word is one ``▁``
and a run of letters, or of other symbols, or one digit; a run of spaces keeps its last ``▁`` for
the next word; newlines stand alone. The same split is applied when encoding, so no piece crosses a
word boundary. What SentencePiece also does, and so this style too: a literal ``▁`` in a text is a
space for the tokenizer, and decoding gives it back as a space.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codecurate.fim.formats import get_format

#: aiXcoder's vocabulary size (SPEC.md section 2).
DEFAULT_VOCAB_SIZE = 49_152
STYLES = ("sentencepiece", "bytelevel")
DEFAULT_STYLE = "sentencepiece"
DEFAULT_FIM_FORMAT = "aixcoder"
#: SentencePiece's meta symbol for a space.
SPACE = "\u2581"
#: at most this many single characters enter the sentencepiece vocabulary; rarer ones fall back to bytes
#: (SentencePiece's ``character_coverage`` does the same by frequency)
MAX_ALPHABET = 1000
_BYTE_PIECES = [f"<0x{b:02X}>" for b in range(256)]
# a word: one ▁ and letters, or one ▁ and other symbols, or one ▁ and one digit; newlines alone; a run
# of spaces keeps its last ▁ for the word that follows
_WORDS = (rf"\n+|{SPACE}?\p{{L}}+|{SPACE}?\p{{N}}|{SPACE}?[^\p{{L}}\p{{N}}{SPACE}\n]+"
          rf"|{SPACE}+(?={SPACE}[^{SPACE}\n])|{SPACE}+")


@dataclass(frozen=True)
class TokenizerSpec:
    """Style and special tokens of a tokenizer to train: ``unk``, ``bos`` and ``eos``, then the FIM
    format's strings, then ``extra``."""

    style: str = DEFAULT_STYLE
    fim_format: str = DEFAULT_FIM_FORMAT
    extra: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown tokenizer style {self.style!r}; known: {', '.join(STYLES)}")
        get_format(self.fim_format)  # names the known formats when unknown
        object.__setattr__(self, "extra", tuple(self.extra))

    @property
    def bos(self) -> str:
        return get_format(self.fim_format).bos or "<s>"

    @property
    def eos(self) -> str:
        return get_format(self.fim_format).eos or "</s>"

    @property
    def unk(self) -> str:
        return "<unk>"

    @property
    def required(self) -> list[str]:
        """The strings the documents hold that must be single tokens: the format's, then ``extra``."""
        return list(dict.fromkeys((*get_format(self.fim_format).special_tokens, *self.extra)))

    @property
    def special_tokens(self) -> list[str]:
        """Every special token in id order, each once."""
        fmt = get_format(self.fim_format)
        head = [self.unk, self.bos, self.eos] if self.style == "sentencepiece" else [self.bos, self.eos, self.unk]
        tokens: list[str] = []
        for token in (*head, *fmt.special_tokens, *self.extra):
            if token and token not in tokens:
                tokens.append(token)
        return tokens


def special_tokens(fim_format: str = DEFAULT_FIM_FORMAT, extra: Sequence[str] = (),
                   style: str = DEFAULT_STYLE) -> list[str]:
    """The special tokens of a tokenizer trained for ``fim_format``, in id order."""
    return TokenizerSpec(style, fim_format, tuple(extra)).special_tokens


def train_tokenizer(texts: Iterable[str] | Callable[[], Iterable[str]], vocab_size: int = DEFAULT_VOCAB_SIZE,
                    min_frequency: int = 2, spec: TokenizerSpec | None = None):
    """A ``tokenizers.Tokenizer`` of at most ``vocab_size`` ids trained on ``texts`` (fewer when the texts
    offer fewer merges of ``min_frequency``), the same for the same texts in any process. ``texts``: the
    texts, or a function giving them afresh (the sentencepiece style reads them twice: its alphabet
    first; a one-shot iterator is held in memory for that)."""
    spec = spec or TokenizerSpec()
    specials = spec.special_tokens
    if spec.style == "bytelevel":
        return _train_bytelevel(texts() if callable(texts) else texts, vocab_size, min_frequency, specials)
    return _train_sentencepiece(texts, vocab_size, min_frequency, specials)


def _train_bytelevel(texts: Iterable[str], vocab_size: int, min_frequency: int, specials: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size < 256 + len(specials):
        raise ValueError(f"vocab_size {vocab_size} is below the 256 byte symbols plus {len(specials)} special tokens")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def _sentencepiece_pipeline(tokenizer) -> None:
    """Pre-tokenizer and decoder of the sentencepiece style: those of ``transformers``' conversion of a
    SentencePiece model, plus the word split, and no dummy ``▁`` at a text's start (SentencePiece adds
    one to every string it encodes; codecurate's texts start with ``<s>``, after which the conversion adds
    none either), so that decoding gives every text back with its spaces, ``▁`` read as a space."""
    from tokenizers import Regex, decoders, pre_tokenizers

    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=SPACE, prepend_scheme="never", split=False),
        pre_tokenizers.Split(Regex(_WORDS), behavior="isolated"),
    ])
    tokenizer.decoder = decoders.Sequence([decoders.Replace(SPACE, " "), decoders.ByteFallback(), decoders.Fuse()])


def _train_sentencepiece(texts, vocab_size: int, min_frequency: int, specials: list[str]):
    from tokenizers import Tokenizer, models, trainers

    learned = vocab_size - len(_BYTE_PIECES)  # the byte pieces are added after training
    if learned < len(specials) + 1:
        raise ValueError(f"vocab_size {vocab_size} is below the 256 byte pieces plus {len(specials)} special tokens "
                         "plus one piece")
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    _sentencepiece_pipeline(tokenizer)
    # the alphabet chosen here, not by the trainer: it breaks ties between equally frequent characters
    # in hash order, which changes from one process to the next (and with it every merge after)
    if not callable(texts) and iter(texts) is texts:  # a one-shot iterator: it is read twice
        texts = list(texts)
    counts: Counter[str] = Counter()
    for text in texts() if callable(texts) else texts:
        counts.update(text)
    counts[SPACE] += counts.pop(" ", 0)
    limit = min(MAX_ALPHABET, learned - len(specials))
    alphabet = [char for char, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]
    trainer = trainers.BpeTrainer(vocab_size=learned, min_frequency=min_frequency, special_tokens=specials,
                                  initial_alphabet=alphabet, limit_alphabet=len(alphabet), show_progress=False)
    tokenizer.train_from_iterator(texts() if callable(texts) else texts, trainer=trainer)
    # SentencePiece's id order: special tokens, the 256 byte pieces, then every learned piece
    data = json.loads(tokenizer.to_str())
    vocab = data["model"]["vocab"]
    clash = set(_BYTE_PIECES) & set(vocab)
    if clash:
        raise ValueError(f"learned pieces {sorted(clash)[:3]} have the names of byte pieces")
    ordered = sorted(vocab, key=vocab.get)
    head, rest = ordered[:len(specials)], ordered[len(specials):]
    if head != specials:
        raise RuntimeError(f"the trainer put the special tokens at {[vocab.get(s) for s in specials]}, not first")
    data["model"]["vocab"] = {token: i for i, token in enumerate([*head, *_BYTE_PIECES, *rest])}
    return Tokenizer.from_str(json.dumps(data, ensure_ascii=False))


def save_tokenizer(tokenizer, folder: str | Path, max_length: int = 32_768, spec: TokenizerSpec | None = None) -> Path:
    """Write ``tokenizer.json`` into ``folder`` (created), with the ``tokenizer_config.json`` that lets
    ``transformers.AutoTokenizer`` (which nanotron uses) load the folder and name its bos, eos and unk
    tokens; returns the json's path."""
    spec = spec or TokenizerSpec()
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    path = target / "tokenizer.json"
    tokenizer.save(str(path))
    named = {spec.bos, spec.eos, spec.unk}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": spec.bos, "eos_token": spec.eos,
              "unk_token": spec.unk, "model_max_length": max_length, "clean_up_tokenization_spaces": False,
              "additional_special_tokens": [t for t in spec.special_tokens if t not in named]}
    (target / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
    return path
