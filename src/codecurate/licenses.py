"""License expressions: which SPDX expressions are permissive.

The permissive list is The Stack v2's rule: the Blue Oak Council list (v15, every rating) plus the
licenses ScanCode's license database puts in its "Permissive" and "Public Domain" categories. A
snapshot ships in ``codecurate/data/permissive-licenses.json`` (``build_permissive_list`` makes it
anew from the installed ScanCode; a test checks the two agree). An expression is permissive when
every license of an ``AND``, at least one choice of an ``OR``, and the license part of
``X WITH exception`` are on the list.

Used by the license filter (which repositories to keep) and by dedup (a permissive copy is the one
kept); parsing needs the ``license-expression`` package (the ``license`` extra).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

BLUEOAK_FILE = "blueoak-list-15.json"
PERMISSIVE_FILE = "permissive-licenses.json"
SCANCODE_CATEGORIES = ("Permissive", "Public Domain")

#: Trove classifiers that name exactly one SPDX license. Ambiguous ones ("BSD License", "GNU
#: General Public License (GPL)") are not mapped: the license stage detects those from the files.
CLASSIFIER_SPDX = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}


def blueoak_ids(path: str | Path | None = None) -> set[str]:
    """SPDX ids on the Blue Oak Council list (all ratings)."""
    text = Path(path).read_text() if path else resources.files("codecurate").joinpath("data", BLUEOAK_FILE).read_text()
    return {entry["id"] for rating in json.loads(text) for entry in rating["licenses"]}


def build_permissive_list(blueoak_path: str | Path | None = None) -> dict:
    """The permissive list from the Blue Oak list and the installed ScanCode license database."""
    from importlib.metadata import version

    from licensedcode.cache import get_licenses_db

    scancode = set()
    for license_ in get_licenses_db().values():
        if license_.category in SCANCODE_CATEGORIES and not license_.is_deprecated:
            for spdx in [license_.spdx_license_key, *(license_.other_spdx_license_keys or [])]:
                if spdx:
                    scancode.add(spdx)
    blueoak = blueoak_ids(blueoak_path)
    return {
        "sources": {"blueoak": BLUEOAK_FILE, "scancode-toolkit": version("scancode-toolkit-mini"),
                    "scancode_categories": list(SCANCODE_CATEGORIES)},
        "licenses": sorted(blueoak | scancode, key=str.lower),
    }


@lru_cache(maxsize=1)
def permissive_licenses() -> frozenset[str]:
    """The shipped permissive list, lower-cased SPDX ids."""
    data = json.loads(resources.files("codecurate").joinpath("data", PERMISSIVE_FILE).read_text())
    return frozenset(spdx.lower() for spdx in data["licenses"])


@lru_cache(maxsize=4096)
def is_permissive(expression: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether an SPDX license expression is permissive (the rule in the module docstring).

    An expression that does not parse is not permissive.
    """
    from license_expression import (
        AND,
        OR,
        ExpressionError,
        LicenseSymbol,
        LicenseWithExceptionSymbol,
        Licensing,
    )

    allowed = permissive_licenses() | {e.lower() for e in extra}
    try:
        tree = Licensing().parse(expression)
    except ExpressionError:
        return False
    if tree is None:
        return False

    def check(node) -> bool:
        if isinstance(node, LicenseWithExceptionSymbol):
            return check(node.license_symbol)
        if isinstance(node, LicenseSymbol):
            return node.key.lower() in allowed
        if isinstance(node, AND):
            return all(check(arg) for arg in node.args)
        if isinstance(node, OR):
            return any(check(arg) for arg in node.args)
        return False

    return check(tree)


def is_known_permissive(expression: str | None) -> bool:
    """Whether ``expression`` is known to be permissive: False when there is none, when it does not
    parse, or when the ``license`` extra is not installed (the license then decides nothing)."""
    if not expression:
        return False
    try:
        return is_permissive(expression)
    except ImportError:
        return False
