"""A folder of documents shared out to tasks by bytes, repositories whole (issue 35).

The corpus mimics the one where two workers lost: 25 repositories, one of them a third of the bytes,
grouped into 8 buckets by a hash of the repository, then read by 2 or 4 tasks.
"""

from __future__ import annotations

import itertools
import random

import pytest
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate import writers
from codecurate.readers.documents import DocumentsReader, even_shares, writer_rank
from codecurate.seeding import stable_bucket
from codecurate.writers import DocumentsWriter


def skewed_corpus(seed: int = 7) -> list[Document]:
    """25 repositories of 3-60 files; ``repo00`` holds about a third of the bytes."""
    generator = random.Random(seed)
    corpus = []
    for r in range(25):
        repo = f"repo{r:02d}"
        files = 100 if r == 0 else generator.randint(3, 12)
        for f in range(files):
            text = "".join(generator.choice("abcdef \n") for _ in range(generator.randint(200, 2000)))
            corpus.append(Document(text=text, id=f"{repo}/f{f:03d}.py", metadata={keys.REPO: repo}))
    return corpus


def write(folder, tasks: list[list[Document]], parts: bool = True) -> None:
    for rank, documents in enumerate(tasks):
        list(DocumentsWriter(str(folder), compression="zstd", parts=parts).run(iter(documents), rank=rank))


def read(folder, world_size: int, mirror_writers: bool = False) -> list[list[Document]]:
    return [
        list(DocumentsReader(str(folder), mirror_writers=mirror_writers).run(rank=rank, world_size=world_size))
        for rank in range(world_size)
    ]


def buckets(corpus: list[Document], count: int = 8) -> list[list[Document]]:
    """What the grouping's gather tasks write: each bucket's repositories, whole, in id order."""
    grouped = [[] for _ in range(count)]
    for document in corpus:
        grouped[stable_bucket(document.metadata[keys.REPO], count)].append(document)
    return grouped


def size(documents: list[Document]) -> int:
    return sum(keys.text_bytes(d) for d in documents)


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(writers, "MIN_PART_BYTES", 4 * 1024)


def test_parts_end_with_a_repository_and_read_back_in_the_order_written(tmp_path, small_parts):
    corpus = skewed_corpus()
    tasks = buckets(corpus)
    write(tmp_path, tasks)
    names = DocumentsReader(str(tmp_path)).data_folder.list_files()
    assert len(names) > 2 * len(tasks)  # parts to share out, several per writing task
    owner = {}
    for name in names:
        for document in DocumentsReader(str(tmp_path)).read_file(name):
            assert owner.setdefault(document.metadata[keys.REPO], name) == name  # a repository in one part
    (alone,) = read(tmp_path, 1)
    assert [d.id for d in alone] == [d.id for task in tasks for d in task]


@pytest.mark.parametrize("world_size", [2, 3, 4])
def test_tasks_read_even_bytes_and_whole_repositories(tmp_path, small_parts, world_size):
    corpus = skewed_corpus()
    total, largest_repo = size(corpus), size([d for d in corpus if d.metadata[keys.REPO] == "repo00"])
    assert 0.3 < largest_repo / total < 0.4
    write(tmp_path, buckets(corpus))
    tasks = read(tmp_path, world_size)
    assert sorted(d.id for task in tasks for d in task) == sorted(d.id for d in corpus)
    seen = set()
    for task in tasks:
        runs = [repo for repo, _ in itertools.groupby(d.metadata[keys.REPO] for d in task)]
        assert len(runs) == len(set(runs)) and not seen & set(runs)  # contiguous, and in one task only
        seen |= set(runs)
    largest_task = max(size(task) for task in tasks)
    # at most the largest repository, or an even share plus about one part (each about 1/8 of a bucket)
    assert largest_task <= max(largest_repo, total / world_size) * 1.15
    # datatrove's turn-by-turn dealing of the 8 bucket files: the skew this replaces
    write(tmp_path / "whole", buckets(corpus), parts=False)
    dealt = [
        sorted(DocumentsReader(str(tmp_path / "whole")).data_folder.list_files())[r::world_size]
        for r in range(world_size)
    ]
    by_name = {f"{b:05d}.jsonl.zst": size(docs) for b, docs in enumerate(buckets(corpus))}
    assert max(sum(by_name[n] for n in names) for names in dealt) > largest_task


def test_every_pass_with_the_same_task_count_reads_the_same_documents(tmp_path, small_parts):
    write(tmp_path, buckets(skewed_corpus()))
    first, again = read(tmp_path, 3), read(tmp_path, 3)
    assert [[d.id for d in task] for task in first] == [[d.id for d in task] for task in again]


def test_mirror_writers_reads_what_each_rank_wrote(tmp_path, small_parts):
    tasks = [t for t in buckets(skewed_corpus(), 3)]
    write(tmp_path, tasks)
    mirrored = read(tmp_path, 3, mirror_writers=True)
    assert [[d.id for d in task] for task in mirrored] == [[d.id for d in task] for task in tasks]
    with pytest.raises(ValueError, match="00002_00000.jsonl.zst"):
        read(tmp_path, 2, mirror_writers=True)  # a third writer's files: no task of two is theirs


def test_a_task_that_writes_nothing_leaves_an_empty_part(tmp_path):
    write(tmp_path, [[Document(text="x", id="a", metadata={keys.REPO: "r"})], []])
    assert sorted(DocumentsReader(str(tmp_path)).data_folder.list_files()) == [
        "00000_00000.jsonl.zst",
        "00001_00000.jsonl.zst",
    ]
    assert [len(task) for task in read(tmp_path, 2, mirror_writers=True)] == [1, 0]


def test_even_shares_are_near_the_best_assignment():
    generator = random.Random(3)
    for _ in range(150):
        sizes = [generator.choice([0, 1, 2, 5, 40]) for _ in range(generator.randint(1, 7))]
        parts = generator.randint(1, 3)
        shares = even_shares(sizes, parts)
        assert len(shares) == parts and sorted(i for share in shares for i in share) == list(range(len(sizes)))
        assert all(share == sorted(share) for share in shares)  # each task reads in name order
        if len(sizes) >= parts:
            assert all(shares)  # no task idle while there are files
        largest = max(sum(sizes[i] for i in share) for share in shares)
        best = min(
            max(sum(s for s, t in zip(sizes, owners) if t == task) for task in range(parts))
            for owners in itertools.product(range(parts), repeat=len(sizes))
        )
        assert largest <= best * 4 / 3  # Graham's bound for the largest item first
        assert largest <= sum(sizes) / parts + max(sizes)


def test_writer_rank_reads_the_names_writers_give():
    assert writer_rank("00003.jsonl.zst") == 3
    assert writer_rank("sub/00012_00004.jsonl.gz") == 12
    assert writer_rank("data.parquet") is None
