"""Every pass of the aiXcoder recipe at several corpus sizes: time and peak memory per task, a growth
law per pass, and a schedule of the whole recipe for 3.5 TB on 512 cores.

Each size (``--megabytes``, real code from the installed packages: ``common.build_repositories``,
with the license their metadata declares as sidecars; a larger corpus holds the smaller ones) runs
the recipe with 2 tasks. Every task of every segment (pass) runs in a process forked for it alone,
one after the other: its wall seconds are the task's, its peak resident memory (``ru_maxrss`` of
that process) the task's, counting what the process inherited; the baseline is the peak of a
forked process that runs nothing. One JSON per size goes to ``--results``; the report reads every
JSON there, so the sizes may be run one at a time.

Report: per pass, its task-seconds (summed over tasks) and the largest peak at each size, fitted by
log-log least squares to t = a * MB^b, and the same law for the peak's growth above the baseline.
Schedule for ``--target-tb`` on ``--cores``: a pass with one task (``tasks: 1`` in plan.json) runs
alone on the critical path for its fitted time at the target size; every other pass takes its
fitted task-time at the target size / cores (its task count raised to at least the core count;
perfectly balanced). The tokenizer's training pass is evaluated at the corpus size where its sample
bound binds (``sample_bytes / sample_rate`` of the bytes reaching it), not beyond. The near-dedup
cluster and keep passes use the law measured by ``benchmarks/dedup_cluster_scale.py``
(``--cluster-table``, its markdown output: 0.6M to 10M documents) with documents converted to bytes
by the documents reaching near dedup per corpus MB in the largest run. Each pass adds one start-up
(a fresh interpreter importing codecurate and building the plan, measured here).

    python benchmarks/scale.py --megabytes 8 16 32 128 [--results /tmp/scale] [--cluster-table /tmp/cluster_scale.md]
    python benchmarks/scale.py --report-only [--results /tmp/scale]
    python benchmarks/scale.py --object-storage 32   # one task's I/O through a local S3 server vs local disk
    python benchmarks/scale.py --megabytes 2 8 --store s3 --results /tmp/scale-s3   # no shared disk

``--store s3``: the repositories and the output in a bucket of a local S3 server (moto's, as the tests
start it), nothing on a disk shared by the tasks; each forked task builds its executor (an object
store's filesystem is not fork-safe), and the CPU seconds of a forked process that only builds one
are subtracted from every task. ``--report-only`` on those results gives the schedule of a cluster
without a shared disk.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codecurate.core.folders import datafolder, read_json  # noqa: E402
from codecurate.recipe.executors import make_executors  # noqa: E402
from codecurate.recipe.plan import build_plan  # noqa: E402
from codecurate.recipe.run import prepare_output  # noqa: E402
from codecurate.recipe.schema import load_recipe  # noqa: E402
from codecurate.recipe.summary import write_summary  # noqa: E402
from common import build_repositories, write_license_sidecars  # noqa: E402

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"
TASKS = 2


def run_task(executor, rank: int) -> tuple[float, float, float]:
    """Run task ``rank`` of ``executor`` in a forked process; its wall seconds, peak RSS (MB) and CPU
    seconds (user + system, with the programs it ran and waited for: ruff, cppcheck...). ``executor``
    may be a function giving it in the forked process (an object store's filesystem is not fork-safe:
    one built before the fork cannot be used after it)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if executor is not None:
                (executor() if callable(executor) else executor)._run_for_rank(rank)
            code = 0
        finally:
            os._exit(code)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        where = getattr(executor, "logging_dir", executor)
        raise SystemExit(f"task {rank} of segment {where} failed (status {status})")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _fresh_executor(recipe_args: dict, index: int):
    """A function building, in a forked process, the executor of segment ``index`` of the recipe
    (with filesystems of its own); it forgets the fsspec and datatrove instances of its parent."""

    def build():
        import fsspec
        from datatrove.io import DataFolder

        fsspec.AbstractFileSystem.clear_instance_cache()
        for cls in fsspec.registry.values():
            if hasattr(cls, "clear_instance_cache"):
                cls.clear_instance_cache()
        DataFolder.clear_instance_cache()
        recipe = load_recipe(RECIPE, **recipe_args)
        executor = make_executors(recipe, build_plan(recipe))[index]
        executor.depends = None
        return executor

    return build


