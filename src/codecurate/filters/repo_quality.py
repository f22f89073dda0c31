"""Repository quality: score repositories from stars, commits and test files; drop the lowest 10%.

The score (``codecurate.scoring``, shared with project-level dedup) is explicit::

    score = stars_weight * log1p(stars) + commits_weight * log1p(commits) + tests_weight * log1p(test_files)

An unknown stars or commits count contributes 0. ``test_files`` counts the repository's files whose
path looks like a test (``is_test_file``). The cut is corpus-wide: repositories are ranked by
(score, repository id) and the first ``floor(drop_fraction * repositories)`` are dropped, so
exactly that share goes, ties broken by id, whatever the task count.

Three passes: every task measures the repositories in its share of the input (a repository split
over several tasks is merged later), one task merges the measures and computes the cut, then every
task filters.
"""

from __future__ import annotations

import json
import math

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter, Verdict
from codecurate.core.folders import datafolder, file_in, read_json, write_json
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.scoring import is_test_file, quality_score

__all__ = ["RepositoryQuality", "is_test_file", "quality_score"]


class MeasureRepositories(PipelineStep):
    """Per task: stars, commits, file and test-file counts of each repository, to ``<folder>/<rank>.jsonl``."""

    type = "📏 - MEASURE"
    name = "measure repositories"
    #: what it writes (measures per repository) is not matched by the place of a document in its task
    matched_by_position = False

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        measures: dict[str, dict] = {}
        for document in data or ():
            repo = document.metadata.get(keys.REPO)
            if repo is None:
                continue
            entry = measures.setdefault(repo, {"repo": repo, "stars": None, "commits": None, "files": 0,
                                                "test_files": 0})
            for key, field in ((keys.STARS, "stars"), (keys.COMMITS, "commits")):
                value = document.metadata.get(key)
                if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
                    entry[field] = max(entry[field] or 0, int(value))
            entry["files"] += 1
            entry["test_files"] += is_test_file(document.metadata.get(keys.PATH) or "")
        with datafolder(self.folder).open(f"{rank:05d}.jsonl", "w", encoding="utf-8") as f:
            for entry in measures.values():
                f.write(json.dumps(entry) + "\n")
        self.stat_update("repositories", value=len(measures))
        return
        yield


class QualityCut(PipelineStep):
    """One task: merge the measures, score every repository, choose the ones to drop."""

    type = "📏 - MEASURE"
    name = "quality cut"

    def __init__(self, measures: str, result: str, weights: tuple[float, float, float], drop_fraction: float):
        super().__init__()
        self.measures = measures
        self.result = result
        self.weights = weights
        self.drop_fraction = drop_fraction

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        merged: dict[str, dict] = {}
        folder = datafolder(self.measures)
        for part in folder.list_files(glob_pattern="*.jsonl", recursive=False) if folder.isdir("") else []:
            with folder.open(part, "r", encoding="utf-8") as f:
                for line in f:
                    entry = json.loads(line)
                    into = merged.setdefault(entry["repo"], {"stars": None, "commits": None, "files": 0,
                                                             "test_files": 0})
                    for field in ("stars", "commits"):
                        if entry[field] is not None:
                            into[field] = max(into[field] or 0, entry[field])
                    into["files"] += entry["files"]
                    into["test_files"] += entry["test_files"]
        scores = {repo: quality_score(m["stars"], m["commits"], m["test_files"], self.weights)
                  for repo, m in merged.items()}
        ranked = sorted(scores, key=lambda repo: (scores[repo], repo))
        dropped = ranked[: math.floor(self.drop_fraction * len(ranked))]
        result = {
            "repositories": len(ranked),
            "dropped": len(dropped),
            "highest_dropped_score": scores[dropped[-1]] if dropped else None,
            "weights": list(self.weights),
            "scores": {repo: round(scores[repo], 6) for repo in ranked},
            "drop": dropped,
        }
        write_json(*file_in(self.result), result, indent=None)
        self.stat_update("repositories", value=len(ranked))
        self.stat_update("repositories_dropped", value=len(dropped))
        return
        yield


class QualityFilter(CodecurateFilter):
    """Drop the files of the repositories the cut chose (``low_quality_repository``); score the rest."""

    name = "repository quality"

    def __init__(self, result: str):
        super().__init__()
        self.result = result

    def load_decisions(self, rank: int) -> tuple[dict[str, float], set[str]]:
        """``(repository -> score, repositories to drop)``, as the cut decided."""
        result = read_json(*file_in(self.result))
        return result["scores"], set(result["drop"])

    def apply_decision(self, document: Document, index: int, decisions: tuple[dict[str, float], set[str]]) -> Verdict:
        scores, drop = decisions
        repo = document.metadata.get(keys.REPO)
        if repo is not None and repo in scores:
            document.metadata[keys.QUALITY_SCORE] = scores[repo]
        if repo is not None and repo in drop:
            return False, "low_quality_repository"
        return True


@register("repository_quality")
class RepositoryQuality(MultiStageBlock):
    """Drop the lowest-scoring ``drop_fraction`` of repositories (score formula in the module doc).

    Args:
        drop_fraction: share of repositories dropped (0.1 in the paper).
        stars_weight, commits_weight, tests_weight: weights of the score's three terms.
    """

    def __init__(
        self,
        drop_fraction: float = 0.1,
        stars_weight: float = 1.0,
        commits_weight: float = 1.0,
        tests_weight: float = 1.0,
    ):
        if not 0 <= drop_fraction < 1:
            raise ValueError(f"drop_fraction must be in [0, 1), got {drop_fraction}")
        self.drop_fraction = drop_fraction
        self.weights = (stars_weight, commits_weight, tests_weight)

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        measures = context.work_folder / "measures"
        result = context.work_folder / "quality.json"
        measure = context.segment("measure", observes=True)
        measure.add(context.reader(input_folder), None)
        measure.add(MeasureRepositories(str(measures)), None)
        cut = context.segment("cut", tasks=1)
        cut.add(QualityCut(str(measures), str(result), self.weights, self.drop_fraction), None)
        apply = context.segment("filter")
        apply.add(context.reader(input_folder), None)
        apply.add(context.bind(QualityFilter(str(result))), context.stage_id)
        return [measure, cut, apply]
