"""Near dedup on code with long licence headers: files dropped before/after leaving the boilerplate
out of the shingles, each drop checked by a diff oracle, planted near-duplicates still caught.

Corpus: the upstream files (Debian's ``*.orig.tar.*`` of ``apt-get source``, no ``debian/`` folder)
of C, C++, C# and Java source packages whose files open with a licence header, a dev set and a
held-out set kept apart; every file with a known language, exact duplicates removed first (as the
recipe's exact_dedup does), plus planted near-duplicates: for 10% of each package's code files a
seeded variant beside the original: the edits of dedup_quality.py (identifiers renamed,
reformatted, comments edited, lines added or removed) below the header, and for half of them the
header's years moved on; recall is over the planted pairs whose code (the oracle's view)
has Jaccard >= 0.85. Runs near_dedup at the paper's parameters "before" (whole text
shingled, languages mixed), "after" (the defaults: boilerplate out, same language only) and "recipe"
(the defaults with the aiXcoder recipe's LSH weights 0.1/0.9).

Oracle, independent of near_dedup's header code: each dropped file's code (leading comment lines
and blank lines removed by a line regex) against the closest of its cluster's other members,
``difflib.SequenceMatcher`` ratio over its tokens, counted in three bands (>= 0.9: the same code;
0.8-0.9: borderline; < 0.8: not a near duplicate of any file of its cluster in its language).

    python benchmarks/dedup_boilerplate.py [--cache /tmp/codecurate-debian-src] [--runs after,recipe]
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import json
import random
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, deque
from pathlib import Path

from datatrove.data import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate import metadata as keys  # noqa: E402
from codecurate.boilerplate import is_notice_file  # noqa: E402
from codecurate.languages import detect_language  # noqa: E402
from codecurate.minhash import jaccard, shingle_hashes  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import validate  # noqa: E402
from codecurate.writers import DocumentsWriter  # noqa: E402
from dedup_quality import variant  # noqa: E402

#: source packages (Debian bookworm), tuned on "dev", measured once on "held-out"
SETS = {
    "dev": ["libxmu", "libgdiplus", "commons-io", "dbus-sharp", "kconfig", "jansson"],
    "held-out": ["libxt", "libxext", "libxfixes", "libxkbfile", "libxv", "libxkbcommon",
                 "libcommons-collections4-java", "nunit", "kcoreaddons", "libsoup2.4"],
}
CODE = {"C", "C++", "C#", "Java"}
#: "recipe": the defaults with the aiXcoder recipe's LSH layout (weights 0.1/0.9: 18 x 14 bands)
RUNS = {"before": {"boilerplate": False, "same_language": False}, "after": {}, "recipe": {"weights": [0.1, 0.9]}}
_TOKEN = re.compile(r"\w+|[^\w\s]")
_COMMENT_LINE = re.compile(r"^\s*(?://|/\*|\*|\*/|#(?!\s*(?:include|define|if|ifdef|ifndef|pragma|import|region|"
                           r"using|endif|else|elif|undef|error|line)\b)|--|;|%|\"\"\"|''')")


def fetch(package: str, cache: Path) -> Path:
    """The package's upstream tree in ``cache/<package>`` (``apt-get source --download-only``, then
    its orig tarball unpacked: Debian's own folder is not upstream code)."""
    target = cache / package
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    if not list(cache.glob(f"{package}_*.orig.tar.*")):
        subprocess.run(["apt-get", "source", "--download-only", "-q", package], cwd=cache, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tarballs = sorted(p for p in cache.glob(f"{package}_*.orig.tar.*") if not p.name.endswith(".asc"))
    if not tarballs:
        raise SystemExit(f"{package}: no source tarball (needs deb-src and network)")
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(target, filter="data")
    return target


def package_documents(package: str, root: Path) -> list[Document]:
    docs = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if "/debian/" in f"/{rel}" or "/.git/" in f"/{rel}":
            continue
        raw = path.read_bytes()
        if not raw or len(raw) > 1_000_000 or b"\0" in raw:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        language = detect_language(rel, text)
        if language is None:
            continue
        docs.append(Document(text=text, id=f"{package}/{rel}", metadata={
            keys.REPO: package, keys.PATH: rel, keys.LANGUAGE: language}))
    return docs


def without_exact(docs: list[Document]) -> tuple[list[Document], int]:
    seen, out = set(), []
    for doc in sorted(docs, key=lambda d: d.id):
        digest = hashlib.blake2b(doc.text.encode("utf-8", "surrogatepass")).digest()
        if digest not in seen:
            seen.add(digest)
            out.append(doc)
    return out, len(docs) - len(out)


def planted(docs: list[Document], rng: random.Random) -> list[tuple[Document, str]]:
    """Seeded variants of 10% of the code files with 20+ lines, beside their original."""
    candidates = [d for d in docs if d.metadata[keys.LANGUAGE] in CODE and d.text.count("\n") >= 20]
    out = []
    for original in rng.sample(candidates, min(len(candidates), max(5, len(candidates) // 10))):
        head, body = split_header(original.text)
        kind, body = variant(body, rng)  # the edits of dedup_quality.py, below the header
        if rng.random() < 0.5:  # and, for half of them, the header's years moved on
            head = re.sub(r"\b(19|20)(\d\d)\b", lambda m: str(int(m.group(0)) + 1), head)
        text = head + body
        stem, dot, ext = original.metadata[keys.PATH].rpartition(".")
        path = f"{stem}_copy.{ext}" if dot else f"{ext}_copy"
        out.append((Document(text=text, id=f"{original.metadata[keys.REPO]}/{path}",
                             metadata={**original.metadata, keys.PATH: path}), original.id))
    return out


def near_dedup(docs: list[Document], tmp: Path, name: str, params: dict) -> tuple[list[list], dict]:
    folder = tmp / name
    deque(DocumentsWriter(str(folder / "input")).run(iter(docs)), 0)
    recipe = validate({
        "name": "bench", "output": str(folder / "out"), "executor": {"type": "local", "tasks": 1, "workers": 1},
        "inputs": [{"reader": "documents", "params": {"data_folder": str(folder / "input")}}],
        "stages": [{"block": "near_dedup", "id": "near", "params": {"partitions": 2, **params}}],
    })
    summary = run_recipe(recipe)
    rows = []
    for path in sorted((folder / "out" / "excluded" / "near").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for record in map(json.loads, f):
                meta = record["metadata"]
                rows.append([None, record["id"], meta[keys.DUPLICATE_OF], meta[keys.DUPLICATE_SIMILARITY]])
    return rows, summary


def code_tokens(text: str) -> list[str]:
    """The oracle's view of a file: the words and symbols of its lines after its leading comments
    (its lines when it has more than 20,000 tokens: difflib is quadratic in the worst case)."""
    lines = code_lines(text)
    tokens = _TOKEN.findall("\n".join(lines))
    return tokens if len(tokens) <= 20_000 else lines


def split_header(text: str) -> tuple[str, str]:
    """``(leading comment lines, the rest)`` of a file, by the oracle's line regex."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    start, in_block = 0, False
    for start, raw in enumerate(lines):  # noqa: B007 - start is read after the loop
        line = raw.strip()
        if in_block:
            in_block = "*/" not in line
            continue
        if not line or _COMMENT_LINE.match(line):
            in_block = line.startswith("/*") and "*/" not in line
            continue
        break
    else:
        start = len(lines)
    return "".join(lines[:start]), "".join(lines[start:])


def code_lines(text: str) -> list[str]:
    """The file's lines less its leading comment lines and every blank line."""
    return [line.strip() for line in split_header(text)[1].splitlines() if line.strip()]


def judge(rows: list[list], by_id: dict[str, Document]) -> dict:
    clusters: dict[str, list[str]] = {}
    for _, dropped, kept, _ in rows:
        clusters.setdefault(kept, [kept]).append(dropped)
    cross, notice_kept, ratios = 0, 0, {}
    for kept, members in clusters.items():
        if is_notice_file(by_id[kept].metadata[keys.PATH]) and any(
                not is_notice_file(by_id[m].metadata[keys.PATH]) for m in members):
            notice_kept += 1
        for dropped in members[1:]:
            doc = by_id[dropped]
            others = [by_id[m] for m in members if m != dropped][:30]
            same = [o for o in others if o.metadata[keys.LANGUAGE] == doc.metadata[keys.LANGUAGE]]
            if len(same) < len(others):
                cross += 1
            mine = code_tokens(doc.text)
            best = max((difflib.SequenceMatcher(None, mine, code_tokens(o.text), autojunk=False).ratio()
                        for o in same), default=0.0)
            ratios[dropped] = best
    values = list(ratios.values())
    return {"oracle": f"{sum(v >= 0.9 for v in values)} / {sum(0.8 <= v < 0.9 for v in values)} / "
                      f"{sum(v < 0.8 for v in values)}", "cross": cross, "notice_kept": notice_kept, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "codecurate-debian-src")
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated subset of {', '.join(RUNS)}")
    parser.add_argument("--show", type=int, default=0,
                        help="print the drops of lowest oracle ratio (this many per run) and the planted pairs missed")
    args = parser.parse_args()
    print("| set | package | files (code) | exact dups | run | near drops | share | code files dropped | "
          "oracle >= 0.9 / 0.8-0.9 / < 0.8 | cross-language | licence file kept over code | planted recall |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for set_name in args.sets:
        rng = random.Random(31)
        corpus, info, plants = [], {}, []
        for package in SETS[set_name]:
            docs, exact = without_exact(package_documents(package, fetch(package, args.cache)))
            code = sum(d.metadata[keys.LANGUAGE] in CODE for d in docs)
            info[package] = (len(docs), code, exact)
            plants.extend(planted(docs, rng))
            corpus.extend(docs)
        corpus.extend(doc for doc, _ in plants)
        by_id = {d.id: d for d in corpus}
        planted_ids = {doc.id for doc, _ in plants}
        # the planted pairs whose code (the oracle's view, leading comments out) has J >= 0.85
        plants = [(doc, original) for doc, original in plants if jaccard(
            shingle_hashes("\n".join(code_lines(doc.text))),
            shingle_hashes("\n".join(code_lines(by_id[original].text)))) >= 0.85]
        with tempfile.TemporaryDirectory() as tmp:
            for run, params in ((run, RUNS[run]) for run in args.runs.split(",")):
                rows, _ = near_dedup(corpus, Path(tmp), run, params)
                cluster_of = {}
                for _, dropped, kept, _ in rows:
                    cluster_of[dropped] = kept
                    cluster_of.setdefault(kept, kept)
                caught = sum(1 for doc, original in plants if doc.id in cluster_of and original in cluster_of
                             and cluster_of[doc.id] == cluster_of[original])
                for doc, original in plants:
                    found = cluster_of.get(doc.id)
                    if args.show and not (found and found == cluster_of.get(original)):
                        code_j = jaccard(shingle_hashes("\n".join(code_lines(doc.text))),
                                         shingle_hashes("\n".join(code_lines(by_id[original].text))))
                        print(f"    planted missed {run}: {doc.id} code J={code_j:.3f} text J="
                              f"{jaccard(shingle_hashes(doc.text), shingle_hashes(by_id[original].text)):.3f}",
                              file=sys.stderr)
                real_rows = [r for r in rows if r[1] not in planted_ids]
                for package in [*SETS[set_name], "all"]:
                    mine = [r for r in real_rows if package == "all" or by_id[r[1]].metadata[keys.REPO] == package]
                    verdict = judge(mine, by_id)
                    files, code, exact = (tuple(map(sum, zip(*info.values()))) if package == "all"
                                          else info[package])
                    recall = f"{caught}/{len(plants)} = {caught / max(1, len(plants)):.3f}" if package == "all" else ""
                    label = f"**{package}**" if package == "all" else package
                    code_drops = sum(by_id[r[1]].metadata[keys.LANGUAGE] in CODE for r in mine)
                    print(f"| {set_name} | {label} | {files} ({code}) | {exact} | {run} | {len(mine)} | "
                          f"{len(mine) / max(1, files):.1%} | {code_drops} ({code_drops / max(1, code):.1%}) | "
                          f"{verdict['oracle']} | {verdict['cross']} | {verdict['notice_kept']} | {recall} |")
                    if package == "all" and args.show:
                        low = sorted(((r, verdict["ratios"][r[1]]) for r in mine), key=lambda item: item[1])
                        low = low[: args.show]
                        for row, ratio in low:
                            print(f"    drop {run}: {row[1]} ~ {row[2]} J={row[3]} ratio={ratio:.2f}",
                                  file=sys.stderr)
                languages = Counter(by_id[r[1]].metadata[keys.LANGUAGE] for r in real_rows)
                print(f"    {set_name} {run}: drops by language {dict(languages)}", file=sys.stderr)


if __name__ == "__main__":
    main()
