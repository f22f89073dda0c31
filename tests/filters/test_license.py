
import pytest

from codecurate import metadata as keys
from codecurate.filters.license.repository import RepositoryLicenseFilter, detect_license, is_license_file
from tests.conftest import make_doc
from tests.real_files import installed_licence_text


@pytest.mark.parametrize(
    ("path", "depth", "expected"),
    [
        ("LICENSE", 0, True),
        ("COPYING.txt", 0, True),
        ("Licence.md", 0, True),
        ("NOTICE", 0, True),
        ("docs/LICENSE", 0, False),
        ("docs/LICENSE", 1, True),
        ("pkg-1.0.dist-info/licenses/LICENSE.txt", 0, True),
        ("pkg-1.0.dist-info/LICENSE", 0, True),
        ("src/main.py", 0, False),
    ],
)
def test_license_files(path, depth, expected):
    assert is_license_file(path, depth) is expected


MIT_TEXT = """MIT License

Copyright (c) 2024 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
"""


def _gpl_text() -> str:
    text = installed_licence_text("GNU GENERAL PUBLIC LICENSE", "Version 3", exclude="LESSER")
    if text is not None:
        return text
    return ("This program is free software: you can redistribute it and/or modify it under the terms of the "
            "GNU General Public License as published by the Free Software Foundation, either version 3 of the "
            "License, or (at your option) any later version.")


def test_detect_license_with_scancode():
    pytest.importorskip("licensedcode")
    assert detect_license([MIT_TEXT]) == "MIT"
    assert detect_license(["just some words, no license here"]) is None
    assert "GPL-3.0" in detect_license([_gpl_text()])
    assert detect_license([MIT_TEXT, _gpl_text()]).startswith("MIT AND ")


def _run(block, docs, tmp_path):
    from datatrove.pipeline.writers.jsonl import JsonlWriter

    from tests.conftest import read_jsonl_gz

    block.bind("license", JsonlWriter(str(tmp_path), output_filename="${rank}.jsonl.gz"))
    kept = list(block.run(iter(docs)))
    excluded = read_jsonl_gz(tmp_path / "00000.jsonl.gz") if (tmp_path / "00000.jsonl.gz").exists() else []
    return kept, {r["id"]: r["metadata"]["filter_reason"] for r in excluded}


def test_filter_by_repository(tmp_path):
    pytest.importorskip("licensedcode")
    docs = [
        make_doc("x", "a.py", repo="meta/mit", **{keys.LICENSE: "MIT", keys.LICENSE_SOURCE: "sidecar"}),
        make_doc("y", "b.py", repo="meta/mit", **{keys.LICENSE: "MIT", keys.LICENSE_SOURCE: "sidecar"}),
        make_doc("x", "a.py", repo="meta/gpl", **{keys.LICENSE: "GPL-3.0-only"}),
        make_doc(MIT_TEXT, "LICENSE", repo="detect/mit"),
        make_doc("print(1)", "main.py", repo="detect/mit"),
        make_doc(MIT_TEXT, "docs/LICENSE", repo="deep/only"),  # below the top level: not looked at
        make_doc("print(2)", "main.py", repo="none/here"),
        make_doc("An article.", "README", repo=None, **{keys.KIND: keys.KIND_TEXT}),
    ]
    kept, excluded = _run(RepositoryLicenseFilter(), docs, tmp_path)
    assert [d.id for d in kept] == ["meta/mit/a.py", "meta/mit/b.py", "detect/mit/LICENSE", "detect/mit/main.py",
                                    "None/README"]
    assert excluded == {"meta/gpl/a.py": "license_not_permissive", "deep/only/docs/LICENSE": "license_not_found",
                        "none/here/main.py": "license_not_found"}
    detected = kept[3].metadata
    assert (detected[keys.LICENSE], detected[keys.LICENSE_SOURCE]) == ("MIT", "detected")
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "sidecar"


def test_unlicensed_kept_when_asked(tmp_path):
    kept, excluded = _run(RepositoryLicenseFilter(drop_unlicensed=False, detect=False),
                          [make_doc("x", "a.py", repo="none/here")], tmp_path)
    assert len(kept) == 1 and excluded == {}


def test_non_contiguous_repository_is_an_error(tmp_path):
    docs = [make_doc("x", "a.py", repo="r1", **{keys.LICENSE: "MIT"}),
            make_doc("x", "a.py", repo="r2", **{keys.LICENSE: "MIT"}),
            make_doc("x", "b.py", repo="r1", **{keys.LICENSE: "MIT"})]
    with pytest.raises(ValueError, match="'r1' are not contiguous.*group_by_repository"):
        _run(RepositoryLicenseFilter(), docs, tmp_path)
