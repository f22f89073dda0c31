"""A typed, dependency-free mirror of Nanotron's training-config dataclasses.

Importing ``nanotron.config`` pulls in torch, flash-attn and CUDA, and the nanotron release on PyPI (0.4)
predates the config layout in use today, so codecurate validates the nanotron YAML it writes against this
mirror instead. It follows the nanotron ``main`` branch at commit
``2411b022a75fb7f7561a1bb4166706da5e1b76de`` (2026-04-07): ``src/nanotron/config/config.py``,
``models_config.py``, ``parallelism_config.py`` and ``utils_config.py``.

Mirrored classes (same names, field names, field order, types and defaults as at that commit): ``Config``,
``GeneralArgs``, ``LoggingArgs``, ``MetricsLoggingArgs``, ``ParallelismArgs``, ``LlamaConfig``,
``RandomInit``, ``SpectralMupInit``, ``ExistingCheckpointInit``, ``ModelArgs``, ``TokenizerArgs``,
``TokensArgs``, ``LRSchedulerArgs``, ``SGDOptimizerArgs``, ``AdamWOptimizerArgs``, ``OptimizerArgs``,
``CheckpointsArgs``, ``NanosetDatasetsArgs``, ``DataArgs``, ``DatasetStageArgs`` and ``ProfilerArgs``.

Scope: pretraining a Llama model (``model.model_config`` is a ``LlamaConfig``) on Nanoset data
(``data_stages[*].data.dataset`` is a ``NanosetDatasetsArgs`` or null, null being nanotron's dummy data).
Qwen2/Starcoder2 models, Hugging Face and SFT datasets, ``lighteval`` and ``s3_upload`` are not mirrored;
the last two are accepted only as null.

How the mirror represents nanotron's non-plain types:

- torch dtypes, pipeline engines, tensor-parallel modes and init scaling methods are kept as the strings
  nanotron's loader accepts (``"bfloat16"``, ``"1f1b"``/``"afab"``, ``"ALL_REDUCE"``/``"REDUCE_SCATTER"``,
  ``"NUM_LAYERS"``...);
- ``Path``/``xPath`` fields are plain ``str``.

Each ``__post_init__`` applies the same defaults nanotron fills in (log levels, seeds, pipeline engine,
key/value heads, learning-rate decay, data-stage order and sequence length...) and the same checks, so a
config built here serializes (``config_to_dict``) to what nanotron would load.

Nanoset folders are read as nanotron reads them (``read_data=True``, the default): ``NanosetDatasetsArgs``
takes the tokenizer name and token size from the first ``*.metadata`` file of each folder (paths relative
to the working directory, as nanotron's ``glob`` sees them) and the vocabulary size from that tokenizer as
``AutoTokenizer.from_pretrained(name)`` would give it; then ``Config`` asserts that the model's vocabulary
size and the config's tokenizer equal the dataset's. Only local tokenizer folders are read (with the
``tokenizers`` library): a name that is no folder is an error here, where nanotron would ask the Hugging Face
Hub. Stricter than nanotron: a folder that does not exist or holds no ``.metadata`` file is named at once
(nanotron fails later, on a vocabulary size of None or in its data loader). ``read_data=False`` checks only
what the YAML states. ``check_training_data`` adds the checks nanotron's ``run_train.py`` and trainer make
before training (``len(tokenizer)`` equals the model's padded vocabulary, shard files present, every
shard's tokenizer and token size those of the config). Not mirrored: the ``%date``/``%jobid`` substitution
in ``general.run`` (done when nanotron loads the file) and Hub downloads.

Deliberate differences from nanotron's own loader (dacite): ``bool`` is not accepted where an ``int`` or
``float`` is expected, and ``dataset_folder`` also accepts the older ``{folder: weight}`` mapping (nanotron's
own ``examples/config_nanoset.yaml`` still uses it, though the dataclass at this commit only takes a string
or a list); the mapping is turned into ``dataset_folder`` + ``dataset_weights``, the form nanotron loads.
"""

from __future__ import annotations

import contextvars
import dataclasses
import difflib
import glob
import math
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

NANOTRON_COMMIT = "2411b022a75fb7f7561a1bb4166706da5e1b76de"

DEFAULT_SEED = 42
LOG_LEVELS = ("debug", "info", "warning", "error", "critical", "passive")
PIPELINE_ENGINES = ("afab", "1f1b")
TENSOR_PARALLEL_MODES = ("ALL_REDUCE", "REDUCE_SCATTER")
INIT_SCALING_METHODS = ("NONE", "NUM_LAYERS", "LAYER_INDEX", "MODEL_SCALE")
DTYPES = (
    "float32",
    "float64",
    "complex64",
    "complex128",
    "float16",
    "bfloat16",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "bool",
)
ATTENTION_IMPLEMENTATIONS = (
    "flash_attention_2",
    "flex_attention",
    "sdpa",
    "ring_flash_triton",
    "ring",
    "llama3_ring_attention",
)
LR_WARMUP_STYLES = ("linear", "constant")
LR_DECAY_STYLES = ("linear", "cosine", "1-sqrt")

