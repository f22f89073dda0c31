"""``opt_out``: drop, as they are read, the files an opt-out list names (``codecurate.optout``)."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import documents as keys
from codecurate.core.blocks import CodecurateFilter, Verdict
from codecurate.core.registry import register
from codecurate.optout import read_opt_out

#: counter ``matched_line/<line>``: documents each entry of the list matched
STAT_MATCHED_LINE = "matched_line/"
#: counter: documents an ``author`` entry could not judge (their reader recorded no authors)
STAT_AUTHORS_UNKNOWN = "authors_not_recorded"


@register("opt_out")
class OptOut(CodecurateFilter):
    """Drop every document the opt-out list ``opt_out_file`` names: a repository, an author (files of
    git work trees read with ``record_authors``), a ``REPO/PATH`` glob, a content id. Put it first
    among the stages: it then runs in the readers' pipeline, before any block reads the text.

    Dropped as ``opted_out_<kind>`` (``opted_out_repository``...); the exclusions keep their metadata
    and the entry's line (``matched_line/<line>`` counters), not their text. A malformed list is
    refused when the recipe is validated, with its line.

    Args:
        opt_out_file: the opt-out list.
    """

    name = "opt_out"

    def __init__(self, opt_out_file: str, exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        self.opt_out_file = opt_out_file
        self.opt_out = read_opt_out(opt_out_file)

    def filter(self, document: Document) -> Verdict:
        entry = self.opt_out.match(document)
        if entry is None:
            if self.opt_out.names_authors and keys.AUTHOR_IDS not in document.metadata:
                self.stat_update(STAT_AUTHORS_UNKNOWN)
            return True
        self.stat_update(f"{STAT_MATCHED_LINE}{entry.line}")
        return False, entry.reason

    def drop(
        self, document: Document, reason: str, writer: DiskWriter | None, rank: int, size: int | None = None
    ) -> None:
        """Counted and written like any drop, without the text its owner asked to remove."""
        document.text = ""
        super().drop(document, reason, writer, rank, size=size)
