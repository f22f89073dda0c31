"""Licence recall across ecosystems: repositories dropped as ``license_not_found`` that declare a
permissive licence, judged against an oracle the license stage never reads.

The corpus is the packages Debian installs for many ecosystems, each package's installed tree one
repository: Ruby gems (``/usr/share/rubygems-integration``, with the gem's specification as
``NAME.gemspec`` at its top, where upstream keeps it), npm packages (``/usr/share/nodejs``), Rust
crates (``/usr/share/cargo/registry``), Go modules (``/usr/share/gocode/src``), Python
distributions (``/usr/lib/python3/dist-packages``, their metadata as ``PKG-INFO``), R packages
(``/usr/lib/R/site-library``), and npm tarballs holding CocoaPods specs (``$CODECURATE_MOBILE_CORPUS``).
Debian moves most licence files out of installed trees into ``/usr/share/doc/PACKAGE/copyright``,
so these are repositories whose manifest carries the licence. The oracle is that ``copyright``
file's ``Files: *`` stanza (Debian's machine-readable format, written by Debian's maintainers from
the upstream sources), which the stage never sees.

    python benchmarks/license_recall.py [--corpus /tmp/lic-corpus] [--ecosystems ruby,node] [--json out.json]

builds the corpus from what is installed (``INSTALL`` lists the apt packages used here) and prints,
per ecosystem, the repositories whose oracle licence is permissive and how many of them the stage
dropped. Before/after a change: run the same command with ``PYTHONPATH`` set to a checkout of the
code before (``git worktree add /tmp/base HEAD~1``; ``PYTHONPATH=/tmp/base/src python ...``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

INSTALL = ("apt-get install -y ruby-rails node-typescript librust-clap-dev golang-github-spf13-cobra-dev "
           "python3-requests r-cran-jsonlite")
#: Debian's short licence names (debian/copyright) -> SPDX
DEBIAN_SPDX = {
    "expat": "MIT", "mit": "MIT", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause", "apache-2.0": "Apache-2.0", "apache-2": "Apache-2.0", "isc": "ISC",
    "zlib": "Zlib", "mpl-2.0": "MPL-2.0", "epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0", "unlicense": "Unlicense",
    "cc0-1.0": "CC0-1.0", "cc0": "CC0-1.0", "public-domain": "LicenseRef-scancode-public-domain",
    "artistic": "Artistic-1.0-Perl", "gpl-1+": "GPL-1.0-or-later", "gpl-2": "GPL-2.0-only",
    "gpl-2+": "GPL-2.0-or-later", "gpl-3": "GPL-3.0-only", "gpl-3+": "GPL-3.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later", "lgpl-3": "LGPL-3.0-only",
    "lgpl-3+": "LGPL-3.0-or-later", "ruby": "Ruby", "bsd-2-clause-views": "BSD-2-Clause-Views",
    "python-2.0": "Python-2.0", "psf-2": "PSF-2.0", "wtfpl": "WTFPL", "bsl-1.0": "BSL-1.0", "x11": "X11",
    "ms-pl": "MS-PL", "mit-0": "MIT-0", "unicode-dfs-2016": "Unicode-DFS-2016",
    "bsd2": "BSD-2-Clause", "bsd3": "BSD-3-Clause", "artistic-2.0": "Artistic-2.0", "artistic-2": "Artistic-2.0",
    "mpl-1.1": "MPL-1.1", "lgpl-2": "LGPL-2.0-only", "lgpl-2+": "LGPL-2.0-or-later", "php-3.01": "PHP-3.01",
    "php-3.0": "PHP-3.0", "epl-2": "EPL-2.0", "cc-by-4.0": "CC-BY-4.0", "openssl": "OpenSSL",
}


def debian_license(copyright_file: Path) -> str | None:
    """SPDX expression of the ``Files: *`` stanza of a Debian ``copyright`` file (``None`` when it is
    not in the machine-readable format or names a licence this table does not know)."""
    if not copyright_file.is_file():
        return None
    text = copyright_file.read_text(encoding="utf-8", errors="replace")
    for stanza in re.split(r"\n\s*\n", text):
        if re.search(r"^Files:\s*\*\s*$", stanza, re.M):
            match = re.search(r"^License:\s*(.+)$", stanza, re.M)
            if not match:
                return None
            words = re.split(r"(\s+(?:or|and)\s+)", match.group(1).strip().strip(","), flags=re.I)
            out = []
            for word in words:
                if word.strip().lower() in ("or", "and"):
                    out.append(f" {word.strip().upper()} ")
                    continue
                spdx = DEBIAN_SPDX.get(word.strip().lower().split("~")[0])  # BSD-3-clause~author: a variant
                if spdx is None:
                    return None
                out.append(spdx)
            return "".join(out)
    return None


def owners() -> dict[str, str]:
    """Installed path -> the Debian package that installed it (from dpkg's file lists)."""
    owned = {}
    for listing in Path("/var/lib/dpkg/info").glob("*.list"):
        package = listing.name[:-5].split(":")[0]
        for line in listing.read_text(errors="replace").splitlines():
            owned[line] = package
    return owned


def _copy_tree(source: Path, target: Path, limit: int = 400) -> None:
    """The regular files of ``source`` (at most ``limit``; symbolic links followed only to files)."""
    count = 0
    for path in sorted(source.rglob("*"), key=lambda p: (len(p.relative_to(source).parts), str(p))):
        if count >= limit:
            break
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            count += 1


def installed_roots() -> dict[str, list[tuple[str, Path, list[tuple[Path, str]]]]]:
    """ecosystem -> ``(name, tree, [(extra file, name at the top)])`` of the installed packages."""
    roots: dict[str, list] = defaultdict(list)
    gems = Path("/usr/share/rubygems-integration/all")
    for gem in sorted((gems / "gems").glob("*")) if gems.is_dir() else ():
        spec = gems / "specifications" / f"{gem.name}.gemspec"
        name = gem.name.rsplit("-", 1)[0]
        roots["ruby"].append((gem.name, gem, [(spec, f"{name}.gemspec")] if spec.is_file() else []))
    node = Path("/usr/share/nodejs")
    for package in sorted(node.glob("*")) if node.is_dir() else ():
        for tree in (sorted(package.glob("*")) if package.name.startswith("@") else [package]):
            if (tree / "package.json").is_file():
                roots["node"].append((tree.name, tree, []))
    for crate in sorted(Path("/usr/share/cargo/registry").glob("*")):
        roots["rust"].append((crate.name, crate, []))
    for module in sorted(Path("/usr/share/gocode/src").glob("*/*/*")):
        if module.is_dir():
            roots["go"].append((module.name, module, []))
    dist_packages = Path("/usr/lib/python3/dist-packages")
    for info in sorted(dist_packages.glob("*.*-info")):
        meta = info / ("METADATA" if info.suffix == ".dist-info" else "PKG-INFO")
        top = info / "top_level.txt"
        names = top.read_text().split() if top.is_file() else [info.name.split("-")[0]]
        trees = [dist_packages / n for n in names if (dist_packages / n).is_dir()]
        if meta.is_file() and trees:
            roots["python"].append((info.name.split("-")[0], trees[0], [(meta, "PKG-INFO")]))
    for package in sorted(Path("/usr/lib/R/site-library").glob("*")):
        if (package / "DESCRIPTION").is_file():
            roots["r"].append((package.name, package, []))
    return roots


def build(corpus: Path, ecosystems: list[str]) -> dict[str, dict[str, str | None]]:
    """Copy each installed package's tree into ``corpus/<ecosystem>/<name>/``; the oracle per
    repository (``corpus/oracle.json``) from its Debian package's copyright file."""
    oracle_file = corpus / "oracle.json"
    if oracle_file.is_file():
        return json.loads(oracle_file.read_text())
    owned = owners()
    oracle: dict[str, dict[str, str | None]] = defaultdict(dict)
    for ecosystem, entries in installed_roots().items():
        if ecosystem not in ecosystems:
            continue
        for name, tree, extras in entries:
            files = [p for p in tree.rglob("*") if p.is_file()][:50]
            package = next((owned[str(p)] for p in files if str(p) in owned), None)
            if package is None:
                continue
            target = corpus / ecosystem / name
            if target.exists():
                continue
            _copy_tree(tree, target)
            for extra, top_name in extras:
                shutil.copyfile(extra, target / top_name)
            oracle[ecosystem][name] = debian_license(Path("/usr/share/doc") / package / "copyright")
    oracle_file.write_text(json.dumps(oracle, indent=1, sort_keys=True))
    return oracle


def judge(corpus: Path, ecosystems: list[str]) -> list[dict]:
    from codecurate import metadata as keys
    from codecurate.filters.license.repository import RepositoryLicenseFilter
    from codecurate.licenses import is_permissive
    from codecurate.readers.repositories import RepositoriesReader

    oracle = build(corpus, ecosystems)
    results = []
    for ecosystem in ecosystems:
        folder = corpus / ecosystem
        if not folder.is_dir():
            continue
        documents = list(RepositoriesReader(str(folder)).run())
        block = RepositoryLicenseFilter(drop_unlicensed=True)
        kept = {d.metadata.get(keys.REPO): d.metadata for d in block.run(iter(documents))}
        repos = Counter(d.metadata.get(keys.REPO) for d in documents)
        for repo, files in sorted(repos.items()):
            expected = oracle.get(ecosystem, {}).get(repo)
            meta = kept.get(repo)
            results.append({"ecosystem": ecosystem, "repo": repo, "files": files, "oracle": expected,
                            "oracle_permissive": bool(expected) and is_permissive(expected),
                            "kept": meta is not None,
                            "license": meta.get(keys.LICENSE) if meta else None,
                            "source": meta.get(keys.LICENSE_SOURCE) if meta else None})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/lic-corpus"))
    parser.add_argument("--ecosystems", default="ruby,node,rust,python,r")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = judge(args.corpus, [e for e in args.ecosystems.split(",") if e])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    table: dict[str, Counter] = defaultdict(Counter)
    for row in results:
        counts = table[row["ecosystem"]]
        counts["repositories"] += 1
        if row["oracle_permissive"]:
            counts["permissive (oracle)"] += 1
            if not row["kept"]:
                counts["permissive dropped"] += 1
                print(f"  dropped: {row['ecosystem']}/{row['repo']} (debian/copyright: {row['oracle']})",
                      file=sys.stderr)
        if row["kept"]:
            counts["kept"] += 1
            counts[f"source {row['source']}"] += 1
    print("| ecosystem | repositories | permissive per debian/copyright | of which dropped | kept | by manifest "
          "| by licence files |")
    print("|---|---|---|---|---|---|---|")
    total = Counter()
    for ecosystem, counts in table.items():
        total.update(counts)
        print(f"| {ecosystem} | {counts['repositories']} | {counts['permissive (oracle)']} | "
              f"{counts['permissive dropped']} | {counts['kept']} | {counts['source manifest']} | "
              f"{counts['source detected']} |")
    share = total["permissive dropped"] / max(1, total["permissive (oracle)"])
    print(f"| all | {total['repositories']} | {total['permissive (oracle)']} | {total['permissive dropped']} "
          f"({share:.1%}) | {total['kept']} | {total['source manifest']} | {total['source detected']} |")


if __name__ == "__main__":
    main()
