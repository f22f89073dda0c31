"""Static analysis: an external analyzer reports problems per file; files with too many problems
per thousand lines are dropped.

The paper ran SonarQube, a server. An ``Analyzer`` is anything that takes a batch of files and
returns a problem count for each; ``RuffAnalyzer`` is the offline implementation for Python (ruff's
defect and security rules, one ruff process per batch of files, not per file). Another analyzer
(SonarQube's scanner, eslint, ...) plugs in by subclassing ``Analyzer`` and registering it in
``ANALYZERS``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.batching import batched

from codecurate import documents as keys
from codecurate.blocks import CodecurateFilter
from codecurate.recipe.registry import register


class Analyzer(ABC):
    """Reports the number of problems in each file of a batch; ``languages`` are the ones it reads."""

    name: str = "analyzer"
    languages: frozenset[str] = frozenset()
    extension: str = ""

    @abstractmethod
    def analyze(self, texts: list[str]) -> list[int]:
        """Problem counts, one per text, in order."""


class RuffAnalyzer(Analyzer):
    """ruff's defect and security rules on Python files: pyflakes (F), syntax (E9), bugbear (B),
    bandit security (S) and pylint errors (PLE), with ruff's own defaults for everything else."""

    name = "ruff"
    languages = frozenset({"Python"})
    extension = ".py"
    DEFAULT_RULES = ("F", "E9", "B", "S", "PLE")

    def __init__(self, rules: tuple[str, ...] | list[str] = DEFAULT_RULES, timeout_seconds: float = 300):
        self.rules = tuple(rules)
        self.timeout_seconds = timeout_seconds

    def analyze(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        with tempfile.TemporaryDirectory(prefix="codecurate-ruff-") as folder:
            for index, text in enumerate(texts):
                Path(folder, f"f{index:06d}{self.extension}").write_text(text, encoding="utf-8", errors="surrogatepass")
            command = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--exit-zero",
                       "--output-format", "json", "--select", ",".join(self.rules), folder]
            done = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout_seconds, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"ruff failed ({done.returncode}): {done.stderr.strip()[:500]}")
            counts = [0] * len(texts)
            for problem in json.loads(done.stdout or "[]"):
                index = int(Path(problem["filename"]).stem[1:])
                counts[index] += 1
            return counts


ANALYZERS: dict[str, type[Analyzer]] = {"ruff": RuffAnalyzer}


@register("static_analysis")
class StaticAnalysisFilter(CodecurateFilter):
    """Drop files with more than ``max_problems_per_kloc`` analyzer problems per 1,000 lines
    (reason ``analysis_problems``); files in languages the analyzer does not read pass.

    Args:
        analyzer: name in ``ANALYZERS`` (``ruff``).
        max_problems_per_kloc: threshold; a file under 1,000 lines counts as 1,000 lines' worth
            only from ``min_lines`` up, so one problem in a 3-line file is not 333 per KLOC.
        min_lines: files shorter than this are judged as if they had this many lines.
        batch_size: files per analyzer run.
    """

    name = "static_analysis"

    def __init__(
        self,
        analyzer: str = "ruff",
        max_problems_per_kloc: float = 20.0,
        min_lines: int = 50,
        batch_size: int = 256,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        if analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer {analyzer!r}; known: {', '.join(ANALYZERS)}")
        if max_problems_per_kloc < 0 or min_lines < 1 or batch_size < 1:
            raise ValueError("max_problems_per_kloc must be >= 0, min_lines and batch_size >= 1")
        self.analyzer_name = analyzer
        self.analyzer = ANALYZERS[analyzer]()
        self.max_problems_per_kloc = max_problems_per_kloc
        self.min_lines = min_lines
        self.batch_size = batch_size

    def filter(self, document: Document) -> bool | tuple[bool, str]:  # one file: a batch of one
        return self._judge([document])[0]

    def _judge(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        wanted = [i for i, d in enumerate(batch) if d.metadata.get(keys.LANGUAGE) in self.analyzer.languages
                  and d.metadata.get(keys.KIND) != keys.KIND_TEXT]
        results: list[bool | tuple[bool, str]] = [True] * len(batch)
        with self.track_time("batch"):
            counts = self.analyzer.analyze([batch[i].text for i in wanted])
        for i, problems in zip(wanted, counts):
            document = batch[i]
            lines = max(self.min_lines, document.text.count("\n") + 1)
            per_kloc = problems * 1000 / lines
            document.metadata[keys.ANALYSIS_PROBLEMS] = problems
            document.metadata[keys.ANALYSIS_PROBLEMS_PER_KLOC] = round(per_kloc, 2)
            if per_kloc > self.max_problems_per_kloc:
                results[i] = (False, "analysis_problems")
        return results

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.exclusion_output() as excluded:
            for batch in batched(data or (), self.batch_size):
                batch = list(batch)
                for document, result in zip(batch, self._judge(batch)):
                    self.count_in(document)
                    keep, reason = result if isinstance(result, tuple) else (result, None)
                    if keep:
                        self.count_kept(document)
                        yield document
                    else:
                        self.drop(document, reason, excluded, rank)
