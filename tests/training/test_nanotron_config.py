import dataclasses
from pathlib import Path

import dacite
import pytest
import yaml

from codecurate.training.layout import Cluster
from codecurate.training.model import Hyperparameters, ModelShape
from codecurate.training.nanotron import nanotron_config, slurm_script, write_training_files, written
from codecurate.training.nanotron_loader import config_from_dict, read_config
from codecurate.training.nanotron_mirror import Config, ConfigError, LRSchedulerArgs

IDS = {"bos": 1, "eos": 2, "pad": None}
DATA = Path(__file__).parent / "data"


def plan(**cluster):
    # no shards nor tokenizer here: the config's own content is checked (the data: test_nanotron_data.py)
    return nanotron_config(ModelShape(), Hyperparameters(), Cluster(**cluster), "/data/tokens", "/data/tokenizer",
                           token_ids=IDS, read_data=False)


def test_default_config_carries_the_paper_and_passes_nanotrons_checks(tmp_path):
    p = plan()
    config = written(p.config)
    model = config["model"]["model_config"]
    assert (model["num_hidden_layers"], model["hidden_size"], model["intermediate_size"]) == (32, 4096, 14464)
    assert (model["num_attention_heads"], model["num_key_value_heads"], model["rope_theta"]) == (32, 8, 256_000.0)
    assert (model["rms_norm_eps"], model["max_position_embeddings"], model["vocab_size"]) == (1e-6, 32_768, 49_152)
    optimizer = config["optimizer"]
    assert optimizer["learning_rate_scheduler"]["learning_rate"] == 1e-5
    assert optimizer["learning_rate_scheduler"]["lr_decay_steps"] == 320_000
    assert optimizer["learning_rate_scheduler"]["lr_decay_style"] == "cosine"
    assert (optimizer["weight_decay"], optimizer["clip_grad"]) == (0.01, 1.0)
    assert (optimizer["optimizer_factory"]["adam_beta1"], optimizer["optimizer_factory"]["adam_beta2"]) == (0.9, 0.98)
    par, tokens = config["parallelism"], config["tokens"]
    assert par["dp"] * par["tp"] * par["pp"] == 128
    assert tokens["micro_batch_size"] * tokens["batch_accumulation_per_replica"] * par["dp"] == 512
    assert tokens["sequence_length"] == 32_768
    assert config["data_stages"][0]["data"]["dataset"]["dataset_folder"] == "/data/tokens"
    files = write_training_files(p, tmp_path)
    loaded = read_config(files["config"])  # the YAML as written passes the mirrored checks
    assert loaded.parallelism.tp == par["tp"]
    assert yaml.safe_load(files["config"].read_text()) == config
    report = files["layout"].read_text()
    assert "why:" in report and "dropout" in report


def test_a_broken_config_is_caught_by_the_mirrored_checks():
    config = written(plan().config)
    config["optimizer"]["learning_rate_scheduler"]["lr_warmup_style"] = "exponential"
    with pytest.raises(ValueError, match="lr_warmup_style"):
        config_from_dict(config)
    with pytest.raises(ConfigError, match="^lr_warmup_style: "):  # the typed build runs the same checks
        dataclasses.replace(plan().config.optimizer.learning_rate_scheduler, lr_warmup_style="exponential")


SMALL = (ModelShape(layers=2, hidden=256, ffn=512, heads=4, kv_heads=2, vocab_size=1000, max_positions=1024),
         Hyperparameters(sequence_length=1024, global_batch_sequences=16, train_steps=10, lr_decay_steps=8,
                         warmup_steps=2), Cluster(gpus=2, gpus_per_node=2))


@pytest.mark.parametrize(("name", "args", "ids"), [
    ("aixcoder_default", (ModelShape(), Hyperparameters(), Cluster()), IDS),
    ("small", SMALL, {**IDS, "pad": 0}),
])
def test_the_yaml_written_is_the_golden_byte_for_byte(tmp_path, name, args, ids):
    # the goldens were written by the dict-built config before the typed build replaced it (issue 33)
    p = nanotron_config(*args, "/data/tokens", "/data/tokenizer", token_ids=ids, read_data=False)
    files = write_training_files(p, tmp_path)
    assert files["config"].read_bytes() == (DATA / f"{name}_config.yaml").read_bytes()


# nanotron's own loader settings (config.py, get_config_from_dict), none of codecurate's hooks: the mirror keeps
# nanotron's torch dtypes and enums as strings, so its type hooks have nothing to turn
NANOTRON_DACITE = dacite.Config(cast=[Path], strict=True)


@pytest.mark.parametrize("name", ["aixcoder_default", "small"])
def test_the_golden_loads_with_nanotrons_dacite_settings_and_round_trips(name):
    data = yaml.safe_load((DATA / f"{name}_config.yaml").read_text())
    by_nanotron = dacite.from_dict(Config, data, NANOTRON_DACITE)
    assert by_nanotron == config_from_dict(data)
    full = dataclasses.asdict(by_nanotron)  # every field, as nanotron's save_as_yaml writes it
    assert dacite.from_dict(Config, yaml.safe_load(yaml.safe_dump(full)), NANOTRON_DACITE) == by_nanotron
    assert config_from_dict(full) == by_nanotron
    assert written(by_nanotron) == data  # what the stage writes is a function of the typed config alone
    with pytest.raises(dacite.UnexpectedDataError):  # strict, as nanotron: an unknown key is refused
        dacite.from_dict(Config, {**data, "trainer": {}}, NANOTRON_DACITE)
    scheduler = {**data["optimizer"]["learning_rate_scheduler"], "lr_decay_style": None}
    with pytest.raises(dacite.WrongTypeError):  # `str = None` in nanotron: a null is refused, a missing key is not
        dacite.from_dict(LRSchedulerArgs, scheduler, NANOTRON_DACITE)


def test_sbatch_launches_torchrun_on_every_node():
    p = plan(gpus=64, gpus_per_node=8, memory_gib=80, gpu_name="H100 80GB")
    script = slurm_script(p, "/runs/config.yaml", nanotron_dir="/opt/nanotron", partition="gpu")
    assert "#SBATCH --nodes=8" in script and "#SBATCH --gpus-per-node=8" in script
    assert "#SBATCH --partition=gpu" in script
    assert "--nnodes=8 --nproc_per_node=8" in script
    assert "NANOTRON_DIR=${NANOTRON_DIR:-/opt/nanotron}" in script
    assert '"$NANOTRON_DIR/run_train.py" --config-file /runs/config.yaml' in script
    assert script.startswith("#!/bin/bash\n")
    with pytest.raises(ValueError, match="nanotron_dir must be an absolute path"):
        slurm_script(p, "/runs/config.yaml", nanotron_dir="nanotron")


def test_sequence_longer_than_the_positions_is_refused():
    with pytest.raises(ValueError, match="exceeds the model's 32768 positions"):
        nanotron_config(ModelShape(), Hyperparameters(sequence_length=65_536), Cluster(), "/d", "/t", token_ids=IDS)
