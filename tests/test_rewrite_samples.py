"""The before/after samples a rewriting block keeps for the report page: the smallest seeded keys,
the same whatever the task count, bounded in number and size."""

from __future__ import annotations

from codecurate.core.samples import MAX_SAMPLE_CHARS, RewriteSamples, sample_key
from tests.conftest import make_doc, read_jsonl_gz


def offer_all(folder, documents, rank: int, count: int = 3) -> None:
    samples = RewriteSamples(str(folder), "pii", count=count)
    for document in documents:
        before = document.text
        document.text = before.replace("secret", "<KEY>")
        samples.offer(document, before)
    samples.write(rank)


def kept(folder) -> list[dict]:
    return [r for path in sorted(folder.glob("*.jsonl.gz")) for r in read_jsonl_gz(path)]


def test_the_smallest_keys_are_kept_whatever_the_task_count(tmp_path):
    ids = [f"o/r/f{i}.py" for i in range(30)]
    one, two = tmp_path / "one", tmp_path / "two"
    offer_all(one, [make_doc(f"k = 'secret{i}'\n", f"f{i}.py") for i in range(30)], rank=0)
    offer_all(two, [make_doc(f"k = 'secret{i}'\n", f"f{i}.py") for i in range(0, 30, 2)], rank=0)
    offer_all(two, [make_doc(f"k = 'secret{i}'\n", f"f{i}.py") for i in range(1, 30, 2)], rank=1)
    smallest = sorted(ids, key=lambda i: sample_key("pii", i))[:3]
    assert [r["id"] for r in kept(one)] == smallest
    assert sorted(kept(two), key=lambda r: r["key"])[:3] == kept(one)
    record = kept(one)[0]
    assert record["before"].startswith("k = 'secret") and record["after"].startswith("k = '<KEY>")
    assert record["metadata"]["path"] == record["id"].removeprefix("o/r/")


def test_large_documents_are_not_kept_and_a_task_without_samples_writes_nothing(tmp_path):
    offer_all(tmp_path / "big", [make_doc("secret " * (MAX_SAMPLE_CHARS // 7 + 1))], rank=0)
    assert not (tmp_path / "big").exists()


def test_the_pii_samples_mask_what_was_replaced():
    from codecurate.core.samples import MASK, mask_changes

    before = 'user = "jane.roe@example.org"  # from 192.168.10.24\nkeep = 1\n'
    after = 'user = "<EMAIL>"  # from <IP_ADDRESS>\nkeep = 1\n'
    masked = mask_changes(before, after)
    assert "jane" not in masked and "example" not in masked and "192.168" not in masked
    assert masked.startswith('user = "') and masked.endswith("keep = 1\n") and MASK in masked
    assert len(masked) == len(before)  # positions kept: the page can show where the values were
