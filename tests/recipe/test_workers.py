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


def test_passes_share_their_input_by_bytes_unless_they_match_an_observer_by_place(tmp_path, repo_root):
    from codecurate.readers.documents import DocumentsReader
    from codecurate.recipe.plan import build_plan
    from codecurate.writers import DocumentsWriter

    plan = build_plan(aixcoder_recipe(tmp_path / "out", repo_root, "executor.tasks=4"))
    mirrored = {
        segment.name.split("-", 1)[1]: step.mirror_writers
        for segment in plan.segments
        for step in segment.steps
        if isinstance(step, DocumentsReader)
    }
    # exact dedup's hashes and the objectives' SFIM spans are looked up by rank and place
    assert {name for name, mirror in mirrored.items() if mirror} == {"exact_dedup-filter", "objectives-apply"}
    assert not mirrored["near_dedup-filter"] and not mirrored["shards-tokenize"]
    writers = [step for segment in plan.segments for step in segment.steps if isinstance(step, DocumentsWriter)]
    assert all(w.parts for w in writers[:-1]) and not writers[-1].parts  # the output keeps one file a task