# Whether NanosetDatasetsArgs reads its folders' metadata (config_from_dict's read_data).
_READ_DATA: contextvars.ContextVar[bool] = contextvars.ContextVar("read_data", default=False)

# Field metadata: nanotron declares the field as ``str``/``float`` with a None default, so leaving the key out
# is fine but an explicit null fails its type check.
_NULL_REJECTED = "null_rejected"
_NOT_NULL = {_NULL_REJECTED: True}


class ConfigError(ValueError):
    """A value nanotron would reject. ``key`` is the dotted path of the key at fault (``data_stages[1].name``)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key = key
        self.reason = reason

    def __reduce__(self):  # picklable: a worker process hands it to the executor
        return ConfigError, (self.key, self.reason)

    def under(self, prefix: str) -> ConfigError:
        """The same error, its key placed under ``prefix``."""
        return ConfigError(_join(prefix, self.key), self.reason)


def _join(prefix: str, key: str) -> str:
    if not prefix:
        return key
    if not key:
        return prefix
    return prefix + key if key.startswith("[") else f"{prefix}.{key}"


def _one_of(value: object, allowed: tuple[str, ...]) -> str:
    return f"must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}"


# ---------------------------------------------------------------------------------------------------------------
# general, logging, parallelism


@dataclass
class GeneralArgs:
    """Experiment identity: project, run name, seed, resume step."""

    project: str
    run: str | None = None
    seed: int | None = None
    step: int | None = None
    consumed_train_samples: int | None = None
    benchmark_csv_path: str | None = None
    ignore_sanity_checks: bool = True

    def __post_init__(self) -> None:
        if self.seed is None:
            self.seed = DEFAULT_SEED
        if self.run is None:
            # nanotron replaces %date and %jobid when it loads the config; the placeholders are kept here.
            self.run = "%date_%jobid"


@dataclass
class LoggingArgs:
    """Log levels of the main process and of the other replicas."""

    log_level: str | None = None
    log_level_replica: str | None = None
    iteration_step_info_interval: int | None = 1

    def __post_init__(self) -> None:
        if self.log_level is None:
            self.log_level = "info"
        if self.log_level not in LOG_LEVELS:
            raise ConfigError("log_level", _one_of(self.log_level, LOG_LEVELS))
        if self.log_level_replica is None:
            self.log_level_replica = "info"
        if self.log_level_replica not in LOG_LEVELS:
            raise ConfigError("log_level_replica", _one_of(self.log_level_replica, LOG_LEVELS))


@dataclass
class MetricsLoggingArgs:
    """Detailed metrics: level 0 (basic) or 1 (full), and how often they are logged."""

    log_level: int = 0
    log_detail_interval: int = 10

    def __post_init__(self) -> None:
        if self.log_level not in (0, 1):
            raise ConfigError("log_level", f"must be 0 (basic) or 1 (full), not {self.log_level!r}")
        if self.log_detail_interval <= 0:
            raise ConfigError("log_detail_interval", f"must be a positive integer, not {self.log_detail_interval!r}")


@dataclass
class ParallelismArgs:
    """Data, pipeline, tensor, expert and context parallel sizes and modes."""

    dp: int
    pp: int
    tp: int
    pp_engine: str | None = None
    tp_mode: str | None = None
    tp_linear_async_communication: bool | None = None
    recompute_layer: bool = False
    tp_recompute_allgather: bool = True
    expert_parallel_size: int = 1
    context_parallel_size: int = 1

    def __post_init__(self) -> None:
        if self.pp_engine is None:
            self.pp_engine = "afab"
        if self.pp_engine not in PIPELINE_ENGINES:
            raise ConfigError("pp_engine", _one_of(self.pp_engine, PIPELINE_ENGINES))
        if self.tp_mode is None:
            self.tp_mode = "ALL_REDUCE"
        # nanotron looks the mode up by its upper-cased name and writes the enum's name back.
        if self.tp_mode.upper() not in TENSOR_PARALLEL_MODES:
            raise ConfigError("tp_mode", _one_of(self.tp_mode, TENSOR_PARALLEL_MODES) + " (any case)")
        self.tp_mode = self.tp_mode.upper()
        if self.tp_linear_async_communication is None:
            self.tp_linear_async_communication = False


# ---------------------------------------------------------------------------------------------------------------
# model


@dataclass
class RandomInit:
    """Random initialization with standard deviation ``std``."""

    std: float
    scaling_method: str = "NUM_LAYERS"

    def __post_init__(self) -> None:
        if self.scaling_method.upper() not in INIT_SCALING_METHODS:
            raise ConfigError("scaling_method", _one_of(self.scaling_method, INIT_SCALING_METHODS) + " (any case)")
        self.scaling_method = self.scaling_method.upper()


@dataclass
class SpectralMupInit:
    """Spectral muP initialization; ``use_mup`` must be true (leave ``init_method`` as RandomInit otherwise)."""

    use_mup: bool

    def __post_init__(self) -> None:
        if not self.use_mup:
            raise ConfigError("use_mup", "must be true; remove it to use another init method")


@dataclass
class ExistingCheckpointInit:
    """Weights taken from an existing checkpoint folder (no optimizer or scheduler state)."""

    path: str


@dataclass
class LlamaConfig:
    """Llama architecture hyper-parameters."""

    bos_token_id: int = 1
    eos_token_id: int = 2
    hidden_act: str = "silu"
    hidden_size: int = 4096
    initializer_range: float = 0.02
    intermediate_size: int = 11008
    is_llama_config: bool = True
    max_position_embeddings: int = 2048
    num_attention_heads: int = 32
    num_hidden_layers: int = 32
    attention_bias: bool = False
    num_key_value_heads: int | None = None
    pad_token_id: int | None = None
    pretraining_tp: int = 1
    rms_norm_eps: float = 1e-6
    rope_scaling: dict | None = None
    rope_theta: float = 10000.0
    rope_interleaved: bool = False
    tie_word_embeddings: bool = False
    use_cache: bool = True
    vocab_size: int = 32000
    _attn_implementation: str | None = "flash_attention_2"
    z_loss_enabled: bool = False
    z_loss_coefficient: float = 0.0001

    def __post_init__(self) -> None:
        if self.num_key_value_heads is None:
            # no key/value head count means plain multi-head attention
            self.num_key_value_heads = self.num_attention_heads
        if self._attn_implementation is not None and self._attn_implementation not in ATTENTION_IMPLEMENTATIONS:
            raise ConfigError("_attn_implementation", _one_of(self._attn_implementation, ATTENTION_IMPLEMENTATIONS))


@dataclass
class ModelArgs:
    """The model: architecture, initialization, parameter dtype, DDP bucket size."""

    model_config: LlamaConfig
    init_method: RandomInit | SpectralMupInit | ExistingCheckpointInit
    dtype: str | None = None
    make_vocab_size_divisible_by: int = 1
    ddp_bucket_cap_mb: int = 25

    def __post_init__(self) -> None:
        if self.dtype is None:
            self.dtype = "bfloat16"
        if self.dtype not in DTYPES:
            raise ConfigError("dtype", _one_of(self.dtype, DTYPES))


# ---------------------------------------------------------------------------------------------------------------
# tokenizer, tokens, optimizer, checkpoints


@dataclass
class TokenizerArgs:
    """The tokenizer to load (a Hugging Face name or a local path)."""

    tokenizer_name_or_path: str | None = None
    tokenizer_revision: str | None = None
    tokenizer_max_length: int | None = None


@dataclass
class TokensArgs:
    """Sequence length, batch sizes and number of steps."""

    sequence_length: int
    train_steps: int
    micro_batch_size: int
    batch_accumulation_per_replica: int
    val_check_interval: int | None = -1
    limit_val_batches: int | None = 0
    limit_test_batches: int | None = 0


@dataclass
class LRSchedulerArgs:
    """Learning rate with its warmup and decay phases."""

    learning_rate: float
    lr_warmup_steps: int = 0
    lr_warmup_style: str | None = field(default=None, metadata=_NOT_NULL)
    lr_decay_style: str | None = field(default=None, metadata=_NOT_NULL)
    lr_decay_steps: int | None = None
    lr_decay_starting_step: int | None = None
    min_decay_lr: float | None = field(default=None, metadata=_NOT_NULL)

    def __post_init__(self) -> None:
        # nanotron tests the warmup style before giving it a default, so in practice it must be set.
        if self.lr_warmup_style not in LR_WARMUP_STYLES:
            raise ConfigError("lr_warmup_style", _one_of(self.lr_warmup_style, LR_WARMUP_STYLES))
        if self.lr_decay_style is None:
            self.lr_decay_style = "linear"
        if self.lr_decay_style not in LR_DECAY_STYLES:
            raise ConfigError("lr_decay_style", _one_of(self.lr_decay_style, LR_DECAY_STYLES))
        if self.min_decay_lr is None:
            self.min_decay_lr = self.learning_rate


@dataclass
class SGDOptimizerArgs:
    """Plain SGD."""

    name: str = "sgd"

    def __post_init__(self) -> None:
        # nanotron picks the optimizer by this name when it builds it.
        if self.name != "sgd":
            raise ConfigError("name", f"must be 'sgd' for SGD, not {self.name!r}")


@dataclass
class AdamWOptimizerArgs:
    """AdamW's epsilon and betas, and whether torch's fused kernel is used."""

    adam_eps: float
    adam_beta1: float
    adam_beta2: float
    torch_adam_is_fused: bool
    name: str = "adamW"

    def __post_init__(self) -> None:
        if self.name != "adamW":
            raise ConfigError("name", f"must be 'adamW' (that exact case) for AdamW, not {self.name!r}")


@dataclass
class OptimizerArgs:
    """Optimizer, ZeRO stage, weight decay, gradient clipping and the learning-rate schedule."""

    optimizer_factory: SGDOptimizerArgs | AdamWOptimizerArgs
    zero_stage: int
    weight_decay: float
    clip_grad: float | None
    accumulate_grad_in_fp32: bool
    learning_rate_scheduler: LRSchedulerArgs
    weight_decay_exclude_named_params: list[str] | None = None

    def __post_init__(self) -> None:
        if self.weight_decay_exclude_named_params is None:
            self.weight_decay_exclude_named_params = []


@dataclass
class CheckpointsArgs:
    """Where and how often checkpoints are saved, and what a resume loads."""

    checkpoints_path: str
    checkpoint_interval: int
    save_initial_state: bool | None = False
    save_final_state: bool | None = True
    resume_checkpoint_path: str | None = None
    load_lr_scheduler: bool | None = True
    load_optimizer: bool | None = True
    checkpoints_path_is_shared_file_system: bool | None = False


# ---------------------------------------------------------------------------------------------------------------
# data


@dataclass
class NanosetDatasetsArgs:
    """Tokenized datatrove folders read by nanotron's Nanoset, with optional mixing weights."""

    dataset_folder: str | list[str] | dict[str, float]
    dataset_weights: list[float] | None = None
    dataset_read_path: str | list[str] | None = None
    tokenizer_name: str | None = None
    vocab_size: int | None = None
    token_size_in_bytes: int | None = None
    return_positions: bool | None = True
    skip_in_stream: bool | None = False
    pad_samples_to_global_batch_size: bool | None = False
    dataset_max_tokens: list[int] | None = None
    shuffle_files: bool | None = False
    use_old_brrr_dataloader: bool | None = False

    def __post_init__(self) -> None:
        if isinstance(self.dataset_folder, str):
            # one folder: nanotron makes it a list and sets its weight to 1, whatever was given
            self.dataset_folder = [self.dataset_folder]
            self.dataset_weights = [1.0]
        elif isinstance(self.dataset_folder, dict):
            # codecurate's extension: the older {folder: weight} form, turned into the form nanotron loads
            if self.dataset_weights is not None:
                raise ConfigError(
                    "dataset_weights", "give the weights either as a dataset_folder mapping or here, not both"
                )
            weights = self.dataset_folder
            self.dataset_folder = list(weights)
            self.dataset_weights = [float(w) for w in weights.values()]
        if self.dataset_weights is not None and len(self.dataset_weights) != len(self.dataset_folder):
            raise ConfigError(
                "dataset_weights",
                f"has {len(self.dataset_weights)} weights for {len(self.dataset_folder)} dataset folders",
            )
        if _READ_DATA.get():
            self._read_metadata()
        if self.dataset_read_path is not None and len(self.dataset_read_path) != len(self.dataset_folder):
            raise ConfigError(
                "dataset_read_path",
                f"has length {len(self.dataset_read_path)} but there are {len(self.dataset_folder)} dataset folders "
                "(nanotron compares len(), so give a list with one path per folder)",
            )


    def _read_metadata(self) -> None:
        """nanotron's reading of the first ``*.metadata`` file of every folder (in ``glob``'s order)."""
        for folder in self.dataset_folder:
            metadata_files = glob.glob(os.path.join(folder, "*.metadata"))
            if not metadata_files:
                where = "holds no *.metadata file" if os.path.isdir(folder) else "is not a folder"
                raise ConfigError("dataset_folder", f"{folder!r} {where} (working directory {os.getcwd()}); "
                                  "nanotron would leave the dataset without tokenizer and vocabulary size")
            with open(metadata_files[0], encoding="utf-8") as f:
                first_line = f.readline().strip()
            if "|" not in first_line:
                continue
            parts = first_line.split("|")
            if len(parts) != 2:
                raise ConfigError("dataset_folder", f"{metadata_files[0]}: first line {first_line!r} is not name|size")
            tokenizer_name, token_size = parts
            if self.tokenizer_name is None:
                self.tokenizer_name = tokenizer_name
                self.token_size_in_bytes = int(token_size)
                self.vocab_size = auto_tokenizer_vocab_size(tokenizer_name, f"{metadata_files[0]} names it")
            else:
                if self.tokenizer_name != tokenizer_name:
                    raise ConfigError("tokenizer_name", f"{self.tokenizer_name!r} does not match {tokenizer_name!r} "
                                      f"named by {metadata_files[0]}")
                if self.token_size_in_bytes != int(token_size):
                    raise ConfigError("token_size_in_bytes", f"{self.token_size_in_bytes!r} does not match "
                                      f"{int(token_size)} of {metadata_files[0]}")


