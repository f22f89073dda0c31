"""Import resolution of Kotlin, PHP, Ruby, Swift, Scala and Dart against an independent reference,
and what the dependency order does with the edges; the share of Rust edges inside cycles.

Per language, each repository's edges from ``codecurate.samplers.imports`` (tree-sitter) are
compared with a reference derived independently:
- PHP: PHP's own tokenizer (``import_references/php_names.php``): declared class-likes and
  functions, every name resolved as PHP resolves it; an edge where a referenced name is declared.
- Ruby: Ruby's own parser, Ripper (``import_references/ruby_requires.rb``): require,
  require_relative, load and autoload calls, resolved on the gem's load path (``lib/``, the top,
  ``spec/``, ``test/``, in that order, exact paths).
- Kotlin (and Java beside it), Scala, Swift: a symbol-definition index from a lexer written here
  (comments and strings stripped, braces counted): top-level declarations, package, imports and
  every identifier; an edge where an imported or visible name is declared (Swift: within the
  module, ``Sources/<Module>/``).
- Dart: the directives read with a regular expression, ``package:`` mapped through each
  ``pubspec.yaml``'s name.
Printed per language and split: repositories, files, reference and our edges, precision and
recall; the share of reference edges whose imported file comes earlier under ``dependency_order``
on our graph (the dependency strategy forced), against a random order; the share of our edges
inside a cycle (strongly connected component of two files or more).

Corpora (dev: what the resolvers were tuned on; held-out: measured after):
- Kotlin, Swift: npm packages' Android and iOS sources, installed with ``npm install`` into
  ``<npm>/dev`` (react-native, expo-modules-core, react-native-screens, @capacitor/android,
  @capacitor/ios) and ``<npm>/heldout`` (expo-camera, -av, -calendar, -contacts, -file-system,
  -image, -image-picker, -location, -media-library, -notifications, -sensors, -updates,
  @stripe/stripe-react-native, @shopify/flash-list, lottie-react-native, react-native-gesture-handler,
  -reanimated, -vision-camera, -webview); ``--npm /tmp/ks-corpus``.
- PHP: Debian's PHP libraries under /usr/share/php (``apt-get install php-symfony-* php-doctrine-*
  php-league-* phpunit twig php-monolog php-guzzlehttp-* php-nikic-php-parser composer``): dev
  Symfony, held-out every other vendor.
- Ruby: Debian's gems under /usr/share/rubygems-integration/all/gems (``apt-get install ruby-rails
  ruby-sinatra ruby-rspec thor rake``): dev rack, sinatra, thor, rake, rspec..., held-out Rails'
  gems, concurrent-ruby, i18n, tzinfo, faraday, zeitwerk...
- Scala: Debian's Scala 2.11 sources (``apt-get source scala``; ``--scala DIR``): dev src/library,
  actors, scalap, repl; held-out src/reflect, compiler, scaladoc, interactive.
- Dart: no registry here ships Dart sources: dart-lang/http (dev) and dart-lang/collection
  (held-out) from their public repositories (``--dart DIR`` holding both).
- Rust: Debian's crates under /usr/share/cargo/registry: our edges only, the share in cycles.

    python benchmarks/import_languages.py [--languages Kotlin PHP ...] [--splits dev heldout]
"""

from __future__ import annotations

import argparse
import json
import posixpath
import random
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.languages import language_for_path
from codecurate.samplers.file_orders import _components, dependency_order, random_order
from codecurate.samplers.imports import dart, import_graph, kotlin, php, ruby, rust, scala, swift
from codecurate.samplers.imports.common import RepositoryFiles

HERE = Path(__file__).resolve().parent
RUBY_GEMS = Path("/usr/share/rubygems-integration/all/gems")
PHP_ROOT = Path("/usr/share/php")
CARGO = Path("/usr/share/cargo/registry")
RUBY_DEV = ("rack-", "rack-protection", "rack-test", "sinatra", "thor", "rake", "rspec-core", "rspec-support",
            "mustermann", "webrick", "builder", "multipart-post", "net-telnet", "mini_portile2", "crass")
KOTLIN_DEV = ("react-native", "expo-modules-core", "react-native-screens", "@capacitor/android", "@capacitor/ios")
MANIFESTS = ("composer.json", "pubspec.yaml")


# --- corpora --------------------------------------------------------------------------------------------


