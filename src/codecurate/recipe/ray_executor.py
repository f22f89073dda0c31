"""datatrove's Ray executor, its failed tasks told in two lines by the process that drives the run."""

from __future__ import annotations

from datatrove.executor.ray import RayPipelineExecutor

from codecurate.recipe.errors import ReadableTaskErrors, TaskError, segment_failure


class RayExecutor(ReadableTaskErrors, RayPipelineExecutor):
    """datatrove's ``RayPipelineExecutor`` (same parameters) whose ``run`` raises when a task did not
    complete, instead of warning and returning (the next segment then waited for it forever): the
    ``TaskError`` the failed task recorded (``codecurate.recipe.errors``), or one naming the tasks that
    ended without a record (a worker lost, a timeout)."""

    def run(self) -> None:
        super().run()
        incomplete = self.get_incomplete_ranks(range(self.world_size))
        if not incomplete:
            return
        failure = segment_failure(self.logging_dir)
        if failure is not None:
            raise failure
        segment = self.logging_dir.path.rstrip("/").rsplit("/", 1)[-1]
        shown = ", ".join(map(str, incomplete[:10])) + (" ..." if len(incomplete) > 10 else "")
        raise TaskError(
            f"segment {segment}: {len(incomplete)} of {self.world_size} Ray tasks ended without "
            f"completing or recording an error (tasks {shown}: a worker lost or timed out)\n"
            f"  what to do: see the Ray logs and {self.logging_dir.resolve_paths('logs')}/; then run the "
            "same command again (completed tasks are skipped)",
            "error",
            segment,
            incomplete[0],
            self.logging_dir.resolve_paths("logs"),
        )
