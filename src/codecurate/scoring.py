"""Repository quality score, shared by the blocks that rank repositories (repository quality,
project-level dedup).

The paper gives no formula; ours is explicit::

    score = stars_weight * log1p(stars) + commits_weight * log1p(commits) + tests_weight * log1p(test_files)

An unknown stars or commits count contributes 0. ``test_files`` counts the repository's files whose
path looks like a test (``is_test_file``).
"""

from __future__ import annotations

import math
import re

_TEST_DIR = re.compile(r"(?:^|/)(?:tests?|__tests__|testing|spec|specs|test_?data)/")
_TEST_NAME = re.compile(r"^(?:test_.+|.+_test|.+Tests?|.+_spec|.+\.test|.+\.spec|conftest)\.\w+$")


def is_test_file(path: str) -> bool:
    """Whether a repository path looks like a test file (a tests folder or a test naming convention)."""
    return bool(_TEST_DIR.search(path) or _TEST_NAME.match(path.rsplit("/", 1)[-1]))


def quality_score(
    stars: int | None, commits: int | None, test_files: int, weights: tuple[float, float, float]
) -> float:
    """The repository score of the module docstring."""
    stars_weight, commits_weight, tests_weight = weights
    return (stars_weight * math.log1p(max(stars or 0, 0)) + commits_weight * math.log1p(max(commits or 0, 0))
            + tests_weight * math.log1p(test_files))


def count_value(value: object) -> int | None:
    """A stars or commits count from metadata as an int, ``None`` when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return int(value)
