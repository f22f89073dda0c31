"""The ``nanotron_config`` stage: after the shards, write the training config, launch script and
layout report into ``OUTPUT/training``."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from loguru import logger

from codecurate.core.blocks import Accounting
from codecurate.core.folders import Location, datafolder, is_url, local_folder, staged_folder
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.tokenizer_files import tokenizer_info
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
        output = Location(self.output)
        folder = datafolder(output)
        shards = folder.list_files("tokens", glob_pattern="*.ds", recursive=False) if folder.isdir("tokens") else []
        if rank == 0 and not shards:  # a corpus shorter than one training window: nothing to train on
            logger.warning(f"nanotron_config: {output / 'tokens'} holds no shard (the corpus is shorter "
                           "than one training sequence); no training config written")
            self.stat_update("no_shards")
        elif rank == 0:
            self._write(output)
        for document in data or ():
            self.count_in(document)
            self.count_kept(document)
            yield document

    def _write(self, output: Location) -> None:
        # the tokenizer read from, and the training files written to, a local folder: the output's own
        # on local disk, copies elsewhere (the config then names the output's URLs)
        with local_folder(output / "tokenizer") as tokenizer, \
                staged_folder(datafolder(output / "training")) as training:
            paths = self.block.write(output if is_url(output) else Path(output), tokenizer, training)
            plan = self.block.plan_
            stops = [note for note in plan.notes if note.startswith(WOULD_STOP)]
            if stops:  # a config nanotron's trainer refuses is no output: the stage fails, naming the key
                raise ValueError(f"nanotron_config: {paths['config']}: {stops[0]} (see {paths['layout']})")
            layout = plan.choice.layout
            if any(tp <= layout.tp * layout.pp for tp in plan.choice.vocabulary_excluded):
                self.stat_update("vocabulary_limits_tp", value=plan.model.vocab_size)
            logger.info(f"nanotron_config: wrote {', '.join(str(p) for p in paths.values())}\n"
                        f"{paths['layout'].read_text(encoding='utf-8')}")


@register("nanotron_config")
class NanotronConfig(MultiStageBlock):
    """Nanotron config YAML, sbatch script and layout report for training on the recipe's shards.

    Args:
        gpus, gpus_per_node, gpu_memory_gib, gpu_name, headroom: the cluster (128 x A100 40GB).
        model: overrides of the model shape (aiXcoder-7B's; ``vocab_size`` defaults to the tokenizer's, and
            the bos, eos and pad ids are the tokenizer's).
        hyperparameters: overrides of Table I's values (and of warmup and minimum learning rate).
        nanotron_dir: the absolute path of nanotron's checkout on the cluster (``run_train.py``); without
            it the script takes ``$NANOTRON_DIR`` (docs/training.md: which commit, how to install).
        partition, account: Slurm partition and account of the script, if any.
        time_limit: the job's Slurm time limit.
        environment: shell lines the script runs before training (``module load cuda``, ``source
            /opt/nanotron-venv/bin/activate``).
        run: run name.
        seed: the recipe seed unless given.
    """

    def __init__(self, gpus: int = 128, gpus_per_node: int = 8, gpu_memory_gib: float = 40.0,
                 gpu_name: str = "A100 40GB", headroom: float = 0.1, model: dict | None = None,
                 hyperparameters: dict | None = None, nanotron_dir: str | None = None, partition: str | None = None,
                 run: str = "aixcoder-7b", seed: int = 42, account: str | None = None,
                 environment: str | None = None, time_limit: str = "48:00:00"):
        self.cluster = Cluster(gpus, gpus_per_node, gpu_memory_gib, gpu_name, headroom)
        self.model_overrides = dict(model or {})
        _overrides(ModelShape, "model", self.model_overrides)
        self.hyper = _overrides(Hyperparameters, "hyperparameters", hyperparameters)
        if nanotron_dir is not None and not Path(nanotron_dir).is_absolute():
            raise ValueError(f"nanotron_dir must be an absolute path (the job runs from any directory), got "
                             f"{nanotron_dir!r}; leave it out to take $NANOTRON_DIR when the job starts")
        self.nanotron_dir, self.partition, self.run, self.seed = nanotron_dir, partition, run, seed
        self.account, self.environment, self.time_limit = account, environment, time_limit

    def write(self, output: Path | Location, tokenizer: str | None = None,
              training: str | None = None) -> dict[str, Path]:
        """The training files for the shards and tokenizer in ``output``: every path absolute, the tokenizer
        named as the shards' metadata names it, vocabulary size and bos/eos/pad ids those of the tokenizer.
        ``tokenizer``: a local folder holding ``output``'s tokenizer; ``training``: the local folder to
        write to (by default both in ``output``, on local disk)."""
        root = output.resolve()
        info = tokenizer_info(tokenizer or root / "tokenizer")
        values = dict(self.model_overrides)
        values.setdefault("vocab_size", info.vocab_size)
        model = _overrides(ModelShape, "model", values)
        plan = nanotron_config(model, self.hyper, self.cluster, str(root / "tokens"), str(root / "tokenizer"),
                               str(root / "checkpoints"), run=self.run, seed=self.seed, token_ids=info.ids,
                               read_data=not is_url(root))  # shards on a store: as stated (copy them, relocate)
        #: the last plan written (its notes and layout choice)
        self.plan_ = plan
        return write_training_files(plan, training or root / "training", self.nanotron_dir, self.partition,
                                    time_limit=self.time_limit, account=self.account, environment=self.environment)

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
        segment.add(context.reader(input_folder), None)
        segment.add(context.bind(NanotronConfigStep(self, str(context.output))), context.stage_id)
        return [segment]
