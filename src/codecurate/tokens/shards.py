"""Tokenized shard files: datatrove's format (what nanotron's Nanoset reads) and Megatron's.

datatrove's format, one shard ``NAME.ds``:

- ``NAME.ds``: the tokens, little-endian ``uint16`` (``token_size`` 2) or ``uint32`` (4);
- ``NAME.ds.index``: ``uint64`` end offset (in tokens) of every document, so document boundaries
  survive packing;
- ``NAME.ds.metadata``: ``tokenizer|token_size`` on its first line, the token count on the second.

codecurate adds ``NAME.ds.units``: ``uint64`` end offset (in documents) of every unit, a unit
being one repository's files in their order, or one article. Units are what the merge shuffles,
so a repository stays one contiguous stream. The tokenize pass's shards also have ``NAME.ds.keys``:
two ``uint64`` per unit, its place in the merge's order (a seeded hash of the unit's name) and a
digest of its tokens, which orders units of one name by content. Loaders (``DatatroveFolderDataset``) cut the stream
into windows of ``seq_len + 1`` tokens, Transformer-XL style: a window continues where the last
one stopped, across file and repository boundaries.

Megatron's format (``NAME.bin`` / ``NAME.idx``, version 1 of its ``MMIDIDX`` index): one sequence
per unit, so Megatron's GPT dataset shuffles repositories but never splits their order.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_MEGATRON_MAGIC = b"MMIDIDX\x00\x00"
_MEGATRON_DTYPES = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}


def token_dtype(token_size: int) -> np.dtype:
    if token_size not in (2, 4):
        raise ValueError(f"token_size must be 2 or 4 bytes, got {token_size}")
    return np.dtype("<u2" if token_size == 2 else "<u4")


def token_size_for(vocab_size: int) -> int:
    """2 bytes per token when every id fits in uint16, else 4."""
    return 2 if vocab_size <= 1 << 16 else 4


@dataclass
class ShardInfo:
    """What one written shard holds."""

    path: Path
    tokens: int
    documents: int
    units: int


class ShardWriter:
    """Writes one datatrove tokenized shard (plus its ``.units``), document by document. ``keyed``: each
    unit ends with its order key (``end_unit(key)``), kept with a digest of its tokens in ``.keys``."""

    def __init__(self, path: str | Path, token_size: int, tokenizer_name: str, keyed: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.dtype = token_dtype(token_size)
        self.token_size = token_size
        self.tokenizer_name = tokenizer_name
        self._tokens = open(self.path, "wb")  # noqa: SIM115 -- closed by close() / the context manager
        self.document_ends: list[int] = []
        self.unit_ends: list[int] = []
        self.count = 0
        self.keyed = keyed
        self.keys: list[tuple[int, int]] = []
        self._digest = hashlib.blake2b(digest_size=8) if keyed else None

    def write_document(self, tokens: np.ndarray) -> None:
        if tokens.size and int(tokens.max()) > np.iinfo(self.dtype).max:
            raise ValueError(f"{self.path}: token id {int(tokens.max())} does not fit in {self.token_size} bytes")
        data = np.ascontiguousarray(tokens, dtype=self.dtype).tobytes()
        self._tokens.write(data)
        if self._digest is not None:
            self._digest.update(struct.pack("<Q", len(data)))
            self._digest.update(data)
        self.count += int(tokens.size)
        self.document_ends.append(self.count)

    def end_unit(self, key: int | None = None) -> None:
        if len(self.document_ends) > (self.unit_ends[-1] if self.unit_ends else 0):  # no empty unit
            self.unit_ends.append(len(self.document_ends))
            if self._digest is not None:
                if key is None:
                    raise ValueError(f"{self.path}: a keyed shard's unit needs its order key")
                self.keys.append((key, int.from_bytes(self._digest.digest(), "little")))
                self._digest = hashlib.blake2b(digest_size=8)

    def close(self) -> ShardInfo:
        if self.keyed and len(self.document_ends) > (self.unit_ends[-1] if self.unit_ends else 0):
            raise ValueError(f"{self.path}: a keyed shard's last unit was not ended with its key")
        self.end_unit()
        self._tokens.close()
        Path(f"{self.path}.index").write_bytes(np.asarray(self.document_ends, dtype="<u8").tobytes())
        Path(f"{self.path}.units").write_bytes(np.asarray(self.unit_ends, dtype="<u8").tobytes())
        if self.keyed:
            Path(f"{self.path}.keys").write_bytes(np.asarray(self.keys, dtype="<u8").reshape(-1, 2).tobytes())
        Path(f"{self.path}.metadata").write_text(f"{self.tokenizer_name}|{self.token_size}\n{self.count}\n")
        return ShardInfo(self.path, self.count, len(self.document_ends), len(self.unit_ends))

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc) -> None:
        if not self._tokens.closed:
            self.close()


class Shard:
    """A written shard, read back: its tokens (memory-mapped), documents and units."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        name, size = Path(f"{self.path}.metadata").read_text().splitlines()[0].rsplit("|", 1)
        self.tokenizer_name, self.token_size = name, int(size)
        self.tokens = np.memmap(self.path, dtype=token_dtype(self.token_size), mode="r") \
            if self.path.stat().st_size else np.zeros(0, dtype=token_dtype(self.token_size))
        self.document_ends = np.fromfile(f"{self.path}.index", dtype="<u8")
        units = Path(f"{self.path}.units")
        self.unit_ends = np.fromfile(units, dtype="<u8") if units.exists() else \
            np.arange(1, len(self.document_ends) + 1, dtype="<u8")
        keys = Path(f"{self.path}.keys")
        #: ``(order key, digest)`` of every unit (shards of the tokenize pass), else ``None``
        self.unit_keys = np.fromfile(keys, dtype="<u8").reshape(-1, 2) if keys.exists() else None

    def unit(self, index: int) -> list[np.ndarray]:
        """The documents of unit ``index``."""
        start = int(self.unit_ends[index - 1]) if index else 0
        return [self.document(i) for i in range(start, int(self.unit_ends[index]))]

    def document(self, index: int) -> np.ndarray:
        start = int(self.document_ends[index - 1]) if index else 0
        return np.asarray(self.tokens[start: int(self.document_ends[index])])

    def documents(self) -> Iterator[np.ndarray]:
        for index in range(len(self.document_ends)):
            yield self.document(index)

    def units(self) -> Iterator[list[np.ndarray]]:
        """Each unit's documents, in order."""
        start = 0
        for end in self.unit_ends:
            yield [self.document(i) for i in range(start, int(end))]
            start = int(end)


