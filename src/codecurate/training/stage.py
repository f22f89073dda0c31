"""The ``nanotron_config`` stage: after the shards, write the training config, launch script and
layout report into ``OUTPUT/training``."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from loguru import logger

from codecurate.core.blocks import Accounting
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.readers import DocumentsReader
from codecurate.tokens.loading import tokenizer_info
from codecurate.training.layout import Cluster
from codecurate.training.model import Hyperparameters, ModelShape
from codecurate.training.nanotron import WOULD_STOP, nanotron_config, write_training_files


def _overrides(kind: type, name: str, values: dict | None):
    known = {f.name for f in fields(kind)}
    unknown = set(values or {}) - known
    if unknown:
        raise ValueError(f"{name}: unknown keys {sorted(unknown)}; known: {', '.join(sorted(known))}")
    return replace(kind(), **(values or {}))


class NanotronConfigStep(Accounting, PipelineStep):
    """Writes the training files once (task 0), documents pass through counted."""

    type = "🚀 - TRAINING"
    name = "nanotron_config"

    def __init__(self, block: NanotronConfig, output: str):
        super().__init__()
        self.block, self.output = block, output

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        shards = sorted((Path(self.output) / "tokens").glob("*.ds"))
        if rank == 0 and not shards:  # a corpus shorter than one training window: nothing to train on
            logger.warning(f"nanotron_config: {Path(self.output) / 'tokens'} holds no shard (the corpus is shorter "
                           "than one training sequence); no training config written")
            self.stat_update("no_shards")
        elif rank == 0:
            paths = self.block.write(Path(self.output))
            plan = self.block.plan_
            stops = [note for note in plan.notes if note.startswith(WOULD_STOP)]
            if stops:  # a config nanotron's trainer refuses is no output: the stage fails, naming the key
                raise ValueError(f"nanotron_config: {paths['config']}: {stops[0]} (see {paths['layout']})")
            layout = plan.choice.layout
            if any(tp <= layout.tp * layout.pp for tp in plan.choice.vocabulary_excluded):
                self.stat_update("vocabulary_limits_tp", value=plan.model.vocab_size)
            logger.info(f"nanotron_config: wrote {', '.join(str(p) for p in paths.values())}\n"
                        f"{paths['layout'].read_text(encoding='utf-8')}")
        for document in data or ():
            self.count_in(document)
            self.count_kept(document)
            yield document


@register("nanotron_config")
class NanotronConfig(MultiStageBlock):
    """Nanotron config YAML, sbatch script and layout report for training on the recipe's shards.

    Args:
        gpus, gpus_per_node, gpu_memory_gib, gpu_name, headroom: the cluster (128 x A100 40GB).
        model: overrides of the model shape (aiXcoder-7B's; ``vocab_size`` defaults to the tokenizer's, and
            the bos, eos and pad ids are the tokenizer's).
        hyperparameters: overrides of Table I's values (and of warmup and minimum learning rate).
        nanotron_dir: where nanotron's checkout is on the cluster (for ``run_train.py``).
        partition: Slurm partition of the script, if any.
        run: run name.
        seed: the recipe seed unless given.
    """

    def __init__(self, gpus: int = 128, gpus_per_node: int = 8, gpu_memory_gib: float = 40.0,
                 gpu_name: str = "A100 40GB", headroom: float = 0.1, model: dict | None = None,
                 hyperparameters: dict | None = None, nanotron_dir: str = "nanotron", partition: str | None = None,
                 run: str = "aixcoder-7b", seed: int = 42):
        self.cluster = Cluster(gpus, gpus_per_node, gpu_memory_gib, gpu_name, headroom)
        self.model_overrides = dict(model or {})
        _overrides(ModelShape, "model", self.model_overrides)
        self.hyper = _overrides(Hyperparameters, "hyperparameters", hyperparameters)
        self.nanotron_dir, self.partition, self.run, self.seed = nanotron_dir, partition, run, seed

    def write(self, output: Path) -> dict[str, Path]:
        """The training files for the shards and tokenizer in ``output``: every path absolute, the tokenizer
        named as the shards' metadata names it, vocabulary size and bos/eos/pad ids those of the tokenizer."""
        root = output.resolve()
        info = tokenizer_info(root / "tokenizer")
        values = dict(self.model_overrides)
        values.setdefault("vocab_size", info.vocab_size)
        model = _overrides(ModelShape, "model", values)
        plan = nanotron_config(model, self.hyper, self.cluster, str(root / "tokens"), str(root / "tokenizer"),
                               str(root / "checkpoints"), run=self.run, seed=self.seed, token_ids=info.ids)
        #: the last plan written (its notes and layout choice)
        self.plan_ = plan
        return write_training_files(plan, root / "training", self.nanotron_dir, self.partition)

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """No shards to train on, or a layout the tokenizer's vocabulary limited
        (``codecurate.core.run_warnings``)."""
        counters = (stage or {}).get("counters") or {}
        warnings = []
        if counters.get("no_shards"):
            warnings.append("no training config written: the tokens/ folder holds no shard (the corpus is shorter "
                            "than one training sequence)")
        if counters.get("vocabulary_limits_tp"):
            warnings.append(f"the tokenizer's vocabulary ({int(counters['vocabulary_limits_tp'])} tokens) is not a "
                            "multiple of the tensor parallelism a larger vocabulary would get (nanotron pads the "
                            "vocabulary to a multiple of tp and asserts the tokenizer has that many tokens): the "
                            "layout uses a smaller tp or more pipeline stages (training/layout.md); a vocabulary "
                            "that is a multiple of 8 (the shards stage's vocab_size, reached on a larger corpus) "
                            "lifts it")
        return warnings

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        segment = context.segment("write")
        segment.add(DocumentsReader(input_folder), None)
        segment.add(context.bind(NanotronConfigStep(self, str(context.output))), context.stage_id)
        return [segment]
