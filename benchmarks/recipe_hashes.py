"""What the default recipe makes of a fixed corpus, as hashes: its plan, documents and shard files.

Run it with ``PYTHONPATH`` at two checkouts' ``src`` (before and after a restructuring) on the same
corpus folder and compare the printed JSON: a change that keeps behaviour keeps every hash.

    python benchmarks/recipe_hashes.py --repos /tmp/corpus --megabytes 2 --output /tmp/out-after

The corpus (real source files of the installed packages with licence sidecars, ``common.py``) is
built in ``--repos`` when that folder does not exist yet; the recipe runs with 2 tasks on 1 worker.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.conftest: the recipe helper and what two runs must share
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.conftest import aixcoder_recipe, run_outputs  # noqa: E402

import codecurate  # noqa: E402
from codecurate.recipe.plan import build_plan  # noqa: E402
from codecurate.recipe.run import run_recipe  # noqa: E402
from common import build_repositories, write_license_sidecars  # noqa: E402


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repos", type=Path, required=True, help="corpus folder (built when absent)")
    parser.add_argument("--megabytes", type=float, default=2, help="size of a corpus built here")
    parser.add_argument("--output", type=Path, required=True, help="the run's output folder (must not exist)")
    args = parser.parse_args()
    if not args.repos.exists():
        args.repos.mkdir(parents=True)
        build_repositories(args.repos, int(args.megabytes * 1e6))
        write_license_sidecars(args.repos)
    recipe = aixcoder_recipe(args.output, args.repos, "executor.workers=1")
    specs = [(s.block, s.stage_id, s.params, s.cls.__qualname__) for s in [*recipe.inputs, *recipe.stages]]
    described = {"raw": recipe.raw, "executor": recipe.executor, "specs": specs, "plan": build_plan(recipe).describe()}
    plan = json.dumps(described, sort_keys=True, default=str).replace(str(args.output), "OUTPUT")
    start = time.process_time()
    summary = run_recipe(recipe)
    documents, shards = run_outputs(args.output)
    print(
        json.dumps(
            {
                "codecurate": codecurate.__file__,
                "complete": summary["complete"],
                "plan_sha256": sha256(plan.encode()),
                "documents": len(documents),
                "documents_sha256": sha256(json.dumps(documents).encode()),
                "shard_files": len(shards),
                "shards_sha256": sha256(json.dumps({name: sha256(data) for name, data in shards.items()}).encode()),
                "cpu_seconds_this_process": round(time.process_time() - start, 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
