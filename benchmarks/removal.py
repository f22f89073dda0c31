"""Removal on request: ``codecurate remove`` on a finished output against a rerun of the recipe
without the removed repository, and the check that both give the same shards.

The corpus: the ``.py`` files of the installed packages, one repository per top-level package,
written to disk up to ``--megabytes``. Two recipes: repositories -> trivial_files -> exact_dedup ->
repository_order -> tokenized_shards (16 merge buckets), and the same with training_objectives
before the shards; a tokenizer trained beforehand on the corpus is given to every run (a removal
keeps the tokenizer). Timed: the run, the removal of one repository, the rerun without it. Compared:
the shards and provenance, byte for byte, and where they differ, which documents and why (a
different objective: training_objectives draws SFIM at rates set from a census of the whole corpus).

    python benchmarks/removal.py [--megabytes 8] [--tasks 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from codecurate.recipe.remove import remove
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from codecurate.tokens.tokenizer_trainer import TokenizerSpec, save_tokenizer, train_tokenizer


def build_corpus(root: Path, megabytes: float) -> list[str]:
    """Repositories ``root/<package>/`` of the installed packages' Python files, largest first skipped
    past the budget; their names."""
    site = Path(sysconfig.get_paths()["purelib"])
    budget, total, names = megabytes * 1e6, 0, []
    for package in sorted(p for p in site.iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
        files = sorted(package.rglob("*.py"))
        size = sum(f.stat().st_size for f in files)
        if not files or total + size > budget:
            continue
        for file in files:
            target = root / package.name / file.relative_to(package)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        names.append(package.name)
        total += size
    return names


def recipe(repos: Path, out: Path, tasks: int, tokenizer: str, objectives: bool) -> dict:
    return {
        "name": "removal-benchmark",
        "seed": 3,
        "output": str(out),
        "executor": {"type": "local", "tasks": tasks, "workers": tasks},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [
            {"block": "trivial_files"},
            {"block": "exact_dedup"},
            {"block": "repository_order"},
            *([{"block": "training_objectives"}] if objectives else []),
            {
                "block": "tokenized_shards",
                "id": "shards",
                "params": {
                    "tokenizer": tokenizer,
                    "merge_tasks": 16,
                    "sequence_length": 4_096,
                    "max_tokens_per_shard": 2_000_000,
                },
            },
        ],
    }


def differences(full: Path, rerun: Path) -> dict:
    """Documents of the two provenance tables that differ: only in one; of the others, those whose
    tokens differ, whose decisions (objective, FIM mode...) differ, whose place (shard, offset) differs."""
    import numpy as np
    import pyarrow.parquet as pq

    from codecurate.tokens.shards import Shard

    def rows(out: Path) -> dict[str, dict]:
        files = sorted((out / "provenance").glob("*.parquet"))
        return {r["id"]: r for p in files for r in pq.read_table(p).to_pylist()}

    def tokens(out: Path, row: dict) -> np.ndarray:
        return np.asarray(Shard(out / "tokens" / row["shard"]).tokens[row["token_start"] : row["token_end"]])

    a, b = rows(full), rows(rerun)
    both = sorted(a.keys() & b.keys())
    other = [i for i in both if not np.array_equal(tokens(full, a[i]), tokens(rerun, b[i]))]
    return {
        "documents": len(a),
        "only_after_removal": len(a.keys() - b.keys()),
        "only_in_rerun": len(b.keys() - a.keys()),
        "other_tokens": len(other),
        "other_decisions": sum(a[i]["decisions"] != b[i]["decisions"] for i in both),
        "other_tokens_and_decisions": sum(a[i]["decisions"] != b[i]["decisions"] for i in other),
        "other_place": sum((a[i]["shard"], a[i]["token_start"]) != (b[i]["shard"], b[i]["token_start"]) for i in both),
    }


def shard_bytes(out: Path) -> dict[str, bytes]:
    root = str(out.resolve()).encode()
    return {
        str(p.relative_to(out)): p.read_bytes().replace(root, b"OUTPUT")
        for folder in ("tokens", "provenance")
        for p in sorted((out / folder).rglob("*"))
        if p.is_file()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=8)
    parser.add_argument("--tasks", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        repos = tmp / "repos"
        names = build_corpus(repos, args.megabytes)
        megabytes = sum(p.stat().st_size for p in repos.rglob("*") if p.is_file()) / 1e6
        # the repository removed: the one in the middle of the sorted list
        removed = names[len(names) // 2]
        tokenizer = tmp / "tokenizer"
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(repos.rglob("*.py"))]
        save_tokenizer(train_tokenizer(texts, vocab_size=8_000, spec=TokenizerSpec()), tokenizer, spec=TokenizerSpec())
        without = tmp / "without"
        shutil.copytree(repos, without, ignore=lambda folder, items: [removed] if Path(folder) == repos else [])
        listed = tmp / "opt-out.txt"
        listed.write_text(f"repository {removed}\n")
        identical = True
        for objectives in (False, True):
            full, rerun_out = tmp / f"full-{objectives}", tmp / f"rerun-{objectives}"
            started = time.perf_counter()
            run_recipe(validate(recipe(repos, full, args.tasks, str(tokenizer), objectives)))
            first = time.perf_counter() - started
            started = time.perf_counter()
            report = remove(full, listed)
            removal = time.perf_counter() - started
            started = time.perf_counter()
            run_recipe(validate(recipe(without, rerun_out, args.tasks, str(tokenizer), objectives)))
            rerun = time.perf_counter() - started
            tokens = json.loads((full / "tokens" / "summary.json").read_text())
            same = shard_bytes(full) == shard_bytes(rerun_out)
            identical &= same or objectives
            print(
                json.dumps(
                    {
                        "training_objectives": objectives,
                        "corpus_mb": round(megabytes, 1),
                        "repositories": len(names),
                        "removed": removed,
                        "removed_documents": report["removed"],
                        "removed_tokens": report["tokens_removed"],
                        "tokens_after": tokens["tokens"],
                        "shard_files": len(tokens["shards"]),
                        "buckets_rebuilt": len(report["shards"]["rebuilt"]),
                        "shard_files_untouched": report["shards"]["untouched"],
                        "run_s": round(first, 2),
                        "removal_s": round(removal, 2),
                        "rerun_s": round(rerun, 2),
                        "rerun_over_removal": round(rerun / removal, 1),
                        "shards_identical_to_rerun": same,
                        "differences": differences(full, rerun_out),
                    },
                    indent=2,
                ),
                flush=True,
            )
        if not identical:
            sys.exit("without training_objectives, the removal's shards differ from the rerun's")


if __name__ == "__main__":
    main()
