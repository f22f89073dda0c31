"""Licence per file (issue 36): the ``file_license`` block's verdicts against ScanCode on every file's head.

Corpora (paths on the command line; defaults are what ``apt-get source`` / ``npm pack`` left in
``/tmp/fl_corpus``, see RESULTS.md): a "dev" set the prefilter's word list was written against
(util-linux's sources, ``/usr/include``) and a "held-out" set it never saw (e2fsprogs' and
libarchive's sources, five npm packages, ScanCode's own installed sources: code full of licence
names in strings). Up to ``--files`` files per corpus, a seeded sample, language by
``codecurate.languages.detect_language`` (files of no language are left out: no comment syntax).

For each file:

- **ours**: ``file_license.notice_region`` (leading comment blocks, prefilter) and, when flagged,
  ScanCode's exact matching through a ``LicenseVerdicts`` memory (as one task of the stage);
- **oracle**: ScanCode's exact matching on the file's head (its first ``--head-lines`` lines,
  16,000 characters at most), code and all, every file;
- **full oracle** on a seeded sample of ``--full`` files per set: ScanCode with its approximate
  matching too on the head (what a scan of the whole file's head costs).

A file is non-permissive when the combined detections (``file_license.combine``: unstated licences
left out) are not permissive. Prints per set precision and recall of ours against each oracle, the
disagreements (to read by hand), and the cost per MB of the prefilter, of ScanCode behind it, and
of the oracle.

    python benchmarks/file_license.py [--files 1500] [--full 60]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.filters.license.cache import LicenseVerdicts, scancode_detections
from codecurate.filters.license.files import FileLicenseFilter, combine, notice_region, unstated_licenses
from codecurate.filters.license.repository import is_license_file
from codecurate.languages import LANGUAGES, detect_language
from codecurate.licenses import is_permissive

SITE = Path(__import__("licensedcode").__file__).parent
CORPORA = {
    "dev": {"util-linux": "/tmp/fl_corpus/src/util-linux-2.38.1", "usr-include": "/usr/include"},
    "held-out": {"e2fsprogs": "/tmp/fl_corpus/src/e2fsprogs-1.47.0",
                 "libarchive": "/tmp/fl_corpus/src/libarchive-3.6.2",
                 "npm": "/tmp/fl_corpus/npm", "scancode-src": str(SITE)},
}


def files_of(root: str, limit: int, seed: int) -> list[tuple[str, str, str]]:
    """``(path, language, text)`` of up to ``limit`` files of a language under ``root``, seeded."""
    paths = sorted(p for p in Path(root).rglob("*") if p.is_file() and not p.is_symlink()
                   and p.stat().st_size < 2_000_000 and not p.name.endswith(".tgz"))
    random.Random(seed).shuffle(paths)
    found = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        language = detect_language(str(path), text)
        if language:
            found.append((str(path), language, text))
        if len(found) >= limit:
            break
    return found


def is_code(path: str, language: str) -> bool:
    """A file the block judges by its notice: its language has comments, it is not a licence file."""
    spec = LANGUAGES.get(language)
    return bool(spec and (spec.line_comment or spec.block_comment)) and not is_license_file(path, path.count("/"))


def folder_report(root: str) -> str:
    """The vendored folders below ``root``'s top with licence files naming a licence (the block's own
    ``folder_licenses``), and how many of them are not permissive."""
    documents = []
    for path in sorted(Path(root).rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_file() and is_license_file(relative, relative.count("/")):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            metadata = {keys.PATH: relative, keys.KIND: keys.KIND_CODE}
            documents.append(Document(text=text, id=relative, metadata=metadata))
    block = FileLicenseFilter()
    folders = block.folder_licenses(documents)
    bad = [f"{folder}: {expression}" for folder, expression, _ in folders if not block.permissive(expression)]
    return f"{len(folders)} folders, {len(bad)} not permissive" + (f" ({'; '.join(bad[:6])})" if bad else "")


def head(text: str, lines: int) -> str:
    end = 0
    for _ in range(lines):
        nl = text.find("\n", end)
        if nl < 0:
            return text[:16_000]
        end = nl + 1
    return text[:min(end, 16_000)]


def non_permissive(expression: str | None) -> bool:
    return expression is not None and not is_permissive(expression, unstated_licenses())


def score(ours: dict[str, bool], oracle: dict[str, bool]) -> tuple[int, int, int, str, str]:
    tp = sum(1 for p in oracle if oracle[p] and ours[p])
    fp = sum(1 for p in oracle if ours[p] and not oracle[p])
    fn = sum(1 for p in oracle if oracle[p] and not ours[p])
    precision = f"{tp / (tp + fp):.3f}" if tp + fp else "n/a"
    recall = f"{tp / (tp + fn):.3f}" if tp + fn else "n/a"
    return tp, fp, fn, precision, recall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1500, help="files per corpus")
    parser.add_argument("--full", type=int, default=60, help="files per set for the approximate-matching oracle")
    parser.add_argument("--head-lines", type=int, default=50)
    parser.add_argument("--seed", type=int, default=36)
    args = parser.parse_args()
    started = time.perf_counter()
    scancode_detections("SPDX-License-Identifier: MIT", approximate=False)
    unstated_licenses()
    print(f"ScanCode index and licence db loaded in {time.perf_counter() - started:.1f} s")
    print("| set | corpus | files | MB | flagged | non-permissive (oracle) | ours | TP | FP | FN | precision | recall |"
          " prefilter s/MB | ScanCode (ours) s/MB | oracle s/MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    details = []
    for name, corpora in CORPORA.items():
        set_ours, set_oracle, set_files = {}, {}, []
        for corpus, root in corpora.items():
            if not Path(root).is_dir():
                print(f"| {name} | {corpus} | missing: {root} |")
                continue
            files = files_of(root, args.files, args.seed)
            megabytes = sum(len(t.encode("utf-8", "surrogatepass")) for _, _, t in files) / 1e6
            verdicts = LicenseVerdicts(None, approximate=False)
            ours, oracle, flagged = {}, {}, 0
            prefilter = scan = oracle_time = 0.0
            for path, language, text in files:
                t0 = time.perf_counter()
                region = notice_region(text, language)
                t1 = time.perf_counter()
                expression = None
                if region:
                    flagged += 1
                    expression = combine(verdicts.detections("\n".join(region))[0])
                t2 = time.perf_counter()
                truth = combine(scancode_detections(head(text, args.head_lines), approximate=False))
                t3 = time.perf_counter()
                prefilter, scan, oracle_time = prefilter + t1 - t0, scan + t2 - t1, oracle_time + t3 - t2
                ours[path], oracle[path] = non_permissive(expression), non_permissive(truth)
                if ours[path] != oracle[path]:
                    details.append(f"{name}/{corpus}: {path}: ours {expression!r}, oracle {truth!r}")
            tp, fp, fn, precision, recall = score(ours, oracle)
            scale = 1 / megabytes if megabytes else 0.0

            def per(seconds: float, scale: float = scale) -> str:
                return f"{seconds * scale:.3f}" if scale else "n/a"
            print(f"| {name} | {corpus} | {len(files)} | {megabytes:.1f} | {flagged} | {sum(oracle.values())} | "
                  f"{sum(ours.values())} | {tp} | {fp} | {fn} | {precision} | {recall} | {per(prefilter)} | "
                  f"{per(scan)} | {per(oracle_time)} |")
            set_ours.update(ours)
            set_oracle.update(oracle)
            set_files += files
        code = {p for p, language, _ in set_files if is_code(p, language)}
        tp, fp, fn, precision, recall = score({p: set_ours[p] for p in code}, {p: set_oracle[p] for p in code})
        print(f"| {name} | code files (comment syntax, not a licence file) | {len(code)} | | | "
              f"{sum(set_oracle[p] for p in code)} | {sum(set_ours[p] for p in code)} | {tp} | {fp} | {fn} | "
              f"{precision} | {recall} | | | |")
        tp, fp, fn, precision, recall = score(set_ours, set_oracle)
        print(f"| {name} | **all** | {len(set_ours)} | | | {sum(set_oracle.values())} | {sum(set_ours.values())} | "
              f"{tp} | {fp} | {fn} | {precision} | {recall} | | | |")
        if args.full:
            sample = random.Random(args.seed).sample(set_files, min(args.full, len(set_files)))
            full, sampled = {}, {}
            t0 = time.perf_counter()
            for path, _, text in sample:
                truth = combine(scancode_detections(head(text, args.head_lines)))
                full[path], sampled[path] = non_permissive(truth), set_ours[path]
                if full[path] != set_ours[path]:
                    details.append(f"{name} full oracle: {path}: oracle {truth!r}")
            seconds = time.perf_counter() - t0
            megabytes = sum(len(t.encode("utf-8", "surrogatepass")) for _, _, t in sample) / 1e6
            tp, fp, fn, precision, recall = score(sampled, full)
            print(f"| {name} | full oracle (approximate matching), {len(sample)} sampled | {len(sample)} | "
                  f"{megabytes:.2f} | | {sum(full.values())} | {sum(sampled.values())} | {tp} | {fp} | {fn} | "
                  f"{precision} | {recall} | | | {seconds / max(megabytes, 1e-9):.1f} "
                  f"({seconds / len(sample):.2f} s/file) |")
    print("\nvendored folders with their own licence files (below each corpus' top):")
    for corpora in CORPORA.values():
        for corpus, root in corpora.items():
            if Path(root).is_dir() and corpus != "usr-include":
                print(f"  {corpus}: {folder_report(root)}")
    print(f"\ndisagreements ({len(details)}):")
    for line in details:
        print(" ", line)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
