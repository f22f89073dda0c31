"""Loading a Hugging Face ``tokenizers`` tokenizer from a tokenizer.json or a folder holding one; what
``transformers.AutoTokenizer`` (nanotron's loader) reads from such a folder; copying a given one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: the files of a Hugging Face folder that make its tokenizer (a model folder's weights are left out)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                   "tokenizer.model", "config.json", "chat_template.jinja")
_ROLES = ("bos", "eos", "unk", "pad")


def tokenizer_file(path: str | Path) -> Path:
    """The tokenizer.json at ``path`` (the file, or a folder holding it)."""
    location = Path(path)
    if location.is_dir():
        location = location / "tokenizer.json"
    if not location.is_file():
        raise FileNotFoundError(f"no tokenizer at {path}: give a tokenizer.json or a folder holding one")
    return location


def load_tokenizer(path: str | Path):
    """A ``tokenizers.Tokenizer`` from ``path``: a tokenizer.json file, or a local folder with one
    (a Hugging Face model folder). Never goes to the network."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(tokenizer_file(path)))


@dataclass(frozen=True)
class TokenizerInfo:
    """What ``AutoTokenizer.from_pretrained(folder)`` gives for a folder: ``vocab_size`` is its
    ``len()`` (every id, added tokens included), the special tokens those its
    ``tokenizer_config.json`` / ``special_tokens_map.json`` name, with their ids (``None`` when not named)."""

    folder: Path
    vocab_size: int
    tokens: dict[str, str | None]
    ids: dict[str, int | None]

    @property
    def bos_token_id(self) -> int | None:
        return self.ids["bos"]

    @property
    def eos_token_id(self) -> int | None:
        return self.ids["eos"]

    @property
    def pad_token_id(self) -> int | None:
        return self.ids["pad"]


def _token_name(value) -> str | None:
    if isinstance(value, dict):  # an AddedToken as transformers serialises it
        value = value.get("content")
    return value if isinstance(value, str) else None


def tokenizer_info(folder: str | Path) -> TokenizerInfo:
    """The vocabulary size and special tokens of the tokenizer folder ``folder`` as ``transformers``
    reads them (``tokenizer_config.json`` first, then ``special_tokens_map.json``)."""
    folder = Path(folder)
    tokenizer = load_tokenizer(folder)
    named: dict[str, str | None] = dict.fromkeys(_ROLES)
    extra: list[str] = []
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        path = folder / name
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            for role in _ROLES:
                token = _token_name(data.get(f"{role}_token"))
                if token is not None:
                    named[role] = token
            for key in ("additional_special_tokens", "extra_special_tokens"):
                if isinstance(data.get(key), list):
                    extra += [t for t in map(_token_name, data[key]) if t]
            if isinstance(data.get("added_tokens_decoder"), dict):
                extra += [t for t in map(_token_name, data["added_tokens_decoder"].values()) if t]
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    # transformers adds a named special token the tokenizer.json lacks, so len() counts it too
    missing = {t for t in (*named.values(), *extra) if t is not None and t not in vocab}
    ids = {role: (vocab.get(token) if token is not None else None) for role, token in named.items()}
    return TokenizerInfo(folder, len(vocab) + len(missing), named, ids)


def check_single_tokens(tokenizer, tokens: Iterable[str], source: str | Path) -> dict[str, int]:
    """Each of ``tokens`` must encode to exactly one id, alone and inside text; returns the ids.
    A ``ValueError`` names the first token that does not (the FIM strings must be atomic for the
    objectives' sequences to mean what they say)."""
    ids = {}
    for token in tokens:
        alone = tokenizer.encode(token, add_special_tokens=False)
        inside = tokenizer.encode(f"x{token}\n", add_special_tokens=False).ids
        if len(alone.ids) != 1 or inside.count(alone.ids[0]) != 1:
            raise ValueError(f"tokenizer {source}: {token!r} encodes to {len(alone.ids)} ids {alone.ids} "
                             f"({alone.tokens}), not one; the FIM format needs it as a single token (add it to the "
                             "tokenizer as a special token, or choose the format the tokenizer was made for)")
        ids[token] = alone.ids[0]
    return ids


def copy_tokenizer(source: str | Path, target: str | Path, bos: str | None = None, eos: str | None = None,
                   unk: str | None = None) -> Path:
    """Copy the tokenizer at ``source`` unchanged into the folder ``target``: a tokenizer.json alone, or
    the tokenizer files of a Hugging Face folder (``TOKENIZER_FILES``). A bare tokenizer.json gets a
    ``tokenizer_config.json`` naming ``bos``, ``eos`` and ``unk`` (those present in it), so that
    ``AutoTokenizer`` loads the folder. Returns ``target``."""
    source, target = Path(source), Path(target)
    tokenizer_file(source)  # names the path when there is no tokenizer
    if source.resolve() == target.resolve():
        return target
    target.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        for name in TOKENIZER_FILES:
            if (source / name).is_file():
                shutil.copyfile(source / name, target / name)
    else:
        shutil.copyfile(source, target / "tokenizer.json")
    if not (target / "tokenizer_config.json").exists():
        vocab = load_tokenizer(target).get_vocab(with_added_tokens=True)
        config = {"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False}
        config.update({f"{role}_token": token for role, token in (("bos", bos), ("eos", eos), ("unk", unk))
                       if token and token in vocab})
        (target / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n",
                                                      encoding="utf-8")
    return target
