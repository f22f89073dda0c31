"""Near-dedup quality and signature speed on real code with planted near-duplicates.

Corpus: unique Python files of the installed packages, plus seeded variants of a sample of them
(identifiers renamed, reformatted, comments edited, lines added or removed). Ground truth: exact
Jaccard of the 5-gram shingle sets over every pair whose set sizes allow J >= 0.85. Reports, at
0.85, pair recall (true pairs that ended in one cluster), pair precision (pairs in one cluster that
are true pairs), and document-level precision/recall of "has a duplicate", for our near_dedup
(exact and signature verification) and for datatrove's MinhashDedup stages (13 x 19 = 247 hashes,
its default 5-gram English word shingles) on the same corpus, plus each signature stage's MB/s per
core and the overlap of the removed sets.

    python benchmarks/dedup_quality.py [--files 2000] [--variants 400]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
from collections import deque
from itertools import combinations
from pathlib import Path

import numpy as np
from datatrove.data import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.dedup.near import SignatureStep  # noqa: E402
from codecurate.minhash import jaccard, shingle_hashes  # noqa: E402
from codecurate.readers import InstalledPackagesReader  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import validate  # noqa: E402
from codecurate.writers import DocumentsWriter  # noqa: E402

THRESHOLD = 0.85
IDENT = re.compile(r"\b[a-z_][a-z0-9_]{3,}\b")


def real_files(limit: int) -> list[Document]:
    reader = InstalledPackagesReader(articles=False, languages=["Python"])
    seen, docs = set(), []
    for doc in reader.run():
        text = doc.text
        if not (500 <= len(text) <= 40_000) or text in seen:
            continue
        seen.add(text)
        docs.append(doc)
    random.Random(0).shuffle(docs)
    return sorted(docs[:limit], key=lambda d: d.id)


def variant(text: str, rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["rename", "reformat", "comments", "lines"])
    lines = text.split("\n")
    if kind == "rename":
        names = sorted(set(IDENT.findall(text)))
        for name in rng.sample(names, min(len(names), rng.randint(1, 2))):
            text = re.sub(rf"\b{name}\b", name + "_v2", text)
        return kind, text
    if kind == "reformat":
        return kind, "\n".join(line.replace("    ", "  ") + ("\n" if rng.random() < 0.1 else "") for line in lines)
    if kind == "comments":
        out = []
        for line in lines:
            if line.strip().startswith("#") and rng.random() < 0.5:
                continue
            out.append(line)
            if rng.random() < 0.05:
                out.append("# " + " ".join(rng.choice(["note", "todo", "fixed", "see", "issue"]) for _ in range(4)))
        return kind, "\n".join(out)
    k = max(1, int(len(lines) * rng.uniform(0.01, 0.05)))
    for _ in range(k):
        if rng.random() < 0.5 and len(lines) > 10:
            del lines[rng.randrange(len(lines))]
        else:
            lines.insert(rng.randrange(len(lines)), f"extra_{rng.randint(0, 999)} = compute({rng.randint(0, 99)})")
    return kind, "\n".join(lines)


def ground_truth(docs: list[Document]) -> set[tuple[str, str]]:
    sets = [shingle_hashes(d.text) for d in docs]
    order = sorted(range(len(docs)), key=lambda i: sets[i].size)
    truth = set()
    for pos, i in enumerate(order):
        for j in order[pos + 1 :]:
            if sets[i].size < THRESHOLD * sets[j].size:
                break
            if jaccard(sets[i], sets[j]) >= THRESHOLD:
                truth.add(tuple(sorted((docs[i].id, docs[j].id))))
    return truth


def scores(truth: set, clusters: list[set[str]], all_ids: list[str]) -> dict:
    predicted = {tuple(sorted(p)) for c in clusters for p in combinations(sorted(c), 2)}
    true_docs = {x for pair in truth for x in pair}
    flagged = {x for c in clusters for x in c}
    return {
        "pair_recall": len(predicted & truth) / max(1, len(truth)),
        "pair_precision": len(predicted & truth) / max(1, len(predicted)),
        "doc_recall": len(flagged & true_docs) / max(1, len(true_docs)),
        "doc_precision": len(flagged & true_docs) / max(1, len(flagged)),
        "clusters": len(clusters),
        "cluster_sets": clusters,
    }


def our_clusters(docs: list[Document], tmp: Path, similarity: str, **params) -> tuple[list[set[str]], set[str]]:
    data = tmp / f"ours-{similarity}-{len(params)}"
    deque(DocumentsWriter(str(data / "input")).run(iter(docs)), 0)
    recipe = validate({
        "name": "bench", "output": str(data / "out"), "executor": {"type": "local", "tasks": 1, "workers": 1},
        "inputs": [{"reader": "documents", "params": {"data_folder": str(data / "input")}}],
        "stages": [{"block": "near_dedup", "id": "near",
                    "params": {"similarity": similarity, "partitions": 2, **params}}],
    })
    run_recipe(recipe)
    groups: dict[str, set[str]] = {}
    removed = set()
    for path in sorted((data / "out" / "excluded" / "near").glob("*.jsonl.gz")):  # the dropped documents
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for record in map(json.loads, f):
                doc_id, kept = record["id"], record["metadata"]["duplicate_of"]
                groups.setdefault(kept, {kept}).add(doc_id)
                removed.add(doc_id)
    return list(groups.values()), removed


def datatrove_run(docs: list[Document], tmp: Path) -> tuple[list[set[str]], set[str], float]:
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupSignature,
    )

    config = MinhashConfig(num_buckets=13, hashes_per_bucket=19, n_grams=5)
    base = tmp / "datatrove"
    signature = MinhashDedupSignature(str(base / "sigs"), config=config)
    start = time.perf_counter()
    deque(signature.run(iter(docs), 0, 1) or (), 0)
    seconds = time.perf_counter() - start
    for bucket in range(13):
        deque(MinhashDedupBuckets(str(base / "sigs"), str(base / "buckets"), config=config).run(None, bucket, 13)
              or (), 0)
    deque(MinhashDedupCluster(str(base / "buckets"), str(base / "remove"), config=config,
                              save_cluster_id=True).run(None, 0, 1) or (), 0)
    remove_file = base / "remove" / "000000.remove"
    removed_idx = np.fromfile(remove_file, dtype="<u4") if remove_file.exists() else np.empty(0, "<u4")
    removed = {docs[i].id for i in removed_idx.tolist()}
    clusters_file = base / "remove" / "000000.clusters"
    pairs = np.fromfile(clusters_file, dtype="<u4").reshape(-1, 2) if clusters_file.exists() else np.empty((0, 2))
    clusters: dict[int, set[str]] = {}
    for index, cluster in pairs.tolist():
        clusters.setdefault(cluster, set()).add(docs[index].id)
    return [c for c in clusters.values() if len(c) > 1], removed, seconds


def rensa_comparison(corpus: list[Document], truth: set, mb: float) -> str:
    """rensa's signature speed and estimation error next to ours, on the same shingles."""
    try:
        import rensa
    except ImportError:
        return "rensa not installed (codecurate[bench])"
    from codecurate.minhash import MinHasher

    token = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff]+")
    start = time.perf_counter()
    theirs = {}
    for doc in corpus:
        words = token.findall(doc.text)
        grams = [" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))]
        sig = rensa.RMinHash(num_perm=256, seed=1)
        sig.update(grams)
        theirs[doc.id] = sig
    rensa_rate = mb / (time.perf_counter() - start)
    hasher = MinHasher(256, 1)
    start = time.perf_counter()
    ours = {doc.id: hasher.signature(shingle_hashes(doc.text)) for doc in corpus}
    ours_rate = mb / (time.perf_counter() - start)
    by_id = {doc.id: shingle_hashes(doc.text) for doc in corpus}
    rng = random.Random(2)
    ids = sorted(by_id)
    pairs = sorted(truth) + [tuple(rng.sample(ids, 2)) for _ in range(2000)]
    errors_ours, errors_rensa = [], []
    for a, b in pairs:
        exact = jaccard(by_id[a], by_id[b])
        errors_ours.append(abs(float((ours[a] == ours[b]).mean()) - exact))
        errors_rensa.append(abs(theirs[a].jaccard(theirs[b]) - exact))
    return (f"signatures alone (256 permutations, same 5-gram shingles): codecurate numpy {ours_rate:.2f} MB/s/core, "
            f"rensa {rensa_rate:.2f} MB/s/core (tokenising in Python included); mean |estimate - exact J| over "
            f"{len(pairs)} pairs: codecurate {np.mean(errors_ours):.4f}, rensa {np.mean(errors_rensa):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--variants", type=int, default=400)
    parser.add_argument("--no-peers", action="store_true", help="our runs only (no datatrove, no rensa)")
    args = parser.parse_args()
    rng = random.Random(1)
    docs = real_files(args.files)
    planted, origin = [], {}
    for i, original in enumerate(rng.sample(docs, min(args.variants, len(docs)))):
        kind, text = variant(original.text, rng)
        planted.append(Document(text=text, id=f"variant/{kind}/{i}", metadata={"repo": "variants",
                                                                                "path": f"{kind}/{i}.py"}))
        origin[planted[-1].id] = original
    corpus = docs + planted
    mb = sum(len(d.text.encode()) for d in corpus) / 1024 / 1024
    print(f"corpus: {len(docs)} real files + {len(planted)} variants, {mb:.1f} MB", file=sys.stderr)
    start = time.perf_counter()
    truth = ground_truth(corpus)
    print(f"ground truth: {len(truth)} pairs with J >= {THRESHOLD} ({time.perf_counter() - start:.0f} s)",
          file=sys.stderr)
    ids = [d.id for d in corpus]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        step = SignatureStep(str(tmp / "sigbench"), 256, 13, 19, 5, 1, 2)
        start = time.perf_counter()
        deque(step.run(iter(corpus), 0, 1) or (), 0)
        ours_rate = mb / (time.perf_counter() - start)
        results, seconds = {}, {}
        for similarity in ("exact", "signature"):
            start = time.perf_counter()
            clusters, removed = our_clusters(corpus, tmp, similarity)
            name = f"codecurate near_dedup ({similarity} verification)"
            seconds[name] = time.perf_counter() - start
            results[name] = (scores(truth, clusters, ids), removed)
        # the recipe's layout: false negatives weighted 0.9 (18 x 14 bands), verification exact
        start = time.perf_counter()
        clusters, removed = our_clusters(corpus, tmp, "exact", weights=[0.1, 0.9])
        name = "codecurate near_dedup (exact, weights 0.1/0.9: the recipe's)"
        seconds[name] = time.perf_counter() - start
        results[name] = (scores(truth, clusters, ids), removed)
        # before issue 31: the whole text shingled (licence headers included), languages mixed
        clusters, removed = our_clusters(corpus, tmp, "exact", boilerplate=False, same_language=False)
        results["codecurate near_dedup (exact, whole text: before issue 31)"] = (scores(truth, clusters, ids), removed)
        try:
            if args.no_peers:
                raise RuntimeError("--no-peers")
            dt_clusters, dt_removed, dt_seconds = datatrove_run(corpus, tmp)
            results["datatrove MinhashDedup (13x19)"] = (scores(truth, dt_clusters, ids), dt_removed)
            dt_rate = mb / dt_seconds
        except Exception as error:  # noqa: BLE001 - a peer that fails leaves our own rows
            print(f"datatrove peer unavailable ({type(error).__name__}: {error}); install codecurate[bench]",
                  file=sys.stderr)
            dt_rate = None
    from dedup_boilerplate import split_header  # the diff oracle's header split (leading comment lines)

    def code_j(a: str, b: str) -> float:
        return jaccard(shingle_hashes(split_header(a)[1]), shingle_hashes(split_header(b)[1]))

    by_id = {d.id: d for d in corpus}
    pairs = [(v, origin[v].id) for v in origin]
    whole = [p for p in pairs
             if jaccard(shingle_hashes(by_id[p[0]].text), shingle_hashes(by_id[p[1]].text)) >= THRESHOLD]
    code = [p for p in pairs if code_j(by_id[p[0]].text, by_id[p[1]].text) >= THRESHOLD]
    print("| run | pair recall | pair precision | doc recall | doc precision | documents removed | "
          f"planted recall, whole text J >= 0.85 ({len(whole)}) | planted recall, code J >= 0.85 ({len(code)}) | "
          "run, s (one worker) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (s, removed) in results.items():
        together = {tuple(sorted(p)) for c in s["cluster_sets"] for p in combinations(sorted(c), 2)}
        planted_whole = sum(tuple(sorted(p)) in together for p in whole) / max(1, len(whole))
        planted_code = sum(tuple(sorted(p)) in together for p in code) / max(1, len(code))
        print(f"| {name} | {s['pair_recall']:.3f} | {s['pair_precision']:.3f} | {s['doc_recall']:.3f} | "
              f"{s['doc_precision']:.3f} | {len(removed)} | {planted_whole:.3f} | {planted_code:.3f} | "
              f"{seconds.get(name, float('nan')):.1f} |")
    ours_removed = results["codecurate near_dedup (exact verification)"][1]
    print(f"\nsignature stage: codecurate {ours_rate:.2f} MB/s/core", end="")
    if dt_rate:
        theirs = results["datatrove MinhashDedup (13x19)"][1]
        overlap = len(ours_removed & theirs) / max(1, len(ours_removed | theirs))
        print(f", datatrove {dt_rate:.2f} MB/s/core ({ours_rate / dt_rate:.1f}x); removed-set overlap "
              f"(Jaccard) {overlap:.3f}; only ours {len(ours_removed - theirs)}, only datatrove "
              f"{len(theirs - ours_removed)}")
    else:
        print()
    if not args.no_peers:
        print(rensa_comparison(corpus, truth, mb))


if __name__ == "__main__":
    main()
