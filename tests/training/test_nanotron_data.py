"""The recipe's shards and training config, read as nanotron reads them: the shards' metadata and the
config name the tokenizer by one absolute path, a moved output is made right by ``codecurate relocate``,
and what nanotron would refuse (the old relative name, sizes that disagree, missing folders) is refused
by the mirror, naming the key."""

import glob
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from codecurate.cli import main
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from codecurate.tokens.shards import Shard
from codecurate.training import nanotron_loader
from codecurate.training.nanotron_data import check_datasets, check_training_data, validate_training_config
from codecurate.training.nanotron_mirror import Config, ConfigError
from tests.conftest import AIXCODER


def config_from_dict(data: dict, read_data: bool = True) -> Config:
    """The config loaded as nanotron loads it: its data read (or, without ``read_data``, only stated)."""
    config = nanotron_loader.config_from_dict(data)
    check_datasets(config, read_data=read_data)
    return config


def load_config(path: Path, read_data: bool = True) -> Config:
    return config_from_dict(yaml.safe_load(path.read_text(encoding="utf-8")), read_data)


pytest.importorskip("tokenizers")
pytest.importorskip("tree_sitter_language_pack")


def recipe_stage(stage_id: str) -> dict:
    """A stage of the aiXcoder recipe as the recipe file gives it."""
    stages = yaml.safe_load(AIXCODER.read_text(encoding="utf-8"))["stages"]
    return next(s for s in stages if s["id"] == stage_id)


@pytest.fixture(scope="module")
def run_output(tmp_path_factory) -> Path:
    """The recipe's objectives, shards and training stages (its parameters; a small vocabulary, windows
    and shards for a small input) on real Python files, written into one folder."""
    import datatrove

    base = tmp_path_factory.mktemp("run")
    repos = base / "repos"
    sources = sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:60]
    for i, source in enumerate(sources):
        target = repos / f"repo{i % 6}" / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    shards, training = recipe_stage("shards"), recipe_stage("training")
    shards["params"].update(vocab_size=512, sample_rate=1.0, sequence_length=256, max_tokens_per_shard=20_000)
    out = base / "out"
    recipe = {
        "name": "nanotron-data", "seed": 3, "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [recipe_stage("objectives"), shards, training],
    }
    assert run_recipe(validate(recipe))["complete"]
    return out


