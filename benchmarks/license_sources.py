"""Licence recall on upstream source trees of eleven ecosystems: repositories dropped as
``license_not_found`` that declare a permissive licence, judged against an oracle the license stage
never reads.

Corpus (chosen before measuring, written to ``benchmarks/license_sources.json`` by ``--select``):

- Debian source packages, the upstream (``.orig``) tarball of each, for Go (``golang-*``), PHP
  (``php-*``), Java/Maven (``lib*-java`` built with ``maven-debian-helper``), Perl
  (``lib*-perl``), Haskell (``haskell-*``), R (``r-cran-*``), OCaml (section ``ocaml``), Lua
  (``lua-*``) and C with autotools (sections libs/utils/devel/net/text whose build needs
  autoconf, none of the others); each ecosystem's candidates (orig tarball under 4 MB)
  shuffled with ``random.Random(31)`` from the local apt ``Sources`` index, in that order, and the first
  ``--per-ecosystem`` whose sources download are measured (some orig tarballs 404 on this mirror).
  Oracle: the ``License`` of the ``Files: *`` stanza of the package's ``debian/copyright``.
- npm tarballs (``npm pack NAME@VERSION``): a seeded sample of the packages downloaded over a million
  times a month (``/work/.library/env/packages/npm.tsv``). Oracle: the registry's ``license``
  (``npm view``) where it is an SPDX expression, else ScanCode on the tarball's license texts.
- PyPI sdists (``pip download --no-binary NAME --no-deps NAME==VERSION``): a seeded sample of the
  15,000 most downloaded distributions (``pypi.tsv``). Oracle: the sdist's ``PKG-INFO``
  ``License-Expression`` where given, else ScanCode on every file of the sdist named
  ``LICEN[CS]E*``/``COPYING*`` at any depth, else its ``License ::`` trove classifiers.

Downloads are cached under ``~/.cache/codecurate/license-sources/`` (each tree cut to its files
at most two folders deep: the stage reads the top level and a ``licenses/`` folder).

    python benchmarks/license_sources.py --select        # write the package list (seed 31)
    python benchmarks/license_sources.py --fetch          # download what the list names
    python benchmarks/license_sources.py [--json out.json]  # measure

Before/after a change: the same command with ``PYTHONPATH=<checkout before>/src``.
"""

from __future__ import annotations

import argparse
import csv
import email.parser
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from license_recall import debian_license  # noqa: E402

CACHE = Path.home() / ".cache" / "codecurate" / "license-sources"
LIST = Path(__file__).with_name("license_sources.json")
SEED = 31
#: how many of each ecosystem's seeded order the list keeps (many orig tarballs 404 on this mirror)
CANDIDATES = 40
DEBIAN_CANDIDATES = 120
PACKAGES = Path("/work/.library/env/packages")
SOURCES_INDEX = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_source_Sources.lz4"
DEBIAN_RULES = {
    "go": lambda p, d: p.startswith("golang-"),
    "php": lambda p, d: p.startswith("php-"),
    "java": lambda p, d: p.startswith("lib") and p.endswith("-java") and "maven-debian-helper" in d["build"],
    "perl": lambda p, d: p.startswith("lib") and p.endswith("-perl"),
    "haskell": lambda p, d: p.startswith("haskell-"),
    "r": lambda p, d: p.startswith("r-cran-"),
    "ocaml": lambda p, d: d["section"] == "ocaml",
    "lua": lambda p, d: p.startswith("lua-"),
    "c": lambda p, d: (
        not p.startswith(("golang-", "php-", "haskell-", "r-cran-", "lua-", "node-", "ruby-", "rust-", "python-"))
        and not p.endswith(("-perl", "-java"))
        and d["section"] in ("libs", "utils", "devel", "net", "text")
        and not re.search(r"ocaml|ghc|golang|default-jdk|cargo|nodejs|ruby", d["build"])
        and re.search(r"\b(dh-autoreconf|autotools-dev|autoconf)\b", d["build"]) is not None
    ),
}
MAX_DEPTH = 2


def _field(stanza: str, name: str) -> str:
    match = re.search(rf"^{name}: ?(.*(?:\n .*)*)", stanza, re.M)
    return match.group(1) if match else ""


