"""Licenses from package manifests and license files of every ecosystem, on real installed packages.

Debian installs packages with their manifests but moves their license files to
``/usr/share/doc/PACKAGE/copyright``: an installed npm package, Ruby gem or Rust crate is a
repository whose manifest is the only statement of its license (Ruby's bundled rake also keeps its
``MIT-LICENSE``).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.filters.license.manifests import UNMAPPED, declared_licenses, manifest_license, to_spdx
from codecurate.filters.license.repository import RepositoryLicenseFilter, is_license_file
from codecurate.licenses import is_permissive
from tests.conftest import make_doc
from tests.filters.analysis_tools import ToolUnavailable, apt_install
from tests.real_files import debian_source, installed_licence_text

NODE_MS = Path("/usr/share/nodejs/ms")
MEMCHR = Path("/usr/share/cargo/registry")
RUBY_GEMS = Path("/usr/lib/ruby/gems")


def _installed(check, *packages: str):
    """What ``check()`` finds, installing the Debian ``packages`` first when it finds nothing."""
    found = check()
    if found:
        return found
    try:
        apt_install(*packages)
    except ToolUnavailable as why:
        pytest.skip(str(why))
    found = check()
    if not found:
        pytest.fail(f"apt installed {packages} but {check.__doc__} is not there")
    return found


def _node_ms() -> Path | None:
    """/usr/share/nodejs/ms/package.json"""
    return NODE_MS if (NODE_MS / "package.json").is_file() else None


def _memchr() -> Path | None:
    """a memchr crate under /usr/share/cargo/registry"""
    return next(iter(sorted(MEMCHR.glob("memchr-*"))), None) if MEMCHR.is_dir() else None


def _rake() -> tuple[Path, Path] | None:
    """Ruby's bundled rake gem and its specification"""
    for gem in sorted(RUBY_GEMS.glob("*/gems/rake-*")):
        spec = gem.parents[1] / "specifications" / f"{gem.name}.gemspec"
        if spec.is_file() and (gem / "MIT-LICENSE").is_file():
            return gem, spec
    return None


def _repository(tree: Path, repo: str, extra: dict[str, Path] | None = None, limit: int = 60) -> list:
    """The files of an installed tree as a repository's documents (top-level files first)."""
    paths = sorted((p for p in tree.rglob("*") if p.is_file()), key=lambda p: (len(p.relative_to(tree).parts), str(p)))
    documents = []
    for path in paths[:limit]:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        documents.append(make_doc(text, path=str(path.relative_to(tree)), repo=repo))
    for name, path in (extra or {}).items():
        documents.append(make_doc(path.read_text(encoding="utf-8"), path=name, repo=repo))
    return documents


def _run(block: RepositoryLicenseFilter, documents: list) -> tuple[list, dict]:
    kept = list(block.run(iter(documents)))
    return kept, {k: v.total if hasattr(v, "total") else v for k, v in block.stats.stats.items()}


def test_npm_package_without_license_file_is_kept_by_its_package_json():
    tree = _installed(_node_ms, "node-ms")
    documents = _repository(tree, "ms")
    assert not any(is_license_file(d.metadata[keys.PATH], 0) for d in documents)
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert len(kept) == len(documents)
    assert {d.metadata[keys.LICENSE] for d in kept} == {"MIT"}
    assert {d.metadata[keys.LICENSE_SOURCE] for d in kept} == {"manifest"}
    assert "package.json: MIT" in kept[0].metadata[keys.LICENSE_DECLARED]
    # without manifests the same repository has no license at all
    assert _run(RepositoryLicenseFilter(manifests=False, detect=False), _repository(tree, "ms"))[0] == []


def test_cargo_legacy_slash_is_a_choice():
    crate = _installed(_memchr, "librust-memchr-dev")
    text = (crate / "Cargo.toml").read_text(encoding="utf-8")
    expression, declared = manifest_license("Cargo.toml", text)
    assert len(declared) == 1
    assert set(expression.split(" OR ")) == {"Unlicense", "MIT"}
    assert is_permissive(expression)
    # the crate's own license files are named LICENSE-MIT, UNLICENSE, COPYING: all found
    names = sorted(p.name for p in crate.iterdir() if is_license_file(p.name, 0))
    assert {"LICENSE-MIT", "UNLICENSE", "COPYING"} <= set(names)


