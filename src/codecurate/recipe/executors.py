"""datatrove executors for the segments of a plan: local, Slurm or Ray, chained by dependencies."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from datatrove.executor.base import PipelineExecutor

from codecurate.core.folders import is_url
from codecurate.recipe.plan import Plan
from codecurate.recipe.schema import CODECURATE_EXECUTOR_KEYS, Recipe, _executor_class
from codecurate.recipe.slurm import SLURM_DEFAULT_MAX_ARRAY_SIZE, SlurmExecutor, cluster_max_array_size

__all__ = ["SLURM_DEFAULT_MAX_ARRAY_SIZE", "SlurmExecutor", "cluster_max_array_size", "make_executors"]


def make_executors(recipe: Recipe, plan: Plan) -> list[PipelineExecutor]:
    """One executor per segment, each depending on the one before (Slurm jobs chain with afterok)."""
    kind = recipe.executor["type"]
    params = {k: v for k, v in recipe.executor.items() if k not in ("type", *CODECURATE_EXECUTOR_KEYS)}
    if kind == "slurm" and not any(k in params for k in ("venv_path", "condaenv", "env_command")):
        activate = Path(sys.prefix) / "bin" / "activate"
        if sys.prefix != sys.base_prefix and activate.is_file():  # the jobs run in this virtual environment
            params["venv_path"] = str(activate)
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
            # Slurm writes its own logs on the nodes' file system: beside the output on a (shared) disk,
            # under the submitting directory when the output is a URL (datatrove's choice too)
            logs = os.path.abspath(os.path.join("slurm_logs", recipe.name, segment.name)) if is_url(plan.output) \
                else str(plan.output / "logs" / "slurm" / segment.name)
            options.setdefault("slurm_logs_folder", logs)
            options.setdefault("max_array_size", -1)  # the cluster's MaxArraySize, read at submission
        executor = cls(
            pipeline=segment.steps,
            logging_dir=str(plan.output / "logs" / segment.name),
            depends=previous,
            **options,
        )
        if hasattr(executor, "stage_labels"):  # the recipe stage of each step, for the messages of a failed task
            executor.stage_labels = tuple(stage or charge for stage, charge in zip(segment.stage_ids,
                                                                                    segment.charge_ids))
        executors.append(executor)
        previous = executor
    return executors
