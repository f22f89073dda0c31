"""Near-dedup's cluster and keep passes at 0.6M to 10M documents: time and peak memory per task.

The passes before them (signatures, candidate pairs, verification) run one task per input shard or
band partition and scale out; the cluster pass is the one single task of near dedup. This script
writes the work folder those passes would leave for a corpus of N documents with a realistic
duplicate rate, then runs ``ClusterStep`` (one task) and ``KeepStep`` (one task per partition),
each in a process of its own, and reports wall seconds and peak RSS (``ru_maxrss``).

The synthetic corpus: ``--duplicate-share`` of the documents (0.35: The Stack's near-dedup removed
about a third of the files of most languages) sit in clusters whose sizes follow a power law
(P(size = s) ~ s^-2, 2 <= s <= 5,000: most clusters are pairs, a few are vendored files copied into
thousands of repositories); each cluster's verified edges are a chain through its members plus as
many random pairs again (LSH finds each duplicate through several bands). Every document has a
metadata line of the keep rule's shape, in ``--tasks`` task files.

    python benchmarks/dedup_cluster_scale.py [--documents 625000 1250000 2500000 5000000 10000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codecurate.dedup.near import EDGE_RECORD  # noqa: E402
from codecurate.dedup.store import make_refs  # noqa: E402


def write_work_folder(work: Path, documents: int, tasks: int, share: float, seed: int = 0) -> dict:
    """Metadata for ``documents`` documents over ``tasks`` tasks, and edges for the clustered share."""
    rng = np.random.default_rng(seed)
    per_task = -(-documents // tasks)
    refs = np.concatenate([make_refs(t, np.arange(min(per_task, documents - t * per_task)))
                           for t in range(tasks) if documents - t * per_task > 0])
    (work / "meta").mkdir(parents=True)
    for t in range(tasks):
        count = min(per_task, documents - t * per_task)
        if count <= 0:
            break
        lines = [f'[1, -{i % 97}, "org{t}/repo{i // 40}", "src/file{i}.py", "t{t}d{i}"]\n' for i in range(count)]
        data = "".join(lines).encode()
        offsets = np.zeros(count + 1, dtype=np.uint64)
        np.cumsum([len(line) for line in lines], out=offsets[1:])
        (work / "meta" / f"{t:05d}.jsonl").write_bytes(data)
        offsets.tofile(work / "meta" / f"{t:05d}.off")
    # cluster sizes: a power law, until the clustered share is reached
    target = int(documents * share)
    sizes = []
    total = 0
    while total < target - 1:
        batch = np.minimum(np.floor(2 / rng.random(100_000)).astype(np.int64), 5_000)  # P(s >= k) = 2/k
        for s in batch.tolist():
            if total + s > target:
                s = target - total
            if s >= 2:
                sizes.append(s)
                total += s
            if total >= target - 1:
                break
    members = rng.permutation(refs)[:total]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    sizes_arr = np.asarray(sizes)
    # chain edges: each member to the next within its cluster
    chain_a = np.concatenate([members[s:s + n - 1] for s, n in zip(starts.tolist(), sizes)]) if sizes else members[:0]
    chain_b = np.concatenate([members[s + 1:s + n] for s, n in zip(starts.tolist(), sizes)]) if sizes else members[:0]
    # as many random pairs again, inside each cluster
    cluster_of = np.repeat(np.arange(len(sizes)), sizes_arr)
    pick = rng.integers(0, total, len(chain_a))
    other = starts[cluster_of[pick]] + rng.integers(0, sizes_arr[cluster_of[pick]])
    a = np.concatenate([chain_a, members[pick]])
    b = np.concatenate([chain_b, members[other]])
    keep = a != b
    edges = np.empty(int(keep.sum()), dtype=EDGE_RECORD)
    edges["a"], edges["b"] = a[keep], b[keep]
    edges["similarity"] = 0.85 + 0.15 * rng.random(len(edges))
    (work / "edges").mkdir()
    for k, part in enumerate(np.array_split(edges, 8)):
        part.tofile(work / "edges" / f"{k:05d}.bin")
    return {"documents": documents, "clustered": total, "clusters": len(sizes), "edges": len(edges),
            "largest": max(sizes) if sizes else 0, "expected_drops": total - len(sizes)}


_PASS = """
import json, resource, sys, time
from codecurate.dedup.near import ClusterStep, KeepStep
work, step, rank, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
block = ClusterStep(work, partitions) if step == "cluster" else KeepStep(work)
start = time.perf_counter()
for _ in block.run(None, rank, partitions):
    pass
print(json.dumps({"seconds": time.perf_counter() - start,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "stats": {k: v.total for k, v in block.stats.stats.items()}}))
"""


def run_pass(work: Path, step: str, rank: int, partitions: int) -> dict:
    done = subprocess.run([sys.executable, "-c", _PASS, str(work), step, str(rank), str(partitions)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[625_000, 1_250_000, 2_500_000, 5_000_000,
                                                                      10_000_000])
    parser.add_argument("--tasks", type=int, default=64, help="tasks of the first pass (metadata files)")
    parser.add_argument("--partitions", type=int, default=8, help="tasks of the keep pass")
    parser.add_argument("--duplicate-share", type=float, default=0.35)
    args = parser.parse_args()
    print("| documents | clustered | clusters | largest | edges | cluster pass s | cluster pass peak MB | "
          "keep pass s (slowest of its tasks) | keep pass peak MB | drops |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for documents in args.documents:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            made = time.perf_counter()
            corpus = write_work_folder(work, documents, args.tasks, args.duplicate_share)
            made = time.perf_counter() - made
            cluster = run_pass(work, "cluster", 0, args.partitions)
            keeps = [run_pass(work, "keep", k, args.partitions) for k in range(args.partitions)]
            drops = sum(k["stats"].get("duplicates", 0) for k in keeps)
            assert drops == corpus["expected_drops"], (drops, corpus)
            print(f"| {documents:,} | {corpus['clustered']:,} | {corpus['clusters']:,} | {corpus['largest']:,} | "
                  f"{corpus['edges']:,} | {cluster['seconds']:.1f} | {cluster['rss_mb']:.0f} | "
                  f"{max(k['seconds'] for k in keeps):.1f} | {max(k['rss_mb'] for k in keeps):.0f} | {drops:,} |",
                  flush=True)
            print(f"<!-- corpus written in {made:.0f} s -->", file=sys.stderr)
    print(f"\nmachine: {resource.getpagesize()} B pages; python {sys.version.split()[0]}; "
          f"tasks {args.tasks}, partitions {args.partitions}, duplicate share {args.duplicate_share}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