def auto_tokenizer_vocab_size(name: str, why: str = "") -> int:
    """``len(AutoTokenizer.from_pretrained(name).get_vocab())`` for a local tokenizer folder ``name``
    (relative to the working directory, as for nanotron), or a ``tokenizer.json`` file (transformers 5
    loads a relative one after asking the Hub); a ``ConfigError`` says why not otherwise."""
    from codecurate.tokens.loading import tokenizer_info

    context = f" ({why})" if why else ""
    folder = name
    if os.path.isfile(name) and os.path.basename(name) == "tokenizer.json":
        folder = os.path.dirname(name) or "."
    if not os.path.isdir(folder):
        raise ConfigError("tokenizer_name", f"{name!r}{context} is not a folder seen from the working directory "
                          f"{os.getcwd()}: nanotron's AutoTokenizer.from_pretrained would look it up on the Hugging "
                          "Face Hub (OSError offline or for a name the Hub lacks)")
    try:
        return tokenizer_info(folder).vocab_size
    except (OSError, ValueError) as error:
        raise ConfigError("tokenizer_name", f"{name!r}{context}: {error}") from None


@dataclass
class DataArgs:
    """A data stage's dataset (null: nanotron's dummy data), sampling seed and loader workers."""

    dataset: NanosetDatasetsArgs | None
    seed: int | None
    num_loading_workers: int | None = 1

    def __post_init__(self) -> None:
        if self.seed is None:
            self.seed = DEFAULT_SEED


