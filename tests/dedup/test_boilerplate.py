"""Near dedup on the code, not the boilerplate (issue 31), on real header-heavy files: the X Toolkit
headers of Debian's ``libxt-dev`` (short files under a 45-line licence header)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.boilerplate import (
    header_key,
    is_licence_text,
    is_notice_file,
    leading_comment_blocks,
    strip_blocks,
)
from codecurate.core.passes import PlanContext
from codecurate.dedup.near import NearDedup
from codecurate.recipe.plan import DOCUMENTS_IO
from tests.conftest import write
from tests.dedup.test_dedup import run

XT = Path("/usr/include/X11")
#: short headers of libxt-dev: 62-70 lines, of which 45 are the licence header
SHORT = ("Constraint.h", "Core.h", "Object.h", "RectObj.h", "Vendor.h")


@pytest.fixture(scope="module")
def xt() -> Path:
    if not (XT / "Intrinsic.h").is_file():
        from tests.filters.analysis_tools import ToolUnavailable, apt_install

        try:
            apt_install("libxt-dev")
        except ToolUnavailable as error:
            pytest.skip(str(error))
    return XT


def near(params: dict | None = None) -> list[dict]:
    return [{"block": "near_dedup", "id": "near", "params": {"partitions": 2, **(params or {})}}]


BEFORE = {"boilerplate": False, "same_language": False}


def test_leading_blocks_of_a_real_header(xt):
    text = (xt / "Core.h").read_text()
    blocks = leading_comment_blocks(text, "C")
    assert blocks and blocks[0].start == 0 and is_licence_text(blocks[0].text)
    body = strip_blocks(text, [b for b in blocks if is_licence_text(b.text)])
    assert "Permission" not in body and "#ifndef" in body and len(body) < len(text) / 2
    assert text.count("\n") - 40 > body.count("\n") > 10


def test_licence_signs_and_notice_names():
    assert is_licence_text("// SPDX-License-Identifier: MIT")
    assert is_licence_text("# Copyright 2020 A. Person\n# Licensed under the Apache License, Version 2.0")
    assert not is_licence_text("/* Parse the configuration file and return its entries. */")
    assert not is_licence_text("// see the license module for how the licence is read")  # one sign only
    assert all(map(is_notice_file, ("LICENSE", "LICENSE.md", "COPYING.LIB", "NOTICE.txt", "MIT-LICENSE", "a/LICENCE")))
    assert not any(map(is_notice_file, ("license.c", "src/licenses.py", "README.md", "Licenses.java", None)))


def test_comment_syntax_per_language():
    python = '#!/usr/bin/env python\n# Copyright 2020 X\n# MIT License\n\n"""Docs."""\nimport os\n'
    assert [b.text for b in leading_comment_blocks(python, "Python")] == [
        "# Copyright 2020 X\n# MIT License\n", '"""Docs."""\n']
    php = "<?php\n/* Copyright 2020 X, GPL licensed */\necho 1;\n"
    assert len(leading_comment_blocks(php, "PHP")) == 1
    assert leading_comment_blocks("int x; /* trailing */\n", "C") == []
    assert leading_comment_blocks("# Copyright\n", "JSON") == []  # no comments in JSON
    assert leading_comment_blocks("\ufeff// a\n// b\n\n/* c */ int x;\n", "C#")[0].text == "// a\n// b\n"


def test_short_files_under_a_licence_header_are_not_duplicates(xt, tmp_path):
    for name in SHORT:
        write(tmp_path / "repos" / "libxt" / "include" / name, (xt / name).read_text())
    _, kept, excluded = run(tmp_path, near(BEFORE), name="before")
    assert len(excluded) >= 2  # the header made them near duplicates (Jaccard 0.85-0.89)
    _, kept, excluded = run(tmp_path, near(), name="after")
    assert excluded == {} and len(kept) == len(SHORT)


def test_planted_near_duplicates_still_caught(xt, tmp_path):
    text = (xt / "Intrinsic.h").read_text()
    lines = text.split("\n")
    for i in (900, 1500, 2100):  # a few declarations edited below the header, the header's years moved on
        lines[i] = lines[i].replace("Widget", "Gadget")
    copy = re.sub(r"\b(19|20)\d\d\b", "2024", "\n".join(lines[:1800] + ["extern int XtExtra(void);"] + lines[1800:]))
    write(tmp_path / "repos" / "libxt" / "Intrinsic.h", text)
    write(tmp_path / "repos" / "fork" / "Intrinsic.h", copy)
    for name in SHORT:
        write(tmp_path / "repos" / "libxt" / name, (xt / name).read_text())
    _, kept, excluded = run(tmp_path, near())
    assert list(excluded) == ["libxt/Intrinsic.h"]  # the keep rule: repository order, "fork" first
    assert excluded["libxt/Intrinsic.h"][keys.DUPLICATE_OF] == "fork/Intrinsic.h"


def test_licence_file_never_the_survivor_and_no_cross_language_cluster(xt, tmp_path):
    header = leading_comment_blocks((xt / "Core.h").read_text(), "C")[0].text
    licence = header.replace("/*", "").replace("*/", "")
    repo = tmp_path / "repos" / "toolkit"
    write(repo / "LICENSE.txt", licence)  # sorts before the notes: the keep rule used to keep it
    write(repo / "notes.txt", licence + "\nThese terms apply to every file.\n")
    write(repo / "license.h", header)  # a C file that holds only the licence
    text = (xt / "Intrinsic.h").read_text()
    write(repo / "c" / "Intrinsic.h", text)
    write(repo / "cpp" / "Intrinsic.hpp", text + "\nextern int XtExtra(void);\n")  # C++ by its extension
    _, kept, excluded = run(tmp_path, near())
    assert set(excluded) == {"toolkit/LICENSE.txt"}
    assert excluded["toolkit/LICENSE.txt"][keys.DUPLICATE_OF] == "toolkit/notes.txt"
    assert {"toolkit/c/Intrinsic.h", "toolkit/cpp/Intrinsic.hpp", "toolkit/license.h"} <= set(kept)
    # before: the C and C++ copies were one cluster, and the text files joined the licence-only C file
    _, kept, excluded = run(tmp_path, near(BEFORE), name="before")
    assert "toolkit/cpp/Intrinsic.hpp" in excluded or "toolkit/c/Intrinsic.h" in excluded
    assert "toolkit/license.h" in excluded or excluded.get("toolkit/notes.txt", {}).get(keys.DUPLICATE_OF) \
        == "toolkit/license.h"


def test_a_banner_the_repository_repeats_is_boilerplate(tmp_path):
    banner = "".join(f"// Part of the Frobnicator toolkit, module group {w}, see the handbook chapter {w}.\n"
                     for w in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"))
    for i in range(4):
        write(tmp_path / "repos" / "frob" / f"m{i}.c", banner + f"\nint frob_{i}(int v) {{ return v * {i + 2}; }}\n")
    _, _, excluded = run(tmp_path, near(BEFORE), name="before")
    assert len(excluded) == 3  # the banner, not the code, made them one cluster
    _, kept, excluded = run(tmp_path, near(), name="after")
    assert excluded == {} and len(kept) == 4
    # repeated in fewer files than header_repeats: not boilerplate
    assert header_key(banner, "frob") != header_key(banner, "other")
    _, _, excluded = run(tmp_path, near({"header_repeats": 5}), name="five")
    assert len(excluded) == 3


def test_parameters_validated(tmp_path):
    with pytest.raises(ValueError, match="header_repeats"):
        NearDedup(header_repeats=-1)
    context = PlanContext(tmp_path, 1, 1, "near", **DOCUMENTS_IO)
    names = [s.name for s in NearDedup(header_repeats=0).plan(context, str(tmp_path / "in"))]
    assert names[0] == "near-signatures"
    names = [s.name for s in NearDedup().plan(context, str(tmp_path / "in"))]
    assert names[:2] == ["near-headers", "near-signatures"]
