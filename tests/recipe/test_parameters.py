"""A block's parameters are checked against the block's own ``__init__``: its annotations and the
bounds it declares (``Annotated[int, Interval(...)]``), as the recipe's data (a list is a tuple's
value, ``"3"`` is no int); the engine adds no bound of its own to a parameter because of its name.
And ``--input`` asks the code readers which of them reads a path."""

from __future__ import annotations

import datetime
from typing import Annotated

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from annotated_types import Interval
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseReader

from codecurate.core import registry
from codecurate.recipe.inputs import input_entry
from codecurate.recipe.schema import RecipeError, validate
from tests.conftest import write


class Sized(PipelineStep):
    """A step of another package, with a bounded size, a pair, a union and a plain ``buckets``."""

    name = "sized"

    def __init__(
        self,
        size: Annotated[int, Interval(ge=2, le=5)] = 3,
        pair: tuple[float, float] = (0.5, 0.5),
        labels: str | list[str] | None = None,
        note: str = None,
        buckets: int = 16,
    ):
        super().__init__()
        self.size, self.pair, self.labels, self.note, self.buckets = size, pair, labels, note, buckets

    def run(self, data, rank: int = 0, world_size: int = 1):
        yield from data


SIZED = f"{__name__}:Sized"


def recipe_with(params) -> dict:
    return {
        "name": "p",
        "output": "out",
        "inputs": [{"reader": "documents", "params": {"data_folder": "."}}],
        "stages": [{"block": SIZED, "params": params}],
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": 1}, "stages[0].params.size: must be >= 2, got 1"),
        ({"size": 6}, "stages[0].params.size: must be <= 5, got 6"),
        ({"size": "3"}, "stages[0].params.size: expected int, got '3' (str)"),
        ({"size": True}, "stages[0].params.size: expected int, got True (bool)"),
        ({"pair": [0.1, "x"]}, "stages[0].params.pair[1]: expected float, got 'x' (str)"),
        ({"pair": [0.1]}, "stages[0].params.pair: too few items, got [0.1]"),
        ({"labels": 3}, "stages[0].params.labels: expected str or list[str], got 3 (int)"),
        ({"labels": ["a", 3]}, "stages[0].params.labels: expected str or list[str], got ['a', 3] (list)"),
        ({"note": datetime.date(2020, 1, 2)}, "stages[0].params.note: expected str, got datetime.date(2020, 1, 2)"),
        ({"sizes": 3}, "stages[0].params.sizes: unknown parameter 'sizes' for '" + SIZED + "'; known: size, pair"),
    ],
)
def test_a_parameter_is_checked_against_the_blocks_own_signature(params, message):
    with pytest.raises(RecipeError) as refused:
        validate(recipe_with(params))
    assert message in str(refused.value)
    assert "1 problem in the recipe" in str(refused.value)


def test_the_block_gets_the_recipes_values_as_written_and_the_engine_bounds_no_parameter_by_name():
    recipe = validate(recipe_with({"size": 5, "pair": [0.1, 0.9], "labels": ["a"], "note": None, "buckets": 0}))
    built = recipe.stages[0].build()
    assert (built.size, built.pair, built.labels, built.note) == (5, [0.1, 0.9], ["a"], None)
    assert built.buckets == 0  # a 'buckets' of this block is unbounded: its own signature says so
    with pytest.raises(RecipeError, match=r"stages\[0\].params.buckets: must be >= 1, got 0"):
        validate({**recipe_with({}), "stages": [{"block": "group_by_repository", "params": {"buckets": 0}}]})


class Bundles(BaseReader):
    """A code reader of another package that reads ``--input X.bundle``."""

    name = "bundles"
    provides = "code"
    reads_input = "a .bundle file"

    @classmethod
    def input_params(cls, path: str) -> dict | None:
        return {"bundle": path} if path.endswith(".bundle") else None

    def __init__(self, bundle: str):
        super().__init__()
        self.bundle = bundle

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        yield from ()


def test_input_asks_the_code_readers_which_reads_the_path(tmp_path, monkeypatch):
    registry.available()
    monkeypatch.setitem(registry._REGISTRY, "bundles", Bundles)
    assert input_entry(str(tmp_path / "x.bundle")) == {
        "reader": "bundles",
        "params": {"bundle": str(tmp_path / "x.bundle")},
    }
    write(tmp_path / "repos" / "one" / "a.py", "x = 1\n")
    assert input_entry(str(tmp_path / "repos")) == {
        "reader": "repositories",
        "params": {"data_folder": str(tmp_path / "repos")},
    }
    pq.write_table(pa.table({"content": ["x = 1\n"]}), tmp_path / "repos" / "one" / "p.parquet")
    assert input_entry(str(tmp_path / "repos"))["reader"] == "the_stack"  # before the fallback, any folder
    with pytest.raises(ValueError) as refused:
        input_entry(str(tmp_path / "absent"))
    assert (
        f"--input {tmp_path / 'absent'}: no reader reads it (it does not exist): bundles reads a .bundle file; "
        in str(refused.value)
    )
    assert str(refused.value).endswith("repositories reads a folder of repositories (on disk)")


def test_a_path_or_name_parameter_the_block_declares_is_normalised_as_a_path():
    recipe = {"name": "p", "output": "out", "inputs": [{"reader": "huggingface", "params": {"dataset": "a/../../b"}}]}
    with pytest.raises(RecipeError, match=r"inputs\[0\].params.dataset: 'a/../../b' names 'a' and climbs out"):
        validate(recipe)
