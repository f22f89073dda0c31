"""The checks of a nanotron config's Nanoset data: from what the YAML states, or by reading the folders and
the tokenizer as nanotron reads them; and the checks nanotron's ``run_train.py`` makes before training.

Nanotron reads the data while it loads the config (``NanosetDatasetsArgs.__post_init__``, then
``Config.__post_init__`` compares the model with it); the mirror's classes read nothing, and these functions
are called explicitly on a loaded ``Config``:

- ``check_datasets(config, read_data=True)``: each folder's first ``*.metadata`` file (paths relative to the
  working directory, as nanotron's ``glob`` sees them) gives the tokenizer name and token size, the
  vocabulary size is that tokenizer's as ``AutoTokenizer.from_pretrained(name)`` gives it, then the model's
  vocabulary size and the config's tokenizer must equal the dataset's. Only local tokenizer folders are read
  (with the ``tokenizers`` library): a name that is no folder is an error here, where nanotron would ask the
  Hugging Face Hub. Stricter than nanotron: a folder that does not exist or holds no ``.metadata`` file is
  named at once (nanotron fails later, on a vocabulary size of None or in its data loader).
  ``read_data=False`` compares only what the YAML states.
- ``check_training_data(config)``: ``len(tokenizer)`` equals the model's padded vocabulary, shard files
  present, every shard's tokenizer and token size those of the config.
"""

from __future__ import annotations

import glob
import math
import os
from pathlib import Path

from codecurate.training.nanotron_loader import read_config
from codecurate.training.nanotron_mirror import Config, ConfigError, NanosetDatasetsArgs, TokenizerArgs


def auto_tokenizer_vocab_size(name: str, why: str = "") -> int:
    """``len(AutoTokenizer.from_pretrained(name).get_vocab())`` for a local tokenizer folder ``name``
    (relative to the working directory, as for nanotron), or a ``tokenizer.json`` file (transformers 5
    loads a relative one after asking the Hub); a ``ConfigError`` says why not otherwise."""
    from codecurate.tokenizer_files import tokenizer_info

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


def read_metadata(dataset: NanosetDatasetsArgs) -> None:
    """nanotron's reading of the first ``*.metadata`` file of every folder (in ``glob``'s order): fills the
    dataset's tokenizer name, token size and vocabulary size, or compares those the YAML states."""
    for folder in dataset.dataset_folder:
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
        if dataset.tokenizer_name is None:
            dataset.tokenizer_name = tokenizer_name
            dataset.token_size_in_bytes = int(token_size)
            dataset.vocab_size = auto_tokenizer_vocab_size(tokenizer_name, f"{metadata_files[0]} names it")
        else:
            if dataset.tokenizer_name != tokenizer_name:
                raise ConfigError("tokenizer_name", f"{dataset.tokenizer_name!r} does not match {tokenizer_name!r} "
                                  f"named by {metadata_files[0]}")
            if dataset.token_size_in_bytes != int(token_size):
                raise ConfigError("token_size_in_bytes", f"{dataset.token_size_in_bytes!r} does not match "
                                  f"{int(token_size)} of {metadata_files[0]}")


def check_datasets(config: Config, *, read_data: bool = True) -> None:
    """The Nanoset datasets against the model and tokenizer sections, as nanotron's ``Config.__post_init__``
    compares them: with ``read_data`` after reading the folders (``read_metadata``) as nanotron does; without,
    on what the YAML states (nanotron would have filled a null ``tokenizer_name`` and the vocabulary size
    from the folders' metadata). A model ``vocab_size`` of -1 and a missing tokenizer section take the
    dataset's, as in nanotron. Raises ``ConfigError`` naming the key at fault."""
    datasets = [(f"data_stages[{i}].data.dataset", stage.data.dataset)
                for i, stage in enumerate(config.data_stages or ()) if stage.data.dataset is not None]
    if read_data:
        for key, dataset in datasets:
            try:
                read_metadata(dataset)
            except ConfigError as error:
                raise error.under(key) from None
    for key, dataset in datasets:
        (_check_read if read_data else _check_stated)(config, dataset, key)


def _check_read(config: Config, dataset: NanosetDatasetsArgs, key: str) -> None:
    model_config = config.model.model_config
    if model_config.vocab_size == -1:
        model_config.vocab_size = dataset.vocab_size
    if model_config.vocab_size != dataset.vocab_size:
        raise ConfigError(f"{key}.vocab_size", f"{dataset.vocab_size} (of the tokenizer "
                          f"{dataset.tokenizer_name!r}) does not match model.model_config.vocab_size "
                          f"({model_config.vocab_size})")
    if config.tokenizer is None:
        config.tokenizer = TokenizerArgs(tokenizer_name_or_path=dataset.tokenizer_name)
    if config.tokenizer.tokenizer_name_or_path != dataset.tokenizer_name:
        raise ConfigError("tokenizer.tokenizer_name_or_path",
                          f"{config.tokenizer.tokenizer_name_or_path!r} does not match {key}.tokenizer_name "
                          f"({dataset.tokenizer_name!r}, from the folders' metadata)")


def _check_stated(config: Config, dataset: NanosetDatasetsArgs, key: str) -> None:
    model_config = config.model.model_config
    if dataset.vocab_size is None:
        if dataset.tokenizer_name is not None:
            raise ConfigError(f"{key}.vocab_size", "must be set when tokenizer_name is: nanotron reads the vocabulary "
                              "size from the metadata files only when tokenizer_name is null, and otherwise compares "
                              "model.model_config.vocab_size with null")
    else:
        if model_config.vocab_size == -1:
            model_config.vocab_size = dataset.vocab_size
        if model_config.vocab_size != dataset.vocab_size:
            raise ConfigError(f"{key}.vocab_size", f"{dataset.vocab_size} does not match model.model_config.vocab_size "
                              f"({model_config.vocab_size})")
    if dataset.tokenizer_name is not None:
        if config.tokenizer is None:
            config.tokenizer = TokenizerArgs(tokenizer_name_or_path=dataset.tokenizer_name)
        if config.tokenizer.tokenizer_name_or_path != dataset.tokenizer_name:
            raise ConfigError("tokenizer.tokenizer_name_or_path",
                              f"{config.tokenizer.tokenizer_name_or_path!r} does not match {key}.tokenizer_name "
                              f"({dataset.tokenizer_name!r})")


def padded_vocab_size(config: Config) -> int:
    """The model's vocabulary as nanotron's trainer pads it: a multiple of tp x make_vocab_size_divisible_by."""
    multiple = config.model.make_vocab_size_divisible_by * config.parallelism.tp
    return int(math.ceil(config.model.model_config.vocab_size / multiple) * multiple)


def check_training_data(config: Config) -> None:
    """What nanotron's ``run_train.py`` and trainer check before training on Nanoset data, on a ``Config``
    whose datasets were read (``check_datasets``): ``len(AutoTokenizer(tokenizer))`` equals the model's
    padded vocabulary, each folder holds ``*.ds`` files (the data loader's pattern, not recursive), and every
    shard's metadata names the dataset's tokenizer and token size (nanotron reads the first file only and
    would misread another size). Raises ``ConfigError`` naming the key at fault."""
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
    """The config at ``path`` through nanotron's loading checks, its data read as nanotron reads it, and its
    pre-training checks (``read_config``, ``check_datasets``, ``check_training_data``)."""
    config = read_config(path)
    check_datasets(config)
    check_training_data(config)
    return config
