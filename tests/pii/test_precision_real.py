"""PII precision on real files (issue 31): what is not personal stays, what is stays redacted.

The files come from released packages, fetched once into ``~/.cache/codecurate/corpora/pii``
(the cache ``benchmarks/pii_real.py`` uses): Debian source packages (``apt-get source``) and npm
tarballs (``npm pack``). Without them, and without root and network to fetch them, the tests skip.
Each real case failed with the recognizers before issue 31 (a version, an OID, an asset name, a
GUID or base64 fixture redacted; half a hyphenated name redacted).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")

from codecurate import metadata as keys  # noqa: E402
from codecurate.languages import detect_language  # noqa: E402
from codecurate.pii.recognizers import EmailRecognizer, IPRecognizer, KeyRecognizer, NameRuleRecognizer  # noqa: E402
from codecurate.pii.redact import PIIRedactor  # noqa: E402
from tests.conftest import make_doc  # noqa: E402
from tests.real_files import ensure_source_lists  # noqa: E402

DOWNLOADS = Path(os.environ.get("CODECURATE_PII_CORPUS", str(Path.home() / ".cache/codecurate/corpora/pii"))) \
    / "downloads"
#: archive -> how to fetch it
ARCHIVES = {
    "newtonsoft-json_6.0.8+dfsg.orig.tar.gz": ("apt", "newtonsoft-json=6.0.8+dfsg-1.1"),
    "libcommons-codec-java_1.15.orig.tar.xz": ("apt", "libcommons-codec-java=1.15-1"),
    "curl_7.88.1.orig.tar.gz": ("apt", "curl=7.88.1-10+deb12u15"),
    "uuid-9.0.1.tgz": ("npm", "uuid@9.0.1"),
    "intl-tel-input-12.1.0.tgz": ("npm", "intl-tel-input@12.1.0"),
}


def real_file(archive: str, member: str) -> str:
    """The text of ``member`` of a released package's ``archive``, fetched when missing."""
    path = DOWNLOADS / archive
    if not path.is_file():
        tool, spec = ARCHIVES[archive]
        if os.geteuid() != 0 or not shutil.which("apt-get" if tool == "apt" else "npm"):
            pytest.skip(f"{archive} missing and cannot be fetched here (needs root and {tool})")
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        argv = ["apt-get", "source", "--download-only", spec] if tool == "apt" else ["npm", "pack", spec]
        if tool == "apt":
            ensure_source_lists()  # a fresh machine lists binary packages only
        subprocess.run(argv, cwd=DOWNLOADS, capture_output=True, timeout=300, check=False)
        if not path.is_file():
            pytest.skip(f"{archive}: {' '.join(argv)} failed (no network?)")
    with tarfile.open(path) as tar:
        return tar.extractfile(member).read().decode("utf-8-sig")


@pytest.fixture(scope="module")
def block():
    return PIIRedactor(scope="code")


def redacted(block, archive: str, member: str) -> tuple[str, str]:
    """The file's text before and after the block."""
    text = real_file(archive, member)
    path = member.split("/", 1)[1]
    document = make_doc(text, path, **{keys.LANGUAGE: detect_language(path, text)})
    assert block.filter(document) is True
    return text, document.text


NEWTONSOFT = ("newtonsoft-json_6.0.8+dfsg.orig.tar.gz", "newtonsoft-json-6.0.8/Src/Newtonsoft.Json.Tests/")


def test_version_strings_of_a_csharp_library_are_not_addresses(block):
    _, text = redacted(block, NEWTONSOFT[0], NEWTONSOFT[1] + "Converters/VersionConverterTests.cs")
    assert 'SerializeVersionClass("1.2.3.4", "2.3.4.5");' in text and "<IP_ADDRESS>" not in text
    _, text = redacted(block, NEWTONSOFT[0], NEWTONSOFT[1] + "Schema/ExtensionsTests.cs")
    assert 'new Version("1.2.3.4")' in text
    _, text = redacted(block, NEWTONSOFT[0], NEWTONSOFT[1] + "TestObjects/CustomerDataSet.cs")
    assert '"System.Data.Design.TypedDataSetGenerator", "4.0.0.0")]' in text and "<IP_ADDRESS>" not in text


def test_a_hyphenated_author_is_redacted_whole(block):
    original, text = redacted(block, NEWTONSOFT[0], NEWTONSOFT[1] + "Converters/VersionConverterTests.cs")
    assert "Copyright (c) 2007 James Newton-King" in original
    assert "Copyright (c) 2007 <NAME>\n" in text and "<NAME>King" not in text and "Newton-King" not in text
    _, text = redacted(block, "curl_7.88.1.orig.tar.gz", "curl-7.88.1/lib/vtls/rustls.c")
    assert "Copyright (C) <NAME>,\n" in text and "Andrews," not in text


def test_guid_and_base64_fixtures_are_not_keys(block):
    original, text = redacted(block, NEWTONSOFT[0], NEWTONSOFT[1] + "Bson/BsonReaderTests.cs")
    assert 'new Guid("822C0CE6-CC42-4753-A3C3-26F0684A4B88")' in text and "<KEY>" not in text
    _, text = redacted(block, NEWTONSOFT[0], NEWTONSOFT[1] + "Converters/BinaryConverterTests.cs")
    assert "VGhpcyBpcyBzb21lIHRlc3QgZGF0YSEhIQ==" in text and "<KEY>" not in text
    original, text = redacted(block, "libcommons-codec-java_1.15.orig.tar.xz", "commons-codec-rel-commons-codec-1.15/"
                              "src/test/java/org/apache/commons/codec/binary/Base64Codec13Test.java")
    assert text.count('s[16] = "oYpxMy6BSpZXhVpOR6dXmA==";') == 1 and "<KEY>" not in text


