"""Whole-recipe throughput: the aiXcoder recipe on real code, MB/s per core, the share of each
stage in the time, the speed-up from 1 to 2 local workers, and the projection to 3.5 TB; beside it,
in the same run on the same bytes, the pipeline a user would assemble from datatrove's own blocks.

Corpora (``--corpus``): ``python``, a folder of repositories built from the installed packages'
sources, each with a sidecar naming the license its package metadata declares
(``common.write_license_sidecars``; ``--no-sidecars``: without them, as before 2026-12-02, when the
license stage dropped most of the corpus as unlicensed); ``multi``, real C/C++ (/usr/include), Go
(the Go standard library), Java (the JDK's src.zip) and JavaScript/TypeScript (the node packages
installed), one repository per library, package or JDK module, each with a sidecar naming its
license (``common.build_multilanguage_repositories``; missing sources are skipped with a note).
Both are ``--megabytes`` big. The JDK's license (GPL-2.0 with the Classpath exception) is not
permissive: for ``multi`` the recipe accepts ``GPL-2.0-only`` (``license.extra_permissive``) so
that Java reaches every stage, as the other languages do. Since the per-file licence stage
(``file_license``) reads the same licence in each JDK file's header, and the repository-quality cut
(10% of the repositories; this corpus has no stars or commits, so repositories without tests, the
C/C++ libraries and JDK modules, come first, ties broken by id) drops whole families, that holds
only with ``--every-family`` (``file_license.extra_permissive`` too, no repository-quality cut);
without it the later stages see Go and JavaScript/TypeScript only (2026-12-07).

The recipe runs with 2 tasks on each of ``--workers``. The 1-worker run runs in this process, which
counts its tree-sitter parses (``parse_counts``) and the license stage's verdict cache. MB/s per core
is given from wall seconds and, for 1 worker, from CPU seconds (``cpu_seconds``: this process and
the analyzers it ran), which a machine shared with other jobs does not inflate.

Peers, in the same run, on the same bytes (written once as parquet files, not timed), with the same
tasks and workers:

- the floor: datatrove's ParquetReader -> JsonlWriter, the least a datatrove-based run does;
- datatrove's blocks for the recipe's stages that datatrove has:
  1. ParquetReader -> LambdaFilter (the recipe's long-file rules: a line > 1000 characters, > 10,000
     lines, > 1 MB) -> GopherRepetitionFilter (line, paragraph and n-gram repetition, with the
     recipe's content thresholds 0.7; its prose defaults drop most code) -> JsonlWriter (uncompressed);
     GopherQualityFilter, C4QualityFilter and FineWebQualityFilter are left out: their rules (stop
     words, words per document, lines ending in punctuation, ``javascript`` lines) judge prose and
     drop code;
  2-5. its 4-stage MinHash dedup with the recipe's LSH (5-grams, 13 bands x 19 rows):
     MinhashDedupSignature, MinhashDedupBuckets (one task per band), MinhashDedupCluster (one task),
     then MinhashDedupFilter -> PIIFormatter (emails, IP addresses) -> DocumentTokenizer with the
     tokenizer the recipe trained in the same run (``OUTPUT/tokenizer/tokenizer.json``);
  6. DocumentTokenizerMerger (one task).
  It has no license, project/exact dedup, language, syntax, analysis, decontamination, file order,
  FIM or tokenizer-training stage: it does less, and the ratio says what the rest costs.

    python benchmarks/recipe.py [--megabytes 64] [--workers 1,2] [--corpus python,multi]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
)
from datatrove.pipeline.filters import GopherRepetitionFilter, LambdaFilter
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.pipeline.readers import JsonlReader, ParquetReader
from datatrove.pipeline.tokens import DocumentTokenizer, DocumentTokenizerMerger
from datatrove.pipeline.writers import JsonlWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.parsing import parse_counts, reset_parse_counts  # noqa: E402
from codecurate.readers import RepositoriesReader  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from codecurate.recipe.schema import load_recipe  # noqa: E402
from codecurate.recipe.summary import compute_summary  # noqa: E402
from common import (  # noqa: E402
    build_multilanguage_repositories,
    build_repositories,
    cpu_seconds,
    write_license_sidecars,
)

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"
CORPUS_TB = 3.5
CORES = 512
TASKS = 2
#: the recipe's near-dedup LSH: 13 bands x 19 rows of 5-gram MinHash (recipe.yaml, near_dedup)
PEER_MINHASH = MinhashConfig(n_grams=5, num_buckets=13, hashes_per_bucket=19)
#: the recipe's content thresholds (content_rules: max_line_repetition, max_word_duplication 0.7)
PEER_REPETITION = {"dup_line_frac": 0.7, "dup_para_frac": 0.7, "dup_line_char_frac": 0.7, "dup_para_char_frac": 0.7,
                   "top_n_grams": ((2, 0.7), (3, 0.7), (4, 0.7)),
                   "dup_n_grams": tuple((n, 0.7) for n in range(5, 11))}


def stage_seconds(output: Path) -> dict[str, float]:
    """Task-seconds per stage as the run's summary charges them (every step's time to the stage
    it works for; the time of a segment no step timed to the stage the segment belongs to)."""
    return {stage["stage"]: stage["seconds"] for stage in compute_summary(output)["stages"] if stage["seconds"]}


def stage_stats(output: Path, stage: str, prefix: str) -> dict[str, float]:
    """The stats named ``prefix...`` of ``stage``'s steps, summed over its tasks."""
    plan = json.loads((output / "plan.json").read_text())
    found: dict[str, float] = defaultdict(float)
    for segment in plan["segments"]:
        for stats in (output / "logs" / segment["name"] / "stats").glob("*.json"):
            for stage_id, step in zip(segment["stage_ids"], json.loads(stats.read_text())):
                if stage_id != stage:
                    continue
                for name, value in step.get("stats", {}).items():
                    if name.startswith(prefix):
                        found[name[len(prefix):]] += value.get("total", 0) if isinstance(value, dict) else value
    return dict(found)


