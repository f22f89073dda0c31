"""Seeded randomness: every random choice draws from a generator keyed by (recipe seed, item id).

Keying by the item rather than by the task means a rerun, a resumed run, or a run with another
number of tasks makes the same choices for the same repository or document.
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(seed: int, *keys: object) -> int:
    """A 64-bit seed derived from the recipe ``seed`` and any keys (ids, stage names)."""
    digest = hashlib.blake2b(repr((seed, *keys)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def rng_for(seed: int, *keys: object) -> random.Random:
    """A ``random.Random`` for one item, independent of processing order and task count."""
    return random.Random(derive_seed(seed, *keys))


def stable_bucket(key: str, buckets: int) -> int:
    """Bucket of ``key`` among ``buckets``, the same in every process and Python version."""
    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, got {buckets}")
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % buckets


def checked_weights(name: str, weights: dict[str, float], allowed: tuple[str, ...], what: str) -> dict[str, float]:
    """``weights`` of a seeded draw, validated: only ``allowed`` keys (``what`` names them in the
    error), none negative, a positive sum. Returned as given (a draw does not need them to sum to 1)."""
    unknown = set(weights) - set(allowed)
    if unknown:
        raise ValueError(f"{name}: unknown {what} {sorted(unknown)}; known: {', '.join(allowed)}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError(f"{name}: weights must be >= 0 with a positive sum")
    return dict(weights)
