"""``opt_out``: drop, as they are read, the files an opt-out list names (``codecurate.optout``)."""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter, Verdict
from codecurate.core.registry import register
from codecurate.optout import OptOutList, read_opt_out

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

    After a run, each entry that matched nothing is a run warning (the summary and the console say
    so); no list at all is one too.

    Args:
        opt_out_file: the opt-out list; ``None``: none yet, every document passes (a warning).
    """

    name = "opt_out"

    def __init__(self, opt_out_file: str | None, exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        self.opt_out_file = opt_out_file
        self.opt_out = read_opt_out(opt_out_file) if opt_out_file else OptOutList("no list")

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """No list; after a run, the entries that named nothing present (``codecurate.core.run_warnings``)."""
        path = params.get("opt_out_file")
        if not path:
            return ["no opt-out list given (params opt_out_file): no file is removed on request"]
        if stage is None:
            return []
        try:
            entries = read_opt_out(path).entries
        except (OSError, ValueError):
            return []
        counters = stage.get("counters") or {}
        unmatched = [str(e) for e in entries if not counters.get(f"{STAT_MATCHED_LINE}{e.line}")]
        if not unmatched:
            return []
        shown = "; ".join(unmatched[:5]) + (f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else "")
        named = f"{len(unmatched)} of {len(entries)} entries name nothing present in the input"
        return [f"opt-out list {path}: {named} ({shown})"]

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
