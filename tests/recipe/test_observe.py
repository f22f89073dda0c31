import pytest
from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep

from codecurate.recipe.observe import Observer, ObserverError
from codecurate.recipe.plan import build_plan
from codecurate.recipe.run import run_recipe
from tests.conftest import aixcoder_recipe, run_outputs


class Census(PipelineStep):
    """Reads every document, yields none (as a block's first pass does)."""

    name = "census"

    def __init__(self, fail_at: int | None = None, stop_after: int | None = None):
        super().__init__()
        self.seen: list[str] = []
        self.fail_at, self.stop_after = fail_at, stop_after

    def run(self, data, rank=0, world_size=1):
        for index, document in enumerate(data):
            if index == self.fail_at:
                raise ValueError("census broke")
            if index == self.stop_after:
                break
            self.seen.append(document.id)
            self.stat_update("documents")
        return
        yield


def documents(count: int):
    return (Document(text=f"text {i}", id=str(i)) for i in range(count))


def test_observer_passes_every_document_on_and_the_step_sees_them_all_in_order():
    census = Census()
    observer = Observer(census)
    out = [d.id for d in observer.run(documents(1000))]
    assert out == [str(i) for i in range(1000)] and census.seen == out
    assert observer.stats is census.stats and census.stats["documents"].total == 1000


def test_a_failing_observed_step_stops_the_pipeline_with_its_error():
    observer = Observer(Census(fail_at=10))
    with pytest.raises(ObserverError) as error:
        list(observer.run(documents(5000)))
    assert isinstance(error.value.__cause__, ValueError)


def test_a_step_that_stops_reading_early_does_not_block_the_pipeline():
    census = Census(stop_after=3)
    assert len(list(Observer(census).run(documents(2000)))) == 2000 and len(census.seen) == 3


def test_joined_passes_give_the_outputs_of_separate_segments(tmp_path, repo_root):
    joined = aixcoder_recipe(tmp_path / "joined", repo_root, "executor.workers=1")
    separate = aixcoder_recipe(tmp_path / "separate", repo_root, "executor.workers=1")
    assert len(build_plan(joined).segments) < len(build_plan(separate, join_passes=False).segments)
    run_recipe(joined)
    run_recipe(separate, join_passes=False)
    joined_outputs = run_outputs(tmp_path / "joined")
    assert joined_outputs == run_outputs(tmp_path / "separate") and all(joined_outputs)
    for name in ("tokens", "training"):
        assert sorted(p.name for p in (tmp_path / "joined" / name).iterdir()) == \
            sorted(p.name for p in (tmp_path / "separate" / name).iterdir())