def measure(megabytes: float, results: Path, store: str = "local") -> dict:
    """Run the recipe on ``megabytes`` of code, one forked process per task; ``store`` ``s3``: the
    repositories and the output in a bucket of a local S3 server (moto's, as the tests start it),
    each task building its executor after the fork (what that costs, a forked process that only
    builds one, is the ``baseline_cpu_s`` the report subtracts)."""
    server = contextlib.nullcontext()
    if store == "s3":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.s3_server import s3_filesystem, s3_server

        server = s3_server()
    with tempfile.TemporaryDirectory() as tmp, server:
        tmp = Path(tmp)
        size = build_repositories(tmp / "repos", int(megabytes * 1e6))
        write_license_sidecars(tmp / "repos")
        recipe_args = {"overrides": [f"executor.tasks={TASKS}", "executor.workers=1"],
                       "output": str(tmp / "out"), "input_path": str(tmp / "repos")}
        if store == "s3":
            fs = s3_filesystem()
            fs.mkdir("bench")
            fs.put(f"{tmp / 'repos'}/", "bench/repos/", recursive=True)
            recipe_args.update(output="s3://bench/out", input_path="s3://bench/repos")
        recipe = load_recipe(RECIPE, **recipe_args)
        output = prepare_output(recipe)
        plan = build_plan(recipe)
        plan.save()
        planned = {s["name"]: s.get("tasks") for s in read_json(datafolder(output), "plan.json")["segments"]}
        executors = make_executors(recipe, plan)
        baseline = run_task(None, 0)[1]  # a forked process that runs nothing
        building = run_task(_building_only(recipe_args), 0)[2] if store == "s3" else 0.0
        segments = []
        start = time.perf_counter()
        for index, (segment, executor) in enumerate(zip(plan.segments, executors)):
            executor.depends = None  # each pass runs here, in order
            executor.save_executor_as_json()
            task = _fresh_executor(recipe_args, index) if store == "s3" else executor
            seconds, peaks, cpu = [], [], []
            for rank in range(executor.world_size):
                spent, peak, used = run_task(task, rank)
                seconds.append(spent)
                peaks.append(peak)
                cpu.append(max(used - building, 0.0))
            segments.append({"name": segment.name, "planned_tasks": planned[segment.name],
                             "tasks": executor.world_size, "task_seconds": seconds, "task_peak_mb": peaks,
                             "task_cpu_seconds": cpu})
            print(f"{megabytes:g} MB {segment.name}: {executor.world_size} tasks, {sum(seconds):.1f} s wall, "
                  f"{sum(cpu):.1f} s CPU, peak {max(peaks):.0f} MB", file=sys.stderr, flush=True)
        wall = time.perf_counter() - start
        summary = write_summary(output)
        stages = {s["stage"]: s for s in summary["stages"]}
        shards = next(s for s in recipe.stages if s.stage_id == "shards")
        record = {
            "megabytes": size / 1e6, "wall_seconds": wall, "baseline_rss_mb": baseline, "segments": segments,
            "complete": summary["complete"], "store": store, "baseline_cpu_s": building,
            "near_dedup_documents": stages.get("near_dedup", {}).get("documents_in", 0),
            "near_dedup_bytes": stages.get("near_dedup", {}).get("bytes_in", 0),
            "shards_bytes": stages.get("shards", {}).get("bytes_in", 0),
            "sample_rate": (shards.params or {}).get("sample_rate"),
            "sample_bytes": (shards.params or {}).get("sample_bytes"),
        }
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{megabytes:g}MB.json").write_text(json.dumps(record, indent=1))
    return record