def _long_file(doc) -> bool:
    """The recipe's long-file rules (long_files): keep a file with no line over 1000 characters,
    at most 10,000 lines and at most 1 MB."""
    text = doc.text
    return len(text.encode("utf-8")) <= 1_000_000 and text.count("\n") < 10_000 and \
        max(map(len, text.splitlines()), default=0) <= 1000


def run_peer(parquet: Path, work: Path, tokenizer: Path, workers: int) -> dict[str, float]:
    """datatrove's blocks for the recipe's stages (module docstring); wall seconds per pass."""
    def run(name: str, pipeline: list, tasks: int) -> float:
        start = time.perf_counter()
        used = cpu_seconds()
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=min(workers, tasks),
                              logging_dir=str(work / "logs" / name)).run()
        cpu[name] = cpu_seconds() - used
        return time.perf_counter() - start

    cpu: dict[str, float] = {}

    seconds = {}
    seconds["read, long-file and Gopher repetition filters, write"] = run("filter", [
        ParquetReader(str(parquet)), LambdaFilter(_long_file), GopherRepetitionFilter(**PEER_REPETITION),
        JsonlWriter(str(work / "filtered"), compression=None)], TASKS)
    seconds["minhash 1: signatures"] = run("signatures", [
        JsonlReader(str(work / "filtered"), compression=None),
        MinhashDedupSignature(str(work / "signatures"), config=PEER_MINHASH)], TASKS)
    seconds["minhash 2: buckets"] = run("buckets", [
        MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=PEER_MINHASH)],
        PEER_MINHASH.num_buckets)
    seconds["minhash 3: cluster (1 task)"] = run("cluster", [
        MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=PEER_MINHASH)], 1)
    seconds["minhash 4: filter, PIIFormatter, DocumentTokenizer"] = run("tokenize", [
        JsonlReader(str(work / "filtered"), compression=None), MinhashDedupFilter(str(work / "remove")),
        PIIFormatter(), DocumentTokenizer(str(work / "tokenized"), tokenizer_name_or_path=str(tokenizer),
                                          eos_token="</s>")], TASKS)
    seconds["DocumentTokenizerMerger (1 task)"] = run("merge", [
        DocumentTokenizerMerger(str(work / "tokenized"), str(work / "merged"), save_filename="peer")], 1)
    seconds["cpu"] = sum(cpu.values())
    return seconds