@pytest.fixture
def output(run_output, tmp_path) -> Path:
    """A copy of the run's output of this test's own, with its paths made to name it."""
    copy = tmp_path / "first" / "out"
    shutil.copytree(run_output, copy)
    assert main(["relocate", str(copy)]) == 0
    return copy


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """Another working directory, as a training job on a cluster has."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def metadata_names(output: Path) -> set[str]:
    return {Shard(p).tokenizer_name for p in (output / "tokens").glob("*.ds")}


def test_the_recipe_writes_a_sentencepiece_tokenizer_and_one_name_for_it(run_output):
    config = yaml.safe_load((run_output / "training" / "config.yaml").read_text())
    name = str(run_output.resolve() / "tokenizer")
    assert config["tokenizer"]["tokenizer_name_or_path"] == name and metadata_names(run_output) == {name}
    assert len(list((run_output / "tokens").glob("*.ds"))) >= 2
    tokenizer = json.loads((run_output / "tokenizer" / "tokenizer.json").read_text())
    assert tokenizer["model"]["byte_fallback"] is True and tokenizer["model"]["vocab"]["<unk>"] == 0
    model = config["model"]["model_config"]
    ids = (model["bos_token_id"], model["eos_token_id"], model["pad_token_id"])
    assert ids == (1, 2, None) and model["vocab_size"] == 512
    assert "would stop" not in (run_output / "training" / "layout.md").read_text()


def test_a_moved_output_validates_from_another_directory_after_relocate(output, tmp_path, elsewhere, capsys):
    validate_training_config(output / "training" / "config.yaml")  # absolute names: any working directory
    moved = tmp_path / "cluster" / "runs" / "aix"
    moved.parent.mkdir(parents=True)
    shutil.move(output, moved)
    assert not output.exists()
    # moved but not relocated: the names point at the old place, which nanotron would not find
    with pytest.raises(ConfigError, match=r"data_stages\[0\]\.data\.dataset\.dataset_folder: .* is not a folder"):
        validate_training_config(moved / "training" / "config.yaml")
    capsys.readouterr()
    assert main(["relocate", str(moved)]) == 0
    assert "passes nanotron's loading and pre-training checks" in capsys.readouterr().out
    config = validate_training_config(moved / "training" / "config.yaml")
    name = str(moved / "tokenizer")
    assert config.tokenizer.tokenizer_name_or_path == config.data_stages[0].data.dataset.tokenizer_name == name
    assert metadata_names(moved) == {name}
    assert config.data_stages[0].data.dataset.dataset_folder == [str(moved / "tokens")]
    assert config.checkpoints.checkpoints_path == str(moved / "checkpoints")
    assert f"--config-file {moved / 'training' / 'config.yaml'}" in (moved / "training" / "train.sbatch").read_text()
    assert json.loads((moved / "tokens" / "summary.json").read_text())["root"] == str(moved)
    assert Path.cwd() == elsewhere


def test_relocate_to_a_place_on_another_machine(output, elsewhere):
    assert main(["relocate", str(output), "/scratch/team/aix"]) == 0
    config = load_config(output / "training" / "config.yaml", read_data=False)
    assert config.tokenizer.tokenizer_name_or_path == "/scratch/team/aix/tokenizer"
    assert metadata_names(output) == {"/scratch/team/aix/tokenizer"}
    assert "--config-file /scratch/team/aix/training/config.yaml" in (output / "training" / "train.sbatch").read_text()
    assert main(["relocate", str(output)]) == 0  # and back, once the folder is where it says
    validate_training_config(output / "training" / "config.yaml")


def rename_tokenizer_in_metadata(output: Path, name: str) -> None:
    for path in (output / "tokens").glob("*.metadata"):
        lines = path.read_text().splitlines()
        path.write_text("\n".join([f"{name}|{lines[0].rsplit('|', 1)[1]}", *lines[1:]]) + "\n")


def test_the_old_relative_metadata_name_is_refused_as_nanotron_refuses_it(output, elsewhere, monkeypatch):
    # what the shards used to say: the tokenizer.json relative to the output; the config names the folder
    rename_tokenizer_in_metadata(output, "tokenizer/tokenizer.json")
    config_path = output / "training" / "config.yaml"
    # from another directory the name is no folder: nanotron's AutoTokenizer asks the Hub (an OSError)
    with pytest.raises(ConfigError, match=r"^data_stages\[0\]\.data\.dataset\.tokenizer_name: "
                                          r"'tokenizer/tokenizer.json' \(.*metadata names it\) is not a folder .* "
                                          r"Hugging Face Hub"):
        load_config(config_path)
    # from inside the output it loads, and nanotron's assertion that the names are equal fails
    monkeypatch.chdir(output)
    with pytest.raises(ConfigError, match=r"^tokenizer\.tokenizer_name_or_path: '.*/tokenizer' does not match "
                                          r"data_stages\[0\]\.data\.dataset\.tokenizer_name "
                                          r"\('tokenizer/tokenizer.json'"):
        load_config(config_path)


def test_sizes_that_disagree_with_the_shards_are_refused(output, elsewhere):
    config_path = output / "training" / "config.yaml"
    data = yaml.safe_load(config_path.read_text())
    data["model"]["model_config"]["vocab_size"] = 49_152
    with pytest.raises(ConfigError, match=r"^data_stages\[0\]\.data\.dataset\.vocab_size: 512 \(of the tokenizer .*\) "
                                          r"does not match model.model_config.vocab_size \(49152\)"):
        config_from_dict(data)
    data = yaml.safe_load(config_path.read_text())
    data["data_stages"][0]["data"]["dataset"].update(tokenizer_name=str(output / "tokenizer"), token_size_in_bytes=4,
                                                      vocab_size=512)
    with pytest.raises(ConfigError, match=r"token_size_in_bytes: 4 does not match 2 of .*\.metadata"):
        config_from_dict(data)
    # nanotron reads the first metadata file of a folder only: another shard of another token size passes its
    # loading, and the pre-training checks catch it
    later = Path(glob.glob(os.path.join(output / "tokens", "*.metadata"))[1])
    later.write_text(later.read_text().replace("|2\n", "|4\n"))
    config = load_config(config_path)
    with pytest.raises(ConfigError, match=r"dataset_folder: .*\.metadata says '.*\|4', the dataset '.*\|2'"):
        check_training_data(config)


def test_a_vocabulary_the_trainer_pads_is_refused(output, elsewhere):
    data = yaml.safe_load((output / "training" / "config.yaml").read_text())
    data["model"]["make_vocab_size_divisible_by"] = 128 * 3  # 512 tokens, padded to 768 by the trainer
    with pytest.raises(ConfigError, match=r"^model\.model_config\.vocab_size: the tokenizer .* has 512 tokens but the "
                                          r"trainer pads .* to 768"):
        check_training_data(config_from_dict(data))


def test_missing_folders_are_named(output, elsewhere):
    data = yaml.safe_load((output / "training" / "config.yaml").read_text())
    data["data_stages"][0]["data"]["dataset"]["dataset_folder"] = [str(output / "tokens"), str(output / "nothing")]
    with pytest.raises(ConfigError, match=r"dataset_folder: '.*/nothing' is not a folder"):
        config_from_dict(data)
    (output / "empty").mkdir()
    data["data_stages"][0]["data"]["dataset"]["dataset_folder"] = str(output / "empty")
    with pytest.raises(ConfigError, match=r"'.*/empty' holds no \*\.metadata file"):
        config_from_dict(data)


def test_transformers_reads_the_tokenizer_as_the_config_says(output):
    transformers = pytest.importorskip("transformers")
    config = validate_training_config(output / "training" / "config.yaml")
    auto = transformers.AutoTokenizer.from_pretrained(config.tokenizer.tokenizer_name_or_path)
    model = config.model.model_config
    # run_train.py: len(tokenizer) == the model's vocabulary; the shards' eos is the tokenizer's
    assert len(auto) == model.vocab_size == config.data_stages[0].data.dataset.vocab_size
    assert (auto.bos_token_id, auto.eos_token_id) == (model.bos_token_id, model.eos_token_id)
    first = Shard(sorted((output / "tokens").glob("*.ds"))[0]).document(0)
    assert first[0] == model.bos_token_id and first[-1] == model.eos_token_id
    assert os.path.isabs(config.tokenizer.tokenizer_name_or_path)


def script_paths(script: str) -> list[str]:
    """Every word of ``script`` that names a file or folder (holds a '/'), comments and Slurm's
    ``%x-%j`` log name left out."""
    import shlex

    words = []
    for line in script.splitlines():
        if line.startswith("#") and not line.startswith("#SBATCH"):
            continue
        for word in shlex.split(line.rstrip("\\ "), comments=not line.startswith("#SBATCH")):
            value = word.partition("=")[2] if word.startswith(("--", "NANOTRON_DIR=")) else word
            if "/" in value:
                words.append(value)
    return words


def test_the_sbatch_script_parses_and_names_every_path_absolutely_or_by_a_variable(output, tmp_path):
    import subprocess

    from codecurate.training.nanotron_config import NanotronConfig

    written = (output / "training" / "train.sbatch").read_text()  # as the recipe wrote it: $NANOTRON_DIR required
    assert 'NANOTRON_DIR=${NANOTRON_DIR:?"set NANOTRON_DIR' in written
    block = NanotronConfig(gpus=8, gpus_per_node=8, gpu_memory_gib=80, nanotron_dir="/opt/nanotron", partition="gpu",
                           account="team-7", environment="module load cuda\nsource /opt/nanotron-env/bin/activate",
                           time_limit="2-00:00:00")
    script = block.write(output)["sbatch"].read_text()
    for directive in ("#SBATCH --partition=gpu", "#SBATCH --account=team-7", "#SBATCH --time=2-00:00:00"):
        assert directive in script
    assert "module load cuda\nsource /opt/nanotron-env/bin/activate\n" in script
    for text in (written, script):
        (tmp_path / "train.sbatch").write_text(text)
        checked = subprocess.run(["bash", "-n", str(tmp_path / "train.sbatch")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        paths = script_paths(text)
        assert f"{output.resolve()}/training/config.yaml" in paths
        assert all(p.startswith(("/", "$", "${NANOTRON_DIR")) for p in paths), paths


def test_a_config_nanotron_would_refuse_fails_the_training_stage_naming_the_key(output):
    from codecurate.training.nanotron_config import NanotronConfig, NanotronConfigStep

    step = NanotronConfigStep(NanotronConfig(gpus=8, gpus_per_node=8, gpu_memory_gib=80, model={"vocab_size": 600}),
                              str(output))
    with pytest.raises(ConfigError, match=r"vocab_size: 512 \(of the tokenizer .*\) does not match "
                       r"model\.model_config\.vocab_size \(600\)"):
        list(step.run([], rank=0))


def test_an_odd_vocabulary_gets_a_layout_nanotron_trains_and_a_warning(run_output, tmp_path):
    """A small corpus's tokenizer of an odd size: nanotron would pad the vocabulary to a multiple of tp=2
    and refuse the tokenizer; the layout takes tp=1 instead, the config passes run_train.py's checks
    (mirrored), and the run's warnings say so."""
    repos = run_output.parent / "repos"
    shards, training = recipe_stage("shards"), recipe_stage("training")
    shards["params"].update(vocab_size=513, sample_rate=1.0, sequence_length=256, max_tokens_per_shard=20_000)
    out = tmp_path / "odd"
    recipe = {
        "name": "odd-vocabulary", "seed": 3, "output": str(out),
        "executor": {"type": "local", "tasks": 1, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [recipe_stage("objectives"), shards, training],
    }
    summary = run_recipe(validate(recipe))
    config = validate_training_config(out / "training" / "config.yaml")  # len(tokenizer) == padded vocabulary
    assert config.model.model_config.vocab_size == 513 and config.parallelism.tp == 1
    warned = {w["stage"]: w["message"] for w in summary["warnings"]}  # objectives: SFIM out of reach, too
    assert "the tokenizer's vocabulary (513 tokens) is not a multiple" in warned["training"]
