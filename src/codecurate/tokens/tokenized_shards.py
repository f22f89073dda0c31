"""The ``tokenized_shards`` stage: tokenizer (trained on a sample bounded in bytes, or given),
tokenization of every document, repository packing, shards for training merged in buckets of
repositories by independent tasks, the same bytes for any task count."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, TextIO

import numpy as np
from annotated_types import Interval
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting
from codecurate.core.folders import datafolder, local_folder, on_local_disk, read_json, write_json
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput
from codecurate.provenance import PROVENANCE_FOLDER, bucket_file, record, write_table
from codecurate.seeding import derive_seed
from codecurate.tokenizer_files import check_single_tokens, copy_tokenizer, load_tokenizer
from codecurate.tokens.sample import SAMPLE_SUFFIX, TaskSample, bounded_records
from codecurate.tokens.shards import Shard, ShardWriter, token_size_for, write_megatron
from codecurate.tokens.tokenizer_trainer import (
    DEFAULT_FIM_FORMAT,
    DEFAULT_STYLE,
    DEFAULT_VOCAB_SIZE,
    TokenizerSpec,
    save_tokenizer,
    train_tokenizer,
)

#: the tokenizer's sample, at most (4 GB of text)
DEFAULT_SAMPLE_BYTES = 4_000_000_000
#: merge tasks (buckets of repositories), each writing its own shards
DEFAULT_MERGE_TASKS = 16


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
    """Keep this task's run of the tokenizer's sample (``codecurate.tokens.sample``): its documents in
    the seeded key order, up to the first past ``max_bytes``. Reads documents, yields none."""

    type = "🔢 - TOKENS"
    name = "tokenizer_sample"
    #: what it writes (a sample drawn by document id) is not matched by the place of a document in its task
    matched_by_position = False

    def __init__(self, folder: str, rate: float, max_bytes: int, seed: int):
        super().__init__()
        self.folder, self.rate, self.max_bytes, self.seed = folder, rate, max_bytes, seed

    @on_local_disk(writes=("folder",))
    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        sample = TaskSample(Path(self.folder) / f"{rank:05d}{SAMPLE_SUFFIX}", self.max_bytes, self.seed, self.rate)
        try:
            for document in data or ():
                with self.track_time():
                    sample.add(document.id, document.text)
        finally:
            documents, size = sample.close()
        self.stat_update("kept", value=documents)
        self.stat_update("kept_bytes", value=size)
        return
        yield


class TokenizerTrain(PipelineStep):
    """Train the tokenizer on the sample (one task): the tasks' runs merged by key, at most
    ``max_bytes``; save it, and what it was trained on in ``sample.json`` beside the sample."""

    type = "🔢 - TOKENS"
    name = "tokenizer_train"

    def __init__(self, sample_folder: str, target: str, vocab_size: int, min_frequency: int,
                 spec: TokenizerSpec | None = None, max_length: int = 32_768, max_bytes: int = DEFAULT_SAMPLE_BYTES):
        super().__init__()
        self.sample_folder, self.target = sample_folder, target
        self.vocab_size, self.min_frequency = vocab_size, min_frequency
        self.spec, self.max_length, self.max_bytes = spec or TokenizerSpec(), max_length, max_bytes

    @on_local_disk(reads=("sample_folder",), writes=("sample_folder", "target"))
    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        drawn = {"documents": 0, "bytes": 0, "budget": self.max_bytes}

        def texts():  # read twice by the sentencepiece style: counted once
            drawn.update(documents=0, bytes=0)
            for _, _, text in bounded_records(self.sample_folder, self.max_bytes):
                drawn["documents"] += 1
                drawn["bytes"] += len(text)
                yield text.decode("utf-8", errors="surrogatepass")

        save_tokenizer(train_tokenizer(texts, self.vocab_size, self.min_frequency, self.spec), self.target,
                       self.max_length, self.spec)
        (Path(self.sample_folder) / "sample.json").write_text(json.dumps(drawn, indent=2) + "\n")
        self.stat_update("sample_documents", value=drawn["documents"])
        self.stat_update("sample_bytes", value=drawn["bytes"])
        return
        yield


class TokenizerCopy(PipelineStep):
    """Copy the given tokenizer, unchanged, into the output (one task): the shards name the copy."""

    type = "🔢 - TOKENS"
    name = "tokenizer_copy"

    def __init__(self, source: str, target: str, spec: TokenizerSpec):
        super().__init__()
        self.source, self.target, self.spec = source, target, spec

    @on_local_disk(reads=("source",), writes=("target",))
    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        copy_tokenizer(self.source, self.target, self.spec.bos, self.spec.eos, self.spec.unk)
        return
        yield


def unit_name(unit: list[Document]) -> str:
    """What a unit is known by in the merge: its repository, or an article's (or a lone file's) id."""
    first = unit[0]
    repo = first.metadata.get(keys.REPO)
    if first.metadata.get(keys.KIND) != keys.KIND_TEXT and repo is not None:
        return f"repo:{repo}"
    return f"doc:{first.id}"


def unit_order(seed: int, name: str) -> int:
    """A unit's place in the training stream's order (a seeded hash of its name)."""
    return derive_seed(seed, "shard-merge", name)


def unit_bucket(seed: int, name: str, buckets: int) -> int:
    """The merge task (bucket) a unit goes to."""
    return derive_seed(seed, "shard-bucket", name) % buckets


def bucket_folder(task_folder: str | Path, bucket: int) -> Path:
    return Path(task_folder) / f"{bucket:05d}"


#: beside each tokenize task's shard: one JSON line per document, its provenance record
PROVENANCE_SUFFIX = ".provenance"


class ShardTokenizer(PipelineStep):
    """Tokenize each task's documents, a unit per repository (its files in the order they come, which
    is the sampled order) or per article, into one shard per merge bucket: ``folder/BUCKET/RANK.ds``,
    each unit with its order key (``.keys``), each document's provenance record (``.provenance``)."""

    type = "🔢 - TOKENS"
    name = "shard_tokenizer"

    def __init__(self, tokenizer: str, folder: str, batch_size: int = 1024, tokenizer_name: str | None = None,
                 buckets: int = 1, seed: int = 0, stages: tuple[str, ...] = ()):
        super().__init__()
        self.tokenizer_path, self.folder, self.batch_size = tokenizer, folder, batch_size
        self.tokenizer_name = tokenizer_name or tokenizer
        self.buckets, self.seed = buckets, seed
        #: the recipe's stages before this one, which every document it tokenizes passed
        self.stages = list(stages)

    @on_local_disk(reads=("tokenizer_path",), writes=("folder",))
    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        tokenizer = load_tokenizer(self.tokenizer_path)
        token_size = token_size_for(tokenizer.get_vocab_size())
        # (document, bucket, order key of its unit when it is the unit's last file), encoded a batch at a time
        pending: list[tuple[Document, int, int | None]] = []
        writers: dict[int, ShardWriter] = {}
        records: dict[int, TextIO] = {}

        def writer_for(bucket: int) -> ShardWriter:
            if bucket not in writers:
                writers[bucket] = ShardWriter(bucket_folder(self.folder, bucket) / f"{rank:05d}.ds", token_size,
                                              self.tokenizer_name, keyed=True)
                records[bucket] = open(f"{writers[bucket].path}{PROVENANCE_SUFFIX}", "w", encoding="utf-8")  # noqa: SIM115
            return writers[bucket]

        def flush() -> None:
            with self.track_time(len(pending)):
                # ids only: the fast batch leaves out the offsets (same ids, ~5% less CPU)
                encodings = tokenizer.encode_batch_fast([d.text for d, _, _ in pending], add_special_tokens=False)
            for encoding, (document, bucket, unit_end) in zip(encodings, pending):
                writer = writer_for(bucket)
                writer.write_document(np.asarray(encoding.ids, dtype=np.uint32))
                row = {**record(document), "stages": self.stages}
                records[bucket].write(json.dumps(row, ensure_ascii=False) + "\n")
                self.stat_update("tokens", value=len(encoding.ids))
                if unit_end is not None:
                    writer.end_unit(unit_end)
                    self.stat_update("units")
            pending.clear()

        try:
            for unit in units(data or ()):
                name = unit_name(unit)
                bucket, order = unit_bucket(self.seed, name, self.buckets), unit_order(self.seed, name)
                pending.extend((d, bucket, order if i == len(unit) - 1 else None) for i, d in enumerate(unit))
                if len(pending) >= self.batch_size:
                    flush()
            flush()
        finally:
            for writer in writers.values():
                writer.close()
            for file in records.values():
                file.close()
        return
        yield


