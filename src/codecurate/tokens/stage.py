"""The ``tokenized_shards`` stage: tokenizer (trained on a sample, or given), tokenization of every
document, repository packing, merged and shuffled shards for training."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import orjson
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate import documents as keys
from codecurate.blocks import Accounting
from codecurate.readers import DocumentsReader
from codecurate.recipe.plan import MultiStageBlock, PlanContext, Segment
from codecurate.recipe.registry import register
from codecurate.seeding import derive_seed, rng_for
from codecurate.tokens.loading import check_single_tokens, copy_tokenizer, load_tokenizer
from codecurate.tokens.shards import Shard, ShardWriter, token_size_for, write_megatron
from codecurate.tokens.training import (
    DEFAULT_FIM_FORMAT,
    DEFAULT_STYLE,
    DEFAULT_VOCAB_SIZE,
    TokenizerSpec,
    save_tokenizer,
    train_tokenizer,
)


def units(documents: Iterable[Document]) -> Iterator[list[Document]]:
    """Runs of consecutive files of one repository, and each article alone (an article keeps its
    distribution's id as repository, but is not one of its files)."""
    unit: list[Document] = []
    current = None
    for document in documents:
        key = None if document.metadata.get(keys.KIND) == keys.KIND_TEXT else document.metadata.get(keys.REPO)
        if unit and (key is None or key != current):
            yield unit
            unit = []
        unit.append(document)
        current = key
    if unit:
        yield unit


class TokenizerSample(PipelineStep):
    """Write a seeded sample of the documents' texts for tokenizer training (each task its share
    of ``max_bytes``)."""

    type = "🔢 - TOKENS"
    name = "tokenizer_sample"

    def __init__(self, folder: str, rate: float, max_bytes: int, seed: int):
        super().__init__()
        self.folder, self.rate, self.max_bytes, self.seed = folder, rate, max_bytes, seed

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        budget = self.max_bytes // max(1, world_size)
        written = 0
        threshold = int(self.rate * 2**64)
        path = Path(self.folder) / f"{rank:05d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            for document in data or ():
                if written >= budget or derive_seed(self.seed, "tokenizer-sample", document.id) >= threshold:
                    continue
                out.write(orjson.dumps(document.text) + b"\n")
                written += len(document.text)
                self.stat_update("sampled")
        return
        yield


class TokenizerTrain(PipelineStep):
    """Train the tokenizer on the sample (one task) and save it."""

    type = "🔢 - TOKENS"
    name = "tokenizer_train"

    def __init__(self, sample_folder: str, target: str, vocab_size: int, min_frequency: int,
                 spec: TokenizerSpec | None = None, max_length: int = 32_768):
        super().__init__()
        self.sample_folder, self.target = sample_folder, target
        self.vocab_size, self.min_frequency = vocab_size, min_frequency
        self.spec, self.max_length = spec or TokenizerSpec(), max_length

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        def texts():
            for path in sorted(Path(self.sample_folder).glob("*.jsonl")):
                with open(path, "rb") as f:
                    for line in f:
                        yield orjson.loads(line)

        save_tokenizer(train_tokenizer(texts(), self.vocab_size, self.min_frequency, self.spec), self.target,
                       self.max_length, self.spec)
        return
        yield


class TokenizerCopy(PipelineStep):
    """Copy the given tokenizer, unchanged, into the output (one task): the shards name the copy."""

    type = "🔢 - TOKENS"
    name = "tokenizer_copy"

    def __init__(self, source: str, target: str, spec: TokenizerSpec):
        super().__init__()
        self.source, self.target, self.spec = source, target, spec

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        copy_tokenizer(self.source, self.target, self.spec.bos, self.spec.eos, self.spec.unk)
        return
        yield


class ShardTokenizer(PipelineStep):
    """Tokenize each task's documents into one shard, a unit per repository (its files in the order
    they come, which is the sampled order) or per article."""

    type = "🔢 - TOKENS"
    name = "shard_tokenizer"

    def __init__(self, tokenizer: str, folder: str, batch_size: int = 1024, tokenizer_name: str | None = None):
        super().__init__()
        self.tokenizer_path, self.folder, self.batch_size = tokenizer, folder, batch_size
        self.tokenizer_name = tokenizer_name or tokenizer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        tokenizer = load_tokenizer(self.tokenizer_path)
        token_size = token_size_for(tokenizer.get_vocab_size())
        pending: list[tuple[str, bool]] = []  # (text, last file of its unit), encoded a batch at a time

        def flush(writer: ShardWriter) -> None:
            with self.track_time(len(pending)):
                encodings = tokenizer.encode_batch([text for text, _ in pending], add_special_tokens=False)
            for encoding, (_, unit_end) in zip(encodings, pending):
                writer.write_document(np.asarray(encoding.ids, dtype=np.uint32))
                self.stat_update("tokens", value=len(encoding.ids))
                if unit_end:
                    writer.end_unit()
                    self.stat_update("units")
            pending.clear()

        with ShardWriter(Path(self.folder) / f"{rank:05d}.ds", token_size, self.tokenizer_name) as writer:
            for unit in units(data or ()):
                pending.extend((d.text, i == len(unit) - 1) for i, d in enumerate(unit))
                if len(pending) >= self.batch_size:
                    flush(writer)
            flush(writer)
        return
        yield


class ShardMerge(PipelineStep):
    """Merge the tasks' shards into training shards: units shuffled (seeded), each unit whole, a
    new shard every ``max_tokens_per_shard`` tokens (at a unit boundary); a summary beside them."""

    type = "🔢 - TOKENS"
    name = "shard_merge"

    def __init__(self, task_folder: str, output: str, tokenizer: str, sequence_length: int,
                 max_tokens_per_shard: int, megatron: bool, seed: int, root: str | None = None):
        super().__init__()
        self.task_folder, self.output, self.tokenizer_path = task_folder, output, tokenizer
        self.sequence_length, self.max_tokens_per_shard = sequence_length, max_tokens_per_shard
        self.megatron, self.seed, self.root = megatron, seed, root

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        tasks = [Shard(p) for p in sorted(Path(self.task_folder).glob("*.ds"))]
        units = [(t, u) for t, shard in enumerate(tasks) for u in range(len(shard.unit_ends))]
        rng_for(self.seed, "shard-merge").shuffle(units)
        vocab = load_tokenizer(self.tokenizer_path).get_vocab_size()
        token_size = token_size_for(vocab)
        target = Path(self.output)
        if target.exists():
            shutil.rmtree(target)
        shards, writer, megatron_units = [], None, []

        def finish():
            info = writer.close()
            shards.append({"file": info.path.name, "tokens": info.tokens, "documents": info.documents,
                           "units": info.units, "windows": info.tokens // (self.sequence_length + 1)})
            if self.megatron:
                write_megatron(target / "megatron" / info.path.stem, megatron_units, vocab)
                megatron_units.clear()

        for task, unit in units:
            if writer is None:
                writer = ShardWriter(target / f"{len(shards):05d}.ds", token_size, tasks[task].tokenizer_name)
            shard = tasks[task]
            start = int(shard.unit_ends[unit - 1]) if unit else 0
            documents = [shard.document(i) for i in range(start, int(shard.unit_ends[unit]))]
            for tokens in documents:
                writer.write_document(tokens)
            writer.end_unit()
            if self.megatron:
                megatron_units.append(documents)
            if writer.count >= self.max_tokens_per_shard:
                finish()
                writer = None
        if writer is not None:
            finish()
        summary = {
            "root": self.root, "tokenizer": tasks[0].tokenizer_name if tasks else None, "token_size": token_size,
            "sequence_length": self.sequence_length,
            "tokens": sum(s["tokens"] for s in shards), "documents": sum(s["documents"] for s in shards),
            "units": sum(s["units"] for s in shards), "windows": sum(s["windows"] for s in shards),
            "shards": shards, "megatron": self.megatron,
        }
        target.mkdir(parents=True, exist_ok=True)
        (target / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        self.stat_update("tokens", value=summary["tokens"])
        return
        yield


class PassThrough(Accounting, PipelineStep):
    """Counts the documents of the stage (they leave unchanged: the shards are a side output)."""

    type = "🔢 - TOKENS"
    name = "tokenized_shards"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for document in data or ():
            self.count_in(document)
            self.count_kept(document)
            yield document


@register("tokenized_shards")
class TokenizedShards(MultiStageBlock):
    """Tokenize the documents into shards for training (``OUTPUT/tokens``), with the tokenizer in
    ``OUTPUT/tokenizer`` (a Hugging Face folder: ``tokenizer.json``, ``tokenizer_config.json``).

    The shards' metadata names the tokenizer by the absolute path of ``OUTPUT/tokenizer``, the name
    the training config gives it too (nanotron requires the two to be equal, and loads the name with
    ``AutoTokenizer``): it resolves from any working directory. An output moved elsewhere (copied to
    a cluster) is made to name its new place by ``codecurate relocate OUTPUT NEW_ROOT``.

    Args:
        tokenizer: a tokenizer.json or a Hugging Face folder holding one, used as it is (copied into
            ``OUTPUT/tokenizer``); each special string of ``fim_format`` must encode to one id.
            ``None`` trains one on a sample of the documents.
        style: of the trained tokenizer: ``sentencepiece`` (aiXcoder's layout: ``▁`` for spaces, BPE
            with byte fallback, ``<unk>`` 0, ``<s>`` 1, ``</s>`` 2) or ``bytelevel`` (GPT-2's).
        fim_format: the objectives' format (``codecurate.fim.formats``): its special strings are the
            trained tokenizer's special tokens, and what a given tokenizer must hold as single tokens.
        extra_special_tokens: more special tokens for the trained tokenizer (another format's...).
        vocab_size: of the trained tokenizer (49,152, aiXcoder's).
        sample_rate: share of documents sampled for training; ``sample_bytes`` caps the sample.
        min_frequency: of a merge, in training.
        sequence_length: training window (32,768); windows of ``sequence_length + 1`` tokens are
            what the loaders take, so the summary counts them.
        max_tokens_per_shard: a shard ends at the first unit boundary past this many tokens.
        megatron: also write Megatron ``.bin``/``.idx`` (``OUTPUT/tokens/megatron``).
        seed: of the sample and of the shuffle of units (the recipe seed unless given).
    """

    def __init__(self, tokenizer: str | None = None, style: str = DEFAULT_STYLE,
                 fim_format: str = DEFAULT_FIM_FORMAT, extra_special_tokens: list[str] | None = None,
                 vocab_size: int = DEFAULT_VOCAB_SIZE, sample_rate: float = 0.1, sample_bytes: int = 1 << 30,
                 min_frequency: int = 2, sequence_length: int = 32_768, max_tokens_per_shard: int = 1 << 30,
                 megatron: bool = False, seed: int = 0):
        if not 0 < sample_rate <= 1:
            raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate}")
        if sequence_length < 1 or max_tokens_per_shard < 1:
            raise ValueError("sequence_length and max_tokens_per_shard must be >= 1")
        self.spec = TokenizerSpec(style, fim_format, tuple(extra_special_tokens or ()))
        if tokenizer is not None:  # fail now, naming the path or the token, not in a worker
            check_single_tokens(load_tokenizer(tokenizer), self.spec.required, tokenizer)
        self.tokenizer, self.vocab_size, self.sample_rate = tokenizer, vocab_size, sample_rate
        self.sample_bytes, self.min_frequency, self.sequence_length = sample_bytes, min_frequency, sequence_length
        self.max_tokens_per_shard, self.megatron, self.seed = max_tokens_per_shard, megatron, seed

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        work = context.work_folder
        root = context.output.resolve()
        tokenizer_folder = root / "tokenizer"
        segments = []
        if self.tokenizer is None:
            sample = context.segment("sample")
            sample.add(DocumentsReader(input_folder), None)
            sample.add(TokenizerSample(str(work / "sample"), self.sample_rate, self.sample_bytes, self.seed), None)
            train = context.segment("train", tasks=1)
            train.add(TokenizerTrain(str(work / "sample"), str(tokenizer_folder), self.vocab_size,
                                     self.min_frequency, self.spec, self.sequence_length), None)
            segments += [sample, train]
        else:
            copy = context.segment("copy", tasks=1)
            copy.add(TokenizerCopy(self.tokenizer, str(tokenizer_folder), self.spec), None)
            segments.append(copy)
        tokenize = context.segment("tokenize")
        tokenize.add(DocumentsReader(input_folder), None)
        # the shards name the tokenizer folder as the training config does: its absolute path
        tokenize.add(ShardTokenizer(str(tokenizer_folder), str(work / "tasks"), tokenizer_name=str(tokenizer_folder)),
                     None)
        merge = context.segment("merge", tasks=1)
        merge.add(ShardMerge(str(work / "tasks"), str(root / "tokens"), str(tokenizer_folder), self.sequence_length,
                             self.max_tokens_per_shard, self.megatron, self.seed, str(root)), None)
        passing = context.segment("documents")
        passing.add(DocumentsReader(input_folder), None)
        passing.add(context.bind(PassThrough()), context.stage_id)
        return [*segments, tokenize, merge, passing]