def load(root: Path, languages: tuple[str, ...]) -> list[Document]:
    """The files of ``languages`` (and the manifests resolvers read) under ``root``, by path."""
    docs = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        language = language_for_path(relative)
        if language not in languages and path.name not in MANIFESTS:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        docs.append(Document(text=text, id=relative, metadata={keys.PATH: relative, keys.LANGUAGE: language,
                                                                keys.REPO: root.name, keys.KIND: keys.KIND_CODE}))
    return docs


def npm_packages(npm: Path, split: str, suffix: str) -> Iterator[Path]:
    modules = npm / split / "node_modules"
    for package in sorted([*modules.glob("*"), *modules.glob("@*/*")]):
        if package.is_dir() and not package.name.startswith("@") and next(package.rglob(f"*{suffix}"), None):
            name = package.relative_to(modules).as_posix()
            if (split == "dev") == (name in KOTLIN_DEV):
                yield package


def php_packages(split: str) -> Iterator[Path]:
    for vendor in sorted(PHP_ROOT.glob("*")):
        if not vendor.is_dir() or (vendor.name == "Symfony") != (split == "dev"):
            continue
        if any(vendor.glob("*.php")):
            yield vendor
            continue
        for package in sorted(vendor.glob("*")):
            nested = [p for p in package.glob("*") if p.is_dir() and not any(package.glob("*.php"))]
            if vendor.name == "Symfony" and nested:  # Symfony/Component/<Name>, Symfony/Bridge/<Name>
                yield from sorted(nested)
            elif package.is_dir():
                yield package


def ruby_gems(split: str) -> Iterator[Path]:
    for gem in sorted(RUBY_GEMS.glob("*")):
        if gem.is_dir() and (split == "dev") == gem.name.startswith(RUBY_DEV) and next(gem.rglob("*.rb"), None):
            yield gem


def scala_parts(scala_source: Path, split: str) -> Iterator[Path]:
    names = ("library", "actors", "scalap", "repl") if split == "dev" else ("reflect", "compiler", "scaladoc",
                                                                           "interactive")
    for name in names:
        if (scala_source / "src" / name).is_dir():
            yield scala_source / "src" / name


def dart_repos(folder: Path, split: str) -> Iterator[Path]:
    for name in (("dart-lang+http",) if split == "dev" else ("dart-lang+collection",)):
        if (folder / name).is_dir():
            yield folder / name


# --- an independent lexer for the brace languages ------------------------------------------------------------

_TOKEN = re.compile(r'//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)|"""[\s\S]*?(?:"""|\Z)|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])\'|'
                    r"`[^`\n]*`|[A-Za-z_$][\w$]*|[{}()<>.,:=;*\n@]|\S", re.S)


def tokens(text: str) -> list[tuple[str, int]]:
    """``(token, depth in braces and parentheses)`` of a file with comments and string literals dropped."""
    found, depth = [], 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token.startswith(("//", "/*", '"', "'")):
            continue
        if token.startswith("`"):
            token = token.strip("`")
        if token in "})":
            depth = max(0, depth - 1)
        found.append((token, depth))
        if token in "{(":
            depth += 1
    return found


def _dotted(stream: list[tuple[str, int]], start: int) -> tuple[str, int]:
    parts, k = [], start
    while k < len(stream) and (stream[k][0].isidentifier() or stream[k][0] == "*"):
        parts.append(stream[k][0])
        if k + 1 < len(stream) and stream[k + 1][0] == ".":
            k += 2
        else:
            k += 1
            break
    return ".".join(parts), k


_DECLARING = {
    "Kotlin": {"class", "interface", "object", "typealias", "fun", "val", "var"},
    "Java": {"class", "interface", "enum", "record"},
    "Scala": {"class", "object", "trait", "enum", "type", "def", "val", "var", "given"},
    "Swift": {"class", "struct", "enum", "protocol", "actor", "typealias", "func", "let", "var"},
}


