"""The worker count changes how fast a run goes, never what it writes."""

from __future__ import annotations

import multiprocess

from codecurate.recipe.local import preload_in_forkserver
from codecurate.recipe.run import run_recipe
from tests.conftest import aixcoder_recipe, run_outputs


def test_documents_and_shards_are_the_same_for_1_2_and_4_workers(tmp_path, repo_root):
    outputs = {}
    for workers in (1, 2, 4):
        out = tmp_path / f"w{workers}"
        summary = run_recipe(aixcoder_recipe(out, repo_root, "executor.tasks=4", f"executor.workers={workers}"))
        assert summary["complete"]
        outputs[workers] = run_outputs(out)
    documents, shards = outputs[1]
    assert documents and shards
    assert outputs[2] == outputs[1] and outputs[4] == outputs[1]


def test_the_forkserver_preloads_the_engine_and_the_blocks():
    from multiprocess import forkserver

    from codecurate.core.registry import BUILTIN_MODULES

    preload_in_forkserver(multiprocess.get_context("forkserver"))
    preloaded = forkserver._forkserver._preload_modules  # what the forkserver imports when it starts
    assert "codecurate.recipe.local" in preloaded and set(BUILTIN_MODULES) <= set(preloaded)
