"""Tokenization into shards, tokens per second per core, against datatrove's DocumentTokenizer.

The documents: real files of the installed packages, formatted by ``training_objectives``. The
tokenizer: a byte-level BPE trained by ``codecurate.tokens.tokenizer_trainer`` (49,152 tokens by default)
on those documents (its training time is printed too). Both tokenizers are the same file, on one
thread (``RAYON_NUM_THREADS=1``: per core); both
write a datatrove shard (datatrove without its document shuffle, as our per-task pass; the
shuffle is our merge pass, timed on its own).

    python benchmarks/tokens.py [--megabytes 16] [--vocab-size 49152]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one core each: tokenizers' batch encoding is multi-threaded
os.environ.setdefault("RAYON_RS_NUM_CPUS", "1")

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.tokens import DocumentTokenizer  # noqa: E402

from codecurate import metadata as keys  # noqa: E402
from codecurate.fim.objectives import TrainingObjectives  # noqa: E402
from codecurate.readers import InstalledPackagesReader  # noqa: E402
from codecurate.tokens.tokenized_shards import ShardMerge, ShardTokenizer  # noqa: E402
from codecurate.tokens.tokenizer_trainer import save_tokenizer, train_tokenizer  # noqa: E402
from common import best_of  # noqa: E402


def corpus(megabytes: float) -> list[Document]:
    docs, total = [], 0
    block = TrainingObjectives(seed=1)
    for doc in InstalledPackagesReader(articles=True).run():
        if doc.metadata.get(keys.DECODE_ERROR) or len(doc.text) > 500_000 or block.filter(doc) is not True:
            continue
        docs.append(doc)
        total += len(doc.text.encode())
        if total >= megabytes * 1e6:
            break
    return docs


def copies(docs: list[Document]) -> list[Document]:
    return [Document(text=d.text, id=d.id, metadata=dict(d.metadata)) for d in docs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=16)
    parser.add_argument("--vocab-size", type=int, default=49_152)
    args = parser.parse_args()
    docs = corpus(args.megabytes)
    megabytes = sum(len(d.text.encode()) for d in docs) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        tokenizer = train_tokenizer((d.text for d in docs), vocab_size=args.vocab_size)
        trained = time.perf_counter() - start
        path = str(save_tokenizer(tokenizer, Path(tmp) / "tokenizer"))
        print(f"{len(docs)} documents, {megabytes:.1f} MB; tokenizer ({tokenizer.get_vocab_size()} tokens) "
              f"trained in {trained:.1f} s ({megabytes / trained:.2f} MB/s)")
        tokens = sum(len(e.ids) for e in tokenizer.encode_batch([d.text for d in docs], add_special_tokens=False))

        def ours(run: int) -> None:
            step = ShardTokenizer(path, f"{tmp}/ours{run}")
            for _ in step.run(iter(copies(docs)), 0, 1):
                pass

        def peer(run: int) -> None:
            step = DocumentTokenizer(f"{tmp}/peer{run}", tokenizer_name_or_path=path, shuffle_documents=False)
            for _ in step.run(iter(copies(docs)), 0, 1) or ():  # datatrove's step consumes, yields nothing
                pass

        runs = iter(range(100))
        ours_time = best_of(lambda: ours(next(runs)))
        peer_time = best_of(lambda: peer(next(runs)))
        merge = ShardMerge(f"{tmp}/ours0", f"{tmp}/merged", f"{tmp}/merged-parts", 32_768, 1 << 30, False)
        start = time.perf_counter()
        for _ in merge.run(None, 0, 1):
            pass
        merge_time = time.perf_counter() - start
    print(f"{'codecurate ShardTokenizer':<36} {ours_time:7.2f} s {tokens / ours_time / 1e6:6.2f} M tokens/s/core "
          f"{megabytes / ours_time:6.2f} MB/s/core")
    print(f"{'peer: datatrove DocumentTokenizer':<36} {peer_time:7.2f} s "
          f"{tokens / peer_time / 1e6:6.2f} M tokens/s/core {megabytes / peer_time:6.2f} MB/s/core")
    print(f"ratio (ours / peer throughput): {peer_time / ours_time:.2f}x")
    print(f"{'merge + shuffle of units':<36} {merge_time:7.2f} s {tokens / merge_time / 1e6:6.2f} M tokens/s/core")


if __name__ == "__main__":
    main()
