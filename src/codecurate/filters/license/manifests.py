"""Licenses declared in package manifests, the metadata of a repository that has no sidecar.

Every ecosystem names a repository's license in its manifest: ``package.json`` and ``bower.json``
(npm), ``composer.json`` and PEAR's ``package.xml`` (PHP), ``Cargo.toml`` (Rust), ``pyproject.toml``, ``setup.cfg``,
``setup.py`` and ``PKG-INFO`` (Python), ``*.gemspec`` (Ruby), ``*.podspec`` and
``*.podspec.json`` (CocoaPods), ``pom.xml`` (Maven), ``*.csproj``, ``*.nuspec`` and
``Directory.Build.props`` (.NET), ``build.sbt`` (Scala), ``pubspec.yaml`` (Dart, where a package
states one), ``DESCRIPTION`` (R), ``META.json`` and ``META.yml`` (Perl), ``*.cabal`` (Haskell), ``*.opam``,
``opam`` and ``dune-project`` (OCaml) and ``*.rockspec`` (Lua). The license stage reads them before the
license files, as the paper takes the license from the repository's metadata first.

``declared_licenses(path, text)`` returns what a manifest states, verbatim (but for the names an
ecosystem defines for itself, CPAN's ``perl_5`` and Cabal's ``GPL-2``, given as SPDX; the licenses of
an opam ``license`` list or a dune ``(license ...)`` joined with AND: each covers a part); ``to_spdx`` turns one
statement into an SPDX expression: an expression that parses with known SPDX ids as it is, the
usual names of the common licenses (``MIT License``, ``Apache License, Version 2.0``, trove
classifiers, Debian's and Perl's short names) by a table, anything else ``None`` (the license files
then decide). Values that read code (``s.license = spec['license']``) are not guessed at.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from functools import lru_cache

import tomllib

from codecurate.licenses import CLASSIFIER_SPDX

#: a manifest larger than this is not a manifest worth parsing (a generated file, a data dump)
MAX_MANIFEST_BYTES = 1_000_000

#: common license names that are not SPDX ids (lower-cased, spaces, dashes and commas squeezed)
#: -> SPDX. Ambiguous names ("BSD", "GPL") map only where every reading is the same family's
#: permissive or copyleft verdict is not needed: "BSD" alone is left to the license files.
_ALIASES = {
    "mit license": "MIT", "the mit license": "MIT", "mit licence": "MIT", "expat": "MIT",
    "x11": "X11", "the mit license (mit)": "MIT", "mit-style": "MIT", "mit/x": "MIT",
    "apache 2": "Apache-2.0", "apache 2.0": "Apache-2.0", "apache2": "Apache-2.0", "apache-2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0", "apache license version 2.0": "Apache-2.0",
    "apache license v2.0": "Apache-2.0", "apache software license": "Apache-2.0",
    "the apache software license version 2.0": "Apache-2.0", "the apache license version 2.0": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0", "apache software license version 2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0", "al2": "Apache-2.0", "apache public license 2.0": "Apache-2.0",
    "bsd 2 clause": "BSD-2-Clause", "bsd-2": "BSD-2-Clause", "simplified bsd": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause", "freebsd": "BSD-2-Clause", "2-clause bsd": "BSD-2-Clause",
    "bsd 3 clause": "BSD-3-Clause", "bsd-3": "BSD-3-Clause", "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause", "modified bsd": "BSD-3-Clause", "revised bsd": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause", "3-clause bsd": "BSD-3-Clause", "bsd new": "BSD-3-Clause",
    "bsd-3-clause license": "BSD-3-Clause", "bsd 3-clause license": "BSD-3-Clause",
    "isc license": "ISC", "isc licence": "ISC", "zlib license": "Zlib", "zlib/libpng": "Zlib",
    "boost": "BSL-1.0", "boost software license 1.0": "BSL-1.0", "boost software license": "BSL-1.0",
    "unlicense": "Unlicense", "the unlicense": "Unlicense", "public domain": "LicenseRef-scancode-public-domain",
    "cc0": "CC0-1.0", "cc0 1.0": "CC0-1.0", "cc0 1.0 universal": "CC0-1.0", "wtfpl": "WTFPL",
    "python software foundation license": "PSF-2.0", "psf": "PSF-2.0", "psfl": "PSF-2.0",
    "mozilla public license 2.0": "MPL-2.0", "mpl 2.0": "MPL-2.0", "mpl2": "MPL-2.0", "mpl-2": "MPL-2.0",
    "eclipse public license 1.0": "EPL-1.0", "eclipse public license v1.0": "EPL-1.0",
    "eclipse public license 2.0": "EPL-2.0", "eclipse public license v2.0": "EPL-2.0", "epl": "EPL-1.0",
    "ruby": "Ruby", "ruby license": "Ruby", "artistic": "Artistic-1.0-Perl", "artistic_2": "Artistic-2.0",
    "perl_5": "Artistic-1.0-Perl OR GPL-1.0-or-later", "perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
    "apache_2_0": "Apache-2.0", "mit_1": "MIT", "bsd": None, "gpl": None,
    "bsd2": "BSD-2-Clause", "bsd3": "BSD-3-Clause", "bsd4": "BSD-4-Clause",
    "publicdomain": "LicenseRef-scancode-public-domain",
    "allrightsreserved": "LicenseRef-proprietary", "bsd_2_clause": "BSD-2-Clause", "bsd_3_clause": "BSD-3-Clause",
    "gpl (>= 2)": "GPL-2.0-or-later", "gpl (>= 3)": "GPL-3.0-or-later", "gpl (>= 2.0)": "GPL-2.0-or-later",
    "lgpl (>= 2)": "LGPL-2.0-or-later", "lgpl (>= 2.1)": "LGPL-2.1-or-later", "lgpl (>= 3)": "LGPL-3.0-or-later",
    "agpl (>= 3)": "AGPL-3.0-or-later", "mit/x11": "MIT", "mit (expat)": "MIT",
    "php license": "PHP-3.01", "php 3.01": "PHP-3.01", "php license 3.01": "PHP-3.01", "php-3.01": "PHP-3.01",
    "gplv2": "GPL-2.0-only", "gpl-2": "GPL-2.0-only", "gpl2": "GPL-2.0-only", "gpl v2": "GPL-2.0-only",
    "gplv3": "GPL-3.0-only", "gpl-3": "GPL-3.0-only", "gpl3": "GPL-3.0-only", "gpl v3": "GPL-3.0-only",
    "gpl-2+": "GPL-2.0-or-later", "gpl-3+": "GPL-3.0-or-later", "gplv2+": "GPL-2.0-or-later",
    "gplv3+": "GPL-3.0-or-later", "lgpl-2.1": "LGPL-2.1-only", "lgplv2.1": "LGPL-2.1-only",
    "lgpl-2.1+": "LGPL-2.1-or-later", "lgpl-3": "LGPL-3.0-only", "lgplv3": "LGPL-3.0-only",
    "lgpl-3+": "LGPL-3.0-or-later", "agplv3": "AGPL-3.0-only", "agpl-3": "AGPL-3.0-only",
    "gnu general public license v3": "GPL-3.0-only", "gnu general public license v2": "GPL-2.0-only",
    "gnu lesser general public license v3": "LGPL-3.0-only", "gnu lesser general public license": "LGPL-2.1-or-later",
    "proprietary": "LicenseRef-proprietary", "commercial": "LicenseRef-proprietary",
    "unlicensed": "LicenseRef-proprietary", "see license": None, "see license in license": None,
    "other": None, "unknown": None, "none": None,
}
_SQUEEZE = re.compile(r"[\s,]+")
#: ``MIT/Apache-2.0`` (Cargo's old form), ``MIT + file LICENSE`` (R)
_LEGACY_OR = re.compile(r"\s*/\s*")
_R_FILE = re.compile(r"\s*\+\s*file\s+LICEN[CS]E\s*$", re.IGNORECASE)
#: a link after the name: ``MIT <http://opensource.org/licenses/MIT>``, ``BSD-3-Clause (https://...)``
_TRAILING_URL = re.compile(r"\s*[<(\[]?\s*https?://[^\s>)\]]+\s*[>)\]]?\s*$")


def _key(name: str) -> str:
    return _SQUEEZE.sub(" ", name.strip().strip("\"'").lower()).strip()


@lru_cache(maxsize=1)
def _spdx_licensing():
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


@lru_cache(maxsize=4096)
def to_spdx(declared: str) -> str | None:
    """An SPDX expression for one declared license, or ``None`` when it names none for sure."""
    text = _TRAILING_URL.sub("", _R_FILE.sub("", declared.strip().strip("\"'"))).strip()
    if not text or len(text) > 300:
        return None
    alias = _ALIASES.get(_key(text), "")
    if alias != "":
        return alias
    from license_expression import ExpressionError

    candidates = [text]
    if "/" in text and " " not in text.strip():
        candidates.append(_LEGACY_OR.sub(" OR ", text))
    for candidate in candidates:
        try:
            parsed = _spdx_licensing().parse(candidate, validate=True, strict=False)
        except (ExpressionError, ValueError, TypeError):
            continue
        if parsed is not None:
            return str(parsed)
    return None


def _as_list(value) -> list[str]:
    """A manifest's license value(s): a string, a list of strings, or npm's ``{"type": ...}`` forms."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        found = value.get("type") or value.get("name") or value.get("text") or value.get("expression")
        return [found] if isinstance(found, str) else []
    if isinstance(value, list):
        return [item for entry in value for item in _as_list(entry)]
    return []


