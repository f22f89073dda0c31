"""A typed, dependency-free mirror of Nanotron's training-config dataclasses.

Importing ``nanotron.config`` pulls in torch, transformers, datasets and flash-attn, and the nanotron release on
PyPI (0.4) predates the config layout in use today, so codecurate checks the nanotron YAML it writes against
this mirror instead. It follows the nanotron ``main`` branch at commit
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
  ``"NUM_LAYERS"``...) and checked in ``__post_init__`` as nanotron's type hooks check them;
- ``Path``/``xPath`` fields are plain ``str``.

Each ``__post_init__`` applies the same defaults nanotron fills in (log levels, seeds, pipeline engine,
key/value heads, learning-rate decay, data-stage order and sequence length...) and the same checks, and
reads no file. What nanotron's classes check by reading files (the Nanoset folders' metadata, the tokenizer,
then the model's vocabulary against the dataset's) is in ``codecurate.training.nanotron_data``, called
explicitly; loading from a dict or YAML (dacite, as nanotron loads) is ``codecurate.training.nanotron_loader``.
Not mirrored: the ``%date``/``%jobid`` substitution in ``general.run`` (done when nanotron loads the file).
"""

from __future__ import annotations

from dataclasses import dataclass

from dacite import DaciteFieldError

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


class ConfigError(DaciteFieldError, ValueError):
    """A value nanotron would reject. ``key`` is the dotted path of the key at fault (``data_stages[1].name``).

    A dacite field error, so that dacite puts the path of the section in front of a key raised by a nested
    ``__post_init__`` as it unwinds (``update_path``)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(field_path=key or None)
        self.reason = reason

    @property
    def key(self) -> str:
        return self.field_path or ""

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}" if self.key else self.reason

    def __reduce__(self):  # picklable: a worker process hands it to the executor
        return ConfigError, (self.key, self.reason)

    def update_path(self, parent_field_path: str) -> None:
        self.field_path = _join(parent_field_path, self.key)

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
    # nanotron's annotations: a None default but no Optional, so leaving the key out is fine and a null is refused
    lr_warmup_style: str = None  # type: ignore[assignment]
    lr_decay_style: str = None  # type: ignore[assignment]
    lr_decay_steps: int | None = None
    lr_decay_starting_step: int | None = None
    min_decay_lr: float = None  # type: ignore[assignment]

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
        if self.dataset_read_path is not None and len(self.dataset_read_path) != len(self.dataset_folder):
            raise ConfigError(
                "dataset_read_path",
                f"has length {len(self.dataset_read_path)} but there are {len(self.dataset_folder)} dataset folders "
                "(nanotron compares len(), so give a list with one path per folder)",
            )



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
    """A nanotron training config; ``__post_init__`` runs nanotron's cross-section checks but the datasets'
    against the model (``nanotron_data.check_datasets``)."""

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
        self.data_stages = [stages[i] for i in order]

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
