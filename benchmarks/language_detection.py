"""Language detection on real repositories: how many files no language is found for (the reader's
``unknown_language`` drops), and how many of those are source code of a language codecurate knows.

Every file of each repository is read (binary files, with a NUL byte in their first 8 KB, are counted
apart) and ``codecurate.languages.detect_language`` names its language, as the readers do. The
files it names none for are then given to libmagic (``file -b``), an outside judge nobody here tuned:
what it calls a script or source of a language in ``codecurate.languages``, and that language's
tree-sitter grammar parses with errors in at most 5% of its bytes (libmagic calls man pages with C
examples C source), is a miss. Each miss is
printed, to be read; the share is given of all text files and of the unknown ones.

``--baseline REF`` runs ``codecurate/languages.py`` as it was at git ``REF`` beside today's, for a
before/after table (the module is loaded from ``git show``; it depends on nothing of the project).

Corpora (under ``$CODECURATE_DETECTION_CORPUS``, default ``~/.cache/codecurate/corpora/detection``,
made by ``INSTALL``), in two splits: "dev", read while writing the name and content rules, and
"heldout", measured after. Debian source packages (``apt-get source``; deb-src enabled), npm tarballs
(``npm pack``), PyPI sdists (``pip download --no-binary :all:``), Ruby's bundled gems (Debian's
``ruby3.1``), and the C/C++ source packages other benchmarks unpacked (``--extra DIR``).

    python benchmarks/language_detection.py --baseline 0721745
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(os.environ.get("CODECURATE_DETECTION_CORPUS", Path.home() / ".cache/codecurate/corpora/detection"))
DEBIAN = {"dev": ["tmux", "qhull", "nasm", "sqlite3"], "heldout": ["zlib", "jq", "php-monolog"]}
NPM = {"dev": ["react-native-webview@13.12.2", "@capacitor/ios@6.1.2"], "heldout": ["react-native-screens@3.35.0"]}
PYPI = {"dev": ["cffi==1.17.1"], "heldout": ["psutil==6.0.0"]}
#: Ruby 3.1's bundled gems as Debian installs them (each with its Gemfile, Rakefile, gemspec, tests)
RUBY_GEMS = Path("/usr/lib/ruby/gems/3.1.0/gems")
INSTALL = [
    f"mkdir -p {ROOT}/debian {ROOT}/npm {ROOT}/pypi {ROOT}/src/npm {ROOT}/src/pypi",
    f"cd {ROOT}/debian && for p in {' '.join(DEBIAN['dev'] + DEBIAN['heldout'])}; do apt-get source $p; done",
    f"cd {ROOT}/npm && npm pack {' '.join(NPM['dev'] + NPM['heldout'])}",
    f"cd {ROOT}/pypi && pip download --no-binary :all: --no-deps {' '.join(PYPI['dev'] + PYPI['heldout'])}",
    f"for t in {ROOT}/npm/*.tgz; do n=$(basename $t .tgz); mkdir -p {ROOT}/src/npm/$n && "
    f"tar -xzf $t -C {ROOT}/src/npm/$n; done",
    f"for t in {ROOT}/pypi/*.tar.gz; do tar -xzf $t -C {ROOT}/src/pypi; done",
]
#: libmagic's words for source code -> the language of ``codecurate.languages`` it means
MAGIC = [
    ("C++ source", "C++"), ("C source", "C"), ("Python script", "Python"), ("Ruby script", "Ruby"),
    ("PHP script", "PHP"), ("Perl script", "Perl"), ("Perl5 module", "Perl"), ("makefile script", "Makefile"),
    ("Java source", "Java"), ("Node.js script", "JavaScript"), ("JavaScript", "JavaScript"),
    ("Tcl script", "Tcl"), ("awk script", "Awk"), ("M4 macro", "M4"), ("assembler source", "Assembly"),
    ("Pascal source", "Pascal"), ("Bourne-Again shell script", "Shell"), ("POSIX shell script", "Shell"),
    ("shell script", "Shell"), ("Lisp/Scheme", "Common Lisp"), ("Objective-C source", "Objective-C"),
    ("Lua script", "Lua"), ("FORTRAN program", "Fortran"), ("Dockerfile", "Dockerfile"),
]


def repositories(split: str, extra: list[Path]) -> list[Path]:
    """The repository folders of ``split``: unpacked Debian sources, npm and PyPI packages, gems."""
    repos: list[Path] = []
    for package in DEBIAN[split]:
        repos += [p for p in sorted((ROOT / "debian").glob(f"{package}-*")) if p.is_dir()]
    for spec in NPM[split]:
        name = spec.rsplit("@", 1)[0].lstrip("@").replace("/", "-")
        repos += sorted((ROOT / "src" / "npm").glob(f"{name}-*"))
    for spec in PYPI[split]:
        name, version = spec.split("==")
        repos += sorted((ROOT / "src" / "pypi").glob(f"{name}-{version}"))
    if RUBY_GEMS.is_dir():
        gems = sorted(p for p in RUBY_GEMS.iterdir() if p.is_dir())
        repos += gems[0::2] if split == "dev" else gems[1::2]
    return repos + (extra if split == "heldout" else [])


def load_languages(ref: str | None):
    """``codecurate.languages`` today (``ref`` None) or as it was at git ``ref``."""
    if ref is None:
        from codecurate import languages

        return languages
    source = subprocess.run(["git", "show", f"{ref}:src/codecurate/languages.py"], capture_output=True,
                            text=True, check=True, cwd=Path(__file__).resolve().parents[1]).stdout
    path = Path(tempfile.mkdtemp()) / f"languages_{ref}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def text_files(repo: Path) -> tuple[list[tuple[str, str]], int]:
    """(path in repo, text) of every text file of ``repo``, and how many binary files were skipped."""
    files, binary = [], 0
    for path in sorted(repo.rglob("*")):
        if not path.is_file() or path.is_symlink() or ".git" in path.parts:
            continue
        raw = path.read_bytes()[:2_000_000]
        if b"\0" in raw[:8192]:
            binary += 1
            continue
        files.append((str(path.relative_to(repo)), raw.decode("utf-8", errors="replace")))
    return files, binary


def magic_language(paths: list[Path], known: set[str]) -> dict[Path, str]:
    """What libmagic calls each file, where it calls it source of a language in ``known``."""
    found = {}
    for start in range(0, len(paths), 500):
        chunk = paths[start:start + 500]
        out = subprocess.run(["file", "-b", "--", *map(str, chunk)], capture_output=True, text=True).stdout
        for path, line in zip(chunk, out.splitlines()):
            for words, language in MAGIC:
                if words in line and language in known:
                    if parses_as(path, language):
                        found[path] = language
                    break
    return found


def parses_as(path: Path, language: str, max_error_share: float = 0.05) -> bool:
    """Whether ``path`` parses as ``language`` with tree-sitter, errors under ``max_error_share`` of
    its bytes (a man page with a C example is no C file); ``True`` where the language has no grammar."""
    from codecurate.languages import LANGUAGES
    from codecurate.parsing import error_bytes, parse_source

    grammar = LANGUAGES[language].grammar
    if grammar is None:
        return True
    source = path.read_bytes()[:1_000_000]
    result = parse_source(source, grammar, 2.0)
    if result.tree is None:
        return False
    return error_bytes(result.tree.root_node) <= max_error_share * max(1, len(source))


def measure(split: str, module, extra: list[Path], known: set[str]) -> dict:
    totals: Counter = Counter()
    unknown_by_kind: Counter = Counter()
    unknown_paths: list[Path] = []
    for repo in repositories(split, extra):
        files, binary = text_files(repo)
        totals["binary"] += binary
        for rel, text in files:
            totals["text"] += 1
            if module.detect_language(rel, text) is None:
                totals["unknown"] += 1
                name = os.path.basename(rel)
                stem, ext = os.path.splitext(name)
                unknown_by_kind[ext.lower() if ext and stem else name] += 1
                unknown_paths.append(repo / rel)
    missed = magic_language(unknown_paths, known)
    return {"totals": totals, "kinds": unknown_by_kind, "missed": missed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="git ref of codecurate/languages.py to compare with")
    parser.add_argument("--splits", default="dev,heldout")
    parser.add_argument("--extra", nargs="*", type=Path, default=None,
                        help="more repository folders for the held-out split (default: the C/C++ sources "
                             "benchmarks/analysis_languages/c.py unpacks, where present)")
    parser.add_argument("--show", type=int, default=40, help="misses listed per split")
    args = parser.parse_args()
    extra = args.extra
    if extra is None:
        extra = [p for d in ("/tmp/cpp-src", "/tmp/cpp-src2", "/tmp/cpp-src3") for p in sorted(Path(d).glob("*"))
                 if p.is_dir()]
    versions = [("before", load_languages(args.baseline))] if args.baseline else []
    versions.append(("after", load_languages(None)))
    print("| split | version | repositories | text files | unknown language | of which code of a known "
          "language (libmagic, parsed) | share of text files | share of unknown |")
    print("|---|---|---|---|---|---|---|---|")
    details = {}
    for split in args.splits.split(","):
        for label, module in versions:
            result = measure(split, module, extra, set(versions[-1][1].LANGUAGES))
            details[(split, label)] = result
            t = result["totals"]
            missed = len(result["missed"])
            print(f"| {split} | {label} | {len(repositories(split, extra))} | {t['text']} | {t['unknown']} | "
                  f"{missed} | {missed / max(1, t['text']):.2%} | {missed / max(1, t['unknown']):.1%} |")
    for (split, label), result in details.items():
        if label != "after":
            continue
        print(f"\n{split}, after: unknown files by kind (top 25): "
              + ", ".join(f"{k} {n}" for k, n in result["kinds"].most_common(25)))
        print(f"{split}, after: code of a known language left unknown (libmagic's word), first {args.show}:")
        for path, language in sorted(result["missed"].items())[: args.show]:
            print(f"  {language}: {path}")


if __name__ == "__main__":
    main()
