"""datatrove's own blocks run in the project's environment, beside codecurate's.

The README promises codecurate's blocks mix with datatrove's; a dependency release that breaks
datatrove's best-known blocks (xxhash 4 made its MinHash fail on ``str``) must fail CI, not a user.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.filters import GopherQualityFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig

from codecurate.filters.trivial import TrivialFilesFilter

SENTENCE = ("the data pipeline keeps code that parses, drops files that do not, and counts every file it "
            "drops with its reason so that nothing is lost without a trace in the summary")
WORDS = SENTENCE.split(" ")


def _documents() -> list[Document]:
    text = " ".join(WORDS * 6)
    other = " ".join(reversed(WORDS * 6))
    return [Document(text=text, id="a"), Document(text=text + " again", id="b"), Document(text=other, id="c")]


def test_minhash_dedup_with_datatrove_default_hash(tmp_path: Path):
    config = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="xxhash"), num_buckets=4, hashes_per_bucket=4)
    list(JsonlWriter(str(tmp_path / "input")).run(iter(_documents())))
    read = JsonlReader(str(tmp_path / "input"))
    signatures, buckets, clusters = tmp_path / "sigs", tmp_path / "buckets", tmp_path / "clusters"
    MinhashDedupSignature(output_folder=str(signatures), config=config).run(read.run())
    bucketing = MinhashDedupBuckets(input_folder=str(signatures), output_folder=str(buckets), config=config)
    for rank in range(config.num_buckets):  # one task per bucket, as datatrove's executors run it
        bucketing.run(rank=rank, world_size=config.num_buckets)
    MinhashDedupCluster(input_folder=str(buckets), output_folder=str(clusters), config=config).run()
    kept = [d.id for d in MinhashDedupFilter(input_folder=str(clusters)).run(read.run())]
    assert sorted(kept) == ["a", "c"]  # "b" is a near copy of "a"


def test_gopher_and_a_codecurate_block_in_one_pipeline():
    prose = [Document(text=" ".join(WORDS * 3) + ".", id="p", metadata={})]
    junk = [Document(text="x " * 300, id="j", metadata={})]
    kept = list(TrivialFilesFilter().run(GopherQualityFilter().run(iter(prose + junk))))
    assert [d.id for d in kept] == ["p"]


def test_datatrove_tokenizer_block_with_a_local_tokenizer(tmp_path: Path):
    tokenizers = pytest.importorskip("tokenizers")
    from datatrove.pipeline.tokens import DocumentTokenizer

    model = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token="<unk>"))
    model.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "</s>"])
    model.train_from_iterator([" ".join(WORDS)] * 10, trainer)
    path = tmp_path / "tokenizer.json"
    model.save(str(path))
    block = DocumentTokenizer(output_folder=str(tmp_path / "tokens"), tokenizer_name_or_path=str(path),
                              eos_token="</s>", save_filename="t", shuffle_documents=False)
    block.run(iter(_documents()))
    written = list((tmp_path / "tokens").glob("*.ds"))
    assert written and written[0].stat().st_size > 0