def _json_field(*fields: str) -> Callable[[str], list[str]]:
    def read(text: str) -> list[str]:
        data = json.loads(text)
        if not isinstance(data, dict):
            return []
        return [item for field in fields for item in _as_list(data.get(field))]
    return read


def _cargo(text: str) -> list[str]:
    data = tomllib.loads(text)
    package = data.get("package") or data.get("workspace", {}).get("package") or {}
    return _as_list(package.get("license"))


def _classifier_licenses(classifiers) -> list[str]:
    """Trove license classifiers as SPDX ids where one is meant (several are a choice); the bare
    ``License :: OSI Approved`` names none and is left out, an unmapped one stays verbatim."""
    found = []
    for classifier in (c.strip() for c in classifiers):
        if classifier.startswith("License ::") and classifier != "License :: OSI Approved":
            found.append(CLASSIFIER_SPDX.get(classifier, classifier))
    return found


def _pyproject(text: str) -> list[str]:
    data = tomllib.loads(text)
    project = data.get("project") or {}
    found = _as_list(project.get("license"))
    found += _classifier_licenses(project.get("classifiers") or [])
    poetry = (data.get("tool") or {}).get("poetry") or {}
    found += _as_list(poetry.get("license"))
    return found


def _setup_cfg(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    if not parser.has_section("metadata"):
        return []
    found = []
    for field in ("license_expression", "license"):
        value = parser.get("metadata", field, fallback="").strip()
        if value and "\n" not in value:
            found.append(value)
    found += _classifier_licenses(parser.get("metadata", "classifiers", fallback="").splitlines())
    return found


_SETUP_LICENSE = re.compile(r"""\blicen[cs]e(?:_expression)?\s*=\s*(['"])([^'"\n]{1,100})\1""")
_CLASSIFIER = re.compile(r"""['"](License\s*::[^'"\n]+)['"]""")


def _setup_py(text: str) -> list[str]:
    return [m.group(2) for m in _SETUP_LICENSE.finditer(text)] + _classifier_licenses(_CLASSIFIER.findall(text))


def _pkg_info(text: str) -> list[str]:
    head = text.split("\n\n", 1)[0]
    found = []
    classifiers = []
    for line in head.splitlines():
        name, _, value = line.partition(":")
        if name in ("License-Expression", "License") and value.strip() and value.strip().upper() != "UNKNOWN":
            found.append(value.strip())
        elif name == "Classifier":
            classifiers.append(value.strip())
    return found + _classifier_licenses(classifiers)


#: ``spec.license = 'MIT'``, ``s.licenses = ['MIT', 'Apache-2.0']``, ``%w[MIT]``, and CocoaPods'
#: ``s.license = { :type => 'MIT', :file => 'LICENSE' }`` / ``{ type: 'MIT' }``
_RUBY_ASSIGN = re.compile(r"\.licen[cs]es?\s*=\s*(.{0,300})")
_RUBY_STRING = re.compile(r"""(['"])([^'"\n]{1,100})\1""")
_RUBY_WORDS = re.compile(r"%w[\[({]([^\])}]*)[\])}]")
_RUBY_TYPE = re.compile(r"""(?::type\s*=>|\btype:)\s*(['"])([^'"\n]{1,100})\1""")


def _ruby_spec(text: str) -> list[str]:
    found = []
    for match in _RUBY_ASSIGN.finditer(text):
        value = match.group(1).split("\n", 1)[0]
        if value.lstrip().startswith("{"):
            typed = _RUBY_TYPE.search(value)
            if typed:
                found.append(typed.group(2))
            continue
        words = _RUBY_WORDS.match(value.strip())
        if words:
            found += words.group(1).split()
            continue
        if value.lstrip()[:1] in ("'", '"', "["):
            found += [m.group(2) for m in _RUBY_STRING.finditer(value)]
    return found


def _xml_root(text: str):
    if "<!ENTITY" in text or "<!DOCTYPE" in text:  # no entity expansion from an untrusted file
        return None
    return ElementTree.fromstring(text.encode("utf-8"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _pom(text: str) -> list[str]:
    root = _xml_root(text)
    if root is None:
        return []
    found = []
    for element in root:
        if _local(element.tag) == "licenses":
            for entry in element:
                for field in entry:
                    if _local(field.tag) == "name" and (field.text or "").strip():
                        found.append(field.text.strip())
    return found


def _pear(text: str) -> list[str]:
    """A PEAR/PECL ``package.xml``'s ``<license uri="...">name</license>`` (the package's, not its
    changelog's): the name, else the last part of a URI that is a license id (``.../licenses/MIT``);
    a name that is no license id keeps its URI beside it (``BSD <http://.../bsd-license.php>``)."""
    root = _xml_root(text)
    if root is None or _local(root.tag) != "package":
        return []
    found = []
    for element in root:
        if _local(element.tag) != "license":
            continue
        name = (element.text or "").strip()
        link = (element.get("uri") or "").strip()
        uri = link.rstrip("/").rsplit("/", 1)[-1]
        if to_spdx(name) is None and uri and to_spdx(uri) is not None:
            name = uri
        elif to_spdx(name) is None and name and link:  # ``BSD`` and its link: the license stage reads both
            name = f"{name} <{link}>"
        if name:
            found.append(name)
    return found


def _dotnet(text: str) -> list[str]:
    root = _xml_root(text)
    if root is None:
        return []
    found = []
    for element in root.iter():
        tag = _local(element.tag)
        expression = tag == "PackageLicenseExpression" or (tag == "license" and element.get("type") == "expression")
        if expression and (element.text or "").strip():
            found.append(element.text.strip())
    return found


_SBT = re.compile(r"""\blicenses\s*(?::=|\+\+=|\+=)[^\n]{0,40}?(['"])([^'"\n]{1,100})\1\s*(?:->|,)""")


def _sbt(text: str) -> list[str]:
    return [m.group(2) for m in _SBT.finditer(text)]


def _pubspec(text: str) -> list[str]:
    import yaml

    data = yaml.safe_load(text)
    return _as_list(data.get("license")) if isinstance(data, dict) else []


def _r_description(text: str) -> list[str]:
    """R's ``License:`` field; ``|`` separates licenses to choose from (``GPL-2 | GPL-3``)."""
    for line in text.splitlines():
        if line.startswith("License:"):
            return [value.strip() for value in line.split(":", 1)[1].split("|") if value.strip()]
    return []


#: CPAN::Meta's license names (``META.json``'s spec 2, ``META.yml``'s 1.4) -> SPDX; ``open_source``,
#: ``restrictive``, ``unrestricted``, ``unknown`` and the unversioned ``gpl``/``lgpl`` name none for sure
_CPAN = {
    "perl_5": "Artistic-1.0-Perl OR GPL-1.0-or-later", "perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
    "apache_1_1": "Apache-1.1", "apache_2_0": "Apache-2.0", "apache": "Apache-2.0", "artistic_1": "Artistic-1.0",
    "artistic": "Artistic-1.0", "artistic_2": "Artistic-2.0", "bsd": "BSD-3-Clause", "freebsd": "BSD-2-Clause",
    "gpl_1": "GPL-1.0-only", "gpl_2": "GPL-2.0-only", "gpl_3": "GPL-3.0-only", "lgpl_2_1": "LGPL-2.1-only",
    "lgpl_3_0": "LGPL-3.0-only", "mit": "MIT", "mozilla_1_0": "MPL-1.0", "mozilla_1_1": "MPL-1.1",
    "mozilla": "MPL-1.1", "openssl": "OpenSSL", "qpl_1_0": "QPL-1.0", "sun": "SISSL", "zlib": "Zlib",
}


def _cpan_meta(text: str, loads: Callable[[str], object]) -> list[str]:
    """A Perl distribution's ``license`` (a name or a list of them, a choice), CPAN names as SPDX."""
    data = loads(text)
    if not isinstance(data, dict):
        return []
    return [_CPAN.get(value.strip().lower(), value) for value in _as_list(data.get("license"))]


def _meta_json(text: str) -> list[str]:
    return _cpan_meta(text, json.loads)


def _meta_yml(text: str) -> list[str]:
    import yaml

    return _cpan_meta(text, yaml.safe_load)


#: a ``.cabal`` file's top-level ``license:`` field (Cabal's names ``BSD3``, ``GPL-2``... or SPDX)
_CABAL_LICENSE = re.compile(r"^license\s*:\s*(\S[^\n]*?)\s*$", re.IGNORECASE | re.MULTILINE)
#: Cabal's versioned GPL family names are the ``-only`` SPDX licenses (as ``cabal`` converts them)
_CABAL_GPL = re.compile(r"(A?L?GPL)-(\d(?:\.\d)?)", re.IGNORECASE)


def _cabal(text: str) -> list[str]:
    found = []
    for match in _CABAL_LICENSE.finditer(text):
        value = match.group(1)
        gpl = _CABAL_GPL.fullmatch(value)
        found.append(f"{gpl.group(1).upper()}-{gpl.group(2)}{'.0' if '.' not in gpl.group(2) else ''}-only"
                     if gpl else value)
    return found


#: opam's ``license: "MIT"`` or ``license: ["MIT" "ISC"]`` (each part of the software under one: AND)
_OPAM_LICENSE = re.compile(r"""^license\s*:\s*(\[[^\]]*\]|"[^"\n]*")""", re.MULTILINE)
#: dune-project's ``(license MIT)``, ``(license "LGPL-2.1-only WITH OCaml-LGPL-linking-exception")``
_DUNE_LICENSE = re.compile(r"^\s*\(license\s+([^()\n]+)\)", re.MULTILINE)


def _joined(values: list[str]) -> list[str]:
    values = [v for v in values if v.strip()]
    if len(values) <= 1:
        return values
    return [" AND ".join(f"({v})" if " " in v else v for v in values)]


def _opam(text: str) -> list[str]:
    found = []
    for match in _OPAM_LICENSE.finditer(text):
        found += _joined(re.findall(r'"([^"\n]*)"', match.group(1)))
    return found


def _dune_project(text: str) -> list[str]:
    found = []
    for match in _DUNE_LICENSE.finditer(text):
        quoted = re.findall(r'"([^"\n]*)"', match.group(1))
        found += _joined(quoted or match.group(1).split())
    return found


#: a rockspec's ``license = "MIT/X11"`` (in its ``description`` table)
_ROCKSPEC_LICENSE = re.compile(r"""\blicense\s*=\s*(['"])([^'"\n]{1,100})\1""")


def _rockspec(text: str) -> list[str]:
    return [m.group(2) for m in _ROCKSPEC_LICENSE.finditer(text)]


#: manifest file name (lower-cased base name, or ``*suffix``) -> reader of its declared licenses
_BY_NAME: dict[str, Callable[[str], list[str]]] = {
    "package.json": _json_field("license", "licenses"),
    "bower.json": _json_field("license", "licenses"),
    "composer.json": _json_field("license"),
    "cargo.toml": _cargo,
    "pyproject.toml": _pyproject,
    "setup.cfg": _setup_cfg,
    "setup.py": _setup_py,
    "pkg-info": _pkg_info,
    "pom.xml": _pom,
    "package.xml": _pear,
    "directory.build.props": _dotnet,
    "build.sbt": _sbt,
    "pubspec.yaml": _pubspec,
    "description": _r_description,
    "meta.json": _meta_json,
    "meta.yml": _meta_yml,
    "mymeta.json": _meta_json,
    "opam": _opam,
    "dune-project": _dune_project,
}
_BY_SUFFIX: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    (".gemspec", _ruby_spec),
    (".podspec", _ruby_spec),
    (".podspec.json", _json_field("license")),
    (".csproj", _dotnet),
    (".nuspec", _dotnet),
    (".cabal", _cabal),
    (".opam", _opam),
    (".rockspec", _rockspec),
)


def manifest_reader(path: str) -> Callable[[str], list[str]] | None:
    """The reader of the manifest at ``path``, or ``None`` when it is not a manifest."""
    name = posixpath.basename(path).lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    for suffix, reader in _BY_SUFFIX:
        if name.endswith(suffix):
            return reader
    return None


def is_manifest(path: str) -> bool:
    return manifest_reader(path) is not None


def declared_licenses(path: str, text: str) -> list[str]:
    """What the manifest at ``path`` states as its license(s), verbatim; ``[]`` when it states none
    or cannot be read (a broken manifest is not an error of the run: the license files decide)."""
    reader = manifest_reader(path)
    if reader is None or len(text) > MAX_MANIFEST_BYTES:
        return []
    try:
        return [value for value in reader(text) if isinstance(value, str) and value.strip()]
    except (ValueError, TypeError, KeyError, AttributeError, ElementTree.ParseError, configparser.Error,
            tomllib.TOMLDecodeError, RecursionError):
        return []
    except Exception as error:  # yaml's errors, a reader's bug: the license files decide
        if type(error).__module__.startswith("yaml"):
            return []
        raise


#: stands in an expression for a declared value that names no license for sure
UNMAPPED = "LicenseRef-codecurate-unmapped"


def manifest_license(path: str, text: str) -> tuple[str | None, list[str]]:
    """``(spdx_expression, declared)``: the manifest's licenses as one expression, ``None`` when no
    value names a license for sure. Several values are a choice (npm's ``licenses``, Composer's and
    RubyGems' lists, several trove classifiers; a ``License`` field beside classifiers says the same
    license twice): ``MIT`` and ``Foo`` give ``MIT OR LicenseRef-codecurate-unmapped``, which is as
    permissive as its best choice."""
    declared = declared_licenses(path, text)
    mapped = [to_spdx(value) for value in declared]
    unique = list(dict.fromkeys(e for e in mapped if e))
    if not unique:
        return None, declared
    if not all(mapped):
        unique.append(UNMAPPED)
    if len(unique) == 1:
        return unique[0], declared
    return " OR ".join(f"({e})" if " " in e else e for e in unique), declared