def lexed_facts(text: str, language: str) -> dict:
    """Package, imports ``(name, wildcard)``, top-level declared names and identifiers used."""
    stream = tokens(text)
    facts = {"packages": [], "imports": [], "declared": set(), "used": set()}
    top = 0  # braces opened by Scala package blocks
    k = 0
    while k < len(stream):
        token, depth = stream[k]
        if token.isidentifier():
            facts["used"].add(token)
        if token == "package" and depth == top and language != "Swift":
            if k + 1 < len(stream) and stream[k + 1][0] == "object" and language == "Scala":
                name, k = _dotted(stream, k + 2)
                facts["declared"].add(name.rsplit(".", 1)[-1])
                continue
            name, k = _dotted(stream, k + 1)
            facts["packages"].append(name)
            if k < len(stream) and stream[k][0] == "{":
                top += 1
            continue
        if token == "import":
            k = _import(stream, k + 1, language, facts)
            continue
        if token in _DECLARING[language] and depth == top and not (k and stream[k - 1][0] == "."):
            if language == "Java" and k and stream[k - 1][0] == "@":  # @interface
                pass
            name = _declared_name(stream, k + 1, token)
            if name:
                facts["declared"].add(name)
        k += 1
    facts["package"] = ".".join(facts["packages"])
    return facts


def _declared_name(stream: list[tuple[str, int]], k: int, keyword: str) -> str | None:
    skip = {"interface", "class", "case", "inline", "lazy", "implicit", "object"} if keyword in ("fun", "def") \
        else set()
    if k < len(stream) and stream[k][0] == "<":  # fun <T> ...
        while k < len(stream) and stream[k][0] != ">":
            k += 1
        k += 1
    names = []
    while k < len(stream) and (stream[k][0].isidentifier() or stream[k][0] == "."):
        if stream[k][0] not in skip and stream[k][0] != ".":
            names.append(stream[k][0])
        if stream[k][0] != "." and (k + 1 >= len(stream) or stream[k + 1][0] != "."):
            break
        k += 1
    return names[-1] if names else None


def _import(stream: list[tuple[str, int]], k: int, language: str, facts: dict) -> int:
    if language == "Java" and k < len(stream) and stream[k][0] == "static":
        k += 1
    if language == "Swift":
        while k < len(stream) and stream[k][0] in ("struct", "class", "enum", "protocol", "func", "var", "let",
                                                  "typealias"):
            k += 1
    name, k = _dotted(stream, k)
    if language == "Scala" and k < len(stream) and stream[k - 1][0] != "*" and stream[k][0] == "{":
        prefix, k = name, k + 1
        while k < len(stream) and stream[k][0] != "}":
            if stream[k][0].isidentifier() and stream[k - 1][0] in ("{", ","):
                if stream[k][0] in ("_", "given"):
                    facts["imports"].append((prefix, True))
                else:
                    facts["imports"].append((f"{prefix}.{stream[k][0]}", False))
            elif stream[k][0] == "*" and stream[k - 1][0] in ("{", ","):
                facts["imports"].append((prefix, True))
            k += 1
        return k
    if name.endswith((".*", "._")) or (language == "Scala" and name.endswith(".given")):
        facts["imports"].append((name.rsplit(".", 1)[0], True))
    elif name.endswith(".") and k < len(stream) and stream[k][0] == "*":
        facts["imports"].append((name[:-1], True))
    elif name:
        facts["imports"].append((name, False))
    if language == "Scala" and k < len(stream) and stream[k][0] == ",":
        return _import(stream, k + 1, language, facts)
    return k


# --- references ---------------------------------------------------------------------------------------


def package_reference(docs: list[Document], languages: tuple[str, ...], relative: bool) -> set[tuple[int, int]]:
    """Kotlin/Java/Scala: imports to the files declaring the longest declared prefix, and the
    names used that the file's package(s) or wildcard imports declare."""
    facts = {i: lexed_facts(d.text, d.metadata[keys.LANGUAGE]) for i, d in enumerate(docs)
             if d.metadata[keys.LANGUAGE] in languages}
    qualified: dict[str, set[int]] = {}
    members: dict[str, dict[str, set[int]]] = {}
    for i, fact in facts.items():
        if docs[i].metadata[keys.PATH].endswith(".kts"):  # build scripts declare nothing for others
            continue
        for name in fact["declared"]:
            qualified.setdefault(f"{fact['package']}.{name}".lstrip("."), set()).add(i)
            members.setdefault(fact["package"], {}).setdefault(name, set()).add(i)

    def longest(name: str) -> set[int]:
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in qualified:
                return qualified[".".join(parts[:n])]
        return set()

    edges = set()
    for i, fact in facts.items():
        packages = [".".join(fact["packages"][:n]) for n in range(len(fact["packages"]), 0, -1)] or [""]
        if not relative:
            packages = [fact["package"]]
        targets: set[int] = set()
        for name, wildcard in fact["imports"]:
            scopes = [""] + ([".".join(fact["package"].split(".")[:n]) for n in
                              range(fact["package"].count(".") + 1, 0, -1)] if relative and fact["package"] else [])
            for scope in scopes:
                full = f"{scope}.{name}" if scope else name
                if longest(full) or (wildcard and full in members):
                    name = full
                    break
            if wildcard:
                packages.append(name)
            targets |= longest(name)
        for package in packages:
            for name, files in members.get(package, {}).items():
                if name in fact["used"]:
                    targets |= files
        edges |= {(i, j) for j in targets if j != i}
    return edges


