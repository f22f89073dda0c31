from email.message import Message

import pytest

from codecurate import metadata as keys
from codecurate.readers import InstalledPackagesReader
from codecurate.readers.installed import declared_license, normalize_name
from tests.conftest import read_all


def test_a_real_installed_distribution_is_one_repository():
    # PyYAML is a dependency of codecurate, so it is installed wherever the tests run
    docs = read_all(InstalledPackagesReader(distributions=["PyYAML"]))
    code = [d for d in docs if d.metadata[keys.KIND] == keys.KIND_CODE]
    articles = [d for d in docs if d.metadata[keys.KIND] == keys.KIND_TEXT]
    paths = {d.metadata[keys.PATH] for d in code}
    assert "yaml/__init__.py" in paths
    assert any(p.endswith(".dist-info/METADATA") for p in paths)
    assert not any(p.endswith(".pyc") for p in paths)
    assert {d.metadata[keys.REPO] for d in docs} == {"pyyaml"}
    init = next(d for d in code if d.metadata[keys.PATH] == "yaml/__init__.py")
    assert "def safe_load" in init.text
    assert init.metadata[keys.LANGUAGE] == "Python"
    assert init.metadata[keys.LICENSE] == "MIT"
    assert init.metadata[keys.REVISION]
    assert len(articles) == 1 and "YAML" in articles[0].text
    assert articles[0].id == "pyyaml/description"
    # files first, contiguous, then the article
    assert docs[-1] is articles[0]


def test_every_installed_distribution_is_found_once():
    reader = InstalledPackagesReader(articles=False)
    names = reader.list_repositories()
    assert names == sorted(set(names))
    assert {"datatrove", "pyyaml", "codecurate"} <= set(names)


def test_selection_errors_and_exclusions():
    with pytest.raises(LookupError, match="not-a-real-dist"):
        InstalledPackagesReader(distributions=["not-a-real-dist"]).list_repositories()
    names = InstalledPackagesReader(exclude_distributions=["PyYAML"]).list_repositories()
    assert "pyyaml" not in names


def _meta(**fields) -> Message:
    message = Message()
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            message[key.replace("_", "-")] = value
    return message


def test_declared_license_rules():
    assert declared_license(_meta(License_Expression="MIT OR Apache-2.0"))[:2] == ("MIT OR Apache-2.0", "metadata")
    assert declared_license(
        _meta(Classifier=["License :: OSI Approved :: MIT License",
                          "License :: OSI Approved :: Apache Software License"])
    )[:2] == ("Apache-2.0 OR MIT", "classifier")
    # ambiguous classifiers are left to detection, the declared text is kept
    spdx, source, declared = declared_license(_meta(Classifier="License :: OSI Approved :: BSD License", License="BSD"))
    assert (spdx, source, declared) == (None, None, "BSD")
    assert declared_license(_meta()) == (None, None, None)


def test_normalize_name():
    assert normalize_name("Foo_Bar.baz") == "foo-bar-baz"
