"""A nanotron training config (YAML, nanotron main's schema) and a Slurm launch script.

From the model shape, the hyperparameters, the shard folder, the tokenizer and the cluster: the 3D
layout comes from ``codecurate.training.layout``; the config is built as the typed mirror of nanotron's
config classes (``codecurate.training.nanotron_mirror``), whose construction runs nanotron's checks, and its
data checked by ``codecurate.training.nanotron_data`` before it is written.
"""

from __future__ import annotations

import copy
import dataclasses
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from codecurate.training.layout import Cluster, LayoutChoice, choose_layout, describe
from codecurate.training.model import Hyperparameters, ModelShape
from codecurate.training.nanotron_mirror import (
    AdamWOptimizerArgs,
    CheckpointsArgs,
    Config,
    DataArgs,
    DatasetStageArgs,
    GeneralArgs,
    LlamaConfig,
    LoggingArgs,
    LRSchedulerArgs,
    ModelArgs,
    NanosetDatasetsArgs,
    OptimizerArgs,
    ParallelismArgs,
    RandomInit,
    TokenizerArgs,
    TokensArgs,
)

#: how a plan's note begins when nanotron's pre-training checks refuse the config's data
WOULD_STOP = "nanotron's run_train.py would stop before training"

#: the keys the YAML states, per class, in the order written; nanotron gives the others their defaults
#: (a class not named here is written whole)
WRITTEN: dict[type, tuple[str, ...]] = {
    Config: ("general", "parallelism", "model", "tokenizer", "checkpoints", "logging", "tokens", "optimizer",
             "data_stages"),
    ParallelismArgs: ("dp", "tp", "pp", "pp_engine", "tp_mode", "tp_linear_async_communication", "recompute_layer",
                      "expert_parallel_size"),
    ModelArgs: ("ddp_bucket_cap_mb", "dtype", "make_vocab_size_divisible_by", "init_method", "model_config"),
    RandomInit: ("std",),
    LlamaConfig: ("bos_token_id", "eos_token_id", "pad_token_id", "hidden_act", "hidden_size", "initializer_range",
                  "intermediate_size", "is_llama_config", "max_position_embeddings", "num_attention_heads",
                  "num_hidden_layers", "num_key_value_heads", "pretraining_tp", "rms_norm_eps", "rope_scaling",
                  "rope_theta", "tie_word_embeddings", "use_cache", "vocab_size"),
    CheckpointsArgs: ("checkpoint_interval", "checkpoints_path", "checkpoints_path_is_shared_file_system",
                      "resume_checkpoint_path", "save_initial_state"),
    LoggingArgs: ("iteration_step_info_interval", "log_level", "log_level_replica"),
    OptimizerArgs: ("accumulate_grad_in_fp32", "clip_grad", "weight_decay", "zero_stage", "learning_rate_scheduler",
                    "optimizer_factory"),
    AdamWOptimizerArgs: ("name", "adam_beta1", "adam_beta2", "adam_eps", "torch_adam_is_fused"),
    DatasetStageArgs: ("name", "start_training_step", "data"),
    DataArgs: ("dataset", "num_loading_workers", "seed"),
    NanosetDatasetsArgs: ("dataset_folder",),
}