def swift_reference(docs: list[Document]) -> set[tuple[int, int]]:
    def module(path: str) -> str:
        parts = path.split("/")
        for n in range(len(parts) - 2, 0, -1):
            if parts[n - 1] in ("Sources", "Tests", "Source"):
                return "/".join(parts[: n + 1])
        return ""

    facts = {i: (module(d.metadata[keys.PATH]), lexed_facts(d.text, "Swift")) for i, d in enumerate(docs)
             if d.metadata[keys.LANGUAGE] == "Swift"}
    declared: dict[str, dict[str, set[int]]] = {}
    for i, (mod, fact) in facts.items():
        for name in fact["declared"]:
            declared.setdefault(mod, {}).setdefault(name, set()).add(i)
    edges = set()
    for i, (mod, fact) in facts.items():
        scopes = {mod} | {m for m in declared if m and m.rsplit("/", 1)[-1] in {n for n, _ in fact["imports"]}}
        for scope in scopes:
            for name, files in declared.get(scope, {}).items():
                if name in fact["used"]:
                    edges |= {(i, j) for j in files if j != i}
    return edges


_DART = re.compile(r"""^\s*(?:import|export|part)\s+(?:of\s+)?(['"])(.+?)\1""", re.M)
_DART_PART_OF = re.compile(r"""^\s*part\s+of\s+(['"])(.+?)\1""", re.M)


def dart_reference(docs: list[Document], root: Path) -> set[tuple[int, int]]:
    names = {}
    for pubspec in root.rglob("pubspec.yaml"):
        match = re.search(r"^name:\s*(\S+)", pubspec.read_text(errors="replace"), re.M)
        if match:
            names[match.group(1).strip("'\"")] = pubspec.parent.relative_to(root).as_posix()
    index = {d.metadata[keys.PATH]: i for i, d in enumerate(docs)}
    edges = set()
    for i, d in enumerate(docs):
        if d.metadata[keys.LANGUAGE] != "Dart":
            continue
        text = re.sub(r"/\*[\s\S]*?(?:\*/|\Z)|^\s*//[^\n]*", "", d.text, flags=re.S | re.M)
        part_of = {m.group(2) for m in _DART_PART_OF.finditer(text)}
        for match in _DART.finditer(text):
            uri = match.group(2)
            if uri.startswith("package:"):
                name, _, rest = uri[8:].partition("/")
                if name not in names:
                    continue
                path = posixpath.normpath(posixpath.join(names[name], "lib", rest))
            elif ":" in uri:
                continue
            else:
                path = posixpath.normpath(posixpath.join(posixpath.dirname(d.metadata[keys.PATH]), uri))
            j = index.get(path)
            if j is not None and j != i:
                edges.add((j, i) if uri in part_of else (i, j))
    return edges


def php_reference(docs: list[Document], root: Path) -> set[tuple[int, int]]:
    index = {d.metadata[keys.PATH]: i for i, d in enumerate(docs)}
    paths = [str(root / d.metadata[keys.PATH]) for d in docs if d.metadata[keys.LANGUAGE] == "PHP"]
    done = subprocess.run(["php", "-d", "memory_limit=1G", str(HERE / "import_references" / "php_names.php")],
                          input=json.dumps(paths), capture_output=True, text=True, check=True)
    facts = {}
    declared: dict[str, set[int]] = {}
    for line in done.stdout.splitlines():
        fact = json.loads(line)
        i = index[Path(fact["path"]).relative_to(root).as_posix()]
        facts[i] = fact
        for name in fact["declared"]:
            declared.setdefault(name, set()).add(i)
    edges = set()
    for i, fact in facts.items():
        targets = {j for name in fact["refs"] for j in declared.get(name, ())}
        for candidates in fact["includes"]:
            for candidate in candidates:
                path = Path(candidate) if candidate.startswith("/") else root / candidate
                relative = posixpath.normpath(path.as_posix()).removeprefix(root.as_posix() + "/")
                if relative in index:
                    targets.add(index[relative])
                    break
        edges |= {(i, j) for j in targets if j != i}
    return edges


