"""The nanotron config mirror: nanotron's own example configs load, round trips, and invalid configs are
rejected with the key at fault named."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from codecurate.training.nanotron_data import check_datasets
from codecurate.training.nanotron_loader import config_from_dict as _config_from_dict
from codecurate.training.nanotron_loader import config_to_dict, read_config
from codecurate.training.nanotron_mirror import (
    NANOTRON_COMMIT,
    Config,
    ConfigError,
    LlamaConfig,
    LRSchedulerArgs,
    NanosetDatasetsArgs,
)


# These tests check the YAML alone: the folders of nanotron's examples do not exist here. Reading the folders
# as nanotron does (check_datasets' read_data=True, the default) is tested in test_nanotron_data.py.
def config_from_dict(data: Any) -> Config:
    config = _config_from_dict(data)
    check_datasets(config, read_data=False)
    return config


def load_config(path: Path) -> Config:
    config = read_config(path)
    check_datasets(config, read_data=False)
    return config


# examples/config_nanoset.yaml and examples/config_tiny_llama.yaml of huggingface/nanotron at commit
# 2411b022a75fb7f7561a1bb4166706da5e1b76de (main, 2026-04-07), copied verbatim.
NANOSET_YAML = """\
checkpoints:
  checkpoint_interval: 1000
  checkpoints_path: checkpoints/
  checkpoints_path_is_shared_file_system: false
  resume_checkpoint_path: null
  save_initial_state: false
data_stages:
- data:
    dataset:
      dataset_folder: datasets/c4-es/tokenized
    num_loading_workers: 1
    seed: 42
  name: General purpose training (Single dataset)
  start_training_step: 1
- data:
    dataset:
      dataset_folder:
      - datasets/SlimPajama-6B/tokenized
      - datasets/c4-es/tokenized
    num_loading_workers: 1
    seed: 42
  name: Second purpose training (> 1 dataset)
  start_training_step: 15
- data:
    dataset:
      dataset_folder:
        datasets/SlimPajama-6B/tokenized: 0.8
        datasets/c4-es/tokenized: 0.2
    num_loading_workers: 1
    seed: 42
  name: Third purpose training (Blended dataset)
  start_training_step: 25
general:
  benchmark_csv_path: null
  consumed_train_samples: null
  ignore_sanity_checks: true
  project: Nanoset
  run: llama
  seed: 42
  step: null
lighteval: null
logging:
  iteration_step_info_interval: 1
  log_level: info
  log_level_replica: info
model:
  ddp_bucket_cap_mb: 25
  dtype: bfloat16
  init_method:
    std: 0.025
  make_vocab_size_divisible_by: 1
  model_config:
    bos_token_id: 1
    eos_token_id: 2
    hidden_act: silu
    hidden_size: 16
    initializer_range: 0.02
    intermediate_size: 64
    is_llama_config: true
    max_position_embeddings: 1024
    num_attention_heads: 4
    num_hidden_layers: 2
    num_key_value_heads: 4
    pad_token_id: null
    pretraining_tp: 1
    rms_norm_eps: 1.0e-05
    rope_scaling: null
    tie_word_embeddings: true
    use_cache: true
    vocab_size: 50257
optimizer:
  accumulate_grad_in_fp32: true
  clip_grad: 1.0
  learning_rate_scheduler:
    learning_rate: 0.0003
    lr_decay_starting_step: null
    lr_decay_steps: 98
    lr_decay_style: cosine
    lr_warmup_steps: 2
    lr_warmup_style: linear
    min_decay_lr: 1.0e-05
  optimizer_factory:
    adam_beta1: 0.9
    adam_beta2: 0.95
    adam_eps: 1.0e-08
    name: adamW
    torch_adam_is_fused: true
  weight_decay: 0.01
  zero_stage: 0
parallelism:
  dp: 1
  expert_parallel_size: 1
  pp: 1
  pp_engine: 1f1b
  tp: 1
  tp_linear_async_communication: true
  tp_mode: REDUCE_SCATTER
profiler: null
tokenizer:
  tokenizer_max_length: null
  tokenizer_name_or_path: gpt2
  tokenizer_revision: null
tokens:
  batch_accumulation_per_replica: 1
  limit_test_batches: 0
  limit_val_batches: 0
  micro_batch_size: 2
  sequence_length: 1024
  train_steps: 200
  val_check_interval: -1
