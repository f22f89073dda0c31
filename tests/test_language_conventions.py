"""Files an ecosystem names by convention (build files, DSLs, includes), on released files: Debian's tmux,
qhull and nasm sources (``apt-get source``), npm tarballs, and Ruby's bundled gems as Debian installs
them; ``.pro`` and ``.inc`` are settled by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from codecurate.languages import detect_language, inc_language, language_for_path, pro_language
from tests.real_files import debian_source, npm_package

RUBY_GEMS = Path("/usr/lib/ruby/gems/3.1.0/gems")


def _detect(path: Path, root: Path) -> str | None:
    return detect_language(str(path.relative_to(root)), path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("Gemfile", "Ruby"), ("app/config.ru", "Ruby"), ("Foo.podspec", "Ruby"), ("ios/Podfile", "Ruby"),
        ("Vagrantfile", "Ruby"), ("Brewfile", "Ruby"), ("fastlane/Fastfile", "Ruby"), ("Gemfile.lock", None),
        ("Jenkinsfile", "Groovy"), ("Dockerfile.alpine", "Dockerfile"), ("docker/app.Dockerfile", "Dockerfile"),
        ("Makefile.am", "Makefile"), ("lib/Makefile.in", "Makefile"), ("Makefile.win", "Makefile"),
        ("rules.mk", "Makefile"), ("CMakeLists.txt", "CMake"), ("cmake/FindX.cmake", "CMake"),
        ("meson.build", "Meson"), ("meson_options.txt", "Meson"), ("BUILD.bazel", "Starlark"),
        ("WORKSPACE", "Starlark"), ("MODULE.bazel", "Starlark"), ("defs.bzl", "Starlark"),
        ("build.gradle", "Groovy"), ("build.gradle.kts", "Kotlin"), ("SConstruct", "Python"),
        ("configure.ac", "M4"), ("m4/ax_check.m4", "M4"), ("src/parse.y", "Yacc"), ("src/lexer.l", "Lex"),
        ("config.h.in", "C"), ("setup.py.in", "Python"), ("version.cmake.in", "CMake"), ("x.in", None),
        ("tsconfig.json", "JSON with Comments"), ("tsconfig.build.json", "JSON with Comments"),
        (".vscode/settings.json", "JSON with Comments"), (".devcontainer/devcontainer.json", "JSON with Comments"),
        ("a.jsonc", "JSON with Comments"), (".babelrc", "JSON with Comments"), ("package.json", "JSON"),
        ("proguard-rules.pro", "ProGuard"),
    ],
)
def test_conventional_names(path, language):
    assert language_for_path(path) == language


def test_make_shebang():
    assert detect_language("debian/rules", "#!/usr/bin/make -f\n%:\n\tdh $@\n") == "Makefile"


def test_pro_and_inc_settled_by_content():
    assert pro_language("-keep class a.b.** { *; }\n-dontwarn okio.**\n") == "ProGuard"
    assert pro_language("QT += core gui\nTARGET = app\nSOURCES += main.cpp\n") == "QMake"
    assert pro_language("parent(tom, bob).\nanc(X, Y) :- parent(X, Y).\n") == "Prolog"
    assert pro_language("just some words\n") is None
    assert inc_language("<?php\nreturn ['a' => 1];\n") == "PHP"
    assert inc_language("{$IFDEF FPC}\nprocedure Foo(x: Integer);\nbegin\n  y := x;\nend;\n") == "Pascal"
    assert inc_language("%macro PROLOGUE 0\n  push rbp\n  mov rbp, rsp\n%endmacro\n") == "Assembly"
    assert inc_language("template <typename T>\nclass A {\n  int x;\n};\n#define Y 1\n") == "C++"
    assert inc_language("plain prose\nwith no code in it at all\n") is None
    assert detect_language("a.inc", "#!/bin/sh\nprose\n") == "Shell"  # no sign: the shebang decides


def test_debian_sources_tmux_qhull_nasm():
    tmux = debian_source("tmux")
    assert _detect(tmux / "Makefile.am", tmux) == "Makefile"
    assert _detect(tmux / "configure.ac", tmux) == "M4"
    assert _detect(tmux / "cmd-parse.y", tmux) == "Yacc"
    qhull = debian_source("qhull")
    pros = sorted(qhull.rglob("*.pro"))
    assert len(pros) >= 10
    assert {_detect(p, qhull) for p in pros} == {"QMake"}
    nasm = debian_source("nasm")
    assert _detect(nasm / "test" / "macroerr.inc", nasm) == "Assembly"


def test_npm_podspec_gradle_proguard():
    webview = npm_package("react-native-webview@13.12.2")
    assert _detect(webview / "react-native-webview.podspec", webview) == "Ruby"
    assert _detect(webview / "android" / "build.gradle", webview) == "Groovy"
    location = npm_package("expo-location@57.0.20")
    rules = location / "android" / "proguard-rules.pro"
    assert _detect(rules, location) == "ProGuard"
    # by content too, under a name that says nothing
    assert detect_language("android/rules.pro", rules.read_text()) == "ProGuard"


@pytest.mark.skipif(not RUBY_GEMS.is_dir(), reason="Ruby 3.1's bundled gems (Debian's ruby3.1) not installed")
def test_ruby_bundled_gems():
    files = [p for name in ("Gemfile", "Rakefile", "*.gemspec") for p in RUBY_GEMS.glob(f"*/{name}")]
    assert len(files) >= 10
    assert {_detect(p, RUBY_GEMS) for p in files} == {"Ruby"}