def _snake(name: str) -> str:
    out = ""
    for position, char in enumerate(name):
        if char.isupper() and position and (name[position - 1].islower() or name[position - 1].isdigit() or (
                position + 1 < len(name) and name[position + 1].islower() and name[position - 1].isupper())):
            out += "_"
        out += char.lower()
    return out


def ruby_reference(docs: list[Document], root: Path) -> set[tuple[int, int]]:
    index = {d.metadata[keys.PATH]: i for i, d in enumerate(docs)}
    paths = [str(root / d.metadata[keys.PATH]) for d in docs if d.metadata[keys.LANGUAGE] == "Ruby"]
    done = subprocess.run(["ruby", str(HERE / "import_references" / "ruby_requires.rb")], input=json.dumps(paths),
                          capture_output=True, text=True, check=True)
    edges = set()
    for line in done.stdout.splitlines():
        fact = json.loads(line)
        here = Path(fact["path"]).relative_to(root).as_posix()
        i = index[here]
        for call in fact["calls"]:
            strings = call["strings"]
            if call["method"] == "autoload":
                if strings:
                    wanted, relative = [strings[-1]], False
                elif call["symbol"]:
                    nesting = [_snake(p) for n in call["nesting"] for p in n.split("::")]
                    wanted, relative = ["/".join([*nesting, _snake(call["symbol"])])], False
                else:
                    continue
            elif not strings:
                continue
            elif call["method"] == "require_relative":
                wanted, relative = [posixpath.join(posixpath.dirname(here), *strings)], True
            elif call["file"] or call["dir"]:
                base = here if call["file"] and call["expand"] and not call["dirname"] else posixpath.dirname(here)
                wanted, relative = [posixpath.join(base, *strings)], True
            elif len(strings) == 1:
                wanted, relative = strings, False
            else:
                continue
            for path in wanted:
                path = path if path.endswith(".rb") else path + ".rb"
                roots = [""] if relative else ["lib", "", "spec", "test"]
                for load_root in roots:
                    candidate = posixpath.normpath(posixpath.join(load_root, path))
                    if candidate in index:
                        if index[candidate] != i:
                            edges.add((i, index[candidate]))
                        break
    return edges


# --- measures -------------------------------------------------------------------------------------------


LANGUAGE_SETUP: dict[str, tuple[tuple[str, ...], object, Callable]] = {
    "Kotlin": (("Kotlin", "Java"), kotlin, lambda docs, root: {
        (a, b) for a, b in package_reference(docs, ("Kotlin", "Java"), relative=False)
        if "Kotlin" in (docs[a].metadata[keys.LANGUAGE], docs[b].metadata[keys.LANGUAGE])}),
    "Scala": (("Scala",), scala, lambda docs, root: package_reference(docs, ("Scala",), relative=True)),
    "Swift": (("Swift",), swift, lambda docs, root: swift_reference(docs)),
    "Dart": (("Dart",), dart, dart_reference),
    "PHP": (("PHP",), php, php_reference),
    "Ruby": (("Ruby",), ruby, ruby_reference),
}


def cycle_share(graph, edges: set[tuple[int, int]]) -> tuple[int, int]:
    callees = {n: [c for c in graph.successors(n) if c != n] for n in graph.nodes}
    piece = {}
    for number, component in enumerate(_components(list(graph.nodes), callees)):
        for node in component:
            piece[node] = (number, len(component))
    return sum(piece[a][0] == piece[b][0] and piece[a][1] > 1 for a, b in edges), len(edges)


def earlier(order: list[int], edges: set[tuple[int, int]]) -> int:
    position = {n: p for p, n in enumerate(order)}
    return sum(position[b] < position[a] for a, b in edges)


