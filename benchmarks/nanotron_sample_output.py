"""The aiXcoder recipe's objectives, shards and training stages (its parameters; small vocabulary, windows and
shards) on 60 real Python files of datatrove in 6 repositories, into OUT: the output that
``nanotron_load.py`` loads with nanotron's own loader (docs/training.md).

    python3 benchmarks/nanotron_sample_output.py OUT
"""
import shutil
import sys
from pathlib import Path

import datatrove
import yaml

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate

out = Path(sys.argv[1])
repos = out.parent / "repos"
shutil.rmtree(repos, ignore_errors=True)
for i, source in enumerate(sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:60]):
    target = repos / f"repo{i % 6}" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "aixcoder7b" / "recipe.yaml"
stages = {s["id"]: s for s in yaml.safe_load(RECIPE.read_text())["stages"]}
stages["shards"]["params"].update(vocab_size=512, sample_rate=1.0, sequence_length=256, max_tokens_per_shard=20_000)
recipe = {"name": "nanotron-check", "seed": 3, "output": str(out),
          "executor": {"type": "local", "tasks": 2, "workers": 1},
          "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
          "stages": [stages["objectives"], stages["shards"], stages["training"]]}
print(run_recipe(validate(recipe))["complete"])