def test_gem_with_mit_license_file_and_gemspec():
    gem, spec = _installed(_rake, "libruby3.1")
    expression, declared = manifest_license(spec.name, spec.read_text(encoding="utf-8"))
    assert declared == ["MIT"] and expression == "MIT"
    documents = _repository(gem, "rake", {"rake.gemspec": spec})
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert kept and kept[0].metadata[keys.LICENSE_SOURCE] == "manifest"
    # the MIT-LICENSE file alone (no manifests) is found by its name and detected by ScanCode
    documents = [d for d in _repository(gem, "rake") if "/" not in d.metadata[keys.PATH]
                 or d.metadata[keys.PATH].startswith("lib/")][:20]
    assert any(d.metadata[keys.PATH] == "MIT-LICENSE" for d in documents)
    pytest.importorskip("licensedcode")
    kept, _ = _run(RepositoryLicenseFilter(manifests=False), documents)
    assert kept and kept[0].metadata[keys.LICENSE] == "MIT"
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "detected"


def _dist_with_classifier():
    for dist in metadata.distributions():
        text = dist.read_text("METADATA") or ""
        if "Classifier: License :: OSI Approved :: MIT License" in text and "License-Expression" not in text:
            return text
    pytest.skip("no installed distribution with an MIT trove classifier")


def test_pkg_info_from_an_installed_distribution():
    text = _dist_with_classifier()
    expression, declared = manifest_license("PKG-INFO", text)
    assert "MIT" in declared
    assert is_permissive(expression)


@pytest.mark.parametrize(("declared", "expected"), [
    ("MIT", "MIT"), ("mit", "MIT"), ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
    ("Apache License, Version 2.0", "Apache-2.0"), ("The Apache Software License, Version 2.0", "Apache-2.0"),
    ("MIT + file LICENSE", "MIT"), ("GPL-2.0+", "GPL-2.0-or-later"), ("BSD", None), ("See LICENSE", None),
    ("UNLICENSED", "LicenseRef-proprietary"), ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception"),
])
def test_declared_names_to_spdx(declared, expected):
    assert to_spdx(declared) == expected


def test_proprietary_declaration_is_not_permissive_and_unknown_falls_back_to_files():
    package = '{"name": "x", "version": "1.0.0", "license": "UNLICENSED"}'
    documents = [make_doc(package, path="package.json", repo="p"), make_doc("x = 1\n", path="index.js", repo="p")]
    block = RepositoryLicenseFilter(detect=False)
    kept, stats = _run(block, documents)
    assert kept == [] and stats["dropped/license_not_permissive"] == 2
    # "BSD" alone names no license for sure: the license files decide (here none: not found)
    documents = [make_doc('{"license": "BSD"}', path="package.json", repo="q")]
    kept, stats = _run(RepositoryLicenseFilter(detect=False), documents)
    assert kept == []
    assert documents[0].metadata[keys.LICENSE_DECLARED] == "package.json: BSD"