"""

TINY_LLAMA_YAML = """\
checkpoints:
  checkpoint_interval: 1000
  checkpoints_path: checkpoints
  checkpoints_path_is_shared_file_system: false
  resume_checkpoint_path: null
  save_initial_state: false
data_stages:
- data:
    dataset: null
    num_loading_workers: 1
    seed: 42
  name: Stable Training Stage
  start_training_step: 1
general:
  benchmark_csv_path: benchmark_llama.csv
  consumed_train_samples: null
  ignore_sanity_checks: true
  project: debug
  run: tiny_llama_%date_%jobid
  seed: 42
  step: null
lighteval: null
logging:
  iteration_step_info_interval: 1
  log_level: info
  log_level_replica: info
model:
  ddp_bucket_cap_mb: 25
  dtype: bfloat16
  init_method:
    std: 0.025
  make_vocab_size_divisible_by: 1
  model_config:
    bos_token_id: 1
    eos_token_id: 2
    hidden_act: silu
    hidden_size: 2048
    initializer_range: 0.02
    intermediate_size: 11008
    is_llama_config: true
    max_position_embeddings: 128256
    num_attention_heads: 16
    num_hidden_layers: 28
    num_key_value_heads: 2
    pad_token_id: null
    pretraining_tp: 1
    rms_norm_eps: 1.0e-05
    rope_scaling: null
    tie_word_embeddings: true
    use_cache: true
    vocab_size: 128256
optimizer:
  accumulate_grad_in_fp32: true
  clip_grad: 1.0
  learning_rate_scheduler:
    learning_rate: 0.0003
    lr_decay_starting_step: null
    lr_decay_steps: 13
    lr_decay_style: cosine
    lr_warmup_steps: 2
    lr_warmup_style: linear
    min_decay_lr: 1.0e-05
  optimizer_factory:
    adam_beta1: 0.9
    adam_beta2: 0.95
    adam_eps: 1.0e-08
    name: adamW
    torch_adam_is_fused: true
  weight_decay: 0.01
  zero_stage: 0
parallelism:
  dp: 4
  expert_parallel_size: 1
  pp: 1
  pp_engine: 1f1b
  tp: 2
  tp_linear_async_communication: true
  tp_mode: REDUCE_SCATTER
profiler:
  profiler_export_path: ./tb_logs/fix/
tokenizer:
  tokenizer_max_length: null
  tokenizer_name_or_path: robot-test/dummy-tokenizer-wordlevel
  tokenizer_revision: null
tokens:
  batch_accumulation_per_replica: 1
  limit_test_batches: 0
  limit_val_batches: 0
  micro_batch_size: 3
  sequence_length: 4096
  train_steps: 2000
  val_check_interval: -1
