"""Blocks run from Python as ``codecurate run`` runs a recipe: a list of single- and multi-pass blocks,
codecurate's and datatrove's, planned and run by the recipe engine (same accounting, summary, exclusions
and resume), on the executor the recipe's ``executor`` names (local, Slurm, Ray).

A recipe is the serialised form of such a call: ``recipe_of`` gives the mapping a recipe file holds, and
``run_blocks`` runs it. A block is a registered name (``"exact_dedup"``) or a class (codecurate's or any
datatrove step), written as its import path; the engine builds each block from its parameters once per
plan, so blocks are given as ``Step(block, params)``, not as instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate


@dataclass
class Step:
    """One input (a reader) or stage of a run: the block, its parameters and, optionally, its stage id."""

    block: str | type
    params: dict = field(default_factory=dict)
    id: str | None = None

    def entry(self, name_key: str) -> dict:
        """The step as a recipe entry (``{reader|block: NAME, params: {...}, id: ...}``)."""
        block = self.block
        if isinstance(block, type):
            if block.__module__ == "__main__":
                raise ValueError(f"{block.__qualname__} is defined in the script being run: put it in a module the "
                                 "workers can import (the recipe names a class by its import path)")
            block = f"{block.__module__}:{block.__qualname__}"
        entry = {name_key: block, "params": dict(self.params)}
        if self.id is not None:
            entry["id"] = self.id
        return entry


def recipe_of(inputs: list[Step], stages: list[Step], output: str, *, name: str = "python", seed: int = 0,
              executor: dict | None = None) -> dict:
    """The recipe, as its file would hold it, of running ``stages`` over ``inputs`` into ``output``
    (``executor``: the recipe's ``executor`` mapping, local with datatrove's defaults if not given)."""
    return {
        "name": name,
        "seed": seed,
        "output": str(output),
        "executor": dict(executor or {"type": "local"}),
        "inputs": [step.entry("reader") for step in inputs],
        "stages": [step.entry("block") for step in stages],
    }


def run_blocks(inputs: list[Step], stages: list[Step], output: str, *, name: str = "python", seed: int = 0,
               executor: dict | None = None, overwrite: bool = False,
               keep_intermediate: bool | None = None) -> dict | None:
    """Run ``stages`` over ``inputs`` into ``output`` with the recipe engine; returns the run's summary (as
    ``summary.json``), or None for a Slurm run that does not wait. The recipe is validated first (every
    problem listed in a ``RecipeError``); a rerun into the same output resumes, a changed one reruns from its
    first changed stage (``keep_intermediate``: see ``run_recipe``). Call it under ``if __name__ ==
    "__main__":``: the local executor's workers import the calling script again."""
    recipe = validate(recipe_of(inputs, stages, output, name=name, seed=seed, executor=executor), source=name)
    return run_recipe(recipe, overwrite=overwrite, keep_intermediate=keep_intermediate)
