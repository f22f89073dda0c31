"""datatrove's Slurm executor sized to the cluster: arrays within its MaxArraySize, every array of a
segment a dependency of the next, failed tasks freeing the queue (``SlurmExecutor``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from datatrove.executor.slurm import SlurmPipelineExecutor, launch_slurm_job

from codecurate.recipe.errors import ReadableTaskErrors, TaskError

#: Slurm's own default MaxArraySize, used when ``scontrol`` cannot tell the cluster's.
SLURM_DEFAULT_MAX_ARRAY_SIZE = 1001


def cluster_max_array_size() -> int | None:
    """The cluster's ``MaxArraySize`` from ``scontrol show config``, or ``None`` when it cannot be read."""
    try:
        done = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", done.stdout, re.MULTILINE)
    return int(match.group(1)) if done.returncode == 0 and match else None


#: Slurm's time formats (sbatch --time): minutes, minutes:seconds, hours:minutes:seconds, days-hours,
#: days-hours:minutes, days-hours:minutes:seconds, or no limit
SLURM_TIME = re.compile(r"\d+(:\d{1,2}){0,2}|\d+-\d{1,2}(:\d{1,2}){0,2}|(?i:unlimited|infinite)")


def time_problem(value: object) -> str | None:
    """What is wrong with an executor's ``time`` for Slurm, with how to write it; ``None`` when right."""
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 1:00:00 as 3600 (base 60)
        hours, rest = divmod(value, 3600)
        written = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        return (f"expected a Slurm time string, got the integer {value}: YAML reads an unquoted {written} as the "
                f"base-60 number {value}; quote it: time: \"{written}\" (--set 'executor.time=\"{written}\"'), "
                f"or time: \"{value}\" for {value} minutes")
    if not isinstance(value, str) or not SLURM_TIME.fullmatch(value.strip()):
        return (f"{value!r} is not a Slurm time: write minutes (\"90\"), \"HH:MM:SS\", \"D-HH:MM:SS\" or "
                "\"UNLIMITED\", quoted")
    return None


