"""Base classes of codecurate blocks: stage accounting and the exclusion output.

Every block counts what it receives, what it keeps and what it drops (documents and UTF-8 bytes,
drops by reason) through datatrove's ``stat_update``; the recipe engine turns those counts into the
per-stage summary. A dropped document is never lost: it goes, with its reason and the id of the
stage that dropped it, to the block's exclusion writer when one is attached.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.batching import batched

from codecurate.metadata import EXCLUDED_BY, FILTER_REASON, describe, repository_groups, text_bytes

# stat names the run summary reads
STAT_IN = "in"
STAT_IN_BYTES = "in_bytes"
STAT_KEPT = "kept"
STAT_KEPT_BYTES = "kept_bytes"
STAT_DROPPED = "dropped/"
STAT_DROPPED_BYTES = "dropped_bytes/"
#: ``dropped_extension/<reason>/<extension>``: drops of one reason counted per file extension
STAT_DROPPED_EXTENSION = "dropped_extension/"


class BlockError(RuntimeError):
    """A block failed on a document; the message names the stage and the document."""


class Accounting:
    """Mixin for datatrove steps: in/kept/dropped counts and an exclusion output.

    ``stage_id`` names the recipe stage (the block's registry name when used outside a recipe);
    ``exclusion_writer`` receives every dropped document.
    """

    stage_id: str | None = None
    exclusion_writer: DiskWriter | None = None

    def bind(self, stage_id: str, exclusion_writer: DiskWriter | None = None) -> None:
        """Attach the recipe stage id and the writer for dropped documents (done by the engine)."""
        self.stage_id = stage_id
        if exclusion_writer is not None:
            self.exclusion_writer = exclusion_writer

    def count_in(self, document: Document, size: int | None = None) -> None:
        self.stat_update(STAT_IN)
        self.stat_update(STAT_IN_BYTES, value=text_bytes(document) if size is None else size)

    def count_kept(self, document: Document, size: int | None = None) -> None:
        self.stat_update(STAT_KEPT)
        self.stat_update(STAT_KEPT_BYTES, value=text_bytes(document) if size is None else size)

    @contextlib.contextmanager
    def exclusion_output(self) -> Iterator[DiskWriter | None]:
        """Open the exclusion writer (if any) for the duration of a ``run``."""
        if self.exclusion_writer is None:
            yield None
        else:
            with self.exclusion_writer as writer:
                yield writer

    @contextlib.contextmanager
    def blame(self, document: Document | list[Document]) -> Iterator[None]:
        """Re-raise an unexpected error of this block with the stage and the document (or the batch
        of documents) at fault."""
        try:
            yield
        except BlockError:
            raise
        except Exception as error:
            stage = self.stage_id or getattr(self, "name", type(self).__name__)
            if isinstance(document, list):
                at = describe(document[0]) if len(document) == 1 else \
                    f"a batch of {len(document)} documents from {describe(document[0])}"
            else:
                at = describe(document)
            raise BlockError(f"stage {stage!r} failed on {at}: {type(error).__name__}: {error}") from error

    def drop(
        self,
        document: Document,
        reason: str,
        writer: DiskWriter | None,
        rank: int,
        size: int | None = None,
    ) -> None:
        """Count ``document`` as dropped for ``reason`` and write it to the exclusion output."""
        self.stat_update(STAT_DROPPED + reason)
        self.stat_update(STAT_DROPPED_BYTES + reason, value=text_bytes(document) if size is None else size)
        if writer is not None:
            document.metadata[FILTER_REASON] = reason
            document.metadata[EXCLUDED_BY] = self.stage_id or getattr(self, "name", type(self).__name__)
            writer.write(document, rank)


class RepositoryGroups:
    """Mixin (before ``Accounting``) for a step that judges a repository's files together: ``run``
    takes each repository's contiguous files (``documents.repository_groups``), asks
    ``judge_repository(repo, files)`` for each file's drop reason (``None``: kept) and keeps the
    accounts; an article (no repository) passes unjudged."""

    def judge_repository(self, repo: str, files: list[Document]) -> list[str | None]:
        raise NotImplementedError

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.exclusion_output() as excluded:
            for repo, files in repository_groups(data or ()):
                for document in files:
                    self.count_in(document)
                reasons = [None] * len(files) if repo is None else self.judge_repository(repo, files)
                for document, reason in zip(files, reasons, strict=True):
                    if reason:
                        self.drop(document, reason, excluded, rank)
                    else:
                        self.count_kept(document)
                        yield document


class SharedFolder:
    """Mixin for a single-pass block that shares files between the tasks of a run (a cache): the
    recipe engine sets ``work_folder`` to a folder of the block's stage, ``OUTPUT/work/<stage id>``
    (left ``None`` outside a recipe)."""

    work_folder: str | None = None


#: a filter's verdict on one document: True to keep it, ``(False, reason)`` to drop it
Verdict = bool | tuple[bool, str]


class CodecurateFilter(Accounting, PipelineStep):
    """A filter: ``filter`` returns True to keep, or ``(False, reason)`` to drop with a reason.

    Like datatrove's ``BaseFilter``, with byte accounting, a mandatory reason and the stage id
    recorded on every excluded document. ``run`` is the one accounting loop of codecurate's filters
    (documents and bytes in, kept, dropped by reason, the exclusion output), with two options:

    - batching: with ``batch_size`` > 1, ``filter_batch`` judges that many documents at once (one
      analyzer call for many files); by default it calls ``filter`` on each.
    - deferred decisions: a filter applying what an earlier pass decided (dedup's drop lists, the
      repository cuts) reads it once per task with ``load_decisions`` and judges each document by
      ``apply_decision``, which is told the document's index in the task's input.
    """

    type = "🔻 - FILTER"
    #: documents judged at once by ``filter_batch``
    batch_size: int = 1
    #: a batch also ends once its texts reach this many bytes (None: only ``batch_size`` counts)
    batch_bytes: int | None = None
    #: set by a filter that rewrites the text it keeps (PII, commented code): given ``samples_folder``
    #: (the engine gives ``OUTPUT/samples/<stage id>``), it saves a few seeded before/after pairs there
    #: for the report page (``codecurate.core.samples``)
    rewrites_text: bool = False
    samples_folder: str | None = None
    #: the sample's text before the rewrite keeps only what the rewrite left alone (PII: what it
    #: replaced is the very thing no output may hold; ``codecurate.core.samples.mask_changes``)
    samples_mask_changes: bool = False

    def __init__(self, exclusion_writer: DiskWriter | None = None):
        super().__init__()
        self.exclusion_writer = exclusion_writer

    def filter(self, document: Document) -> Verdict:
        """True to keep ``document``; ``(False, reason)`` to drop it."""
        raise NotImplementedError(f"{type(self).__name__} implements neither filter nor filter_batch")

    def filter_batch(self, batch: list[Document]) -> list[Verdict]:
        """The verdicts on ``batch`` (``batch_size`` documents, fewer at the end), in order."""
        return [self.filter(document) for document in batch]

    def load_decisions(self, rank: int) -> Any:
        """What an earlier pass decided for task ``rank``, read before its first document; ``None``
        (the default): nothing was decided, ``filter_batch`` judges the documents."""
        return None

    def apply_decision(self, document: Document, index: int, decisions: Any) -> Verdict:
        """The verdict on ``document``, the ``index``-th of the task's input, from ``decisions``."""
        raise NotImplementedError(f"{type(self).__name__} loads decisions but does not apply them")

    def _verdicts(self, batch: list[Document], first: int, decisions: Any) -> list[Verdict]:
        with self.track_time("batch" if self.batch_size > 1 else None):
            if decisions is not None:
                return [self.apply_decision(document, first + i, decisions) for i, document in enumerate(batch)]
            verdicts = self.filter_batch(batch)
        if len(verdicts) != len(batch):
            raise ValueError(f"filter_batch gave {len(verdicts)} verdicts for {len(batch)} documents")
        return verdicts

    def _batches(self, data) -> Iterator[list[Document]]:
        if self.batch_bytes is None:
            yield from batched(data, self.batch_size)
            return
        batch: list[Document] = []
        size = 0
        for document in data:
            batch.append(document)
            size += text_bytes(document)
            if len(batch) >= self.batch_size or size >= self.batch_bytes:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        decisions = self.load_decisions(rank)
        first = 0
        samples = None
        if self.rewrites_text and self.samples_folder is not None:
            from codecurate.core.samples import RewriteSamples

            samples = RewriteSamples(self.samples_folder, self.stage_id or type(self).__name__,
                                     mask_changes=self.samples_mask_changes)
        with self.exclusion_output() as excluded:
            for batch in self._batches(data or ()):
                sizes = [text_bytes(document) for document in batch]  # counted as they enter: a filter may rewrite
                befores = [document.text for document in batch]
                for document, size in zip(batch, sizes):
                    self.count_in(document, size)
                with self.blame(batch):
                    verdicts = self._verdicts(batch, first, decisions)
                first += len(batch)
                for document, size, verdict, before in zip(batch, sizes, verdicts, befores):
                    keep, reason = verdict if isinstance(verdict, tuple) else (verdict, None)
                    if keep:
                        self.count_kept(document, size)
                        if samples is not None and document.text is not before and document.text != before:
                            samples.offer(document, before)
                        yield document
                    else:
                        self.drop(document, reason or type(self).__name__, excluded, rank, size=size)
        if samples is not None:
            samples.write(rank)
