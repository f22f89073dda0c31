"""The tokenizer's sample: bounded in bytes, drawn from every task, the same for 1, 2 and 4 tasks."""

import random

import pytest
from datatrove.data import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from codecurate.tokens.sample import TaskSample, bounded_records, bounded_sample, sample_key, text_digest
from codecurate.tokens.tokenized_shards import TokenizerSample


def corpus(count=400, seed=0, largest=3_000):
    rng = random.Random(seed)
    documents = []
    for i in range(count):
        size = rng.choice([0, 1, rng.randint(1, 200), rng.randint(200, largest)])
        text = "".join(rng.choice("abc xyz_(){}\n\té☺") for _ in range(size))
        documents.append(Document(text=text, id=f"repo{i % 37}/file{i}.py"))
    return documents


def expected(documents, budget, seed, rate=1.0):
    """The sample by its definition: all documents in key order, up to the first past the budget."""
    ordered = sorted((sample_key(seed, d.id), text_digest(d.id, d.text.encode()), d.text.encode())
                     for d in documents if sample_key(seed, d.id) < rate * 2**64)
    sample, total = [], 0
    for record in ordered:
        total += len(record[2])
        if total > budget:
            break
        sample.append(record)
    return sample


def draw(tmp_path, documents, tasks, budget, seed, rate=1.0, split="contiguous", compact_factor=2.0):
    folder = tmp_path / f"{tasks}-{split}"
    for rank in range(tasks):
        if split == "contiguous":
            share = len(documents) * rank // tasks, len(documents) * (rank + 1) // tasks
            part = documents[share[0]:share[1]]
        else:
            part = documents[rank::tasks]
        task = TaskSample(folder / f"{rank:05d}.sample", budget, seed, rate, compact_factor)
        largest = 0
        for document in part:
            task.add(document.id, document.text)
            largest = max(largest, len(document.text.encode()))
            # the spill file stays bounded: compacted to the kept run (at most the budget and one document)
            # once past compact_factor x the budget, then one document more
            assert task.spilled <= max(task.compact_at, budget + largest) + largest
        task.close()
    return folder, list(bounded_records(folder, budget))


@pytest.mark.parametrize("budget", [1, 5_000, 60_000, 10**9])
def test_the_bounded_sample_fits_its_budget_and_is_the_same_for_1_2_and_4_tasks(tmp_path, budget):
    documents = corpus()
    reference = expected(documents, budget, seed=7)
    for tasks in (1, 2, 4):
        for split in ("contiguous", "interleaved"):
            folder, sample = draw(tmp_path, documents, tasks, budget, 7, split=split)
            assert sample == reference
            assert sum(len(r[2]) for r in sample) <= budget
            assert list(bounded_sample(folder, budget)) == [r[2].decode() for r in reference]
    total = sum(len(d.text.encode()) for d in documents)
    if budget < total:  # the budget binds: the next document in key order would take the sample past it
        everything = expected(documents, 10**12, seed=7)
        assert len(reference) < len(everything)
        assert sum(len(r[2]) for r in everything[:len(reference) + 1]) > budget
    else:
        assert len(reference) == len(documents)


def test_every_part_of_the_corpus_is_drawn(tmp_path):
    documents = corpus(800)
    _, sample = draw(tmp_path, documents, 4, 100_000, 3)
    drawn = {r[1] for r in sample}
    for rank in range(4):  # each quarter of the input (each task) gives part of the sample
        part = documents[200 * rank:200 * (rank + 1)]
        assert any(text_digest(d.id, d.text.encode()) in drawn for d in part)
    assert 0 < len(sample) < len(documents) / 2


def test_the_rate_bounds_the_share_of_documents(tmp_path):
    documents = corpus()
    _, sample = draw(tmp_path, documents, 2, 10**9, 1, rate=0.25)
    assert sample == expected(documents, 10**9, 1, rate=0.25)
    assert 0.15 < len(sample) / len(documents) < 0.35


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(0, 400), min_size=0, max_size=60), budget=st.integers(1, 4_000),
       seed=st.integers(0, 3), compact=st.sampled_from([0.5, 2.0]))
def test_any_corpus_and_budget(tmp_path_factory, sizes, budget, seed, compact):
    tmp_path = tmp_path_factory.mktemp("sample")
    documents = [Document(text="x" * size, id=f"d{i % 40}") for i, size in enumerate(sizes)]  # ids repeat too
    reference = expected(documents, budget, seed)
    for tasks in (1, 2, 4):
        _, sample = draw(tmp_path, documents, tasks, budget, seed, split="interleaved", compact_factor=compact)
        assert sample == reference and sum(len(r[2]) for r in sample) <= budget


def test_the_sample_step_reads_and_yields_nothing(tmp_path):
    documents = corpus(100)
    step = TokenizerSample(str(tmp_path / "sample"), 1.0, 20_000, 5)
    for rank in range(2):
        assert list(step.run(iter(documents[rank::2]), rank, 2)) == []
    assert not list((tmp_path / "sample").glob("*.spill*")) and not list((tmp_path / "sample").glob("*.partial"))
    assert list(bounded_records(tmp_path / "sample", 20_000)) == expected(documents, 20_000, 5)