@dataclass
class DatasetStageArgs:
    """One stage of the data schedule, starting at ``start_training_step``."""

    name: str
    start_training_step: int
    data: DataArgs
    sequence_length: int | None = None

    def __post_init__(self) -> None:
        if self.start_training_step < 0:
            raise ConfigError("start_training_step", f"must be >= 0, not {self.start_training_step}")


@dataclass
class ProfilerArgs:
    """torch.profiler schedule; profiling is on when ``profiler_export_path`` is set."""

    profiler_export_path: str | None
    wait: int = 1
    warmup: int = 1
    active: int = 1
    repeat: int = 1
    skip_first: int = 3
    record_shapes: bool = False
    profile_memory: bool = False
    with_stack: bool = True
    export_chrome_trace: bool = False


# ---------------------------------------------------------------------------------------------------------------
# the whole config


@dataclass
class Config:
    """A nanotron training config; ``__post_init__`` runs nanotron's cross-section checks."""

    general: GeneralArgs
    parallelism: ParallelismArgs
    model: ModelArgs
    tokenizer: TokenizerArgs | None = None
    checkpoints: CheckpointsArgs | None = None
    logging: LoggingArgs | None = None
    metrics_logging: MetricsLoggingArgs | None = None
    tokens: TokensArgs | None = None
    optimizer: OptimizerArgs | None = None
    data_stages: list[DatasetStageArgs] | None = None
    profiler: ProfilerArgs | None = None
    lighteval: None = None
    s3_upload: None = None

    @property
    def global_batch_size(self) -> int:
        """Sequences per optimizer step: micro batch x accumulation x data-parallel replicas."""
        tokens = self._tokens("global_batch_size")
        return tokens.micro_batch_size * tokens.batch_accumulation_per_replica * self.parallelism.dp

    def _tokens(self, needed_by: str) -> TokensArgs:
        if self.tokens is None:
            raise ConfigError("tokens", f"missing, but nanotron needs it for {needed_by}")
        return self.tokens

    def __post_init__(self) -> None:
        self._check_profiler()
        if self.optimizer is not None:
            scheduler = self.optimizer.learning_rate_scheduler
            if scheduler.lr_decay_steps is None:
                scheduler.lr_decay_steps = (
                    self._tokens("the default of optimizer.learning_rate_scheduler.lr_decay_steps").train_steps
                    - scheduler.lr_warmup_steps
                )
        if self.data_stages is not None:
            self._check_data_stages()
        self._check_attention_heads()
        for stage in self.data_stages or ():
            if stage.sequence_length is None:
                stage.sequence_length = self._tokens("the default of data_stages[*].sequence_length").sequence_length

    def _check_profiler(self) -> None:
        profiler = self.profiler
        if profiler is None or profiler.profiler_export_path is None:
            return
        steps = profiler.skip_first + profiler.repeat * (profiler.wait + profiler.warmup + profiler.active)
        train_steps = self._tokens("the profiler's step count").train_steps
        if train_steps < steps:
            raise ConfigError(
                "tokens.train_steps",
                f"{train_steps} is fewer than the {steps} steps the profiler schedule needs "
                "(profiler.skip_first + repeat * (wait + warmup + active))",
            )

    def _check_data_stages(self) -> None:
        stages = self.data_stages or []
        if not any(stage.start_training_step == 1 for stage in stages):
            starts = ", ".join(str(stage.start_training_step) for stage in stages) or "no stages"
            raise ConfigError("data_stages", f"no stage has start_training_step 1 (found {starts}); nanotron needs one")
        first_with_name: dict[str, int] = {}
        first_with_start: dict[int, int] = {}
        # nanotron sorts the stages by start step, then checks them in that order
        order = sorted(range(len(stages)), key=lambda i: stages[i].start_training_step)
        for i in order:
            stage = stages[i]
            key = f"data_stages[{i}]"
            if stage.name in first_with_name:
                raise ConfigError(
                    f"{key}.name",
                    f"{stage.name!r} is also the name of data_stages[{first_with_name[stage.name]}]; "
                    "stage names must be unique",
                )
            first_with_name[stage.name] = i
            if stage.start_training_step in first_with_start:
                raise ConfigError(
                    f"{key}.start_training_step",
                    f"{stage.start_training_step} is also the start of "
                    f"data_stages[{first_with_start[stage.start_training_step]}]; start steps must be unique",
                )
            first_with_start[stage.start_training_step] = i
            if stage.data.dataset is not None:
                self._check_nanoset_against_model(stage.data.dataset, f"{key}.data.dataset")
        self.data_stages = [stages[i] for i in order]

    def _check_nanoset_against_model(self, dataset: NanosetDatasetsArgs, key: str) -> None:
        """Vocabulary size and tokenizer must agree between the dataset and the model/tokenizer sections.

        With the folders read (``read_data``) this is nanotron's check as it runs; without, only what the
        YAML states is compared (nanotron would have filled a null ``tokenizer_name`` and the vocabulary
        size from the folders' metadata)."""
        model_config = self.model.model_config
        if _READ_DATA.get():
            if model_config.vocab_size == -1:
                model_config.vocab_size = dataset.vocab_size
            if model_config.vocab_size != dataset.vocab_size:
                raise ConfigError(f"{key}.vocab_size", f"{dataset.vocab_size} (of the tokenizer "
                                  f"{dataset.tokenizer_name!r}) does not match model.model_config.vocab_size "
                                  f"({model_config.vocab_size})")
            if self.tokenizer is None:
                self.tokenizer = TokenizerArgs(tokenizer_name_or_path=dataset.tokenizer_name)
            if self.tokenizer.tokenizer_name_or_path != dataset.tokenizer_name:
                raise ConfigError("tokenizer.tokenizer_name_or_path",
                                  f"{self.tokenizer.tokenizer_name_or_path!r} does not match {key}.tokenizer_name "
                                  f"({dataset.tokenizer_name!r}, from the folders' metadata)")
            return
        if dataset.vocab_size is None:
            if dataset.tokenizer_name is not None:
                raise ConfigError(
                    f"{key}.vocab_size",
                    "must be set when tokenizer_name is: nanotron reads the vocabulary size from the metadata "
                    "files only when tokenizer_name is null, and otherwise compares "
                    "model.model_config.vocab_size with null",
                )
        else:
            if model_config.vocab_size == -1:
                model_config.vocab_size = dataset.vocab_size
            if model_config.vocab_size != dataset.vocab_size:
                raise ConfigError(
                    f"{key}.vocab_size",
                    f"{dataset.vocab_size} does not match model.model_config.vocab_size ({model_config.vocab_size})",
                )
        if dataset.tokenizer_name is not None:
            if self.tokenizer is None:
                self.tokenizer = TokenizerArgs(tokenizer_name_or_path=dataset.tokenizer_name)
            if self.tokenizer.tokenizer_name_or_path != dataset.tokenizer_name:
                raise ConfigError(
                    "tokenizer.tokenizer_name_or_path",
                    f"{self.tokenizer.tokenizer_name_or_path!r} does not match {key}.tokenizer_name "
                    f"({dataset.tokenizer_name!r})",
                )

    def _check_attention_heads(self) -> None:
        model_config = self.model.model_config
        heads = model_config.num_attention_heads
        kv_heads = model_config.num_key_value_heads if model_config.num_key_value_heads is not None else heads
        tp = self.parallelism.tp
        if tp == 0:
            raise ConfigError("parallelism.tp", "must not be 0")
        heads_key = "model.model_config.num_attention_heads"
        kv_key = "model.model_config.num_key_value_heads"
        if heads % tp:
            raise ConfigError(heads_key, f"{heads} is not divisible by parallelism.tp ({tp})")
        if heads < kv_heads:
            raise ConfigError(kv_key, f"{kv_heads} is more than num_attention_heads ({heads})")
        if kv_heads < tp:
            raise ConfigError(kv_key, f"{kv_heads} is less than parallelism.tp ({tp})")
        if kv_heads == 0 or heads % kv_heads:
            raise ConfigError(heads_key, f"{heads} is not divisible by num_key_value_heads ({kv_heads})")


