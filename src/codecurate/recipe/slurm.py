"""datatrove's Slurm executor sized to the cluster: arrays within its MaxArraySize, every array of a
segment a dependency of the next, failed tasks freeing the queue (``SlurmExecutor``)."""

from __future__ import annotations

import re
import subprocess

from datatrove.executor.slurm import SlurmPipelineExecutor, launch_slurm_job

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


class SlurmExecutor(SlurmPipelineExecutor):
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