def debian_candidates() -> dict[str, list[list[str]]]:
    """ecosystem -> ``[package, version]`` in the seeded order (``CANDIDATES`` of each)."""
    text = subprocess.run(
        ["/usr/lib/apt/apt-helper", "cat-file", SOURCES_INDEX],
        capture_output=True,
        text=True,
        errors="replace",
        check=True,
    ).stdout
    packages = {}
    for stanza in text.split("\n\n"):
        name = _field(stanza, "Package")
        files = re.findall(r"^ \w+ (\d+) (\S+)$", _field(stanza, "Files"), re.M)
        orig = [
            int(size)
            for size, file in files
            if ".orig.tar." in file and ".orig-" not in file and not file.endswith(".asc")
        ]
        if not name or "quilt" not in _field(stanza, "Format") or not orig:
            continue
        packages[name] = {
            "version": _field(stanza, "Version"),
            "section": _field(stanza, "Section"),
            "build": _field(stanza, "Build-Depends") + " " + _field(stanza, "Build-Depends-Indep"),
            "size": orig[0],
        }
    chosen = {}
    for ecosystem, rule in DEBIAN_RULES.items():
        names = sorted(p for p, d in packages.items() if rule(p, d) and d["size"] < 4_000_000)
        random.Random(SEED).shuffle(names)
        chosen[ecosystem] = [[p, packages[p]["version"]] for p in names[:DEBIAN_CANDIDATES]]
    return chosen


def registry_candidates() -> dict[str, list[list[str]]]:
    """npm: packages over a million downloads a month; PyPI: the 15,000 most downloaded."""
    npm, pypi = [], []
    with open(PACKAGES / "npm.tsv", encoding="utf-8") as table:
        for row in csv.reader(table, delimiter="\t"):
            if len(row) >= 3 and row[2].isdigit() and int(row[2]) >= 1_000_000:
                npm.append([row[0], row[1]])
    with open(PACKAGES / "pypi.tsv", encoding="utf-8") as table:
        for row in csv.reader(table, delimiter="\t"):
            if len(row) >= 4 and row[3].isdigit():
                pypi.append([row[0], row[1]])
    npm.sort()
    pypi.sort()
    return {"npm": random.Random(SEED).sample(npm, CANDIDATES), "pypi": random.Random(SEED).sample(pypi, CANDIDATES)}