"""


def tiny_llama() -> dict[str, Any]:
    return yaml.safe_load(TINY_LLAMA_YAML)


def nanoset() -> dict[str, Any]:
    return yaml.safe_load(NANOSET_YAML)


def minimal() -> dict[str, Any]:
    return {
        "general": {"project": "p"},
        "parallelism": {"dp": 1, "pp": 1, "tp": 1},
        "model": {"model_config": {}, "init_method": {"std": 0.02}},
    }


def test_mirrors_the_commit_named_in_the_tests() -> None:
    assert NANOTRON_COMMIT == "2411b022a75fb7f7561a1bb4166706da5e1b76de"


# --- nanotron's own examples -------------------------------------------------------------------------------------


def test_tiny_llama_example_loads() -> None:
    cfg = config_from_dict(tiny_llama())
    assert isinstance(cfg.model.model_config, LlamaConfig)
    assert cfg.model.model_config.num_key_value_heads == 2
    assert cfg.parallelism.tp_mode == "REDUCE_SCATTER"
    assert cfg.parallelism.pp_engine == "1f1b"
    assert cfg.model.dtype == "bfloat16"
    assert cfg.profiler is not None and cfg.profiler.profiler_export_path == "./tb_logs/fix/"
    assert cfg.data_stages is not None and cfg.data_stages[0].data.dataset is None
    # defaults nanotron fills in
    assert cfg.data_stages[0].sequence_length == 4096
    assert cfg.optimizer is not None and cfg.optimizer.weight_decay_exclude_named_params == []
    assert cfg.general.run == "tiny_llama_%date_%jobid"
    assert cfg.global_batch_size == 3 * 1 * 4


def test_nanoset_example_loads() -> None:
    cfg = config_from_dict(nanoset())
    assert cfg.data_stages is not None
    datasets = [stage.data.dataset for stage in cfg.data_stages]
    assert all(isinstance(d, NanosetDatasetsArgs) for d in datasets)
    # one folder: a list of one, weight 1
    assert datasets[0].dataset_folder == ["datasets/c4-es/tokenized"]
    assert datasets[0].dataset_weights == [1.0]
    # a list: no weights
    assert datasets[1].dataset_folder == ["datasets/SlimPajama-6B/tokenized", "datasets/c4-es/tokenized"]
    assert datasets[1].dataset_weights is None
    # the older {folder: weight} mapping becomes folders + weights, the form nanotron loads at this commit
    assert datasets[2].dataset_folder == ["datasets/SlimPajama-6B/tokenized", "datasets/c4-es/tokenized"]
    assert datasets[2].dataset_weights == [0.8, 0.2]
    assert [stage.sequence_length for stage in cfg.data_stages] == [1024] * 3
    scheduler = cfg.optimizer.learning_rate_scheduler
    assert (scheduler.lr_decay_style, scheduler.lr_decay_steps, scheduler.min_decay_lr) == ("cosine", 98, 1e-05)


@pytest.mark.parametrize("text", [NANOSET_YAML, TINY_LLAMA_YAML], ids=["nanoset", "tiny_llama"])
def test_round_trip(text: str) -> None:
    cfg = config_from_dict(yaml.safe_load(text))
    assert config_from_dict(config_to_dict(cfg)) == cfg
    dumped = yaml.safe_dump(config_to_dict(cfg))
    assert config_from_dict(yaml.safe_load(dumped)) == cfg
    assert config_to_dict(config_from_dict(yaml.safe_load(dumped))) == config_to_dict(cfg)


def test_dict_holds_only_plain_values() -> None:
    data = config_to_dict(config_from_dict(nanoset()))

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                assert isinstance(k, str)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert value is None or isinstance(value, (bool, int, float, str))

    walk(data)
    assert isinstance(data["data_stages"][2]["data"]["dataset"]["dataset_folder"], list)
    assert data["lighteval"] is None and data["s3_upload"] is None


def test_load_config(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(TINY_LLAMA_YAML, encoding="utf-8")
    assert load_config(path) == config_from_dict(tiny_llama())
    path.write_text("- not a mapping\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        load_config(path)


# --- defaults and normalizations ----------------------------------------------------------------------------------


def test_minimal_config_gets_nanotrons_defaults() -> None:
    cfg = config_from_dict(minimal())
    assert cfg.model.model_config == LlamaConfig()
    assert cfg.model.model_config.num_key_value_heads == 32
    assert cfg.model.model_config._attn_implementation == "flash_attention_2"
    assert cfg.model.init_method.scaling_method == "NUM_LAYERS"
    assert (cfg.parallelism.pp_engine, cfg.parallelism.tp_mode) == ("afab", "ALL_REDUCE")
    assert cfg.parallelism.tp_linear_async_communication is False
    assert cfg.parallelism.context_parallel_size == 1
    assert cfg.model.dtype == "bfloat16"
    assert (cfg.general.seed, cfg.general.run) == (42, "%date_%jobid")
    assert cfg.optimizer is None and cfg.data_stages is None and cfg.tokens is None
    assert config_from_dict(config_to_dict(cfg)) == cfg


def test_optional_fields_without_default_may_be_left_out() -> None:
    data = tiny_llama()
    del data["optimizer"]["clip_grad"]
    del data["data_stages"][0]["data"]["seed"]
    del data["data_stages"][0]["data"]["dataset"]
    cfg = config_from_dict(data)
    assert cfg.optimizer.clip_grad is None
    assert cfg.data_stages[0].data.seed == 42
    assert cfg.data_stages[0].data.dataset is None


def test_scheduler_defaults() -> None:
    data = tiny_llama()
    scheduler = data["optimizer"]["learning_rate_scheduler"]
    for key in ("lr_decay_steps", "lr_decay_style", "min_decay_lr"):
        del scheduler[key]
    cfg = config_from_dict(data)
    result = cfg.optimizer.learning_rate_scheduler
    assert result == LRSchedulerArgs(
        learning_rate=0.0003,
        lr_warmup_steps=2,
        lr_warmup_style="linear",
        lr_decay_style="linear",
        lr_decay_steps=2000 - 2,
        min_decay_lr=0.0003,
    )


def test_float_fields_accept_ints_and_tp_mode_any_case() -> None:
    data = tiny_llama()
    data["optimizer"]["clip_grad"] = 1
    data["parallelism"]["tp_mode"] = "all_reduce"
    cfg = config_from_dict(data)
    assert cfg.optimizer.clip_grad == 1.0 and isinstance(cfg.optimizer.clip_grad, float)
    assert cfg.parallelism.tp_mode == "ALL_REDUCE"


def test_stages_are_sorted_by_start_step() -> None:
    data = nanoset()
    data["data_stages"].reverse()
    cfg = config_from_dict(data)
    assert [stage.start_training_step for stage in cfg.data_stages] == [1, 15, 25]
    assert cfg == config_from_dict(nanoset())


def test_dataset_vocab_and_tokenizer_fill_the_model() -> None:
    data = nanoset()
    del data["tokenizer"]
    data["model"]["model_config"]["vocab_size"] = -1
    dataset = data["data_stages"][0]["data"]["dataset"]
    dataset.update(tokenizer_name="gpt2", vocab_size=50257, token_size_in_bytes=2)
    cfg = config_from_dict(data)
    assert cfg.model.model_config.vocab_size == 50257
    assert cfg.tokenizer is not None and cfg.tokenizer.tokenizer_name_or_path == "gpt2"
    assert config_from_dict(config_to_dict(cfg)) == cfg


# --- invalid configs ------------------------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting the dotted ``path`` (``a.b[0].c``) to ``value``."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = data
        for step in parents:
            target = target[step]
        target[last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = _steps(path)
        target: Any = data
        for step in parents:
            target = target[step]
        del target[last]

    return mutate


def _steps(path: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", path)]


def _all(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


NANOSET_STAGE0 = "data_stages[0].data.dataset"

INVALID = [
    # structure and types
    ("unknown key", _set("model.model_config.hiden_size", 16), "model.model_config.hiden_size", "unknown key"),
    ("unknown section", _set("trainer", {}), "trainer", "unknown key"),
    (
        "HF dataset keys",
        _set("data_stages[0].data.dataset", {"hf_dataset_or_datasets": "x"}),
        "data_stages[0].data.dataset.hf_dataset_or_datasets",
        "unknown key",
    ),
    ("missing key", _delete("general.project"), "general.project", "missing required key"),
    ("missing section", _delete("model"), "model", "missing required key"),
    ("missing train_steps", _delete("tokens.train_steps"), "tokens.train_steps", "missing required key"),
    ("str for int", _set("tokens.micro_batch_size", "3"), "tokens.micro_batch_size", "expected int, got str '3'"),
    ("bool for int", _set("parallelism.tp", True), "parallelism.tp", "expected int"),
    ("float for int", _set("tokens.train_steps", 10.0), "tokens.train_steps", "expected int"),
    ("null for int", _set("parallelism.dp", None), "parallelism.dp", "got null"),
    (
        "1e-5 is a str in YAML",
        _set("model.model_config.rms_norm_eps", "1e-5"),
        "model.model_config.rms_norm_eps",
        "1.0e-5",
    ),
    ("str for bool", _set("optimizer.accumulate_grad_in_fp32", "yes"), "optimizer.accumulate_grad_in_fp32", "bool"),
    (
        "list item",
        _set("optimizer.weight_decay_exclude_named_params", ["bias", 3]),
        "optimizer.weight_decay_exclude_named_params",
        "expected list[str], got a list",
    ),
    ("mapping for list", _set("data_stages", {"a": 1}), "data_stages", "expected list"),
    (
        "dict for dict-typed",
        _set("model.model_config.rope_scaling", "linear"),
        "model.model_config.rope_scaling",
        "dict",
    ),
    ("section not a mapping", _set("tokens", 5), "tokens", "expected a mapping (TokensArgs)"),
    ("null-only section", _set("lighteval", {"eval_interval": 10}), "lighteval", "only null"),
    ("null-only s3", _set("s3_upload", {"upload_s3_path": "s3://x"}), "s3_upload", "only null"),
    # logging
    ("log level", _set("logging.log_level", "verbose"), "logging.log_level", "'verbose'"),
    ("replica log level", _set("logging.log_level_replica", "INFO"), "logging.log_level_replica", "'INFO'"),
    ("metrics level", _set("metrics_logging", {"log_level": 2}), "metrics_logging.log_level", "0 (basic) or 1"),
    (
        "metrics interval",
        _set("metrics_logging", {"log_detail_interval": 0}),
        "metrics_logging.log_detail_interval",
        "",
    ),
    # parallelism and model
    ("pp engine", _set("parallelism.pp_engine", "1F1B"), "parallelism.pp_engine", "'afab', '1f1b'"),
    ("tp mode", _set("parallelism.tp_mode", "sequence"), "parallelism.tp_mode", "'ALL_REDUCE'"),
    ("dtype", _set("model.dtype", "bf16"), "model.dtype", "'bf16'"),
    (
        "attention",
        _set("model.model_config._attn_implementation", "flash"),
        "model.model_config._attn_implementation",
        "",
    ),
    ("init scaling", _set("model.init_method.scaling_method", "depth"), "model.init_method.scaling_method", ""),
    ("init std type", _set("model.init_method.std", "small"), "model.init_method.std", "expected float"),
    ("init method", _set("model.init_method", {}), "model.init_method", "matches none of"),
    ("mup off", _set("model.init_method", {"use_mup": False}), "model.init_method.use_mup", "must be true"),
    ("heads vs tp", _set("model.model_config.num_attention_heads", 15), "model.model_config.num_attention_heads", "tp"),
    ("kv > heads", _set("model.model_config.num_key_value_heads", 32), "model.model_config.num_key_value_heads", ""),
    ("kv < tp", _set("parallelism.tp", 4), "model.model_config.num_key_value_heads", "less than parallelism.tp (4)"),
    (
        "heads vs kv",
        _set("model.model_config.num_key_value_heads", 6),
        "model.model_config.num_attention_heads",
        "not divisible by num_key_value_heads (6)",
    ),
    ("tp zero", _set("parallelism.tp", 0), "parallelism.tp", "must not be 0"),
    # optimizer and schedule
    ("optimizer name", _set("optimizer.optimizer_factory.name", "adamw"), "optimizer.optimizer_factory.name", "adamW"),
    (
        "optimizer typo",
        _all(_delete("optimizer.optimizer_factory.adam_beta1"), _set("optimizer.optimizer_factory.adam_beta", 0.9)),
        "optimizer.optimizer_factory.adam_beta",
        "unknown key (did you mean 'adam_beta1'?)",
    ),
    (
        "warmup style",
        _set("optimizer.learning_rate_scheduler.lr_warmup_style", "cosine"),
        "optimizer.learning_rate_scheduler.lr_warmup_style",
        "'linear', 'constant'",
    ),
    (
        "warmup style left out",
        _delete("optimizer.learning_rate_scheduler.lr_warmup_style"),
        "optimizer.learning_rate_scheduler.lr_warmup_style",
        "not None",
    ),
    (
        "decay style",
        _set("optimizer.learning_rate_scheduler.lr_decay_style", "exponential"),
        "optimizer.learning_rate_scheduler.lr_decay_style",
        "'cosine'",
    ),
    (
        "null decay style",
        _set("optimizer.learning_rate_scheduler.lr_decay_style", None),
        "optimizer.learning_rate_scheduler.lr_decay_style",
        "expected str, got null",
    ),
    (
        "null min lr",
        _set("optimizer.learning_rate_scheduler.min_decay_lr", None),
        "optimizer.learning_rate_scheduler.min_decay_lr",
        "expected float, got null",
    ),
    (
        "no tokens for the decay default",
        _all(_delete("tokens"), _set("profiler", None), _set("optimizer.learning_rate_scheduler.lr_decay_steps", None)),
        "tokens",
        "lr_decay_steps",
    ),
    ("profiler longer than training", _set("tokens.train_steps", 5), "tokens.train_steps", "profiler"),
    # data stages
    (
        "duplicate names",
        _set(
            "data_stages",
            [{"name": "s", "start_training_step": 1, "data": {}}, {"name": "s", "start_training_step": 9, "data": {}}],
        ),
        "data_stages[1].name",
        "unique",
    ),
    (
        "duplicate start steps",
        _set(
            "data_stages",
            [{"name": "a", "start_training_step": 1, "data": {}}, {"name": "b", "start_training_step": 1, "data": {}}],
        ),
        "data_stages[1].start_training_step",
        "unique",
    ),
    ("no stage at step 1", _set("data_stages[0].start_training_step", 5), "data_stages", "start_training_step 1"),
    ("no stages", _set("data_stages", []), "data_stages", "start_training_step 1"),
    ("negative start", _set("data_stages[0].start_training_step", -1), "data_stages[0].start_training_step", ">= 0"),
    ("stage without data", _delete("data_stages[0].data"), "data_stages[0].data", "missing required key"),
]

NANOSET_INVALID = [
    ("folder type", _set(f"{NANOSET_STAGE0}.dataset_folder", 5), f"{NANOSET_STAGE0}.dataset_folder", "str | list[str]"),
    (
        "folder mapping value",
        _set(f"{NANOSET_STAGE0}.dataset_folder", {"a": "half"}),
        f"{NANOSET_STAGE0}.dataset_folder",
        "matches none of str | list[str] | dict[str, float]; got a mapping",
    ),
    (
        "weights count",
        _all(_set(f"{NANOSET_STAGE0}.dataset_folder", ["a", "b"]), _set(f"{NANOSET_STAGE0}.dataset_weights", [1.0])),
        f"{NANOSET_STAGE0}.dataset_weights",
        "1 weights for 2 dataset folders",
    ),
    (
        "weights twice",
        _all(
            _set(f"{NANOSET_STAGE0}.dataset_folder", {"a": 0.5, "b": 0.5}),
            _set(f"{NANOSET_STAGE0}.dataset_weights", [1.0, 1.0]),
        ),
        f"{NANOSET_STAGE0}.dataset_weights",
        "not both",
    ),
    (
        "read paths count",
        _set(f"{NANOSET_STAGE0}.dataset_read_path", ["/local/a", "/local/b"]),
        f"{NANOSET_STAGE0}.dataset_read_path",
        "one path per folder",
    ),
    (
        "vocab mismatch",
        _set(f"{NANOSET_STAGE0}.vocab_size", 32000),
        f"{NANOSET_STAGE0}.vocab_size",
        "model.model_config.vocab_size (50257)",
    ),
    (
        "tokenizer mismatch",
        _all(_set(f"{NANOSET_STAGE0}.tokenizer_name", "llama"), _set(f"{NANOSET_STAGE0}.vocab_size", 50257)),
        "tokenizer.tokenizer_name_or_path",
        "'llama'",
    ),
    (
        "tokenizer without vocab",
        _set(f"{NANOSET_STAGE0}.tokenizer_name", "gpt2"),
        f"{NANOSET_STAGE0}.vocab_size",
        "must be set when tokenizer_name is",
    ),
    (
        "later stage vocab",
        _set("data_stages[2].data.dataset", {"dataset_folder": "x", "vocab_size": 1}),
        "data_stages[2].data.dataset.vocab_size",
        "does not match",
    ),
]


def _check_rejected(base: dict[str, Any], mutate: Callable[[dict[str, Any]], None], key: str, words: str) -> None:
    data = copy.deepcopy(base)
    mutate(data)
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.key == key, str(error)
    assert str(error).startswith(f"{key}: ")
    assert words in error.reason, str(error)


@pytest.mark.parametrize(("mutate", "key", "words"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_tiny_llama_variants(mutate: Callable[[dict[str, Any]], None], key: str, words: str) -> None:
    _check_rejected(tiny_llama(), mutate, key, words)


@pytest.mark.parametrize(
    ("mutate", "key", "words"), [case[1:] for case in NANOSET_INVALID], ids=[case[0] for case in NANOSET_INVALID]
)
def test_invalid_nanoset_variants(mutate: Callable[[dict[str, Any]], None], key: str, words: str) -> None:
    _check_rejected(nanoset(), mutate, key, words)


def test_root_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        config_from_dict([])  # type: ignore[arg-type]


def test_direct_construction_runs_the_same_checks() -> None:
    cfg = config_from_dict(tiny_llama())
    with pytest.raises(ConfigError, match=r"^lr_warmup_style: "):
        LRSchedulerArgs(learning_rate=1e-3, lr_warmup_style="exp")
    with pytest.raises(ConfigError, match=r"^model\.model_config\.num_attention_heads: "):
        Config(
            general=cfg.general,
            parallelism=cfg.parallelism,
            model=type(cfg.model)(model_config=LlamaConfig(num_attention_heads=15), init_method=cfg.model.init_method),
        )


def test_config_errors_cross_process_boundaries():
    import pickle

    from codecurate.training.nanotron_mirror import ConfigError

    error = pickle.loads(pickle.dumps(ConfigError("data_stages[0].name", "empty")))
    assert (error.key, error.reason, str(error)) == ("data_stages[0].name", "empty", "data_stages[0].name: empty")