def written(value: Any) -> Any:
    """The YAML codecurate writes for a mirrored ``Config`` (``WRITTEN``): plain dicts, lists and scalars; a
    single Nanoset folder written as nanotron's shorthand, the folder itself (weight 1)."""
    if isinstance(value, NanosetDatasetsArgs) and len(value.dataset_folder) == 1 and value.dataset_weights == [1.0]:
        return {"dataset_folder": value.dataset_folder[0]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = WRITTEN.get(type(value)) or [f.name for f in dataclasses.fields(value)]
        return {name: written(getattr(value, name)) for name in names}
    if isinstance(value, list):
        return [written(v) for v in value]
    return value


@dataclass
class TrainingPlan:
    config: Config
    choice: LayoutChoice
    model: ModelShape
    cluster: Cluster
    notes: list[str]


def nanotron_config(model: ModelShape, hyper: Hyperparameters, cluster: Cluster, dataset_folder: str,
                    tokenizer: str, checkpoints: str = "checkpoints", project: str = "codecurate",
                    run: str = "aixcoder-7b", seed: int = 42, token_ids: Mapping[str, int | None] | None = None,
                    read_data: bool = True) -> TrainingPlan:
    """The config in nanotron's schema, checked, with the layout choice.

    ``token_ids``: the ``bos``, ``eos`` and ``pad`` ids of the model config; read from the tokenizer folder
    unless given. With ``read_data`` the config's data is checked as nanotron loads it, the shards' metadata
    and the tokenizer read (they must exist), and as its ``run_train.py`` checks it before training (a failure
    of these last checks is a note of the plan: the shards stay good, a parameter fixes it); without, only
    what the config states is checked."""
    from codecurate.training.nanotron_data import check_datasets, check_training_data
    from codecurate.training.nanotron_mirror import ConfigError

    if hyper.sequence_length > model.max_positions:
        raise ValueError(f"sequence_length {hyper.sequence_length} exceeds the model's {model.max_positions} positions")
    if token_ids is None:
        from codecurate.tokenizer_files import tokenizer_info

        token_ids = tokenizer_info(tokenizer).ids
    for role in ("bos", "eos"):
        if token_ids.get(role) is None:
            raise ValueError(f"the tokenizer {tokenizer} names no {role} token (its tokenizer_config.json): the model "
                             f"config needs {role}_token_id")
    choice = choose_layout(model, cluster, hyper.global_batch_sequences, hyper.sequence_length)
    layout = choice.layout
    config = Config(  # constructing it runs nanotron's checks, mirrored
        general=GeneralArgs(project=project, run=run, seed=seed),
        parallelism=ParallelismArgs(dp=layout.dp, tp=layout.tp, pp=layout.pp, pp_engine="1f1b",
                                    tp_mode="REDUCE_SCATTER", tp_linear_async_communication=True,
                                    recompute_layer=True),
        model=ModelArgs(
            dtype="bfloat16", init_method=RandomInit(std=0.02),
            model_config=LlamaConfig(
                bos_token_id=token_ids["bos"], eos_token_id=token_ids["eos"], pad_token_id=token_ids.get("pad"),
                hidden_size=model.hidden, intermediate_size=model.ffn, max_position_embeddings=model.max_positions,
                num_attention_heads=model.heads, num_hidden_layers=model.layers, num_key_value_heads=model.kv_heads,
                rms_norm_eps=model.rms_norm_eps, rope_theta=model.rope_theta, tie_word_embeddings=model.tie_embeddings,
                vocab_size=model.vocab_size,
            ),
        ),
        tokenizer=TokenizerArgs(tokenizer_name_or_path=tokenizer),
        checkpoints=CheckpointsArgs(checkpoints_path=checkpoints, checkpoint_interval=1000),
        logging=LoggingArgs(log_level="info", log_level_replica="info"),
        tokens=TokensArgs(sequence_length=hyper.sequence_length, train_steps=hyper.train_steps,
                          micro_batch_size=layout.micro_batch, batch_accumulation_per_replica=layout.accumulation),
        optimizer=OptimizerArgs(
            accumulate_grad_in_fp32=True, clip_grad=hyper.clip_grad, weight_decay=hyper.weight_decay, zero_stage=1,
            learning_rate_scheduler=LRSchedulerArgs(
                learning_rate=hyper.learning_rate, lr_warmup_steps=hyper.warmup_steps, lr_warmup_style="linear",
                lr_decay_style=hyper.lr_decay_style, lr_decay_steps=hyper.lr_decay_steps,
                min_decay_lr=hyper.min_learning_rate,
            ),
            optimizer_factory=AdamWOptimizerArgs(adam_beta1=hyper.adam_beta1, adam_beta2=hyper.adam_beta2,
                                                 adam_eps=hyper.adam_eps, torch_adam_is_fused=True),
        ),
        data_stages=[DatasetStageArgs(name="pretraining", start_training_step=1,
                                      data=DataArgs(dataset=NanosetDatasetsArgs(dataset_folder=dataset_folder),
                                                    seed=seed))],
    )
    checked = copy.deepcopy(config)  # nanotron fills the dataset from the folders: the YAML states the folder only
    check_datasets(checked, read_data=read_data)
    notes = []
    if read_data:
        try:  # a config nanotron loads, but whose data its run_train.py refuses: said, not fatal to the run
            check_training_data(checked)
        except ConfigError as error:
            notes.append(f"{WOULD_STOP}: {error}")
    notes += [f"hidden-dropout {hyper.hidden_dropout} and attention-dropout {hyper.attention_dropout} (Table I) have "
             "no field in nanotron's LlamaConfig and are not applied",
             f"warmup {hyper.warmup_steps} steps and minimum learning rate {hyper.min_learning_rate:g} are not in "
             "the paper; they are parameters"]
    return TrainingPlan(config, choice, model, cluster, notes)


#: the nanotron commit the config is written for (``nanotron_mirror``): the checkout to train with
NANOTRON_COMMIT = "2411b022a75fb7f7561a1bb4166706da5e1b76de"


def slurm_script(plan: TrainingPlan, config_path: str, nanotron_dir: str | None = None,
                 partition: str | None = None, time_limit: str = "48:00:00", account: str | None = None,
                 environment: str | None = None) -> str:
    """An sbatch script: one task per node, each running torchrun with a process per GPU on
    nanotron's ``run_train.py``, the first node as rendezvous host. ``nanotron_dir``: the absolute
    path of nanotron's checkout (``$NANOTRON_DIR`` overrides it; without it the script requires
    ``$NANOTRON_DIR``); ``environment``: shell lines run before training (``module load ...``,
    ``source .../bin/activate``); ``partition``, ``account``: Slurm's."""
    if nanotron_dir is not None and not Path(nanotron_dir).is_absolute():
        raise ValueError(f"nanotron_dir must be an absolute path (the job runs from any directory), got "
                         f"{nanotron_dir!r}")
    cluster = plan.cluster
    gpus_per_node = min(cluster.gpus, cluster.gpus_per_node)
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={plan.config.general.run}",
        f"#SBATCH --nodes={cluster.nodes}",
        "#SBATCH --ntasks-per-node=1",
        f"#SBATCH --gpus-per-node={gpus_per_node}",
        "#SBATCH --exclusive",
        f"#SBATCH --time={time_limit}",
        "#SBATCH --output=%x-%j.out",
    ]
    if partition:
        lines.append(f"#SBATCH --partition={partition}")
    if account:
        lines.append(f"#SBATCH --account={account}")
    layout = plan.choice.layout
    default = shlex.quote(nanotron_dir) if nanotron_dir else None
    lines += [
        f"# {cluster.gpus} x {cluster.gpu_name}: dp={layout.dp} tp={layout.tp} pp={layout.pp}, "
        f"micro batch {layout.micro_batch} x {layout.accumulation} accumulation",
        "set -euo pipefail",
        f"# nanotron: a checkout of https://github.com/huggingface/nanotron at {NANOTRON_COMMIT} (docs/training.md)",
        f"NANOTRON_DIR=${{NANOTRON_DIR:-{default}}}" if default else
        'NANOTRON_DIR=${NANOTRON_DIR:?"set NANOTRON_DIR to your nanotron checkout (docs/training.md)"}',
    ]
    if environment:
        lines += ["# the environment (the nanotron_config stage's environment parameter)", *environment.splitlines()]
    lines += [
        'MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
        "export MASTER_ADDR MASTER_PORT=29500 CUDA_DEVICE_MAX_CONNECTIONS=1",
        "srun --kill-on-bad-exit=1 torchrun \\",
        f"  --nnodes={cluster.nodes} --nproc_per_node={gpus_per_node} \\",
        '  --rdzv_id="$SLURM_JOB_ID" --rdzv_backend=c10d --rdzv_endpoint="$MASTER_ADDR:$MASTER_PORT" \\',
        f'  "$NANOTRON_DIR/run_train.py" --config-file {shlex.quote(config_path)}',
    ]
    return "\n".join(lines) + "\n"


