import pytest

pytest.importorskip("presidio_analyzer")

from codecurate import metadata as keys  # noqa: E402
from codecurate.pii.recognizers import URLRecognizer, host_allowed  # noqa: E402
from codecurate.pii.redact import PIIRedactor  # noqa: E402
from tests.conftest import make_doc  # noqa: E402

SOURCE = '''# Licensed under the Apache License, Version 2.0: http://www.apache.org/licenses/LICENSE-2.0
# See https://docs.python.org/3/library/re.html for the syntax.
# Mirror of the data: https://files.jane-doe-lab.net/exports/2021/dump.tar.gz.
import requests

ENDPOINT = "https://api.internal-billing.acme-corp.io/v2/invoices?user=42"
DOCS = "https://readthedocs.org/projects/foo/"


def fetch(path):
    return requests.get(ENDPOINT + path)  # see www.jane-doe-lab.net/notes
'''


def redact(**params):
    document = make_doc(SOURCE, "client.py", **{keys.LANGUAGE: "Python"})
    block = PIIRedactor(scope="code", **params)
    assert list(block.run(iter([document]))) == [document]
    return document, block


def test_urls_redacted_when_enabled():
    document, block = redact(urls=True)
    assert "# Mirror of the data: <URL>." in document.text  # the sentence's full stop stays
    assert 'ENDPOINT = "<URL>"' in document.text
    assert "# see <URL>" in document.text
    # licence and documentation hosts are on the allow-list
    assert "http://www.apache.org/licenses/LICENSE-2.0" in document.text
    assert "https://docs.python.org/3/library/re.html" in document.text
    assert 'DOCS = "https://readthedocs.org/projects/foo/"' in document.text
    assert document.metadata[keys.PII_COUNTS] == {"URL": 3}
    assert block.stats["pii/URL"].total == 3


def test_urls_kept_when_not_enabled():
    document, _ = redact()
    assert document.text == SOURCE
    assert document.metadata[keys.PII_COUNTS] == {}


def test_the_allow_list_is_extended_or_replaced():
    document, _ = redact(urls=True, url_allow_domains=["acme-corp.io"])
    assert "https://api.internal-billing.acme-corp.io/v2/invoices?user=42" in document.text
    assert document.metadata[keys.PII_COUNTS] == {"URL": 2}
    document, _ = redact(urls=True, url_default_domains=False)
    assert "apache.org" not in document.text and "docs.python.org" not in document.text
    assert document.metadata[keys.PII_COUNTS] == {"URL": 6}


def test_url_credentials_are_one_url_finding_and_still_redacted_on_allowed_hosts():
    document = make_doc('DB = "postgres://admin:hunter2pass@db.acme-corp.io/x"\n'
                        'X = "https://bob:s3cretpass@github.example.com/repo"\n', "a.py", **{keys.LANGUAGE: "Python"})
    PIIRedactor(scope="whole", urls=True).filter(document)
    assert document.text.splitlines()[0] == 'DB = "<URL>"'  # one finding, credentials included
    assert document.text.splitlines()[1] == 'X = "https://<USERNAME>:<PASSWORD>@github.example.com/repo"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://gitlab.com/jdoe/tools).", ["https://gitlab.com/jdoe/tools"]),
        ("fetch('ftp://ftp.acme.org/pub/x.zip')", ["ftp://ftp.acme.org/pub/x.zip"]),
        ("url = 'https://${HOST}/api'", []),  # a template, no host
        ("x = 'http://'", []),
        ("import java.net.URL; a.b.c.d()", []),
        ("<a href=\"https://en.wikipedia.org/wiki/URL\">", []),
        ("home http://localhost:8080/status", []),
        ("ip http://52.14.201.33:8000/x", ["http://52.14.201.33:8000/x"]),
        ("go to www.jdoe.dev/about, then", ["www.jdoe.dev/about"]),
        ("a.b www.x", []),
    ],
)
def test_url_recognizer(text, expected):
    from codecurate.pii.recognizers import DEFAULT_URL_ALLOW_DOMAINS

    results = URLRecognizer(DEFAULT_URL_ALLOW_DOMAINS).analyze(text, None)
    assert [text[r.start : r.end] for r in results] == expected


def test_host_allowed_matches_subdomains_only():
    domains = frozenset({"python.org"})
    assert host_allowed("docs.python.org", domains) and host_allowed("python.org", domains)
    assert not host_allowed("notpython.org", domains) and not host_allowed("python.org.evil.io", domains)


def test_options_validated():
    with pytest.raises(ValueError, match="need urls"):
        PIIRedactor(url_allow_domains=["x.org"])
    with pytest.raises(ValueError, match="host names"):
        PIIRedactor(urls=True, url_allow_domains=["https://x.org/a"])
