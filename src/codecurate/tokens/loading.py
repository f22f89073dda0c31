"""Loading a Hugging Face ``tokenizers`` tokenizer from a tokenizer.json or a folder holding one."""

from __future__ import annotations

from pathlib import Path


def load_tokenizer(path: str | Path):
    """A ``tokenizers.Tokenizer`` from ``path``: a tokenizer.json file, or a local folder with one
    (a Hugging Face model folder). Never goes to the network."""
    from tokenizers import Tokenizer

    location = Path(path)
    if location.is_dir():
        location = location / "tokenizer.json"
    if not location.is_file():
        raise FileNotFoundError(f"no tokenizer at {path}: give a tokenizer.json or a folder holding one")
    return Tokenizer.from_file(str(location))
