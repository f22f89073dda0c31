"""License detection once per distinct text: keys, the verdict folder, the shipped detections, and
the same verdicts with and without the cache on the installed packages' license files."""

import json
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.filters.license.cache import (
    COMMON_LICENSES,
    DETECTIONS_FILE,
    LicenseVerdicts,
    license_key,
    license_variants,
    normalise_license_text,
    scancode_detections,
    scancode_version,
    shipped_detections,
)
from codecurate.filters.license.repository import RepositoryLicenseFilter, detect_license, is_license_file
from tests.conftest import make_doc

pytest.importorskip("licensedcode")

MIT_BODY = """Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:
"""


def test_copyright_notices_and_layout_do_not_change_the_key():
    one = f"MIT License\n\nCopyright (c) 2024 Someone\nAll rights reserved.\n\n{MIT_BODY}"
    other = f"MIT License\r\n\r\n(c) 2019-2021 Jane Roe <a@b.c>\r\n\r\n{' '.join(MIT_BODY.split())}\r\n"
    assert license_key(one) == license_key(other)
    assert normalise_license_text(one).startswith("mit license permission is hereby granted")
    # a copyright line that names a license, or holds legal words, is more than a notice
    named = f"Copyright 2024 Someone, licensed under the Apache License 2.0\n\n{MIT_BODY}"
    proprietary = f"Copyright 2024 Someone. Proprietary and confidential.\n\n{MIT_BODY}"
    assert len({license_key(one), license_key(named), license_key(proprietary)}) == 3
    assert license_key(one, version="0.0.1") != license_key(one)  # another ScanCode: another key


def test_verdict_folder_is_shared_and_survives_damage(tmp_path):
    first = LicenseVerdicts(tmp_path, shipped=False)
    text = f"Copyright (c) 2024 A\n\n{MIT_BODY}"
    found, source = first.detections(text)
    assert source == "scancode" and found == scancode_detections(text)
    assert first.detections(text.replace("2024 A", "1999 B")) == (found, "memory")
    files = list(tmp_path.rglob("*.json"))
    assert len(files) == 1 and files[0].parent.name == files[0].stem[:2]
    assert json.loads(files[0].read_text())["licenses"] == list(found)
    assert not list(tmp_path.rglob("*.tmp"))
    assert LicenseVerdicts(tmp_path, shipped=False).detections(text) == (found, "folder")  # another task
    files[0].write_text("{not json")  # a damaged file is detected again and rewritten
    assert LicenseVerdicts(tmp_path, shipped=False).detections(text) == (found, "scancode")
    assert json.loads(files[0].read_text())["licenses"] == list(found)


def test_shipped_detections_are_scancodes(tmp_path):
    from licensedcode.cache import get_licenses_db

    data = json.loads((Path(__file__).resolve().parents[2] / "src/codecurate/data" / DETECTIONS_FILE).read_text())
    assert data["sources"]["scancode-toolkit"] == scancode_version()
    assert set(COMMON_LICENSES) == {e["license"] for e in data["detections"]}
    shipped = shipped_detections()
    db = get_licenses_db()
    for key in ("mit", "bsd-new"):  # made anew here: the same keys, the same detections
        for _, text in license_variants(key, db[key].text)[:4]:
            assert shipped[license_key(text)] == scancode_detections(text)
    standard = f"Copyright (c) 2024 Someone\n\n{db['apache-2.0'].text}"
    assert LicenseVerdicts(tmp_path).detections(standard) == (("Apache-2.0",), "shipped")


def installed_license_texts(max_chars: int) -> dict[str, list[str]]:
    from codecurate.readers import InstalledPackagesReader

    reader = InstalledPackagesReader(articles=False)
    found = {}
    for name in reader.list_repositories():
        texts = []
        for file in reader.open_repository(name).files:
            if is_license_file(file.path, 0):
                try:
                    text = file.location.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if len(text) <= max_chars:
                    texts.append(text)
        if texts:
            found[name] = texts
    return found


def test_same_verdicts_with_and_without_the_cache_on_installed_packages(tmp_path):
    """Every license file of the installed distributions up to 12,000 characters (Apache-2.0 is
    11,400; the longer ones are bundled-license collections, each a text of its own)."""
    repositories = installed_license_texts(12_000)
    texts = list(dict.fromkeys(t for group in repositories.values() for t in group))
    assert len(texts) >= 50
    verdicts, answers, ran = LicenseVerdicts(tmp_path / "verdicts"), {}, set()
    for text in texts:
        answers[text], source = verdicts.detections(text)
        if source == "scancode":  # the cache ran ScanCode on this very text
            ran.add(text)
    substituted = [t for t in texts if t not in ran]
    assert len(substituted) >= 0.3 * len(texts)  # answered by the shipped data or another text's detection
    for text in substituted:  # without the cache: ScanCode on the file itself
        assert answers[text] == scancode_detections(text), text[:300]

    class Plain:  # ScanCode's own answer for every text, through the same join
        def detections(self, text):
            return answers[text], "scancode"

    for name, group in repositories.items():
        assert detect_license(group, verdicts) == detect_license(group, Plain()), name


def test_filter_counts_sources_and_keeps_verdicts(tmp_path):
    from licensedcode.cache import get_licenses_db

    mit = get_licenses_db()["mit"].text
    docs = [make_doc(f"Copyright (c) 2024 {who}\n\n{mit}", "LICENSE", repo=f"r/{who}") for who in ("a", "b")]
    docs += [make_doc(f"print({i})", "main.py", repo=f"r/{who}") for i, who in enumerate("ab")]
    docs.sort(key=lambda d: d.metadata[keys.REPO])
    for cache in (True, False):
        block = RepositoryLicenseFilter(cache=cache, cache_folder=str(tmp_path / "v"))
        kept = list(block.run(iter([make_doc(d.text, d.metadata[keys.PATH], repo=d.metadata[keys.REPO])
                                    for d in docs])))
        assert [d.metadata[keys.LICENSE] for d in kept] == ["MIT"] * 4
        stats = {k: v.total for k, v in block.stats.stats.items() if k.startswith("license_cache/")}
        assert stats == ({"license_cache/shipped": 1, "license_cache/memory": 1} if cache else {})


def test_recipe_gives_the_block_its_work_folder(tmp_path):
    from codecurate.recipe.plan import build_plan
    from codecurate.recipe.schema import load_recipe
    from tests.conftest import AIXCODER

    plan = build_plan(load_recipe(AIXCODER, output=str(tmp_path / "out")))
    blocks = [s for segment in plan.segments for s in segment.steps if isinstance(s, RepositoryLicenseFilter)]
    assert len(blocks) == 1
    assert blocks[0].work_folder == str(tmp_path / "out" / "work" / "license")
    assert blocks[0].verdicts().folder.path == str(tmp_path / "out" / "work" / "license" / "verdicts")