def test_oids_and_section_numbers_are_not_addresses_and_a_real_one_still_is(block):
    _, text = redacted(block, "curl_7.88.1.orig.tar.gz", "curl-7.88.1/lib/vtls/x509asn1.c")
    assert 'cnOID[] = "2.5.4.3";' in text and '{ "2.5.4.4",' in text and "<IP_ADDRESS>" not in text
    _, text = redacted(block, "uuid-9.0.1.tgz", "package/dist/commonjs-browser/v1.js")
    assert "// Per 4.2.1.2, use count" in text
    _, text = redacted(block, "curl_7.88.1.orig.tar.gz", "curl-7.88.1/docs/examples/externalsocket.c")
    assert '"http://<IP_ADDRESS>:9999"' in text and "99.99.99.99" not in text


def test_an_asset_name_is_not_an_email(block):
    original, text = redacted(block, "intl-tel-input-12.1.0.tgz", "package/build/css/intlTelInput.css")
    assert 'url("../img/flags@2x.png")' in original and 'url("../img/flags@2x.png")' in text


def test_cipher_suite_names_are_not_keys(block):
    _, text = redacted(block, "curl_7.88.1.orig.tar.gz", "curl-7.88.1/lib/vtls/sectransp.c")
    assert '"ECDHE-ECDSA-CHACHA20-POLY1305",' in text and "<KEY>" not in text


def found(recognizer, text):
    return [text[r.start : r.end] for r in recognizer.analyze(text, None)]


@pytest.mark.parametrize(("text", "expected"), [
    ('[assembly: AssemblyVersion("1.2.3.4")]', []),
    ('[assembly: AssemblyFileVersion("52.0.8.181")]', []),
    ("__version__ = '8.8.4.4'", []),
    ('"version": "52.1.2.3",', []),
    ('("==2.1.0.3", "2.1.0.3"),', []),
    ("static const char sanOID[] = \"2.5.29.17\";", []),
    ("/* RFC6265 4.1.2.3. The Domain Attribute */", []),
    ("taken from C99 6.10.3.5.", []),
    ("perl-5.24.3.1-64bit", []),
    ('host = "52.14.201.33"', ["52.14.201.33"]),
    ("range 52.1.2.3-52.1.2.9", ["52.1.2.3", "52.1.2.9"]),
    ('avoid = "52.1.2.3"', ["52.1.2.3"]),
    ('"version": "1.2.3.4", "host": "52.1.2.3"', ["52.1.2.3"]),
])
def test_ip_context(text, expected):
    assert found(IPRecognizer(), text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ('<img src="Logo@2x.png">', []),
    ("icon@1.5x.jpg", []),
    ("[![Author](https://img.shields.io/badge/author-@colinodell-blue.svg)]", []),
    ("foo@bar.baz and pi@raspberrypi.local", []),
    ("ftp@example.com, a@mail.example.org", []),
    ("pip install git+ssh://git@github.com:pypa/packaging.git", []),
    ("git clone git@gitlab.com:group/project.git", []),
    ("ssh://olu@github.com/x", ["olu@github.com"]),
    ("mail jane@corp-mail.co.uk", ["jane@corp-mail.co.uk"]),
    ("Piotr <piotr@wp.pl>", ["piotr@wp.pl"]),
])
def test_email_needs_a_real_domain(text, expected):
    assert found(EmailRecognizer(), text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ('Guid g = new Guid("822C0CE6-CC42-4753-A3C3-26F0684A4B88");', []),
    ('api_key = "822C0CE6-CC42-4753-A3C3-26F0684A4B88"', ["822C0CE6-CC42-4753-A3C3-26F0684A4B88"]),
    ('s[16] = "oYpxMy6BSpZXhVpOR6dXmA==";', []),
    ('client_secret = "oYpxMy6BSpZXhVpOR6dXmA=="', ["oYpxMy6BSpZXhVpOR6dXmA=="]),
    ('x = "SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0"', []),
    ("Culture=neutral, PublicKeyToken=b77a5c561934e089", []),
    ('x = "TLS_AES_128_CCM_8_SHA256"', []),
    ('k = "q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge"', ["q8Fz3kP0xLm2Vb7Rt9Yw4Nc6Hd1Js5Ge"]),
])
def test_key_shape_and_context(text, expected):
    assert found(KeyRecognizer(), text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("// Copyright (c) 2007 James Newton-King", ["James Newton-King"]),
    ("# Author: Jean-Luc King", ["Jean-Luc King"]),
    ("@author Ludwig van Beethoven", ["Ludwig van Beethoven"]),
    ("copyright 2014-2018, John MacFarlane)", ["John MacFarlane"]),
    ("Copyright (c) 2014-2022, Colin O'Dell. All rights reserved.", ["Colin O'Dell"]),
    ("Written by Michał Nowak", ["Michał Nowak"]),
    ("Copyright 2001 Python Software Foundation", []),
    ("Author: Anna Smith-Jones-Brown-Green-White", []),  # longer than the pattern takes: none of it
])
def test_a_name_is_redacted_whole_or_not_at_all(text, expected):
    assert found(NameRuleRecognizer(), text) == expected
