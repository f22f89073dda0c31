"""License expressions (codecurate.licenses): the permissive rule and the shipped list."""

import json
from importlib import resources
from pathlib import Path

import pytest

from codecurate.licenses import (
    blueoak_ids,
    build_permissive_list,
    is_known_permissive,
    is_permissive,
    permissive_licenses,
)

SHARED_BLUEOAK = Path(__file__).resolve().parents[2] / "shared" / "data" / "blueoak-list-15.json"


@pytest.mark.parametrize(
    ("expression", "permissive"),
    [
        ("MIT", True),
        ("mit", True),
        ("Apache-2.0 OR GPL-3.0-only", True),
        ("MIT AND GPL-3.0-only", False),
        ("MPL-2.0 AND (Apache-2.0 OR MIT)", False),
        ("Apache-2.0 WITH LLVM-exception", True),
        ("GPL-2.0-only WITH Classpath-exception-2.0", False),
        ("LicenseRef-scancode-public-domain", True),
        ("CC0-1.0", True),
        ("BlueOak-1.0.0", True),
        ("AGPL-3.0-or-later", False),
        ("LicenseRef-scancode-proprietary-license", False),
        ("((( not an expression", False),
    ],
)
def test_is_permissive(expression, permissive):
    assert is_permissive(expression) is permissive


def test_extra_permissive():
    assert is_permissive("LicenseRef-mine", frozenset({"LicenseRef-mine"}))


def test_shipped_list_is_blueoak_plus_scancode_categories():
    pytest.importorskip("licensedcode")
    shipped = json.loads(resources.files("codecurate").joinpath("data", "permissive-licenses.json").read_text())
    assert shipped == build_permissive_list()
    assert blueoak_ids() <= {x for x in shipped["licenses"]}
    assert len(blueoak_ids()) == 224
    if SHARED_BLUEOAK.is_file():  # the copy in the package is the project's reference list
        assert blueoak_ids(SHARED_BLUEOAK) == blueoak_ids()
    assert "mit" in permissive_licenses() and "gpl-3.0-only" not in permissive_licenses()


def test_known_permissive_decides_nothing_without_a_license():
    assert is_known_permissive("MIT") and not is_known_permissive("GPL-3.0-only")
    assert not is_known_permissive(None) and not is_known_permissive("")
