"""Import resolution of Kotlin, PHP, Ruby, Swift, Scala and Dart on real repositories fetched at test time
(npm tarballs, Debian source packages): known edges, agreement with an independent reference (the
language's own tokenizer or parser where one is installed, else a lexer-based symbol index:
``benchmarks/import_languages.py``), and the dependency order putting imported files first."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pytest

from codecurate import metadata as keys
from codecurate.samplers.file_orders import dependency_order, random_order
from codecurate.samplers.imports import dart, import_graph, kotlin, php, ruby, scala, swift
from codecurate.samplers.imports.common import RepositoryFiles
from tests.real_files import debian_source, npm_package

pytest.importorskip("tree_sitter_language_pack")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import import_languages as bench  # noqa: E402


def measured(root: Path, languages: tuple[str, ...], module, language: str, needs: str | None = None):
    """``(paths, our edges, reference edges, share of our edges whose callee comes first under the
    dependency order, the same under a random order)``."""
    docs = bench.load(root, languages)
    assert sum(d.metadata[keys.LANGUAGE] == language for d in docs) >= 20
    ours = set(module.edges(RepositoryFiles(docs)))
    reference = None
    if needs is None or shutil.which(needs):
        reference = bench.LANGUAGE_SETUP[language][2](docs, root)
    paths = [d.metadata[keys.PATH] for d in docs]
    order = dependency_order(import_graph(docs), paths, random.Random(0))
    shuffled = random_order(len(docs), random.Random(0))
    return (paths, ours, reference, bench.earlier(order, ours) / len(ours), bench.earlier(shuffled, ours) / len(ours))


def named(paths: list[str], edges: set[tuple[int, int]]) -> set[tuple[str, str]]:
    return {(paths[a], paths[b]) for a, b in edges}


def agreement(ours: set, reference: set | None, precision: float, recall: float) -> None:
    if reference is None:
        return  # the reference's tool (php, ruby) is not installed: the other checks still ran
    both = len(ours & reference)
    assert both / len(ours) >= precision, (both / len(ours), sorted(ours - reference)[:5])
    assert both / len(reference) >= recall, (both / len(reference), sorted(reference - ours)[:5])


def test_php_monolog_namespaces_psr4_and_requires():
    root = debian_source("php-monolog")
    paths, ours, reference, first, shuffled = measured(root, ("PHP",), php, "PHP", needs="php")
    edges = named(paths, ours)
    assert ("src/Monolog/Handler/StreamHandler.php", "src/Monolog/Handler/AbstractProcessingHandler.php") in edges
    assert ("src/Monolog/Logger.php", "src/Monolog/Handler/HandlerInterface.php") in edges  # use
    assert ("src/Monolog/ErrorHandler.php", "src/Monolog/Logger.php") in edges  # same namespace, no use
    assert len(ours) > 300
    agreement(ours, reference, 0.98, 0.98)
    assert first >= 0.9 and shuffled < 0.7


def installed_gem(package: str, gem: str) -> Path:
    """A gem Debian installs (``apt-get install ruby-...``), installed when missing."""
    from tests.filters.analysis_tools import ToolUnavailable, apt_install

    found = sorted(Path("/usr/share/rubygems-integration/all/gems").glob(f"{gem}-[0-9]*"))
    if not found:
        try:
            apt_install(package)
        except ToolUnavailable as why:
            pytest.skip(str(why))
        found = sorted(Path("/usr/share/rubygems-integration/all/gems").glob(f"{gem}-[0-9]*"))
    return found[-1]


def test_ruby_rack_requires_and_autoloads():
    root = installed_gem("ruby-rack", "rack")
    paths, ours, reference, first, shuffled = measured(root, ("Ruby",), ruby, "Ruby", needs="ruby")
    edges = named(paths, ours)
    assert ("lib/rack.rb", "lib/rack/builder.rb") in edges  # autoload :Builder, "rack/builder"
    assert ("example/lobster.ru", "lib/rack/lobster.rb") in edges  # require on the gem's load path
    assert len(ours) > 60
    agreement(ours, reference, 0.97, 0.97)
    assert first >= 0.9 and shuffled < 0.7


def test_kotlin_react_native_screens_packages_and_imports():
    root = npm_package("react-native-screens@4.30.1")
    paths, ours, reference, first, shuffled = measured(root, ("Kotlin", "Java"), kotlin, "Kotlin")
    edges = named(paths, ours)
    main = "android/src/main/java/com/swmansion/rnscreens/"
    assert (main + "ScreenStack.kt", main + "ScreenContainer.kt") in edges  # same package, no import
    assert (main + "SearchBarManager.kt", main + "events/SearchBarFocusEvent.kt") in edges  # import
    assert len(ours) > 500
    agreement(ours, reference, 0.97, 0.97)
    assert first >= 0.85 and shuffled < 0.7


def test_swift_capacitor_module_level_types():
    root = npm_package("@capacitor/ios@8.6.0")
    paths, ours, reference, first, shuffled = measured(root, ("Swift",), swift, "Swift")
    edges = named(paths, ours)
    assert ("Capacitor/Capacitor/CapacitorBridge.swift", "Capacitor/Capacitor/Plugins/Console.swift") in edges
    assert ("Capacitor/Capacitor/AppUUID.swift", "Capacitor/Capacitor/KeyValueStore.swift") in edges
    assert len(ours) > 60
    agreement(ours, reference, 0.95, 0.95)
    assert first >= 0.8 and shuffled < 0.7


def test_scala_scalap_chained_packages_and_selectors():
    root = debian_source("scala") / "src" / "scalap"
    paths, ours, reference, first, shuffled = measured(root, ("Scala",), scala, "Scala")
    edges = named(paths, ours)
    rules = "scala/tools/scalap/scalax/rules/"
    assert (rules + "Rule.scala", rules + "Result.scala") in edges  # chained package clauses
    assert ("scala/tools/scalap/Classfile.scala", "scala/tools/scalap/ByteArrayReader.scala") in edges
    assert len(ours) > 40
    agreement(ours, reference, 0.9, 0.9)
    assert first >= 0.8 and shuffled < 0.7


def test_dart_flatbuffers_package_and_relative_imports():
    """FlatBuffers' Dart package as Debian ships it (its upstream tarball keeps ``dart/``): ``package:``
    URIs through the ``pubspec.yaml`` name, ``./`` imports beside the file, other packages and
    ``dart:`` libraries resolved to nothing; every edge the directive reader finds, and no other."""
    root = debian_source("flatbuffers") / "dart"
    docs = bench.load(root, ("Dart",))
    assert sum(d.metadata[keys.LANGUAGE] == "Dart" for d in docs) >= 10
    ours = set(dart.edges(RepositoryFiles(docs)))
    paths = [d.metadata[keys.PATH] for d in docs]
    edges = named(paths, ours)
    assert ("test/flex_types_test.dart", "lib/src/types.dart") in edges  # package:flat_buffers/src/...
    assert ("example/example.dart", "lib/flat_buffers.dart") in edges
    assert ("test/flat_buffers_test.dart", "test/monster_test_my_game.example_generated.dart") in edges  # ./
    assert all(b.endswith(".dart") for _, b in edges)  # package:test, package:path: not this repository
    agreement(ours, bench.dart_reference(docs, root), 1.0, 1.0)
    order = dependency_order(import_graph(docs), paths, random.Random(0))
    assert bench.earlier(order, ours) / len(ours) >= 0.8  # the generated files import each other (cycles)
