"""datatrove executors for the segments of a plan: local, Slurm or Ray, chained by dependencies."""

from __future__ import annotations

import os

from datatrove.executor.base import PipelineExecutor

from codecurate.recipe.plan import Plan
from codecurate.recipe.schema import Recipe, _executor_class


def make_executors(recipe: Recipe, plan: Plan) -> list[PipelineExecutor]:
    """One executor per segment, each depending on the one before (Slurm jobs chain with afterok)."""
    kind = recipe.executor["type"]
    params = {k: v for k, v in recipe.executor.items() if k != "type"}
    cls = _executor_class(kind)
    executors: list[PipelineExecutor] = []
    previous = None
    for segment in plan.segments:
        options = dict(params)
        if segment.tasks is not None:
            options["tasks"] = segment.tasks
        tasks = int(options.get("tasks", 1))
        if kind == "local":
            workers = int(options.get("workers", -1))
            cpus = os.cpu_count() or 1
            options["workers"] = min(tasks, cpus) if workers == -1 else min(workers, tasks)
        if kind == "slurm":
            options.setdefault("job_name", f"{recipe.name}-{segment.name}")
            options.setdefault("slurm_logs_folder", str(plan.output / "logs" / "slurm" / segment.name))
        executor = cls(
            pipeline=segment.steps,
            logging_dir=str(plan.output / "logs" / segment.name),
            depends=previous,
            **options,
        )
        executors.append(executor)
        previous = executor
    return executors