def write_training_files(plan: TrainingPlan, folder: str | Path, nanotron_dir: str | None = None,
                         partition: str | None = None, **script) -> dict[str, Path]:
    """``config.yaml``, ``train.sbatch`` and ``layout.md`` (the candidates and why the layout won);
    ``script``: ``slurm_script``'s other parameters (``time_limit``, ``account``, ``environment``)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    config = target / "config.yaml"
    config.write_text(yaml.safe_dump(written(plan.config), sort_keys=False), encoding="utf-8")
    sbatch = target / "train.sbatch"
    sbatch.write_text(slurm_script(plan, str(config.resolve()), nanotron_dir, partition, **script), encoding="utf-8")
    report = target / "layout.md"
    model = plan.model
    report.write_text(
        f"# Training layout\n\nModel: {model.layers} layers, hidden {model.hidden}, FFN {model.ffn}, "
        f"{model.heads} heads ({model.kv_heads} key/value), vocabulary {model.vocab_size}: "
        f"{model.parameters / 1e9:.2f} B parameters.\nCluster: {plan.cluster.gpus} x {plan.cluster.gpu_name} "
        f"({plan.cluster.memory_gib:g} GiB, {plan.cluster.headroom:.0%} kept free).\n\n{describe(plan.choice)}\n\n"
        + "".join(f"- {note}\n" for note in plan.notes), encoding="utf-8")
    return {"config": config, "sbatch": sbatch, "layout": report}