# Manifests of ecosystems whose registries this machine cannot reach, in the form their tools write
# (Maven's pom, a csproj, a nuspec, sbt, a CocoaPods spec, pubspec, Composer).
@pytest.mark.parametrize(("path", "text", "expected"), [
    ("pom.xml", '<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0"><licenses><license>'
                "<name>The Apache Software License, Version 2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0"
                ".txt</url></license></licenses><dependencies><dependency><artifactId>x</artifactId></dependency>"
                "</dependencies></project>", "Apache-2.0"),
    ("src/Lib.csproj", '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><PackageLicenseExpression>MIT'
                       "</PackageLicenseExpression></PropertyGroup></Project>", "MIT"),
    ("Lib.nuspec", '<package><metadata><license type="expression">Apache-2.0</license></metadata></package>',
     "Apache-2.0"),
    ("build.sbt", 'licenses := Seq("Apache-2.0" -> url("http://www.apache.org/licenses/LICENSE-2.0"))\n',
     "Apache-2.0"),
    ("Alamofire.podspec", "Pod::Spec.new do |s|\n  s.name = 'Alamofire'\n  s.license = { :type => 'MIT', :file "
                          "=> 'LICENSE' }\nend\n", "MIT"),
    ("Lib.podspec", "Pod::Spec.new do |s|\n  s.license = package['license']\nend\n", None),
    ("pubspec.yaml", "name: x\nlicense: BSD-3-Clause\n", "BSD-3-Clause"),
    ("composer.json", '{"name": "a/b", "license": ["MIT", "GPL-2.0-or-later"]}', "MIT OR GPL-2.0-or-later"),
    ("x.gemspec", "Gem::Specification.new do |spec|\n  spec.licenses = %w[MIT Ruby]\nend\n", "MIT OR Ruby"),
    ("setup.cfg", "[metadata]\nname = x\nlicense = BSD-3-Clause\n", "BSD-3-Clause"),
    ("pyproject.toml", '[project]\nname = "x"\nlicense = {text = "MIT"}\n', "MIT"),
    ("DESCRIPTION", "Package: x\nLicense: MIT + file LICENSE\n", "MIT"),
])
def test_manifest_forms(path, text, expected):
    assert manifest_license(path, text)[0] == expected


def test_broken_or_hostile_manifests_state_nothing():
    assert declared_licenses("package.json", "{not json") == []
    assert declared_licenses("pom.xml", '<!DOCTYPE x [<!ENTITY a "b">]><project/>') == []
    assert declared_licenses("Cargo.toml", "[package\nlicense=") == []
    assert declared_licenses("package.json", '{"license": {"type": 3}}') == []
    assert manifest_license("package.json", '{"licenses": [{"type": "MIT"}, {"type": "Weird-1"}]}')[0] == (
        f"MIT OR {UNMAPPED}")


def test_license_file_names_of_other_ecosystems():
    for path in ("MIT-LICENSE", "LICENSE-APACHE", "licenses/LICENSE.txt", "APACHE-LICENSE-2.0.txt", "UNLICENCE",
                 "BSD_LICENSE.md", "pkg-1.0.dist-info/licenses/COPYING"):
        assert is_license_file(path, 0), path
    # a folder of every license some file uses is not the repository's license (REUSE, vendored texts)
    for path in ("check-license.sh", "src/MIT-LICENSE", "sublicense.py", "licensed_code.rb", "LICENSES/MIT.txt",
                 "pkg-1.0.dist-info/licenses/hippocratic-1.2.txt"):
        assert not is_license_file(path, 0), path