# ---------------------------------------------------------------------------------------------------------------
# plain dict <-> dataclasses

_NoneType = type(None)
_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def _accepts_none(tp: Any) -> bool:
    return tp is _NoneType or tp is Any or (_is_union(tp) and _NoneType in typing.get_args(tp))


def _describe(tp: Any) -> str:
    """An annotation in YAML terms, for messages."""
    if tp is _NoneType:
        return "null"
    if tp is Any:
        return "any value"
    if _is_union(tp):
        members = typing.get_args(tp)
        if all(dataclasses.is_dataclass(t) or t is _NoneType for t in members):
            return "a mapping (" + " | ".join(getattr(t, "__name__", "null") for t in members) + ")"
        return " | ".join(_describe(t) for t in members)
    if dataclasses.is_dataclass(tp):
        return f"a mapping ({tp.__name__})"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, dict) and args:
        return f"{origin.__name__}[{', '.join(_describe(a) for a in args)}]"
    return getattr(tp, "__name__", repr(tp))


def _kind(value: Any) -> str:
    """A value's type in YAML terms, with the value itself when it is a scalar."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _looks_like_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _shape_matches(tp: Any, value: Any) -> bool:
    """Whether ``value`` has the outer shape of ``tp`` (a union member worth trying)."""
    if tp is Any:
        return True
    if dataclasses.is_dataclass(tp) or tp is dict or typing.get_origin(tp) is dict:
        return isinstance(value, Mapping)
    if tp is list or typing.get_origin(tp) is list:
        return isinstance(value, list)
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, tp)


def _convert(tp: Any, value: Any, key: str) -> Any:
    """``value`` checked against the annotation ``tp`` (dataclasses built); ``key`` is its path for errors."""
    if tp is Any:
        return value
    if tp is _NoneType:
        if value is not None:
            raise ConfigError(
                key, f"not covered by codecurate's nanotron schema, so only null is accepted; got {_kind(value)}"
            )
        return None
    if _is_union(tp):
        members = [t for t in typing.get_args(tp) if t is not _NoneType]
        if value is None:
            if _accepts_none(tp):
                return None
            raise ConfigError(key, f"expected {_describe(tp)}, got null")
        if len(members) == 1:
            return _convert(members[0], value, key)
        return _convert_union(tp, members, value, key)
    if value is None:
        raise ConfigError(key, f"expected {_describe(tp)}, got null")
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key)
    origin = typing.get_origin(tp)
    if tp is list or origin is list:
        if not isinstance(value, list):
            raise ConfigError(key, f"expected {_describe(tp)}, got {_kind(value)}")
        (item_type,) = typing.get_args(tp) or (Any,)
        return [_convert(item_type, item, f"{key}[{i}]") for i, item in enumerate(value)]
    if tp is dict or origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(key, f"expected {_describe(tp)}, got {_kind(value)}")
        key_type, value_type = typing.get_args(tp) or (Any, Any)
        return {
            _convert(key_type, k, f"{key}[{k!r}]"): _convert(value_type, v, f"{key}[{k!r}]") for k, v in value.items()
        }
    if tp in (bool, int, float, str):
        if not _shape_matches(tp, value):
            hint = ""
            if tp is float and isinstance(value, str) and _looks_like_float(value):
                hint = " (PyYAML reads exponent notation without a dot as a string: write 1.0e-5, not 1e-5)"
            raise ConfigError(key, f"expected {_describe(tp)}, got {_kind(value)}{hint}")
        return float(value) if tp is float else value
    raise TypeError(f"{key}: annotation {tp!r} is not supported by the nanotron schema")


def _convert_union(tp: Any, members: list[Any], value: Any, key: str) -> Any:
    candidates = [m for m in members if _shape_matches(m, value)]
    if not candidates:
        raise ConfigError(key, f"expected {_describe(tp)}, got {_kind(value)}")
    errors: list[tuple[Any, ConfigError]] = []
    for member in candidates:  # first member that fits wins, as in nanotron's loader
        try:
            return _convert(member, value, key)
        except ConfigError as err:
            errors.append((member, err))
    if len(errors) > 1 and isinstance(value, Mapping) and all(dataclasses.is_dataclass(m) for m, _ in errors):
        # report the member whose fields cover the most of the given keys
        def overlap(member: Any) -> int:
            names = {f.name for f in dataclasses.fields(member)}
            return sum(1 for k in value if k in names)

        best = max(overlap(m) for m, _ in errors)
        errors = [(m, err) for m, err in errors if overlap(m) == best]
    if len(errors) == 1:
        raise errors[0][1]
    details = "; ".join(f"as {getattr(m, '__name__', _describe(m))}: {err}" for m, err in errors)
    raise ConfigError(key, f"matches none of {_describe(tp)} ({details})")


def _build(cls: type, data: Any, key: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(key, f"expected {_describe(cls)}, got {_kind(data)}")
    hints = _hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for name in data:
        if name not in known:
            unused = [n for n in known if n not in data]
            close = difflib.get_close_matches(str(name), unused, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]!r}?)" if close else f" ({cls.__name__} has no such field)"
            raise ConfigError(_join(key, str(name)), "unknown key" + hint)
    values: dict[str, Any] = {}
    for name, spec in known.items():
        path = _join(key, name)
        if name in data:
            if data[name] is None and spec.metadata.get(_NULL_REJECTED):
                raise ConfigError(path, "null is not accepted here (leave the key out to get the default)")
            values[name] = _convert(hints[name], data[name], path)
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            # like nanotron's loader, a missing optional field without a default is null
            if not _accepts_none(hints[name]):
                raise ConfigError(path, "missing required key")
            values[name] = None
    try:
        return cls(**values)
    except ConfigError as err:
        raise err.under(key) from None


def config_from_dict(data: Mapping[str, Any], *, read_data: bool = True) -> Config:
    """A ``Config`` built strictly from a plain dict (as loaded from YAML).

    Raises ``ConfigError`` (a ``ValueError``) naming the key path at fault for unknown keys, missing required
    keys, values of the wrong type and anything nanotron's own checks would reject. With ``read_data`` the
    Nanoset folders' metadata and tokenizer are read as nanotron reads them (relative paths from the working
    directory); without, only the YAML is checked."""
    token = _READ_DATA.set(read_data)
    try:
        return _build(Config, data, "")
    finally:
        _READ_DATA.reset(token)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def config_to_dict(config: Config) -> dict[str, Any]:
    """``config`` as plain dicts, lists and scalars (every field, nulls included), for ``yaml.safe_dump``."""
    if not isinstance(config, Config):
        raise TypeError(f"expected a Config, got {type(config).__name__}")
    return _plain(config)


def load_config(path: str | Path, *, read_data: bool = True) -> Config:
    """The nanotron config YAML at ``path``, validated (see ``config_from_dict``)."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, Mapping):
        raise ConfigError("", f"{path}: expected a YAML mapping at the top level, got {_kind(data)}")
    return config_from_dict(data, read_data=read_data)