def _building_only(recipe_args: dict):
    """What ``_fresh_executor`` costs a task before it runs: build an executor, run nothing."""
    build = _fresh_executor(recipe_args, 0)
    return lambda: (build(), types.SimpleNamespace(_run_for_rank=lambda rank: None))[1]


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares of log y = log a + b log x: (a, b)."""
    points = [(math.log(x), math.log(max(y, 1e-3))) for x, y in zip(xs, ys)]
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    b = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else 0.0
    return math.exp(my - b * mx), b


def affine(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares of y = c + m x, both clamped at 0: (c, m)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    m = max(0.0, sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx) if sxx else 0.0
    c = my - m * mx
    if c < 0:  # through the origin
        c, m = 0.0, sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)
    return c, m


def cluster_table(path: Path) -> list[dict]:
    """Rows of ``dedup_cluster_scale.py``'s table: documents, cluster pass s and MB, keep pass s and MB."""
    rows = []
    if not path.is_file():
        return rows
    for line in path.read_text().splitlines():
        cells = [c.strip().replace(",", "") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 9 and cells[0].isdigit():
            rows.append({"documents": int(cells[0]), "cluster_s": float(cells[5]), "cluster_mb": float(cells[6]),
                         "keep_s": float(cells[7]), "keep_mb": float(cells[8])})
    return rows


def startup_seconds() -> float:
    """A fresh interpreter importing codecurate's recipe machinery and building the recipe's plan."""
    code = ("from codecurate.recipe.plan import build_plan; from codecurate.recipe.schema import load_recipe; "
            f"build_plan(load_recipe({str(RECIPE)!r}, output='/tmp/scale-startup-plan'))")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 360 else f"{seconds:.0f} s"


def report(results: Path, target_tb: float, cores: int, cluster: Path, partitions: int, clock: str = "cpu") -> None:
    runs = sorted((json.loads(p.read_text()) for p in results.glob("*MB.json")), key=lambda r: r["megabytes"])
    if len(runs) < 2:
        print(f"{len(runs)} size(s) in {results}: at least 2 are needed for a fit")
        return
    sizes = [r["megabytes"] for r in runs]
    target = target_tb * 1e6
    largest = runs[-1]
    names = [s["name"] for s in largest["segments"]]
    print(f"sizes: {', '.join(f'{s:.1f}' for s in sizes)} MB ({sizes[-1] / sizes[0]:.0f}x); recipe wall "
          + ", ".join(f"{r['wall_seconds']:.0f}" for r in runs) + " s; baseline (a forked process running nothing) "
          + ", ".join(f"{r['baseline_rss_mb']:.0f}" for r in runs) + " MB\n")
    print(f"task seconds: {'CPU (user + system) of each task' if clock == 'cpu' else 'wall'}; "
          "the machine was shared with other jobs, so wall seconds count the waits for a core\n")
    header = " | ".join(f"{s:.0f} MB s" for s in sizes)
    print(f"| pass | tasks | {header} | b (time) | a (s/MB^b) | peak MB at {sizes[-1]:.0f} MB | b (peak growth) |")
    print("|---|---|" + "---|" * len(sizes) + "---|---|---|---|")
    laws = {}
    for name in names:
        rows = [next(s for s in r["segments"] if s["name"] == name) for r in runs]
        seconds = [sum(row.get(f"task_{clock}_seconds") or row["task_seconds"]) for row in rows]
        peaks = [max(row["task_peak_mb"]) for row in rows]
        growth = [max(p - r["baseline_rss_mb"], 1.0) for p, r in zip(peaks, runs)]
        a, b = fit(sizes, seconds)
        ga, gb = fit(sizes, growth)
        laws[name] = {"a": a, "b": b, "ga": ga, "gb": gb, "tasks": rows[-1]["planned_tasks"], "peak": peaks[-1],
                      "series": seconds, "peaks": peaks, "measured_tasks": rows[-1]["tasks"]}
        planned = rows[-1]["planned_tasks"]
        print(f"| {name} | {planned if planned else 'corpus'} | " + " | ".join(f"{s:.1f}" for s in seconds)
              + f" | {b:.2f} | {a:.3g} | {peaks[-1]:.0f} | {gb:.2f} |")

    # the bytes reaching the tokenizer's sample, and documents reaching near dedup, per corpus MB
    shards_share = largest["shards_bytes"] / (largest["megabytes"] * 1e6) if largest["shards_bytes"] else 1.0
    binding_mb = (largest["sample_bytes"] / largest["sample_rate"] / shards_share / 1e6
                  if largest.get("sample_bytes") and largest.get("sample_rate") else target)
    docs_per_mb = largest["near_dedup_documents"] / largest["megabytes"]
    docs = docs_per_mb * target
    table = cluster_table(cluster)
    startup = startup_seconds()

    print(f"\nschedule for {target_tb} TB ({target:,.0f} MB) on {cores} cores (one task per core, at least {cores} "
          f"tasks per parallel pass); start-up per pass {startup:.1f} s (a fresh interpreter importing codecurate "
          f"and building the plan); near dedup: {docs_per_mb:.1f} documents per corpus MB reach it (largest run) = "
          f"{docs:,.0f} documents at the target\n")
    print("| pass | kind | growth law t = a x S^b | law: on the critical path | affine t = c + m x S | "
          "affine: on the critical path |\n|---|---|---|---|---|---|")
    totals = {"law": [0.0, 0.0], "affine": [0.0, 0.0]}  # parallel task-time, one-task time
    fixed_per_task = 0.0
    lines = []
    for name in names:
        law = laws[name]
        kind = "one task" if law["tasks"] == 1 else "parallel"
        xs, ys, tasks_measured = sizes, law["series"], law["measured_tasks"]
        at, unit = target, "MB"
        where = ""
        if name.endswith("shards-train"):
            at = min(target, binding_mb)
            where = f" at {at:,.0f} MB (its sample bound binds)"
        if name.endswith(("near_dedup-cluster", "near_dedup-keep")) and len(table) >= 2:
            keep = name.endswith("keep")
            xs = [r["documents"] for r in table]
            ys = [r["keep_s"] * partitions if keep else r["cluster_s"] for r in table]
            tasks_measured = partitions if keep else 1
            at, unit = docs, "docs"
            where = f" (dedup_cluster_scale{', keep tasks summed' if keep else ''}) at {docs:,.0f} docs"
        a, b = fit(xs, ys)
        c, m = affine(xs, ys)
        by_law = a * at ** b
        by_affine = c + m * at
        if kind == "one task":
            path_law, path_affine = by_law, by_affine
            totals["law"][1] += by_law
            totals["affine"][1] += by_affine
        else:
            path_law = by_law / cores
            path_affine = c / tasks_measured + m * at / cores
            totals["law"][0] += by_law
            totals["affine"][0] += m * at
            fixed_per_task += c / tasks_measured
        lines.append((name, path_law, path_affine))
        print(f"| {name} | {kind} | {a:.3g} x {unit}^{b:.2f}{where} | {hours(path_law)} | "
              f"{c:.2f} + {m:.3g} x {unit} | {hours(path_affine)} |")
    n = len(names)
    law_total = totals["law"][0] / cores + totals["law"][1] + n * startup
    affine_total = totals["affine"][0] / cores + fixed_per_task + totals["affine"][1] + n * startup
    print(f"\nprojected wall time, growth laws = parallel task-time / {cores} + one-task passes + {n} start-ups\n"
          f"= {totals['law'][0]:,.0f} s / {cores} + {totals['law'][1]:,.0f} s + {n} x {startup:.1f} s\n"
          f"= {totals['law'][0] / cores:,.0f} + {totals['law'][1]:,.0f} + {n * startup:,.0f} = {law_total:,.0f} s "
          f"= {law_total / 3600:.2f} h")
    print(f"\nprojected wall time, affine = per-MB task-time / {cores} + fixed cost of one task of each parallel pass "
          f"+ one-task passes + {n} start-ups\n= {totals['affine'][0]:,.0f} s / {cores} + {fixed_per_task:,.0f} s + "
          f"{totals['affine'][1]:,.0f} s + {n * startup:,.0f} s\n= {totals['affine'][0] / cores:,.0f} + "
          f"{fixed_per_task:,.0f} + {totals['affine'][1]:,.0f} + {n * startup:,.0f} = {affine_total:,.0f} s "
          f"= {affine_total / 3600:.2f} h")
    for label, index in (("growth laws", 1), ("affine", 2)):
        ranked = sorted(lines, key=lambda row: -row[index])[:5]
        print(f"\nlongest on the critical path ({label}): " + "; ".join(f"{row[0]} {hours(row[index])}"
                                                                      for row in ranked))
    print("\npeak memory of the one-task passes at the target (affine fit of the peak; growth law of the peak "
          "above the baseline):")
    for name in names:
        law = laws[name]
        if law["tasks"] == 1 and not name.endswith("near_dedup-cluster"):
            at = min(target, binding_mb) if name.endswith("shards-train") else target
            c, m = affine(sizes, law["peaks"])
            by_law = largest["baseline_rss_mb"] + law["ga"] * at ** law["gb"]
            print(f"- {name}: affine {c + m * at:,.0f} MB; law {by_law:,.0f} MB ({law['peak']:.0f} MB measured "
                  f"at {sizes[-1]:.0f} MB)")
    if len(table) >= 2:
        xs = [r["documents"] for r in table]
        ma, mb_ = fit(xs, [r["cluster_mb"] for r in table])
        c, m = affine(xs, [r["cluster_mb"] for r in table])
        print(f"- near_dedup cluster (dedup_cluster_scale) at {docs:,.0f} docs: affine {c + m * docs:,.0f} MB "
              f"({c:.0f} + {m * 1e6:.1f} MB per million docs); law {ma:.3g} x docs^{mb_:.2f} = "
              f"{ma * docs ** mb_:,.0f} MB")


def storage_cost(megabytes: float, repeat: int = 3) -> list[dict]:
    """One task writing and reading back ``megabytes`` of real code as the passes exchange it
    (``DocumentsWriter``/``DocumentsReader``: zstd jsonl between passes, gzip for the output) on local
    disk and through a local S3 server (moto's, as the tests start it): MB/s of text per task (best
    of ``repeat``), and the S3 requests per GB of text written and read (counted on s3fs's client)."""
    import fsspec
    from datatrove.data import Document

    from codecurate.readers.documents import DocumentsReader
    from codecurate.writers import INTERMEDIATE_COMPRESSION, DocumentsWriter

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.s3_server import s3_filesystem, s3_server

    rows = []
    with tempfile.TemporaryDirectory() as scratch, s3_server():
        size = build_repositories(Path(scratch) / "src", int(megabytes * 1e6))
        documents = [Document(text=path.read_text(encoding="utf-8", errors="replace"), id=str(path),
                              metadata={"path": str(path)}) for path in sorted((Path(scratch) / "src").rglob("*"))
                     if path.is_file()]
        text = sum(len(d.text.encode("utf-8", errors="surrogatepass")) for d in documents) / 1e6
        s3_filesystem().mkdir("bench")
        client = fsspec.filesystem("s3")  # the instance DataFolder gets for s3:// (fsspec's cache)
        client.connect()
        calls: dict[str, int] = {}
        client.s3.meta.events.register("before-call.s3", lambda model, **_: calls.update(
            {model.name: calls.get(model.name, 0) + 1}))
        for compression in (INTERMEDIATE_COMPRESSION, "gzip"):
            for place in ("local", "s3"):
                timings = {"write": [], "read": []}
                counted = {"write": {}, "read": {}}
                for attempt in range(repeat):
                    folder = f"{scratch}/{compression}{attempt}" if place == "local" else f"s3://bench/{compression}{attempt}"
                    for step in ("write", "read"):
                        calls.clear()
                        started = time.perf_counter()
                        if step == "write":
                            for _ in DocumentsWriter(folder, compression=compression).run(iter(documents), rank=0):
                                pass
                        else:
                            assert sum(1 for _ in DocumentsReader(folder).run(None, 0, 1)) == len(documents)
                        timings[step].append(time.perf_counter() - started)
                        counted[step] = dict(calls)
                for step in ("write", "read"):
                    requests = sum(counted[step].values())
                    rows.append({"compression": compression, "place": place, "step": step, "text_mb": round(text, 1),
                                 "seconds": round(min(timings[step]), 3),
                                 "mb_per_s": round(text / min(timings[step]), 1),
                                 "requests": requests, "requests_per_gb": round(requests / text * 1000),
                                 "calls": counted[step] if place == "s3" else {}})
    print(f"{size / 1e6:.1f} MB of files, {len(documents)} documents, {text:.1f} MB of text; best of {repeat}\n")
    print("| compression | step | local MB/s | S3 MB/s | S3 / local | S3 requests | requests per GB of text |")
    print("|---|---|---|---|---|---|---|")
    for compression in (INTERMEDIATE_COMPRESSION, "gzip"):
        for step in ("write", "read"):
            local, remote = (next(r for r in rows if r["compression"] == compression and r["place"] == place
                                  and r["step"] == step) for place in ("local", "s3"))
            made = ", ".join(f"{k} {v}" for k, v in sorted(remote["calls"].items()))
            print(f"| {compression} | {step} | {local['mb_per_s']} | {remote['mb_per_s']} | "
                  f"{remote['mb_per_s'] / local['mb_per_s']:.2f} | {made} | {remote['requests_per_gb']} |")
    return rows


def recipe_storage_cost(megabytes: float) -> dict:
    """The aiXcoder recipe (2 tasks, one worker) on ``megabytes`` of real code as The Stack parquet:
    input and output on local disk, then both in a bucket of a local S3 server; the wall seconds of
    each, and the server's requests (its request log) by method, per MB of input and per GB the run
    left in the bucket."""
    import re

    import pyarrow as pa
    import pyarrow.parquet as pq

    from codecurate.recipe.run import run_recipe

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.s3_server import s3_filesystem, s3_server

    result = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        build_repositories(root / "src", int(megabytes * 1e6))
        rows = [{"hexsha": f"{i:08x}", "content": path.read_text(encoding="utf-8", errors="replace"),
                 "max_stars_repo_name": path.relative_to(root / "src").parts[0],
                 "max_stars_repo_path": "/".join(path.relative_to(root / "src").parts[1:]),
                 "max_stars_repo_licenses": ["MIT"], "max_stars_count": 1}
                for i, path in enumerate(sorted(p for p in (root / "src").rglob("*") if p.is_file()))]
        (root / "stack").mkdir()
        for part in range(2):
            pq.write_table(pa.Table.from_pylist(rows[part::2]), root / "stack" / f"part-{part}.parquet")
        text = sum(len(r["content"].encode("utf-8", errors="surrogatepass")) for r in rows) / 1e6
        overrides = [f"executor.tasks={TASKS}", "executor.workers=1"]
        started = time.perf_counter()
        run_recipe(load_recipe(RECIPE, overrides=overrides, output=str(root / "out"), input_path=str(root / "stack")))
        result["local_seconds"] = round(time.perf_counter() - started, 1)
        log = root / "requests.log"
        with s3_server(log=str(log)):
            fs = s3_filesystem()
            fs.mkdir("bench")
            fs.put(f"{root / 'stack'}/", "bench/stack/", recursive=True)
            before = len(log.read_text().splitlines())
            started = time.perf_counter()
            run_recipe(load_recipe(RECIPE, overrides=overrides, output="s3://bench/out", input_path="s3://bench/stack"))
            result["s3_seconds"] = round(time.perf_counter() - started, 1)
            fs.invalidate_cache()
            stored = sum(fs.du("bench/out", total=False).values()) / 1e9
            lines = log.read_text().splitlines()[before:]
        methods: dict[str, int] = {}
        for line in lines:
            found = re.search(r'"(GET|PUT|POST|HEAD|DELETE) ', line)
            if found:
                methods[found.group(1)] = methods.get(found.group(1), 0) + 1
        requests = sum(methods.values())
        result.update(input_mb=round(text, 1), requests=requests, methods=methods,
                      requests_per_input_mb=round(requests / text, 1), output_gb=round(stored, 4),
                      requests_per_output_gb=round(requests / stored) if stored else None)
    print(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, nargs="*", default=[])
    parser.add_argument("--results", default="/tmp/scale")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--target-tb", type=float, default=3.5)
    parser.add_argument("--cores", type=int, default=512)
    parser.add_argument("--cluster-table", default="/tmp/cluster_scale.md",
                        help="benchmarks/dedup_cluster_scale.py's markdown output")
    parser.add_argument("--cluster-partitions", type=int, default=8, help="its keep pass's task count")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="fit the tasks' CPU seconds (default: the machine is shared) or wall seconds")
    parser.add_argument("--store", choices=["local", "s3"], default="local",
                        help="where --megabytes runs keep their input and output: local disk, or a bucket of a "
                             "local S3 server (a cluster without a shared disk; issue 34)")
    parser.add_argument("--object-storage", type=float, metavar="MB",
                        help="only measure one task's writing and reading through a local S3 server against "
                             "local disk, on MB of real code (issue 34)")
    args = parser.parse_args()
    if args.object_storage:
        storage_cost(args.object_storage)
        recipe_storage_cost(args.object_storage)
        return
    results = Path(args.results)
    if not args.report_only:
        for megabytes in args.megabytes:
            measure(megabytes, results, args.store)
    report(results, args.target_tb, args.cores, Path(args.cluster_table), args.cluster_partitions, args.clock)


if __name__ == "__main__":
    main()