# Manifests of ecosystems whose upstream trees Debian's source packages carry (tests/real_files: the
# upstream tarball of a source package, fetched once and cached).
def _top_level(tree: Path, repo: str) -> list:
    """The files at the top of an upstream tree, as one repository's documents."""
    documents = []
    for path in sorted(p for p in tree.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            documents.append(make_doc(path.read_text(encoding="utf-8"), path=path.name, repo=repo))
        except UnicodeDecodeError:
            continue
    return documents


def _kept_by_manifest(documents: list) -> str:
    """The license the stage keeps ``documents`` under from their manifests alone (no ScanCode)."""
    kept, _ = _run(RepositoryLicenseFilter(detect=False), documents)
    assert len(kept) == len(documents)
    assert {d.metadata[keys.LICENSE_SOURCE] for d in kept} == {"manifest"}
    return kept[0].metadata[keys.LICENSE]


def test_haskell_cabal_file():
    tree = debian_source("haskell-async")
    cabal = tree / "async.cabal"
    assert manifest_license("async.cabal", cabal.read_text(encoding="utf-8")) == ("BSD-3-Clause", ["BSD3"])
    assert _kept_by_manifest(_top_level(tree, "async")) == "BSD-3-Clause"


def test_perl_meta_yml_and_json():
    tree = debian_source("libmoosex-lazyrequire-perl")
    perl = "Artistic-1.0-Perl OR GPL-1.0-or-later"
    for name in ("META.yml", "META.json"):
        assert manifest_license(name, (tree / name).read_text(encoding="utf-8"))[0] == perl, name
    documents = [d for d in _top_level(tree, "moosex") if d.metadata[keys.PATH] != "LICENSE"]
    assert _kept_by_manifest(documents) == perl
    assert is_permissive(perl)


def test_ocaml_opam_and_dune_project():
    tree = debian_source("ocaml-ladspa")
    for name in ("ladspa.opam", "dune-project"):
        expression, declared = manifest_license(name, (tree / name).read_text(encoding="utf-8"))
        assert declared == ["LGPL-2.1"] and expression.startswith("LGPL-2.1"), name
    documents = [d for d in _top_level(tree, "ladspa") if d.metadata[keys.PATH] != "COPYING"]
    kept, stats = _run(RepositoryLicenseFilter(detect=False), documents)
    assert kept == [] and stats["dropped/license_not_permissive"] == len(documents)


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("x.cabal", "cabal-version: 2.2\nname: x\nlicense: GPL-2\n", "GPL-2.0-only"),
    ("x.cabal", "name: x\nLicense: BSD2\n  license: MIT\n", "BSD-2-Clause"),  # an indented field is a section's
    ("x.opam", 'opam-version: "2.0"\nlicense: ["MIT" "ISC"]\n', "MIT AND ISC"),
    ("dune-project", "(lang dune 3.0)\n(license MIT)\n", "MIT"),
    ("lpeg-1.0.2-1.rockspec", 'description = {\n   license = "MIT/X11",\n}\n', "MIT"),
    ("META.json", '{"license": ["apache_2_0", "mit"]}', "Apache-2.0 OR MIT"),
    ("META.yml", "license: unknown\n", None),
    ("DESCRIPTION", "Package: x\nLicense: GPL-2 | MIT + file LICENSE\n", "GPL-2.0-only OR MIT"),
    ("DESCRIPTION", "Package: x\nLicense: BSD_3_clause + file LICENSE\n", "BSD-3-Clause"),
])
def test_more_manifest_forms(path, text, expected):
    assert manifest_license(path, text)[0] == expected


# Repositories whose only statement of their license is a README section or a Perl module's POD.
def test_readme_and_pod_license_sections_of_real_packages():
    from codecurate.filters.license.readme import license_sections

    readme = (debian_source("libset-intspan-perl") / "README").read_text(encoding="utf-8")
    (notice,) = license_sections(readme)  # no heading: the "Copyright (c) 1996-2013 by ..." paragraph
    assert "same\nterms as Perl itself" in notice and "INSTALLATION" not in notice
    go = (debian_source("golang-gopkg-hlandau-service.v2") / "README.md").read_text(encoding="utf-8")
    sections = license_sections(go, "README.md")
    assert len(sections) == 1 and sections[0].startswith("ISC License") and "Permission to use" in sections[0]
    pod = (debian_source("libtest-taint-perl") / "Taint.pm").read_text(encoding="utf-8")
    (section,) = license_sections(pod, "Taint.pm")
    assert section.startswith("Copyright 2004-2019, Andy Lester.") and "same terms as Perl itself" in section
    assert not license_sections("# Tool\n\nUsage: run it.\n\n## Install\n\npip install tool\n", "README.md")


def test_repository_without_license_file_kept_by_its_readme():
    pytest.importorskip("licensedcode")
    tree = debian_source("libset-intspan-perl")
    documents = _top_level(tree, "intspan")
    assert not any(is_license_file(d.metadata[keys.PATH], 0) for d in documents)
    assert manifest_license("META.yml", (tree / "META.yml").read_text(encoding="utf-8"))[0] is None  # "unknown"
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert len(kept) == len(documents)
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "readme"
    assert set(kept[0].metadata[keys.LICENSE].split(" OR ")) == {"Artistic-1.0-Perl", "GPL-1.0-or-later"}
    # without the README sections the same repository has no license
    kept, stats = _run(RepositoryLicenseFilter(readme=False), _top_level(tree, "intspan"))
    assert kept == [] and stats["dropped/license_not_found"] == len(documents)