def padded_vocab_size(config: Config) -> int:
    """The model's vocabulary as nanotron's trainer pads it: a multiple of tp x make_vocab_size_divisible_by."""
    multiple = config.model.make_vocab_size_divisible_by * config.parallelism.tp
    return int(math.ceil(config.model.model_config.vocab_size / multiple) * multiple)


def check_training_data(config: Config) -> None:
    """What nanotron's ``run_train.py`` and trainer check before training on Nanoset data, on a ``Config``
    loaded with ``read_data``: ``len(AutoTokenizer(tokenizer))`` equals the model's padded vocabulary, each
    folder holds ``*.ds`` files (the data loader's pattern, not recursive), and every shard's metadata names
    the dataset's tokenizer and token size (nanotron reads the first file only and would misread another
    size). Raises ``ConfigError`` naming the key at fault."""
    for i, stage in enumerate(config.data_stages or ()):
        dataset = stage.data.dataset
        if dataset is None:
            continue
        key = f"data_stages[{i}].data.dataset"
        name = config.tokenizer.tokenizer_name_or_path if config.tokenizer else None
        if name is None:
            raise ConfigError("tokenizer.tokenizer_name_or_path", "missing: run_train.py loads it for Nanoset data")
        try:
            size = auto_tokenizer_vocab_size(name, "the config's tokenizer")
        except ConfigError as error:
            raise ConfigError("tokenizer.tokenizer_name_or_path", error.reason) from None
        padded = padded_vocab_size(config)
        if size != padded:
            raise ConfigError("model.model_config.vocab_size",
                              f"the tokenizer {name!r} has {size} tokens but the trainer pads the model's vocabulary "
                              f"({config.model.model_config.vocab_size}) to {padded}, a multiple of parallelism.tp "
                              f"({config.parallelism.tp}) x model.make_vocab_size_divisible_by "
                              f"({config.model.make_vocab_size_divisible_by}); run_train.py asserts they are equal")
        for folder in dataset.dataset_folder:
            shards = sorted(glob.glob(os.path.join(folder, "*.ds")))
            if not shards:
                raise ConfigError(f"{key}.dataset_folder", f"{folder!r} holds no *.ds shard")
            for shard in shards:
                metadata = f"{shard}.metadata"
                if not os.path.isfile(metadata):
                    raise ConfigError(f"{key}.dataset_folder", f"{shard} has no .metadata file")
                with open(metadata, encoding="utf-8") as f:
                    line = f.readline().strip()
                expected = f"{dataset.tokenizer_name}|{dataset.token_size_in_bytes}"
                if line != expected:
                    raise ConfigError(f"{key}.dataset_folder", f"{metadata} says {line!r}, the dataset {expected!r}")


def validate_training_config(path: str | Path) -> Config:
    """The config at ``path`` through nanotron's loading checks and its pre-training checks, data read as
    nanotron reads it (``load_config`` then ``check_training_data``)."""
    config = load_config(path)
    check_training_data(config)
    return config