def measure(language: str, roots: list[Path], show: int = 0) -> dict[str, float]:
    languages, module, reference_of = LANGUAGE_SETUP[language]
    totals = dict.fromkeys(("repositories", "files", "reference", "ours", "both", "ref_earlier", "ref_random",
                            "ours_earlier", "in_cycles"), 0)
    for root in roots:
        docs = load(root, languages)
        own = [d for d in docs if d.metadata[keys.LANGUAGE] == language]
        if len(own) < 2:
            continue
        ours = set(module.edges(RepositoryFiles(docs)))
        reference = reference_of(docs, root)
        graph = import_graph(docs)
        paths = [d.metadata[keys.PATH] for d in docs]
        rng = random.Random(root.name)
        order = dependency_order(graph, paths, rng)
        totals["repositories"] += 1
        totals["files"] += len(own)
        totals["reference"] += len(reference)
        totals["ours"] += len(ours)
        totals["both"] += len(ours & reference)
        totals["ref_earlier"] += earlier(order, reference)
        totals["ref_random"] += earlier(random_order(len(docs), rng), reference)
        totals["ours_earlier"] += earlier(order, ours)
        totals["in_cycles"] += cycle_share(graph, ours)[0]
        for label, pairs in (("only ours", ours - reference), ("only reference", reference - ours)):
            for a, b in sorted(pairs)[:show]:
                print(f"  {root.name}: {label}: {paths[a]} -> {paths[b]}")
    return totals


def rust_cycles(split: str, fixed: bool = True) -> dict[str, int]:
    crates = sorted(p for p in CARGO.glob("*") if p.is_dir())
    crates = crates[::2] if split == "dev" else crates[1::2]
    totals = dict.fromkeys(("repositories", "files", "ours", "in_cycles", "ours_earlier"), 0)
    for root in crates:
        docs = load(root, ("Rust",))
        if len(docs) < 2:
            continue
        ours = set(rust.edges(RepositoryFiles(docs)))
        graph = import_graph(docs)
        order = dependency_order(graph, [d.metadata[keys.PATH] for d in docs], random.Random(root.name))
        totals["repositories"] += 1
        totals["files"] += len(docs)
        totals["ours"] += len(ours)
        totals["in_cycles"] += cycle_share(graph, ours)[0]
        totals["ours_earlier"] += earlier(order, ours)
    return totals


def _ratios(totals: dict[str, int]) -> Callable[[str, str], str]:
    return lambda a, b: f"{totals[a] / totals[b]:.3f}" if totals[b] else "-"


def roots_for(language: str, split: str, args) -> list[Path]:
    if language == "Kotlin":
        return list(npm_packages(Path(args.npm), split, ".kt"))
    if language == "Swift":
        return list(npm_packages(Path(args.npm), split, ".swift"))
    if language == "PHP":
        return list(php_packages(split))
    if language == "Ruby":
        return list(ruby_gems(split))
    if language == "Scala":
        return list(scala_parts(Path(args.scala), split))
    if language == "Dart":
        return list(dart_repos(Path(args.dart), split))
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", nargs="+", default=[*LANGUAGE_SETUP, "Rust"])
    parser.add_argument("--splits", nargs="+", default=["dev", "heldout"])
    parser.add_argument("--npm", default="/tmp/ks-corpus")
    parser.add_argument("--scala", default="/tmp/sd/scala-src")
    parser.add_argument("--dart", default="/tmp/gh")
    parser.add_argument("--show", type=int, default=0, help="disagreeing edges to print per repository")
    args = parser.parse_args()
    print("| language | split | repositories | files | reference edges | our edges | precision | recall "
          "| reference edges earlier: dependency order | random order | our edges earlier | our edges in cycles |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for language in args.languages:
        for split in args.splits:
            if language == "Rust":
                t = rust_cycles(split)
                print(f"| Rust | {split} | {t['repositories']} | {t['files']} | - | {t['ours']} | - | - | - | - "
                      f"| {t['ours_earlier'] / max(1, t['ours']):.3f} | {t['in_cycles'] / max(1, t['ours']):.3f} |",
                      flush=True)
                continue
            t = measure(language, roots_for(language, split, args), args.show)
            ratio = _ratios(t)
            print(f"| {language} | {split} | {t['repositories']} | {t['files']} | {t['reference']} | {t['ours']} "
                  f"| {ratio('both', 'ours')} | {ratio('both', 'reference')} | {ratio('ref_earlier', 'reference')} "
                  f"| {ratio('ref_random', 'reference')} | {ratio('ours_earlier', 'ours')} "
                  f"| {ratio('in_cycles', 'ours')} |", flush=True)


if __name__ == "__main__":
    main()