def _keep_shallow(source: Path, target: Path) -> None:
    """Move the files of ``source`` at most ``MAX_DEPTH`` folders deep into ``target``."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_file() and not path.is_symlink() and len(relative.parts) <= MAX_DEPTH + 1:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), destination)


def _single_top(folder: Path) -> Path:
    entries = [p for p in folder.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def _binary_files(package: str, scratch: Path) -> Path | None:
    """The unpacked first binary package built from source ``package`` (``apt-get download``)."""
    shown = subprocess.run(["apt-cache", "showsrc", package], capture_output=True, text=True, timeout=120).stdout
    binaries = re.findall(r"^Binary: (.*)$", shown, re.M)
    if not binaries:
        return None
    binary = binaries[0].split(",")[0].strip()
    folder = scratch / "binary"
    folder.mkdir(exist_ok=True)
    subprocess.run(["apt-get", "download", binary], cwd=folder, capture_output=True, timeout=600)
    debs = sorted(folder.glob("*.deb"))
    if not debs:
        return None
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(folder / "root")], check=True, capture_output=True)
    return folder / "root"


def fetch_debian(package: str, version: str, ecosystem: str) -> Path | None:
    """The upstream tree of source ``package`` and its ``debian/copyright`` (from the binary package
    when this mirror lacks the Debian tarball); for R, whose CRAN tarballs this mirror lacks, the
    package as Debian installs it (``/usr/lib/R/site-library/NAME``: ``DESCRIPTION``, the licence
    file R keeps) when the upstream tarball is missing."""
    target = CACHE / "debian" / package
    if (target / ".done").exists():
        return target
    if (target / ".failed").exists():
        return None
    scratch = Path(tempfile.mkdtemp(prefix="lsrc-"))
    try:
        done = subprocess.run(
            ["apt-get", "source", "--download-only", f"{package}={version}"],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=600,
        )
        orig = sorted(p for p in scratch.glob("*.orig.tar.*") if not p.name.endswith(".asc"))
        debian = sorted(scratch.glob("*.debian.tar.*"))
        binary = _binary_files(package, scratch) if not debian or (not orig and ecosystem == "r") else None
        installed = sorted((binary / "usr/lib/R/site-library").glob("*/DESCRIPTION")) if binary else []
        target.mkdir(parents=True, exist_ok=True)
        if orig:
            unpacked = scratch / "orig"
            unpacked.mkdir()
            subprocess.run(["tar", "-xf", str(orig[0]), "-C", str(unpacked)], check=True, capture_output=True)
            _keep_shallow(_single_top(unpacked), target / "tree")
        elif installed:
            _keep_shallow(installed[0].parent, target / "tree")
            (target / "installed").touch()
        if debian:
            subprocess.run(["tar", "-xf", str(debian[0]), "-C", str(scratch), "debian/copyright"], capture_output=True)
        copyrights = (
            [scratch / "debian" / "copyright"]
            if debian
            else sorted((binary / "usr/share/doc").glob("*/copyright"))
            if binary
            else []
        )
        if copyrights and copyrights[0].is_file():
            shutil.copyfile(copyrights[0], target / "copyright")
        if not (target / "tree").is_dir() or not (target / "copyright").is_file():
            (target / ".failed").write_text(done.stderr[-2000:])
            return None
        (target / ".done").touch()
        return target
    except (subprocess.SubprocessError, OSError) as error:
        target.mkdir(parents=True, exist_ok=True)
        (target / ".failed").write_text(f"{type(error).__name__}: {error}")
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fetch_registry(ecosystem: str, name: str, version: str) -> Path | None:
    target = CACHE / ecosystem / f"{name.replace('/', '+')}@{version}"
    if (target / ".done").exists():
        return target
    if (target / ".failed").exists():
        return None
    scratch = Path(tempfile.mkdtemp(prefix="lsrc-"))
    try:
        if ecosystem == "npm":
            argv = ["npm", "pack", f"{name}@{version}", "--pack-destination", str(scratch)]
        else:
            argv = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-binary",
                name,
                "--no-deps",
                "-q",
                "-d",
                str(scratch),
                f"{name}=={version}",
            ]  # the sdist; its build backend from wheels
        done = subprocess.run(argv, cwd=scratch, capture_output=True, text=True, timeout=600)
        archives = sorted(p for p in scratch.iterdir() if p.name.endswith((".tgz", ".tar.gz", ".zip", ".tar.bz2")))
        target.mkdir(parents=True, exist_ok=True)
        if not archives:
            (target / ".failed").write_text(done.stderr[-2000:])
            return None
        unpacked = scratch / "unpacked"
        unpacked.mkdir()
        if archives[0].suffix == ".zip":
            subprocess.run(["unzip", "-q", str(archives[0]), "-d", str(unpacked)], check=True)
        else:
            subprocess.run(["tar", "-xf", str(archives[0]), "-C", str(unpacked)], check=True)
        tree = _single_top(unpacked)
        (target / "oracle.json").write_text(json.dumps(registry_oracle(ecosystem, name, version, tree)))
        _keep_shallow(tree, target / "tree")
        (target / ".done").touch()
        return target
    except (subprocess.SubprocessError, OSError) as error:
        target.mkdir(parents=True, exist_ok=True)
        (target / ".failed").write_text(f"{type(error).__name__}: {error}")
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_LICENSE_NAME = re.compile(r"(licen[cs]e|copying|unlicense)", re.I)


def _spdx(expression: str | None) -> str | None:
    """``expression`` when it parses as SPDX with known ids (license_expression, not the stage's tables)."""
    if not expression or not isinstance(expression, str):
        return None
    from license_expression import ExpressionError, get_spdx_licensing

    try:
        parsed = get_spdx_licensing().parse(expression, validate=True, strict=False)
    except (ExpressionError, ValueError, TypeError):
        return None
    return str(parsed) if parsed is not None else None


def _scancode_files(tree: Path) -> str | None:
    """ScanCode's licences of every file named like a licence at any depth of ``tree`` (AND)."""
    from codecurate.filters.license.cache import scancode_detections

    found = []
    for path in sorted(tree.rglob("*")):
        if path.is_file() and _LICENSE_NAME.search(path.name) and path.suffix.lower() in ("", ".txt", ".md", ".rst"):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")[:200_000]
            except OSError:
                continue
            for spdx in scancode_detections(text):
                if spdx not in found:
                    found.append(spdx)
    return " AND ".join(f"({e})" if " " in e else e for e in found) or None


def registry_oracle(ecosystem: str, name: str, version: str, tree: Path) -> dict:
    """The licence a package declares to its registry, read without the license stage's code."""
    declared = None
    if ecosystem == "npm":
        done = subprocess.run(
            ["npm", "view", f"{name}@{version}", "license", "--json"], capture_output=True, text=True, timeout=120
        )
        try:
            value = json.loads(done.stdout) if done.stdout.strip() else None
        except json.JSONDecodeError:
            value = None
        declared = value.get("type") if isinstance(value, dict) else value
        expression, how = _spdx(declared), "registry"
    else:
        info = tree / "PKG-INFO"
        headers = email.parser.Parser().parsestr(info.read_text(errors="replace")) if info.is_file() else {}
        declared = headers.get("License-Expression") if headers else None
        expression, how = _spdx(declared), "License-Expression"
        if expression is None and headers:
            classifiers = [c for c in headers.get_all("Classifier") or [] if c.startswith("License ::")]
            declared = "; ".join(classifiers) or headers.get("License")
    if expression is None:
        expression, how = _scancode_files(tree), "scancode"
    if expression is None and declared and "License ::" not in declared:  # a name in words: "Apache License v2.0"
        from codecurate.filters.license.cache import scancode_detections

        found = scancode_detections(declared)
        expression, how = (" AND ".join(f"({e})" if " " in e else e for e in found) or None), "scancode of the name"
    if expression is None and ecosystem == "pypi" and declared:
        from codecurate.licenses import CLASSIFIER_SPDX

        mapped = [CLASSIFIER_SPDX.get(c.strip()) for c in declared.split(";")]
        mapped = [m for m in mapped if m]
        expression, how = (" OR ".join(dict.fromkeys(mapped)) or None), "classifier"
    return {"oracle": expression, "how": how if expression else None, "declared": declared}


def debian_oracle(copyright_file: Path) -> dict:
    """The ``Files: *`` licence of a ``debian/copyright``: by Debian's short name, else ScanCode on
    that stanza and the licence paragraph it names, else (a copyright file not in the
    machine-readable format) ScanCode on the whole file, all its licences joined with AND."""
    expression = debian_license(copyright_file)
    if expression:
        return {"oracle": expression, "how": "debian/copyright name"}
    from codecurate.filters.license.cache import scancode_detections

    text = copyright_file.read_text(encoding="utf-8", errors="replace")
    stanzas = re.split(r"\n\s*\n", text)
    files = [s for s in stanzas if re.search(r"^Files:\s*\*\s*$", s, re.M)]
    how = "scancode of debian/copyright"
    if files:
        name = re.search(r"^License:\s*(.+)$", files[0], re.M)
        named = [
            s
            for s in stanzas
            if name
            and s is not files[0]
            and re.match(rf"License:\s*{re.escape(name.group(1).strip())}\s*$", s.split("\n", 1)[0])
        ]
        text = "\n\n".join([files[0], *named])
        how = "scancode of the Files: * stanza"
    found = scancode_detections(text)
    if not found and files:  # a stanza cut by a blank line of its own licence text
        found, how = (
            scancode_detections(copyright_file.read_text(encoding="utf-8", errors="replace")),
            ("scancode of debian/copyright"),
        )
    return {"oracle": " AND ".join(f"({e})" if " " in e else e for e in found) or None, "how": how if found else None}


def fetch(chosen: dict[str, list[list[str]]], per_ecosystem: int) -> None:
    for ecosystem, entries in chosen.items():
        got = 0
        for name, version in entries:
            if got >= per_ecosystem:
                break
            path = (
                fetch_registry(ecosystem, name, version)
                if ecosystem in ("npm", "pypi")
                else fetch_debian(name, version, ecosystem)
            )
            got += path is not None
            print(f"{ecosystem} {name} {version}: {'ok' if path else 'failed'}", file=sys.stderr, flush=True)


def corpus(chosen: dict[str, list[list[str]]], per_ecosystem: int) -> dict[str, list[tuple[str, Path, dict]]]:
    """ecosystem -> ``(repository, tree, oracle)`` of the first ``per_ecosystem`` fetched packages."""
    out: dict[str, list] = defaultdict(list)
    for ecosystem, entries in chosen.items():
        for name, version in entries:
            if len(out[ecosystem]) >= per_ecosystem:
                break
            if ecosystem in ("npm", "pypi"):
                folder = CACHE / ecosystem / f"{name.replace('/', '+')}@{version}"
                if not (folder / ".done").exists():
                    continue
                oracle = json.loads((folder / "oracle.json").read_text())
            else:
                folder = CACHE / "debian" / name
                if not (folder / ".done").exists():
                    continue
                oracle = debian_oracle(folder / "copyright")
            if (folder / "tree").is_dir():
                out[ecosystem].append((name, folder / "tree", oracle))
    return out


def judge(chosen: dict, per_ecosystem: int, max_depth: int = 0) -> list[dict]:
    from codecurate import metadata as keys
    from codecurate.filters.license.repository import RepositoryLicenseFilter
    from codecurate.licenses import is_permissive
    from codecurate.readers.repositories import RepositoriesReader

    results = []
    for ecosystem, entries in corpus(chosen, per_ecosystem).items():
        with tempfile.TemporaryDirectory(prefix=f"lsrc-{ecosystem}-") as root:  # one folder per repository
            for name, tree, _ in entries:
                shutil.copytree(tree, Path(root) / name.replace("/", "+"), symlinks=False)
            documents = list(RepositoriesReader(root).run())
        block = RepositoryLicenseFilter(drop_unlicensed=True, max_depth=max_depth)
        kept = {d.metadata.get(keys.REPO): d.metadata for d in block.run(iter(documents))}
        declared = {d.metadata.get(keys.REPO): d.metadata.get(keys.LICENSE_DECLARED) for d in documents}
        #: a dropped repository whose files got a license was dropped as not permissive, else as not found
        found = {d.metadata.get(keys.REPO): d.metadata.get(keys.LICENSE) for d in documents}
        for name, _, oracle in entries:
            repo = name.replace("/", "+")
            expected = oracle.get("oracle")
            meta = kept.get(repo)
            results.append(
                {
                    "ecosystem": ecosystem,
                    "repo": repo,
                    "oracle": expected,
                    "oracle_how": oracle.get("how"),
                    "oracle_permissive": bool(expected) and is_permissive(expected),
                    "kept": meta is not None,
                    "license": meta.get(keys.LICENSE) if meta else None,
                    "source": meta.get(keys.LICENSE_SOURCE) if meta else None,
                    "declared": declared.get(repo),
                    "reason": None if meta else ("license_not_permissive" if found.get(repo) else "license_not_found"),
                    "found": found.get(repo),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--select", action="store_true", help=f"write {LIST.name} from the local indexes")
    parser.add_argument("--fetch", action="store_true", help="download the listed packages into the cache")
    parser.add_argument("--per-ecosystem", type=int, default=25)
    parser.add_argument("--ecosystems", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.select:
        LIST.write_text(json.dumps({**debian_candidates(), **registry_candidates()}, indent=1) + "\n")
        return
    chosen = json.loads(LIST.read_text())
    if args.ecosystems:
        chosen = {e: chosen[e] for e in args.ecosystems.split(",")}
    if args.fetch:
        fetch(chosen, args.per_ecosystem)
        return
    results = judge(chosen, args.per_ecosystem)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    table: dict[str, Counter] = defaultdict(Counter)
    for row in results:
        counts = table[row["ecosystem"]]
        counts["repositories"] += 1
        counts["kept"] += row["kept"]
        counts[f"source {row['source']}"] += row["kept"]
        if row["oracle_permissive"]:
            counts["permissive"] += 1
            if row["reason"] == "license_not_found":
                counts["dropped"] += 1
            if not row["kept"]:
                print(
                    f"  dropped as {row['reason']}: {row['ecosystem']}/{row['repo']} (oracle {row['oracle']}; "
                    f"found {row['found']}; declared: {row['declared']})",
                    file=sys.stderr,
                )
        elif row["kept"]:
            print(
                f"  kept, oracle not permissive: {row['ecosystem']}/{row['repo']} ({row['license']} vs "
                f"{row['oracle']})",
                file=sys.stderr,
            )
    print(
        "| ecosystem | repositories | permissive per oracle | of which dropped as license_not_found | kept "
        "| by manifest "
        "| by licence files | by README section |"
    )
    print("|---|---|---|---|---|---|---|---|")
    total: Counter = Counter()
    for ecosystem, counts in table.items():
        total.update(counts)
        print(
            f"| {ecosystem} | {counts['repositories']} | {counts['permissive']} | {counts['dropped']} | "
            f"{counts['kept']} | {counts['source manifest']} | {counts['source detected']} | "
            f"{counts['source readme']} |"
        )
    share = total["dropped"] / max(1, total["permissive"])
    print(
        f"| all | {total['repositories']} | {total['permissive']} | {total['dropped']} ({share:.1%}) | "
        f"{total['kept']} | {total['source manifest']} | {total['source detected']} | {total['source readme']} |"
    )


if __name__ == "__main__":
    main()