def _files_to_depth(tree: Path, repo: str, depth: int = 1) -> list:
    """The files at most ``depth`` folders below the top of a tree, as one repository's documents."""
    documents = []
    paths = [p for p in tree.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for path in sorted(p for p in paths if len(p.relative_to(tree).parts) <= depth + 1):
        try:
            documents.append(make_doc(path.read_text(encoding="utf-8"), path=str(path.relative_to(tree)), repo=repo))
        except UnicodeDecodeError:
            continue
    return documents


def test_lua_rockspecs_folder():
    tree = debian_source("lua-soap")  # no license file; a rockspec per release in rockspecs/
    documents = _files_to_depth(tree, "luasoap")
    assert any(d.metadata[keys.PATH].startswith("rockspecs/") for d in documents)
    assert not any(is_license_file(d.metadata[keys.PATH], 0) for d in documents)
    assert _kept_by_manifest(documents) == "MIT"
    # a rockspec in another folder is a dependency's or an example's, not the repository's
    moved = [make_doc(d.text, path="vendor/" + d.metadata[keys.PATH], repo="x") for d in documents
             if d.metadata[keys.PATH].endswith(".rockspec")]
    assert _run(RepositoryLicenseFilter(detect=False), moved)[0] == []


def test_pear_package_xml():
    tree = debian_source("php-horde-lz4").parent  # a PECL tarball: package.xml beside horde_lz4-VERSION/
    text = (tree / "package.xml").read_text(encoding="utf-8")
    assert manifest_license("package.xml", text) == ("MIT", ["MIT (Expat)"])  # not its changelog's entries
    assert _kept_by_manifest(_top_level(tree, "lz4")) == "MIT"
    text = (debian_source("php-text-figlet") / "package.xml").read_text(encoding="utf-8")
    assert manifest_license("package.xml", text)[0] == "PHP-3.01"
    # the name says BSD only: the URI names the license when it is an id, else the license files decide
    assert manifest_license("package.xml", '<package><license uri="https://opensource.org/licenses/BSD-2-Clause">'
                            "BSD</license></package>")[0] == "BSD-2-Clause"
    assert manifest_license("package.xml", '<package><license uri="http://www.opensource.org/licenses/bsd-license'
                            '.php">BSD</license></package>')[0] is None
    assert declared_licenses("package.xml", '<project><license>MIT</license></project>') == []  # not PEAR's


def test_declared_name_with_a_link():
    assert to_spdx("MIT <http://opensource.org/licenses/MIT>") == "MIT"
    assert to_spdx("https://example.com/LICENSE") is None


def test_wrapping_folder_of_a_pecl_archive_and_a_maven_module():
    # PECL: package.xml says "BSD License" (which BSD is not said); LICENSE is in zmq-VERSION/ beside it
    root = debian_source("php-zmq").parent
    documents = _files_to_depth(root, "zmq")
    assert {p.split("/")[0] for d in documents if "/" in (p := d.metadata[keys.PATH])} == {
        debian_source("php-zmq").name}
    pytest.importorskip("licensedcode")
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert kept and kept[0].metadata[keys.LICENSE] == "BSD-3-Clause"
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "detected"
    # the same files with a second folder at the top: nothing is read below the top, and the manifest's
    # "BSD License" decides, read by ScanCode as the last resort (without manifests: no license)
    documents = _files_to_depth(root, "zmq") + [make_doc("x", path="other/x.c", repo="zmq")]
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert len(kept) == len(documents) and kept[0].metadata[keys.LICENSE_SOURCE] == "manifest"
    documents = _files_to_depth(root, "zmq") + [make_doc("x", path="other/x.c", repo="zmq")]
    kept, stats = _run(RepositoryLicenseFilter(manifests=False), documents)
    assert kept == [] and stats["dropped/license_not_found"] == len(documents)
    # a Maven project in one module folder beside its README: the module's pom.xml
    tree = debian_source("libspi-java")
    kept, _ = _run(RepositoryLicenseFilter(detect=False), _files_to_depth(tree, "spi"))
    assert kept and kept[0].metadata[keys.LICENSE] == "Apache-2.0"
    assert "org.mangosdk.spi/pom.xml: Apache License Version 2.0" in kept[0].metadata[keys.LICENSE_DECLARED]


def test_license_section_of_a_top_level_html_page():
    from codecurate.filters.license.readme import license_sections

    tree = debian_source("lua-lpeg")  # no license file, README or manifest: lpeg.html's <h2>License</h2>
    (section,) = license_sections((tree / "lpeg.html").read_text(encoding="utf-8"), "lpeg.html")
    assert section.startswith("Copyright © 2007") and "Permission is hereby granted" in section
    assert "lpeg.match" not in section and "<p>" not in section
    # a page with no license heading has no section (no "Copyright" paragraph read from an HTML page)
    assert not license_sections("<h1>Tool</h1><p>Copyright (c) 2020 A. Person. GPL</p>", "index.html")
    pytest.importorskip("licensedcode")
    documents = _top_level(tree, "lpeg")
    assert not any(is_license_file(d.metadata[keys.PATH], 0) for d in documents)
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert len(kept) == len(documents) and kept[0].metadata[keys.LICENSE] == "MIT"
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "readme"
    # HTML pages in a folder are documentation of anything, not the repository's statement
    moved = [make_doc(d.text, path="doc/" + d.metadata[keys.PATH], repo="lpeg") for d in documents]
    assert _run(RepositoryLicenseFilter(), moved + [make_doc("x", path="other/x.c", repo="lpeg")])[0] == []


def test_manifest_words_with_no_spdx_id_read_by_scancode_last():
    pytest.importorskip("licensedcode")
    # PEAR's package.xml says "BSD" with an OSI link, and the archive has no license file, README or
    # HTML page: ScanCode reads the declared words (BSD-3-Clause, its reading of a bare "BSD license")
    root = debian_source("php-text-languagedetect").parent
    text = (root / "package.xml").read_text(encoding="utf-8")
    assert manifest_license("package.xml", text) == (None, ["BSD <http://www.opensource.org/licenses/bsd-license.php>"])
    documents = _files_to_depth(root, "languagedetect", depth=2)
    assert not any(is_license_file(d.metadata[keys.PATH], 2) for d in documents)
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert len(kept) == len(documents) and kept[0].metadata[keys.LICENSE] == "BSD-3-Clause"
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "manifest"
    # words that name no license ScanCode knows leave the repository without one
    for words in ("SEE LICENSE IN LICENSE.txt", "UNKNOWN", "Other/Custom"):
        manifest = make_doc(f'{{"name": "x", "license": "{words}"}}', path="package.json", repo="x")
        kept, stats = _run(RepositoryLicenseFilter(), [manifest, make_doc("x = 1\n", path="x.js", repo="x")])
        assert kept == [] and stats["dropped/license_not_found"] == 2, words
    # the words are the last resort: a license file decides first (GPL words, MIT file: kept as MIT)
    mit = installed_licence_text("Permission is hereby granted, free of charge", exclude="GNU")
    assert mit, "no installed distribution ships an MIT license file"
    documents = [
        make_doc('{"name": "x", "license": "GPL"}', path="package.json", repo="y"),
        make_doc(mit, path="LICENSE", repo="y"),
    ]
    kept, _ = _run(RepositoryLicenseFilter(), documents)
    assert kept and "MIT" in kept[0].metadata[keys.LICENSE] and "GPL" not in kept[0].metadata[keys.LICENSE]
    assert kept[0].metadata[keys.LICENSE_SOURCE] == "detected"
    # and a declared GPL with nothing else is not permissive (dropped as such, not as license_not_found)
    kept, stats = _run(RepositoryLicenseFilter(), [make_doc('{"license": "GPL"}', path="package.json", repo="z")])
    assert kept == [] and stats["dropped/license_not_permissive"] == 1
