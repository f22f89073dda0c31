"""The base filter's one accounting loop and its two options: batching and deferred decisions."""

from __future__ import annotations

import pytest

from codecurate.core import STAT_DROPPED, STAT_IN, STAT_IN_BYTES, STAT_KEPT, BlockError, CodecurateFilter
from tests.conftest import make_doc


def stat(block: CodecurateFilter, name: str) -> float:
    return block.stats[name].total if name in block.stats.stats else 0


def docs(n: int) -> list:
    return [make_doc("x" * (i + 1), f"src/f{i}.py") for i in range(n)]


class EveryThird(CodecurateFilter):
    """Drops every third document it judges; records the batches it was handed."""

    name = "every_third"

    def __init__(self, batch_size: int = 1):
        super().__init__()
        self.batch_size = batch_size
        self.batches: list[int] = []
        self.seen = 0

    def filter_batch(self, batch):
        self.batches.append(len(batch))
        verdicts = []
        for _ in batch:
            self.seen += 1
            verdicts.append(True if self.seen % 3 else (False, "third"))
        return verdicts


@pytest.mark.parametrize(("batch_size", "batches"), [(1, [1] * 7), (3, [3, 3, 1]), (10, [7])])
def test_batches_change_how_documents_are_judged_not_the_accounts(batch_size, batches):
    block = EveryThird(batch_size)
    kept = list(block.run(iter(docs(7))))
    assert block.batches == batches
    assert [d.metadata["path"] for d in kept] == ["src/f0.py", "src/f1.py", "src/f3.py", "src/f4.py", "src/f6.py"]
    assert (stat(block, STAT_IN), stat(block, STAT_KEPT), stat(block, STAT_DROPPED + "third")) == (7, 5, 2)
    assert stat(block, STAT_IN_BYTES) == sum(range(1, 8))


def test_a_batch_also_ends_at_batch_bytes():
    block = EveryThird(batch_size=10)
    block.batch_bytes = 6  # documents of 1..7 bytes: 1+2+3, 4+5, 6, 7
    kept = list(block.run(iter(docs(7))))
    assert block.batches == [3, 2, 1, 1]
    assert len(kept) == 5 and stat(block, STAT_IN_BYTES) == sum(range(1, 8))


class Decided(CodecurateFilter):
    """Applies a drop list by index in the task's input, as dedup's filters do."""

    name = "decided"

    def __init__(self, drops: dict[int, dict[int, str]]):
        super().__init__()
        self.drops = drops

    def load_decisions(self, rank):
        return self.drops.get(rank, {})

    def apply_decision(self, document, index, decisions):
        if index not in decisions:
            return True
        document.metadata["dropped_as"] = index
        return False, decisions[index]


def test_deferred_decisions_by_index_in_the_tasks_input():
    block = Decided({1: {0: "first", 2: "third"}})
    kept = list(block.run(iter(docs(4)), rank=1, world_size=2))
    assert [d.metadata["path"] for d in kept] == ["src/f1.py", "src/f3.py"]
    assert (stat(block, STAT_DROPPED + "first"), stat(block, STAT_DROPPED + "third")) == (1, 1)
    nothing = Decided({1: {0: "first"}})
    assert len(list(nothing.run(iter(docs(4)), rank=0, world_size=2))) == 4  # task 0 was decided nothing


def test_a_filter_that_judges_nothing_says_so():
    class Empty(CodecurateFilter):
        name = "empty"

    with pytest.raises(BlockError, match="implements neither filter nor filter_batch"):
        list(Empty().run(iter(docs(1))))


def test_a_failing_batch_names_its_first_document():
    class Broken(EveryThird):
        def filter_batch(self, batch):
            raise ValueError("boom")

    block = Broken(batch_size=2)
    block.bind("stage")
    with pytest.raises(BlockError, match=r"stage 'stage' failed on a batch of 2 documents from o/r:src/f0.py"):
        list(block.run(iter(docs(3))))


def test_a_batch_must_get_one_verdict_per_document():
    class Short(EveryThird):
        def filter_batch(self, batch):
            return [True]

    with pytest.raises(BlockError, match="filter_batch gave 1 verdicts for 2 documents"):
        list(Short(batch_size=2).run(iter(docs(2))))


def test_text_bytes_counts_utf8_bytes_with_and_without_the_ascii_shortcut():
    from datatrove.data import Document

    from codecurate.metadata import text_bytes

    for text in ("", "x = 1\n", "naïve = 'é'\n", "日本語", "bad \udcff byte", "emoji 🙂"):
        assert text_bytes(Document(text=text, id="t")) == len(text.encode("utf-8", errors="surrogatepass"))
