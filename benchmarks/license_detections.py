"""License detection once per distinct text: the shipped detections, and the cache measured.

``--write`` makes ``src/codecurate/data/license-detections.json`` anew from the installed ScanCode
(``codecurate.filters.license.cache.build_shipped_detections``: ScanCode's detections of the
standard texts of the common licenses, as its license database holds them, with their usual title
lines and variants).

Without ``--write``: the license files of every installed distribution (top level and
``*.dist-info``), each distribution a repository, detected three ways in this process, ScanCode's
index loaded first (its load time printed apart):

- ScanCode on every file (the stage without the cache);
- through the cache with an empty verdict folder (a run's first task: memory, shipped, ScanCode);
- through the cache again with a new memory and the folder the first pass filled (another task).

Prints the time of each, where the answers came from, and whether every repository's expression is
the same as without the cache.

    python benchmarks/license_detections.py [--write]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from codecurate.filters.license.cache import (
    DETECTIONS_FILE,
    LicenseVerdicts,
    build_shipped_detections,
    license_key,
)
from codecurate.filters.license.repository import detect_license, is_license_file
from codecurate.readers import InstalledPackagesReader

DATA = Path(__file__).resolve().parents[1] / "src" / "codecurate" / "data" / DETECTIONS_FILE


def license_texts() -> dict[str, list[str]]:
    """Each installed distribution's top-level license files' texts."""
    reader = InstalledPackagesReader(articles=False)
    repositories = {}
    for name in reader.list_repositories():
        texts = []
        for file in reader.open_repository(name).files:
            if is_license_file(file.path, 0):
                try:
                    texts.append(file.location.read_text(encoding="utf-8", errors="replace"))
                except OSError:
                    continue
        if texts:
            repositories[name] = texts
    return repositories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"write {DATA.name} from the installed ScanCode")
    args = parser.parse_args()
    if args.write:
        start = time.perf_counter()
        data = build_shipped_detections()
        DATA.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"{len(data['detections'])} detections of {len({e['license'] for e in data['detections']})} "
              f"licenses, ScanCode {data['sources']['scancode-toolkit']}, {time.perf_counter() - start:.1f} s "
              f"-> {DATA}")
        return
    repositories = license_texts()
    texts = [t for group in repositories.values() for t in group]
    print(f"repositories with license files: {len(repositories)}; files: {len(texts)}; distinct texts: "
          f"{len(set(texts))}; distinct keys: {len({license_key(t) for t in texts})}")
    from licensedcode.cache import get_index

    start = time.perf_counter()
    get_index()
    print(f"ScanCode index load: {time.perf_counter() - start:.1f} s (once per process that meets a miss)\n")
    rows = []
    start = time.perf_counter()
    plain = {name: detect_license(group) for name, group in repositories.items()}
    rows.append(("ScanCode on every file", time.perf_counter() - start, Counter({"scancode": len(texts)}), plain))
    with tempfile.TemporaryDirectory() as folder:
        for label in ("cache, empty verdict folder", "cache, folder filled by the first pass"):
            verdicts, sources = LicenseVerdicts(folder), {}
            start = time.perf_counter()
            found = {name: detect_license(group, verdicts, sources) for name, group in repositories.items()}
            rows.append((label, time.perf_counter() - start, Counter(sources), found))
    print("| run | seconds | memory | shipped | folder | scancode | hit rate | repositories with the same expression |")
    print("|---|---|---|---|---|---|---|---|")
    for label, seconds, sources, found in rows:
        same = sum(found[name] == plain[name] for name in repositories)
        hits = 1 - sources["scancode"] / len(texts)
        print(f"| {label} | {seconds:.1f} | {sources['memory']} | {sources['shipped']} | {sources['folder']} | "
              f"{sources['scancode']} | {hits:.1%} | {same}/{len(repositories)} |")


if __name__ == "__main__":
    main()
