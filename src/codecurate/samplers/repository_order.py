"""The repository ordering stage: one strategy per repository, drawn with the paper's
probabilities and seeded by the repository id; each file's strategy and position go to metadata."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting
from codecurate.core.registry import register
from codecurate.core.report_sections import Plot, Section, StageOutput
from codecurate.metadata import repository_groups, text_bytes
from codecurate.parsing import hold, release
from codecurate.seeding import checked_weights, rng_for

STRATEGIES = ("content", "path", "dependency", "random", "topological")
DEFAULT_WEIGHTS = {"content": 0.3, "path": 0.3, "dependency": 0.3, "random": 0.1}


@register("repository_order")
class RepositoryOrder(Accounting, PipelineStep):
    """Reorder each repository's files by a strategy drawn per repository (Algorithm 1).

    Natural-language articles pass through untouched. Repositories (each kept whole, in its order)
    and articles are interleaved in a seeded random order through a shuffle buffer: up to
    ``interleave_units`` units (a repository or an article) or ``interleave_bytes`` of text are
    held, and a random one leaves whenever the buffer is full (so memory stays bounded on a task of
    any size; the shards are shuffled again when they are written).

    Args:
        weights: strategy -> probability (content, path, dependency, random: 30/30/30/10 in the paper;
            ``topological`` is Ling-Coder-Lite's order). Normalised.
        interleave_units: the shuffle buffer's size in units; 1 keeps the input order.
        interleave_bytes: the buffer's bound in bytes of text (a big repository leaves sooner).
        seed: the recipe seed unless given.
    """

    type = "🗂 - ORDER"
    name = "repository_order"

    @classmethod
    def report_document(cls, metadata: dict, tally: dict) -> None:
        """Note the strategy a curated document's repository drew (``codecurate.core.report_sections``)."""
        if metadata.get(keys.ORDER_STRATEGY) and metadata.get(keys.REPO):
            tally[metadata[keys.REPO]] = metadata[keys.ORDER_STRATEGY]

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """The strategies drawn, counted per repository."""
        counts = dict(Counter(output.tally.values()).most_common())
        rows = ["| strategy | repositories |", "|---|---|", *(f"| {k} | {v:,} |" for k, v in counts.items())]
        return [Section("Order strategies drawn (repositories)", rows if counts else [], {"order_strategies": counts},
                        plots=[Plot("strategies", "Order strategy drawn per repository", "repositories", counts)])]

    def __init__(self, weights: dict[str, float] | None = None, interleave_units: int = 256,
                 interleave_bytes: int = 256 << 20, seed: int = 0, exclusion_writer: DiskWriter | None = None):
        super().__init__()
        weights = checked_weights("weights", DEFAULT_WEIGHTS if weights is None else weights, STRATEGIES, "strategies")
        if interleave_units < 1 or interleave_bytes < 1:
            raise ValueError("interleave_units and interleave_bytes must be >= 1")
        self.weights = weights
        self.interleave_units = interleave_units
        self.interleave_bytes = interleave_bytes
        self.seed = seed
        self.exclusion_writer = exclusion_writer

    def draw(self, repo: str):
        """``(strategy, generator)`` of a repository: the strategy drawn, the generator to go on with."""
        rng = rng_for(self.seed, "order", repo)
        names = sorted(self.weights)
        return rng.choices(names, weights=[self.weights[n] for n in names])[0], rng

    def order(self, repo: str, files: list) -> tuple[str, list[int]]:
        from codecurate.samplers import file_orders as orderers
        from codecurate.samplers.imports import import_graph

        strategy, rng = self.draw(repo)
        paths = [f.metadata.get(keys.PATH) or f.id for f in files]
        if strategy == "random":
            return strategy, orderers.random_order(len(files), rng)
        if strategy == "path":
            return strategy, orderers.path_order(paths, rng)
        if strategy == "content":
            return strategy, orderers.content_order([f.text for f in files], rng)
        graph = import_graph(files)  # dependency_graph's, without networkx
        for node, document in enumerate(files):  # the edges the order follows, for a person to see
            imported = [paths[callee] for callee in graph.successors(node) if callee != node]
            if imported:
                document.metadata[keys.ORDER_IMPORTS] = imported[: keys.ORDER_IMPORTS_SHOWN]
        if strategy == "dependency":
            return strategy, orderers.dependency_order(graph, paths, rng)
        return strategy, orderers.topological_order(graph, paths)

    def holding(self, data: DocumentsPipeline) -> DocumentsPipeline:
        """``data``, holding (``codecurate.parsing.hold``) the parse the block before made of each
        file whose repository's order needs the import graph: built once the repository is whole,
        the graph then needs no parse of its own (bounded: past the bound a file is parsed again)."""
        from codecurate.samplers.imports import RESOLVED_LANGUAGES

        needs: dict[str, bool] = {}
        for document in data or ():
            repo = document.metadata.get(keys.REPO)
            if repo is not None and document.metadata.get(keys.LANGUAGE) in RESOLVED_LANGUAGES:
                if repo not in needs:
                    needs.clear()
                    needs[repo] = self.draw(repo)[0] in ("dependency", "topological")
                if needs[repo]:
                    hold(document)
            yield document

    def units(self, data: DocumentsPipeline) -> Iterator[list[Document]]:
        """Each repository's files in their drawn order, and each article alone."""
        for repo, files in repository_groups(self.holding(data)):
            for document in files:
                self.count_in(document)
            articles = [d for d in files if repo is None or d.metadata.get(keys.KIND) == keys.KIND_TEXT]
            files = [d for d in files if repo is not None and d.metadata.get(keys.KIND) != keys.KIND_TEXT]
            for document in articles:  # natural-language articles pass untouched
                self.stat_update("articles")
                yield [document]
            if not files:
                continue
            files.sort(key=lambda d: (d.metadata.get(keys.PATH) or "", d.id))  # the input order never matters
            with self.track_time(), self.blame(files[0]):
                try:
                    strategy, order = self.order(repo, files)
                finally:
                    release(files)
            self.stat_update(f"strategy/{strategy}")
            for position, index in enumerate(order):
                files[index].metadata[keys.ORDER_STRATEGY] = strategy
                files[index].metadata[keys.ORDER_POSITION] = position
            yield [files[index] for index in order]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        rng = rng_for(self.seed, "interleave", rank)
        buffer: list[list[Document]] = []
        held = 0

        def release() -> list[Document]:
            nonlocal held
            index = rng.randrange(len(buffer))
            buffer[index], buffer[-1] = buffer[-1], buffer[index]
            unit = buffer.pop()
            held -= sum(text_bytes(d) for d in unit)
            return unit

        for unit in self.units(data):
            buffer.append(unit)
            held += sum(text_bytes(d) for d in unit)
            while buffer and (len(buffer) >= self.interleave_units or held >= self.interleave_bytes):
                yield from self.emit(release())
        while buffer:
            yield from self.emit(release())

    def emit(self, unit: list[Document]) -> Iterator[Document]:
        for document in unit:
            self.count_kept(document)
            yield document
