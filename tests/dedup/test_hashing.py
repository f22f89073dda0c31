import numpy as np
import pytest

from codecurate.minhash import (
    MinHasher,
    band_hashes,
    jaccard,
    optimal_bands,
    shingle_hashes,
    token_hashes,
)

CODE = '''
def parse_config(path, defaults=None):
    """Read a configuration file and merge it over the defaults."""
    values = dict(defaults or {})
    with open(path) as handle:
        for line in handle:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
'''


def test_tokens_are_position_independent_and_stable():
    first, _, third = token_hashes("alpha beta alpha")
    assert first == third
    assert token_hashes("x = alpha")[-1] == token_hashes("alpha")[0]
    # the same value in every process: no Python hash randomisation
    assert int(token_hashes("alpha")[0]) == int(token_hashes("  alpha  ")[0])
    assert token_hashes("  ...  ").size == 0
    assert token_hashes("naïve_name")[0] != token_hashes("naive_name")[0]


def test_shingles():
    assert shingle_hashes("a b c d e f").size == 2
    assert shingle_hashes("a b").size == 1  # fewer tokens than n: one shingle of all of them
    assert shingle_hashes("").size == 0
    s = shingle_hashes(CODE)
    assert np.all(np.diff(s) > 0)  # sorted and unique
    # formatting does not matter, tokens do
    assert np.array_equal(shingle_hashes(CODE.replace("    ", "\t")), s)


def test_minhash_estimates_jaccard():
    hasher = MinHasher(256, seed=7)
    base = shingle_hashes(CODE * 3 + "".join(f"\nx{i} = compute({i}, {i + 1})" for i in range(200)))
    for cut in (10, 60, 150, 300):
        other = np.unique(np.concatenate((base[cut:], shingle_hashes(" ".join(f"w{i}" for i in range(cut * 5))))))
        exact = jaccard(base, other)
        estimate = float((hasher.signature(base) == hasher.signature(other)).mean())
        assert abs(exact - estimate) < 0.1, (cut, exact, estimate)
    assert np.array_equal(hasher.signature(base), MinHasher(256, seed=7).signature(base))
    assert not np.array_equal(hasher.signature(base), MinHasher(256, seed=8).signature(base))
    assert hasher.signature(np.empty(0, np.uint64)).max() == np.iinfo(np.uint32).max


def test_bands():
    assert optimal_bands(0.85, 256) == (13, 19)
    sig = MinHasher(256).signature(shingle_hashes(CODE))
    other = sig.copy()
    other[0] += 1  # differs in band 0 only
    a, b = band_hashes(np.stack((sig, other)), 13, 19)
    assert a[0] != b[0] and np.array_equal(a[1:], b[1:])
    assert len(set(a.tolist())) == 13  # the band index is part of the hash


def test_minhasher_validates():
    with pytest.raises(ValueError, match="num_perm"):
        MinHasher(0)


def test_band_candidates_match_datasketch_lsh():
    """Same signatures, same 13 x 19 layout: our band collisions are datasketch's LSH candidates."""
    from itertools import combinations

    from datasketch import LeanMinHash, MinHashLSH

    rng = np.random.default_rng(0)
    hasher = MinHasher(256, seed=3)
    base = [" ".join(f"tok{rng.integers(0, 50)}" for _ in range(300)) for _ in range(6)]
    texts = []
    for text in base:  # each base text with variants at several edit rates
        words = text.split()
        texts.append(text)
        for rate in (0.003, 0.01, 0.03, 0.2):
            edited = [w if rng.random() >= rate else f"new{rng.integers(0, 10**6)}" for w in words]
            texts.append(" ".join(edited))
    signatures = np.stack([hasher.signature(shingle_hashes(t)) for t in texts])
    bands = band_hashes(signatures, 13, 19)
    ours = {(i, j) for i, j in combinations(range(len(texts)), 2) if np.any(bands[i] == bands[j])}
    lsh = MinHashLSH(threshold=0.85, num_perm=256)
    assert (lsh.b, lsh.r) == (13, 19)
    for i, sig in enumerate(signatures):
        lsh.insert(str(i), LeanMinHash(seed=3, hashvalues=sig.astype(np.uint64), scheme="legacy"))
    theirs = {tuple(sorted((i, int(j)))) for i, sig in enumerate(signatures)
              for j in lsh.query(LeanMinHash(seed=3, hashvalues=sig.astype(np.uint64), scheme="legacy")) if int(j) != i}
    assert ours == theirs
    assert len(ours) > 6  # the test has pairs on both sides of the threshold