def merged_summary_path(summary_folder: str | Path, bucket: int) -> Path:
    return Path(summary_folder) / f"{bucket:05d}.json"


class ShardMerge(PipelineStep):
    """Merge task ``rank`` of ``world_size`` (a bucket): the units every tokenize task wrote into this
    bucket, in their seeded order (``unit_order``, then their tokens' digest: never the task that made
    them), each unit whole, into training shards ``output/BUCKET_PART.ds``, a new part at the first
    unit boundary past ``max_tokens_per_shard`` tokens; what it wrote in ``summary_folder/BUCKET.json``,
    where each document went in ``provenance/BUCKET.parquet`` (``codecurate.provenance``)."""

    type = "🔢 - TOKENS"
    name = "shard_merge"

    def __init__(self, task_folder: str, output: str, summary_folder: str, sequence_length: int,
                 max_tokens_per_shard: int, megatron: bool, tokenizer: str | None = None,
                 provenance: str | None = None):
        super().__init__()
        self.task_folder, self.output, self.summary_folder = task_folder, output, summary_folder
        self.provenance = provenance
        self.sequence_length, self.max_tokens_per_shard = sequence_length, max_tokens_per_shard
        self.megatron, self.tokenizer_path = megatron, tokenizer

    @on_local_disk(reads=(("task_folder", lambda rank: f"{rank:05d}"), "tokenizer_path"),
                   writes=("output", "summary_folder", "provenance"))
    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        bucket = rank
        sources = [Shard(p) for p in sorted(bucket_folder(self.task_folder, bucket).glob("*.ds"))]
        order = sorted((int(shard.unit_keys[u, 0]), int(shard.unit_keys[u, 1]), s, u)
                       for s, shard in enumerate(sources) for u in range(len(shard.unit_ends)))
        target = Path(self.output)
        prefix = f"{bucket:05d}_"
        for stale in [*target.glob(f"{prefix}*"), *(target / "megatron").glob(f"{prefix}*")]:
            stale.unlink()
        vocab = load_tokenizer(self.tokenizer_path).get_vocab_size() if self.megatron else None
        shards, writer, megatron_units, rows = [], None, [], []
        records = [source_records(shard) for shard in sources] if self.provenance is not None else None

        def finish():
            info = writer.close()
            shards.append({"file": info.path.name, "tokens": info.tokens, "documents": info.documents,
                           "units": info.units, "windows": info.tokens // (self.sequence_length + 1)})
            if self.megatron:
                write_megatron(target / "megatron" / info.path.stem, megatron_units, vocab)
                megatron_units.clear()

        for _, _, s, u in order:
            if writer is None:
                writer = ShardWriter(target / f"{prefix}{len(shards):05d}.ds", sources[s].token_size,
                                     sources[s].tokenizer_name)
            documents = sources[s].unit(u)
            first = int(sources[s].unit_ends[u - 1]) if u else 0
            with self.track_time():
                for index, tokens in enumerate(documents, start=first):
                    start = writer.count
                    writer.write_document(tokens)
                    if records is not None:
                        rows.append({**records[s][index], "shard": writer.path.name, "token_start": start,
                                     "token_end": writer.count})
                writer.end_unit()
            if self.megatron:
                megatron_units.append(documents)
            if writer.count >= self.max_tokens_per_shard:
                finish()
                writer = None
        if writer is not None:
            finish()
        part = {"bucket": bucket, "tokenizer": sources[0].tokenizer_name if sources else None,
                "token_size": sources[0].token_size if sources else None, "shards": shards}
        if self.provenance is not None:
            write_table(bucket_file(self.provenance, bucket), rows)
        path = merged_summary_path(self.summary_folder, bucket)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(part, indent=2) + "\n")
        self.stat_update("tokens", value=sum(s["tokens"] for s in shards))
        self.stat_update("shards", value=len(shards))
        return
        yield


def source_records(shard: Shard) -> list[dict]:
    """The provenance records of a tokenize task's shard, one per document, in order."""
    path = Path(f"{shard.path}{PROVENANCE_SUFFIX}")
    with open(path, encoding="utf-8") as file:
        rows = [json.loads(line) for line in file]
    if len(rows) != len(shard.document_ends):
        raise ValueError(f"{path}: {len(rows)} provenance records for {len(shard.document_ends)} documents")
    return rows


class ShardSummary(PipelineStep):
    """After the merge tasks (one task): ``output/summary.json`` from the buckets' parts, and any shard
    of the folder that no bucket wrote (an earlier run's) removed, so the folder is the dataset."""

    type = "🔢 - TOKENS"
    name = "shard_summary"

    def __init__(self, summary_folder: str, output: str, buckets: int, sequence_length: int, megatron: bool,
                 root: str | None = None, sample: str | None = None):
        super().__init__()
        self.summary_folder, self.output, self.buckets = summary_folder, output, buckets
        self.sequence_length, self.megatron, self.root, self.sample = sequence_length, megatron, root, sample

    @on_local_disk(reads=("summary_folder",))
    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        parts = [json.loads(merged_summary_path(self.summary_folder, b).read_text()) for b in range(self.buckets)]
        shards = [s for part in parts for s in part["shards"]]
        written = {s["file"] for s in shards}
        target = datafolder(self.output)
        for name in target.list_files(glob_pattern="*.ds*", recursive=False) if target.isdir("") else []:
            if name.split(".ds", 1)[0] + ".ds" not in written:
                target.rm(name)
        stems = {Path(name).stem for name in written}
        for name in target.list_files("megatron", recursive=False) if target.isdir("megatron") else []:
            if Path(name).stem not in stems or not self.megatron:
                target.rm(name)
        if self.root is not None:  # an earlier run's buckets beyond this run's
            buckets = {bucket_file("", b).name for b in range(self.buckets)}
            root = datafolder(self.root)
            found = root.list_files(PROVENANCE_FOLDER, glob_pattern="*.parquet", recursive=False) \
                if root.isdir(PROVENANCE_FOLDER) else []
            for name in found:
                if Path(name).name not in buckets:
                    root.rm(name)
        named = next((p for p in parts if p["tokenizer"] is not None), {"tokenizer": None, "token_size": None})
        sample = datafolder(self.sample) if self.sample else None
        summary = {
            "root": self.root, "tokenizer": named["tokenizer"], "token_size": named["token_size"],
            "sequence_length": self.sequence_length, "buckets": self.buckets,
            "tokens": sum(s["tokens"] for s in shards), "documents": sum(s["documents"] for s in shards),
            "units": sum(s["units"] for s in shards), "windows": sum(s["windows"] for s in shards),
            "shards": shards, "megatron": self.megatron,
            "tokenizer_sample": read_json(sample, "sample.json")
            if sample is not None and sample.isfile("sample.json") else None,
        }
        write_json(target, "summary.json", summary)
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
        sample_bytes: the tokenizer's sample holds at most this many bytes of text (4 GB), drawn by a
            seeded hash of the document ids from every task (``codecurate.tokens.sample``).
        sample_rate: at most this share of the documents is drawn (1: the byte budget alone bounds it).
        min_frequency: of a merge, in training.
        sequence_length: training window (32,768); windows of ``sequence_length + 1`` tokens are
            what the loaders take, so the summary counts them.
        max_tokens_per_shard: a shard ends at the first unit boundary past this many tokens.
        merge_tasks: the merge's tasks, each a bucket of repositories (a seeded hash of the name)
            writing its own shards ``BUCKET_PART.ds``; the shards depend on it (and on the seed and the
            documents), never on the task count of the other passes.
        megatron: also write Megatron ``.bin``/``.idx`` (``OUTPUT/tokens/megatron``).
        seed: of the sample, of the buckets and of the order of units (the recipe seed unless given).
    """

    #: a tokenizer's path or name: normalised as a path (``codecurate.recipe.paths``)
    path_or_name_params = ("tokenizer",)

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """The tokens, shards and windows written (``tokens/summary.json``; ``codecurate.core.report_sections``)."""
        written = output.read_json("tokens/summary.json")
        if written is None:
            return [Section("Tokens", empty="(no shards)")]
        tokens = {k: written[k] for k in ("tokens", "documents", "units", "windows", "sequence_length")}
        tokens["shards"] = len(written["shards"])
        return [Section("Tokens", [
            f"{tokens['tokens']:,} tokens in {tokens['shards']} shards: {tokens['documents']:,} documents, "
            f"{tokens['units']:,} units (repositories and articles), {tokens['windows']:,} windows of "
            f"{tokens['sequence_length'] + 1:,} tokens"], {"tokens": tokens})]

    def __init__(self, tokenizer: str | None = None, style: str = DEFAULT_STYLE,
                 fim_format: str = DEFAULT_FIM_FORMAT, extra_special_tokens: list[str] | None = None,
                 vocab_size: Annotated[int, Interval(ge=300, le=10_000_000)] = DEFAULT_VOCAB_SIZE,
                 sample_rate: float = 1.0,
                 sample_bytes: int = DEFAULT_SAMPLE_BYTES, min_frequency: int = 2,
                 sequence_length: Annotated[int, Interval(ge=1, le=10_000_000)] = 32_768,
                 max_tokens_per_shard: int = 1 << 30,
                 merge_tasks: Annotated[int, Interval(ge=1, le=1_000_000)] = DEFAULT_MERGE_TASKS,
                 megatron: bool = False, seed: int = 0):
        if not 0 < sample_rate <= 1:
            raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate}")
        if sample_bytes < 1 or merge_tasks < 1:
            raise ValueError("sample_bytes and merge_tasks must be >= 1")
        if sequence_length < 1 or max_tokens_per_shard < 1:
            raise ValueError("sequence_length and max_tokens_per_shard must be >= 1")
        self.spec = TokenizerSpec(style, fim_format, tuple(extra_special_tokens or ()))
        if tokenizer is not None:  # fail now, naming the path or the token, not in a worker
            with local_folder(tokenizer) as local:  # a URL: read from a local copy
                check_single_tokens(load_tokenizer(local), self.spec.required, tokenizer)
        self.tokenizer, self.vocab_size, self.sample_rate = tokenizer, vocab_size, sample_rate
        self.sample_bytes, self.min_frequency, self.sequence_length = int(sample_bytes), min_frequency, sequence_length
        self.max_tokens_per_shard, self.megatron, self.seed = max_tokens_per_shard, megatron, seed
        self.merge_tasks = int(merge_tasks)

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        work = context.work_folder
        root = context.output.resolve()
        tokenizer_folder = root / "tokenizer"
        segments = []
        if self.tokenizer is None:
            sample = context.segment("sample", observes=True)
            sample.add(context.reader(input_folder), None)
            sample.add(TokenizerSample(str(work / "sample"), self.sample_rate, self.sample_bytes, self.seed), None)
            train = context.segment("train", tasks=1)
            train.add(TokenizerTrain(str(work / "sample"), str(tokenizer_folder), self.vocab_size,
                                     self.min_frequency, self.spec, self.sequence_length, self.sample_bytes), None)
            segments += [sample, train]
        else:
            copy = context.segment("copy", tasks=1)
            copy.add(TokenizerCopy(self.tokenizer, str(tokenizer_folder), self.spec), None)
            segments.append(copy)
        tokenize = context.segment("tokenize")
        tokenize.add(context.reader(input_folder), None)
        # the shards name the tokenizer folder as the training config does: its absolute path
        tokenize.add(ShardTokenizer(str(tokenizer_folder), str(work / "tasks"), tokenizer_name=str(tokenizer_folder),
                                    buckets=self.merge_tasks, seed=self.seed, stages=context.earlier), None)
        merge = context.segment("merge", tasks=self.merge_tasks)
        merge.add(ShardMerge(str(work / "tasks"), str(root / "tokens"), str(work / "merged"), self.sequence_length,
                             self.max_tokens_per_shard, self.megatron, str(tokenizer_folder),
                             str(root / PROVENANCE_FOLDER)), None)
        summary = context.segment("summary", tasks=1)
        summary.add(ShardSummary(str(work / "merged"), str(root / "tokens"), self.merge_tasks, self.sequence_length,
                                 self.megatron, str(root), str(work / "sample") if self.tokenizer is None else None),
                    None)
        passing = context.segment("documents")
        passing.add(context.reader(input_folder), None)
        passing.add(context.bind(PassThrough()), context.stage_id)
        return [*segments, tokenize, merge, summary, passing]
