"""The realised objective mix: SFIM only where a file can serve it, at the configured share of the corpus.

Only some code files can serve SFIM (a grammar, a function, a node reaching a line end); every file
can serve FIM and NTP. Drawing SFIM at its configured share ``s`` and falling back to FIM would
give SFIM ``s * q`` (``q``: the eligible share) and FIM the rest. Instead an eligible file takes
SFIM with a probability raised so that over the corpus SFIM makes up ``s`` of the code files, and
every file that does not take SFIM draws among the other objectives at their configured ratio, so
FIM and NTP come out at their configured shares too.

Per language, by water-filling: with ``n_L`` code files and ``e_L`` eligible ones, the SFIM share
of language ``L`` is ``min(q_L, t)`` (``q_L = e_L / n_L``), the level ``t >= s`` chosen so that
``sum_L min(e_L, t * n_L) = s * N``. Languages with enough eligible files all get the same share
``t``; a language short of them gives all it has; none gets more than it must. An eligible file
of ``L`` takes SFIM with probability ``min(1, t / q_L)``. When ``sum_L e_L < s * N`` the target
cannot be reached: every eligible file takes SFIM (``t = 1``) and the realised share is ``q``.
"""

from __future__ import annotations

from collections.abc import Mapping


def sfim_level(counts: Mapping[str, tuple[int, int]], share: float) -> float:
    """The water level ``t``: each language's SFIM share is ``min(q_L, t)``; ``counts`` maps a
    language to ``(code files, eligible files)``. 1.0 when the eligible files cannot reach ``share``."""
    total = sum(n for n, _ in counts.values())
    if total == 0 or share <= 0:
        return 0.0
    wanted = share * total
    # languages by eligible share; below the level a language contributes all its eligible files
    ordered = sorted((e / n, n, e) for n, e in counts.values() if n > 0)
    saturated, rest = 0.0, float(total)
    for rate, n, e in ordered:
        level = (wanted - saturated) / rest
        if level <= rate:
            return max(level, 0.0)
        saturated += e
        rest -= n
    return 1.0


def sfim_acceptance(counts: Mapping[str, tuple[int, int]], share: float) -> dict[str, float]:
    """Per language, the probability that an eligible file takes SFIM: ``min(1, t / q_L)``
    (0 for a language without eligible files)."""
    level = sfim_level(counts, share)
    return {language: min(1.0, level * n / e) if e else 0.0 for language, (n, e) in counts.items()}


def expected_shares(counts: Mapping[str, tuple[int, int]], share: float) -> dict[str, float]:
    """Per language, and over all (``""``), the SFIM share the acceptance probabilities give."""
    level = sfim_level(counts, share)
    shares = {language: min(e / n, level) if n else 0.0 for language, (n, e) in counts.items()}
    total = sum(n for n, _ in counts.values())
    shares[""] = sum(min(e, level * n) for n, e in counts.values()) / total if total else 0.0
    return shares


def pick(weights: Mapping[str, float], draw: float) -> str | None:
    """The key whose slice of the cumulative ``weights`` holds ``draw * total`` (``draw`` in [0, 1));
    ``None`` when every weight is 0."""
    total = sum(weights.values())
    if total <= 0:
        return None
    point, last = draw * total, None
    for key, weight in weights.items():
        if weight <= 0:
            continue
        last = key
        if point < weight:
            return key
        point -= weight
    return last