def partition_problem(partition: object) -> str | None:
    """A partition ``sinfo`` does not list, when Slurm is reachable here (``None`` otherwise, or when it
    is listed)."""
    try:
        done = subprocess.run(["sinfo", "-h", "-o", "%R"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    known = sorted({line.strip() for line in done.stdout.splitlines() if line.strip()})
    if done.returncode != 0 or not known or partition in known:
        return None
    return f"partition {partition!r} is not one sinfo lists here: {', '.join(known)}"


class SlurmExecutor(ReadableTaskErrors, SlurmPipelineExecutor):
    """datatrove's ``SlurmPipelineExecutor``, sized to the cluster and safe with several arrays.

    - At submission the array size is the smaller of the cluster's ``MaxArraySize`` (``scontrol show
      config``) and ``max_array_size`` (``-1``: the cluster's alone); more tasks than that are
      submitted as several arrays, each starting when the one before has left the queue (datatrove's
      split, ``RUN_OFFSET``).
    - A segment depends with ``afterok`` on every array of the segment before, not only on its last
      one (datatrove's), so a task failed in an earlier array holds the segments after it.
    - Jobs are submitted with ``--kill-on-invalid-dep=yes`` (``sbatch_args`` may override): when a task
      fails, the jobs that depend on it leave the queue instead of pending forever, so the output's
      lock is released and the same recipe can be submitted again; datatrove then submits only the
      tasks without a completion marker.
    - A task's error is told in two lines (``codecurate.recipe.errors``): at the top of the task's log,
      in ``errors/<rank>.json`` (what ``codecurate run`` with ``wait`` and ``codecurate report`` print),
      and as the last lines of the job's Slurm log, which then exits with status 1 without a second
      traceback (datatrove's logger wrote the first into both logs).

    ``job_ids`` lists every array submitted; ``job_id`` is the last one, as in datatrove.
    """

    @property
    def job_id(self) -> str | int | None:
        """The last array submitted (``-1``: every task was already complete, ``None``: not submitted)."""
        return self.__dict__.get("_job_id")

    @job_id.setter
    def job_id(self, value: str | int | None) -> None:
        self.__dict__["_job_id"] = value
        if value not in (None, -1):
            self.__dict__.setdefault("job_ids", []).append(str(value))

    def run(self) -> None:
        """Submit the jobs; inside a job (``SLURM_ARRAY_TASK_ID``), run its tasks, a failed one ending the
        job with its two lines on stderr."""
        if "SLURM_ARRAY_TASK_ID" not in os.environ:
            return super().run()
        try:
            super().run()
        except TaskError as error:
            print(f"codecurate: {error}", file=sys.stderr, flush=True)
            sys.exit(1)

    def array_size_limit(self) -> int:
        """The most tasks one array may hold: min(cluster's MaxArraySize, ``max_array_size`` when > 0)."""
        cluster = cluster_max_array_size()
        if cluster == 0:
            raise RuntimeError("job arrays are disabled on this Slurm cluster (MaxArraySize=0)")
        limits = [value for value in (cluster, self.max_array_size) if value is not None and value > 0]
        return min(limits) if limits else SLURM_DEFAULT_MAX_ARRAY_SIZE

    def launch_job(self) -> None:
        """Submit the segments this one depends on, then this one's incomplete tasks."""
        if self.depends:
            if not self.depends.job_id:
                self.depends.launch_job()
            upstream = self.depends.__dict__.get("job_ids") or (
                [str(self.depends.job_id)] if self.depends.job_id not in (None, -1) else [])
            if upstream:
                self.depends_job_id = ":".join(upstream)  # afterok:ID:ID:..., every array
            self.depends = None
        self.max_array_size = self.array_size_limit()  # before datatrove pickles the executor for the tasks
        super().launch_job()

    def get_sbatch_args(self, max_array: int = 1) -> dict:
        """datatrove's directives with ``kill-on-invalid-dep=yes`` unless ``sbatch_args`` sets it."""
        return {"kill-on-invalid-dep": "yes", **super().get_sbatch_args(max_array)}

    def launch_merge_stats(self) -> None:
        """datatrove's stats merge, after every array of this segment (datatrove waits for the last)."""
        launch_slurm_job(
            self.get_launch_file_contents(
                {
                    **self.get_sbatch_args(),
                    "cpus-per-task": 1,
                    "mem-per-cpu": "1G",
                    "dependency": f"afterok:{':'.join(self.__dict__.get('job_ids') or [str(self.job_id)])}",
                },
                f"merge_stats {self.logging_dir.resolve_paths('stats')} "
                f"-o {self.logging_dir.resolve_paths('stats.json')}",
            ),
            self.job_id_retriever,
        )


def describe_submission(executors: list[SlurmExecutor]) -> list[str]:
    """What submitting ``executors`` (one per segment, in order) would do, for ``codecurate validate``:
    per segment its jobs, the arrays they are split into (the cluster's ``MaxArraySize`` when ``scontrol``
    answers, else Slurm's default), what it waits for, and its sbatch directives. Submits nothing."""
    import math
    import tempfile

    cluster = cluster_max_array_size()
    lines = [f"  array limit: {cluster} (the cluster's MaxArraySize)" if cluster is not None else
             f"  array limit: {SLURM_DEFAULT_MAX_ARRAY_SIZE} (Slurm's default MaxArraySize; scontrol did not answer "
             "here) or the executor's max_array_size"]
    previous = None
    for executor in executors:
        limits = [value for value in (cluster, executor.max_array_size) if value is not None and value > 0]
        limit = min(limits) if limits else SLURM_DEFAULT_MAX_ARRAY_SIZE
        jobs = math.ceil(executor.world_size / executor.tasks_per_job)
        arrays = math.ceil(jobs / limit)
        after = f"after every array of {previous} succeeds (afterok)" if previous else "first"
        name = executor.job_name
        lines.append(f"  {name}: {executor.world_size} tasks in {jobs} jobs, {arrays} array{'s' if arrays > 1 else ''}"
                     f" of at most {limit}; {after}")
        real = executor.slurm_logs_folder
        with tempfile.TemporaryDirectory() as scratch:  # datatrove's directives, without creating the log folder
            executor.slurm_logs_folder = scratch
            try:
                directives = executor.get_sbatch_args(min(jobs, limit))
            finally:
                executor.slurm_logs_folder = real
        for key in ("output", "error"):
            if key in directives:
                directives[key] = f"{real}/%A_%a.out"
        lines.append("    sbatch " + " ".join(f"--{key}={value}" if value != "" else f"--{key}"
                                              for key, value in directives.items() if value is not None))
        previous = name
    return lines