def write_megatron(prefix: str | Path, units: list[list[np.ndarray]], vocab_size: int) -> Path:
    """Megatron ``PREFIX.bin`` / ``PREFIX.idx`` with one sequence (and one document) per unit, the
    dtype Megatron picks for the vocabulary (uint16 below 65,500 ids, else int32)."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    dtype = np.dtype(np.uint16) if vocab_size < 65_500 else np.dtype(np.int32)
    lengths, pointers, offset = [], [], 0
    with open(f"{prefix}.bin", "wb") as data:
        for unit in units:
            tokens = np.concatenate(unit).astype(dtype) if unit else np.zeros(0, dtype=dtype)
            data.write(tokens.tobytes())
            lengths.append(tokens.size)
            pointers.append(offset)
            offset += tokens.size * dtype.itemsize
    with open(f"{prefix}.idx", "wb") as index:
        index.write(_MEGATRON_MAGIC)
        index.write(struct.pack("<Q", 1))
        index.write(struct.pack("<B", _MEGATRON_DTYPES[dtype]))
        index.write(struct.pack("<Q", len(lengths)))
        index.write(struct.pack("<Q", len(lengths) + 1))
        index.write(np.asarray(lengths, dtype=np.int32).tobytes(order="C"))
        index.write(np.asarray(pointers, dtype=np.int64).tobytes(order="C"))
        index.write(np.arange(len(lengths) + 1, dtype=np.int64).tobytes(order="C"))
    return prefix
