"""Vectorised shingling and MinHash for code.

Shingles are word n-grams over code tokens (runs of identifier characters: ASCII letters, digits,
``_`` and any non-ASCII byte). Every step is numpy over the document's bytes: token hashes come
from one prefix sum of a polynomial hash (arithmetic mod 2^64), n-gram hashes from shifted sums of
token hashes, MinHash values from multiply-shift hashing of all shingles at once. No Python call
per token or per shingle, and no dependence on Python's randomised ``hash``.
"""

from __future__ import annotations

import functools

import numpy as np

_MASK64 = (1 << 64) - 1
#: Odd base of the polynomial byte hash and its inverse mod 2^64.
_BASE = 0x100000001B3
_BASE_INV = pow(_BASE, -1, 1 << 64)
_NGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)

#: identifier bytes: [A-Za-z0-9_] and every byte >= 0x80 (parts of non-ASCII characters)
_IDENT = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _IDENT[_c] = True
_IDENT[0x80:] = True

_powers: dict[str, np.ndarray] = {"base": np.ones(1, dtype=np.uint64), "inverse": np.ones(1, dtype=np.uint64)}


def _power_table(kind: str, length: int) -> np.ndarray:
    """``base^i`` (or ``base^-i``) mod 2^64 for ``i < length``, cached and grown on demand."""
    table = _powers[kind]
    if len(table) < length:
        size = max(length, 2 * len(table), 1 << 16)
        factor = np.full(size, _BASE if kind == "base" else _BASE_INV, dtype=np.uint64)
        factor[0] = 1
        with np.errstate(over="ignore"):
            table = np.cumprod(factor, dtype=np.uint64)
        _powers[kind] = table
    return table[:length]


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, elementwise: spreads every input bit over the whole word."""
    x = values.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def token_spans(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hashes, starts, ends)`` of every code token of ``text``, in order: its 64-bit hash and its
    byte offsets in the UTF-8 text."""
    raw = np.frombuffer(text.encode("utf-8", errors="surrogatepass"), dtype=np.uint8)
    empty = np.empty(0, dtype=np.int64)
    if raw.size == 0:
        return np.empty(0, dtype=np.uint64), empty, empty
    ident = _IDENT[raw]
    edges = np.diff(np.concatenate(([False], ident, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if starts.size == 0:
        return np.empty(0, dtype=np.uint64), empty, empty
    with np.errstate(over="ignore"):
        weighted = (raw.astype(np.uint64) + np.uint64(1)) * _power_table("inverse", raw.size)
        prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(weighted, dtype=np.uint64)))
        # sum over the token of b_j * base^-(j - start): independent of where the token stands
        hashes = (prefix[ends] - prefix[starts]) * _power_table("base", raw.size)[starts]
        hashes += (ends - starts).astype(np.uint64)  # the length, so "a" and "a\0" differ
    return mix64(hashes), starts, ends


def token_hashes(text: str) -> np.ndarray:
    """64-bit hash of every code token of ``text``, in order."""
    return token_spans(text)[0]


def ngram_hashes(tokens: np.ndarray, ngram: int) -> np.ndarray:
    """The hash of the ``ngram`` tokens starting at each position (``len(tokens) - ngram + 1`` of
    them, in order; none when there are fewer tokens)."""
    count = tokens.size - ngram + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        grams = tokens[:count].copy()
        for offset in range(1, ngram):
            grams = grams * _NGRAM_BASE + tokens[offset : offset + count]
    return mix64(grams)


def shingle_hashes(text: str, ngram: int = 5) -> np.ndarray:
    """Sorted unique 64-bit hashes of the word ``ngram``-grams of code tokens (the shingle set).

    A document with fewer than ``ngram`` tokens has one shingle, all its tokens; none if it has none.
    """
    tokens = token_hashes(text)
    if tokens.size == 0:
        return tokens
    return np.unique(ngram_hashes(tokens, min(ngram, tokens.size)))


class MinHasher:
    """``num_perm`` multiply-shift hash functions ``h(x) = (a*x + b) mod 2^64 >> 32`` (a odd), seeded."""

    def __init__(self, num_perm: int = 256, seed: int = 1, chunk: int = 512):
        if num_perm < 1:
            raise ValueError(f"num_perm must be >= 1, got {num_perm}")
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.a = (rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self.b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) << np.uint64(1)
        self.chunk = chunk

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """The MinHash signature (``num_perm`` uint32) of a shingle hash set; all-max when empty.

        The minimum of the full 64-bit values has the minimal top 32 bits, so the shift is done once
        on the ``num_perm`` minima, not on every product; products go to one reused buffer sized to
        stay in cache.
        """
        minima = np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        a = self.a[:, None]
        b = self.b[:, None]
        buffer = np.empty((self.num_perm, min(self.chunk, max(shingles.size, 1))), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for start in range(0, shingles.size, self.chunk):
                block = shingles[None, start : start + self.chunk]
                products = buffer[:, : block.shape[1]]
                np.multiply(a, block, out=products)
                products += b
                np.minimum(minima, products.min(axis=1), out=minima)
        return (minima >> np.uint64(32)).astype(np.uint32)


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(documents, bands)`` uint64 hashes of each band of ``rows`` signature values."""
    signatures = np.atleast_2d(signatures)
    out = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            part = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
            value = np.full(signatures.shape[0], np.uint64(band) + np.uint64(0x51ED27), dtype=np.uint64)
            for column in range(rows):
                value = mix64(value * _NGRAM_BASE + part[:, column])
            out[:, band] = value
    return out


@functools.lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int, false_positive_weight: float = 0.5,
                  false_negative_weight: float = 0.5) -> tuple[int, int]:
    """``(bands, rows)`` minimising the weighted false positives + false negatives at ``threshold``
    (datasketch); equal weights unless given. Remembered: datasketch integrates numerically over
    every split of ``num_perm`` (0.9 s for 256), and a recipe builds each dedup block several times
    (validation, then the plan)."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, false_positive_weight, false_negative_weight)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if a.size == 0 and b.size == 0:
        return 1.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)