def peer_step_seconds(work: Path) -> dict[str, float]:
    """Task-seconds per datatrove step of the peer (its own ``time_stats``, summed over tasks)."""
    found: dict[str, float] = defaultdict(float)
    for stats in (work / "logs").glob("*/stats/*.json"):
        for step in json.loads(stats.read_text()):
            spent = step.get("time_stats", {})
            found[step["name"]] += spent.get("total", 0) if isinstance(spent, dict) else (spent or 0)
    return dict(found)


def peer_characters(work: Path) -> dict[str, float]:
    """Characters of the documents each reader read and each filter passed on (datatrove's
    ``doc_len``), summed over the peer's tasks, by pass and step."""
    found: dict[str, float] = defaultdict(float)
    for stats in (work / "logs").glob("*/stats/*.json"):
        for step in json.loads(stats.read_text()):
            length = step.get("stats", {}).get("doc_len")
            if length is not None:
                found[f"{stats.parent.parent.name}: {step['name']}"] += \
                    length.get("total", 0) if isinstance(length, dict) else length
    return dict(found)


def measure(corpus: str, megabytes: float, runs: list[int], tmp: Path, sidecars: bool = True,
            peer: bool = True, every_family: bool = False) -> None:
    repos = tmp / "repos"
    overrides = [f"executor.tasks={TASKS}"]
    if corpus == "multi":
        size, families, notes = build_multilanguage_repositories(repos, int(megabytes * 1e6))
        overrides.append("stages.license.params.extra_permissive=[GPL-2.0-only]")
        if every_family:
            # the JDK's files name its licence in their headers too; the corpus has no stars or commits,
            # so the repository-quality cut (10%) takes the repositories without tests, C/C++ and Java
            overrides += ["stages.file_license.params.extra_permissive=[GPL-2.0-only]",
                          "stages.quality.params.drop_fraction=0"]
    else:
        size, families, notes = build_repositories(repos, int(megabytes * 1e6)), {}, []
        if sidecars:
            counts = write_license_sidecars(repos)
            notes.append(f"license sidecars from package metadata: {counts['sidecar']} repositories, "
                         f"{counts['no_license']} declare none")
        else:
            notes.append("no license sidecars: the license stage sees only the license files copied")
    mb = size / 1e6
    print(f"\n## corpus {corpus}: {mb:.1f} MB of real code, {sum(1 for p in repos.iterdir() if p.is_dir())} "
          f"repositories", flush=True)
    for family, copied in families.items():
        print(f"- {family}: {copied / 1e6:.1f} MB")
    for note in notes:
        print(f"- {note}")

    rows = [{"text": d.text, "id": d.id, "repo": d.metadata["repo"]} for d in RepositoriesReader(str(repos)).run()]
    (tmp / "parquet").mkdir()
    parts = 8
    for k in range(parts):  # several files, so that each of the peer's tasks reads its share
        pq.write_table(pa.Table.from_pylist(rows[k::parts]), tmp / "parquet" / f"part{k}.parquet")
    print(f"{len(rows):,} files; mean {size / max(1, len(rows)) / 1e3:.1f} KB", flush=True)
    del rows

    results = {}
    for workers in runs:
        output = tmp / f"out{workers}"
        recipe = load_recipe(RECIPE, overrides=[*overrides, f"executor.workers={workers}"],
                             output=str(output), input_path=str(repos))
        if workers == 1:
            reset_parse_counts(track_documents=True)
        start, used = time.perf_counter(), cpu_seconds()
        run_recipe(recipe)
        ours, ours_cpu = time.perf_counter() - start, cpu_seconds() - used
        parses = parse_counts() if workers == 1 else {}
        if not peer:
            print(f"workers {workers}: recipe {ours:.1f} s ({ours_cpu:.1f} s CPU, {mb / ours_cpu:.2f} MB per CPU s)",
                  flush=True)
            results[workers] = (ours, output, ours_cpu)
            continue
        start, used = time.perf_counter(), cpu_seconds()
        LocalPipelineExecutor([ParquetReader(str(tmp / "parquet")), JsonlWriter(str(tmp / f"floor{workers}"))],
                              tasks=TASKS, workers=min(workers, TASKS),
                              logging_dir=str(tmp / f"floorlogs{workers}")).run()
        floor, floor_cpu = time.perf_counter() - start, cpu_seconds() - used
        peer_run = run_peer(tmp / "parquet", tmp / f"peer{workers}", output / "tokenizer" / "tokenizer.json", workers)
        peer_cpu = peer_run.pop("cpu")
        results[workers] = (ours, floor, peer_run, output, parses, peer_step_seconds(tmp / f"peer{workers}"),
                            {"ours": ours_cpu, "floor": floor_cpu, "peer": peer_cpu})
        if workers == min(runs):
            characters = peer_characters(tmp / f"peer{workers}")
        print(f"workers {workers}: recipe {ours:.1f} s ({ours_cpu:.1f} s CPU), datatrove blocks "
              f"{sum(peer_run.values()):.1f} s ({peer_cpu:.1f} s CPU), floor {floor:.1f} s ({floor_cpu:.1f} s CPU)",
              flush=True)
    if not peer:
        ours, output, _cpu = results[min(results)]
        shares = stage_seconds(output)
        total = sum(shares.values())
        print(f"\nrecipe, {min(results)} worker(s): task-seconds by stage ({total:.1f} s of steps)\n\n"
              "| stage | task-seconds | share |\n|---|---|---|")
        for stage, spent in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"| {stage} | {spent:.1f} | {spent / total:.1%} |")
        return

    print("\nMB/s per core: MB / (wall seconds x workers), and MB / CPU seconds (1 worker: every task runs in this "
          "process; the machine is shared, so wall seconds count waits for a core)\n")
    print("| run | workers | wall s | MB/s per core (wall) | CPU s | MB/s per core (CPU) | speed / recipe's (CPU) |\n"
          "|---|---|---|---|---|---|---|")
    for workers, (ours, floor, peer, _output, _parses, _steps, cpu) in results.items():
        peer_total = sum(peer.values())
        cpu_note = workers == 1
        for label, wall, used in (("codecurate aiXcoder recipe (20 stages)", ours, cpu["ours"]),
                                  ("datatrove blocks (reader, long-file + Gopher repetition, MinHash x4, PII, "
                                   "tokenizer + merger)", peer_total, cpu["peer"]),
                                  ("datatrove ParquetReader -> JsonlWriter (the floor)", floor, cpu["floor"])):
            by_cpu = f"{mb / used:.2f}" if cpu_note else "-"
            ratio = f"{cpu['ours'] / used:.3f}x" if cpu_note else f"{ours / wall:.3f}x (wall)"
            print(f"| {label} | {workers} | {wall:.1f} | {mb / wall / workers:.2f} | "
                  f"{used:.1f} | {by_cpu} | {ratio} |")
    if 1 in results and 2 in results:
        speedup = results[1][0] / results[2][0]
        print(f"\nspeed-up from 1 to 2 workers: {speedup:.2f}x (parallel efficiency {speedup / 2:.2f}); "
              f"datatrove blocks {sum(results[1][2].values()) / sum(results[2][2].values()):.2f}x")

    ours, floor, peer, output, parses, peer_steps, _cpu = results[min(results)]
    shares = stage_seconds(output)
    total = sum(shares.values())
    flow = {stage["stage"]: stage for stage in compute_summary(output)["stages"]}
    reached = ", ".join(f"{name} {flow[name]['bytes_in'] / 1e6:.1f} MB"
                        for name in ("license", "project_dedup", "near_dedup", "pii", "shards") if name in flow)
    written = flow["output"]["bytes_kept"] / 1e6 if "output" in flow else 0.0
    print(f"\nbytes reaching the recipe's stages: {reached}; written {written:.1f} MB")
    dropped = {name: (stage["bytes_in"] - stage["bytes_kept"]) / 1e6 for name, stage in flow.items()}
    print("MB dropped by stage: " + ", ".join(f"{name} {mb_:.1f}" for name, mb_ in
                                             sorted(dropped.items(), key=lambda kv: -kv[1]) if mb_ >= 0.05))
    print("characters (millions) through datatrove's blocks: " + ", ".join(
        f"{name} {count / 1e6:.1f}" for name, count in sorted(characters.items())))
    print(f"\nrecipe, {min(results)} worker(s): task-seconds by stage ({total:.1f} s of steps, "
          f"{ours:.1f} s wall; the rest is executor start-ups)\n\n| stage | task-seconds | share | MB in | MB/s |\n"
          "|---|---|---|---|---|")
    for stage, spent in sorted(shares.items(), key=lambda kv: -kv[1]):
        into = flow.get(stage, {}).get("bytes_in", 0) / 1e6
        speed = f"{into / spent:.1f}" if spent > 0.05 and into else "-"
        print(f"| {stage} | {spent:.1f} | {spent / total:.1%} | {into:.1f} | {speed} |")
    peer_total = sum(peer.values())
    print(f"\ndatatrove blocks, {min(results)} worker(s): wall seconds by pass\n\n| pass | wall seconds | share |"
          "\n|---|---|---|")
    for name, spent in peer.items():
        print(f"| {name} | {spent:.1f} | {spent / peer_total:.1%} |")
    print("\n| datatrove step | task-seconds |\n|---|---|")
    for name, spent in sorted(peer_steps.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {spent:.1f} |")
    pairs = [("long", "Lambda"), ("content", "Gopher Repetition"), ("pii", "PII"), ("near_dedup", "minhash")]
    print("\nstage for stage (task-seconds; the recipe's stage / datatrove's block):")
    for ours_stage, theirs in pairs:
        mine = shares.get(ours_stage, 0.0)
        found = sum(v for k, v in peer_steps.items() if theirs.lower() in k.lower())
        if theirs == "minhash":
            found = sum(v for k, v in peer.items() if k.startswith("minhash"))
        ratio = f"{mine / found:.2f}x" if found else "-"
        print(f"- {ours_stage} {mine:.1f} s / datatrove {theirs} {found:.1f} s = {ratio}")
    tokenize = peer["minhash 4: filter, PIIFormatter, DocumentTokenizer"] + peer["DocumentTokenizerMerger (1 task)"]
    print(f"- shards (tokenizer training, tokenization, merge) {shares.get('shards', 0):.1f} s / DocumentTokenizer "
          f"pass + merger (wall, with the MinHash filter and PII in the same pass) {tokenize:.1f} s")

    if parses:
        files = parses.get("documents", 0)
        print(f"\nparses (1-worker run): {parses.get('file', 0)} full parses of {files} files = "
              f"{parses.get('file', 0) / max(1, files):.2f} per file; {parses.get('cached', 0)} answered from the "
              f"parse cache; {parses.get('fragment', 0)} other parses (comment texts, rewritten sources)")
    cache = stage_stats(output, "license", "license_cache/")
    if cache:
        asked = sum(cache.values())
        print(f"license texts: {asked:.0f}; " + ", ".join(f"{k} {v:.0f} ({v / asked:.0%})"
                                                         for k, v in sorted(cache.items())))
    if 1 in results and 2 in results:
        rate = mb / results[1][0]
        efficiency = results[1][0] / results[2][0] / 2
        corpus_mb = CORPUS_TB * 1e6
        through = rate * CORES * efficiency
        print(f"\nprojection (every pass scaling; benchmarks/scale.py has the schedule with the single-task passes): "
              f"{CORPUS_TB} TB = {corpus_mb:,.0f} MB; {rate:.2f} MB/s/core x {CORES} cores x {efficiency:.2f} = "
              f"{through:,.0f} MB/s; {corpus_mb / through:,.0f} s = {corpus_mb / through / 3600:.1f} h")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=64)
    parser.add_argument("--workers", default="1,2", help="worker counts to run: 1,2 (default) or 1")
    parser.add_argument("--corpus", default="python,multi", help="python, multi or both (default)")
    parser.add_argument("--no-sidecars", action="store_true", help="python corpus without license sidecars")
    parser.add_argument("--no-peer", action="store_true", help="the recipe alone: no datatrove blocks, no floor "
                        "(datatrove 0.10's MinHash fails with xxhash >= 4)")
    parser.add_argument("--every-family", action="store_true", help="multi: let every language family reach the "
                        "later stages (the JDK's GPL-2.0 file headers accepted, no repository-quality cut)")
    args = parser.parse_args()
    runs = [int(w) for w in args.workers.split(",")]
    for corpus in args.corpus.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            measure(corpus, args.megabytes, runs, Path(tmp), sidecars=not args.no_sidecars, peer=not args.no_peer,
                    every_family=args.every_family)


if __name__ == "__main__":
    main()
