"""Dedup at scale: N synthetic code documents (default 1,000,000) through every exact and near
dedup pass, with each pass's time, MB/s per core and peak memory.

Documents are small generated functions; 2% are exact copies and 5% near copies (a line changed)
of others. Each pass (a segment of the plan) runs in a forked process with one worker, and its
peak resident memory is read from ``wait4``: the memory one task of that pass needs.

    python benchmarks/dedup_scale.py [--documents 1000000] [--tasks 4]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from datatrove.data import Document

from codecurate.recipe.executors import make_executors
from codecurate.recipe.plan import build_plan
from codecurate.recipe.run import prepare_output
from codecurate.recipe.schema import validate
from codecurate.recipe.summary import write_summary
from codecurate.writers import DocumentsWriter

WORDS = ("value", "count", "index", "item", "total", "buffer", "result", "node", "key", "size", "data", "offset")


def synthetic(documents: int, seed: int = 0):
    rng = random.Random(seed)
    made: list[str] = []
    for i in range(documents):
        roll = rng.random()
        if made and roll < 0.02:
            text = made[rng.randrange(len(made))]
        elif made and roll < 0.07:
            lines = made[rng.randrange(len(made))].split("\n")
            lines[rng.randrange(len(lines))] = f"    {rng.choice(WORDS)} = {rng.randint(0, 9999)}"
            text = "\n".join(lines)
        else:
            names = [f"{rng.choice(WORDS)}_{rng.randint(0, 99999)}" for _ in range(6)]
            body = "\n".join(f"    {names[j % 6]} = {names[(j + 1) % 6]} + {rng.randint(0, 999)}" for j in range(8))
            text = f"def {names[0]}({names[1]}, {names[2]}):\n{body}\n    return {names[3]}\n"
            if len(made) < 50_000:
                made.append(text)
        yield Document(text=text, id=f"syn/{i:07d}.py", metadata={"repo": f"syn{i % 5000}", "path": f"{i:07d}.py"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        docs = list(synthetic(args.documents))
        size_mb = sum(len(d.text) for d in docs) / 1024 / 1024
        for rank in range(args.tasks):
            deque(DocumentsWriter(str(tmp / "input")).run(iter(docs[rank :: args.tasks]), rank), 0)
        del docs
        print(f"{args.documents} documents, {size_mb:.1f} MB, written in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)
        recipe = validate({
            "name": "scale", "output": str(tmp / "out"),
            "executor": {"type": "local", "tasks": args.tasks, "workers": 1},
            "inputs": [{"reader": "documents", "params": {"data_folder": str(tmp / "input")}}],
            "stages": [{"block": "exact_dedup", "id": "exact", "params": {"partitions": args.tasks}},
                       {"block": "near_dedup", "id": "near", "params": {"partitions": args.tasks}}],
        })
        prepare_output(recipe)
        plan = build_plan(recipe)
        plan.save()
        print("| pass | tasks | seconds | MB/s per core | peak memory of one task (MB) |")
        print("|---|---|---|---|---|")
        for segment, executor in zip(plan.segments, make_executors(recipe, plan)):
            executor.depends = None  # each pass is run here, in order
            started = time.perf_counter()
            pid = os.fork()
            if pid == 0:
                try:
                    executor.run()
                finally:
                    os._exit(0)
            _, status, usage = os.wait4(pid, 0)
            seconds = time.perf_counter() - started
            if status != 0:
                raise SystemExit(f"pass {segment.name} failed")
            print(f"| {segment.name} | {executor.world_size} | {seconds:.0f} | {size_mb / seconds:.2f} | "
                  f"{usage.ru_maxrss / 1024:.0f} |", flush=True)
        summary = write_summary(tmp / "out")
        for stage in summary["stages"]:
            print(f"\n{stage['stage']}: {stage['documents_in']} in, {stage['kept']} kept, dropped {stage['dropped']}")


if __name__ == "__main__":
    main()
