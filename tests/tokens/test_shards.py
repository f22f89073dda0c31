"""Shards: written, read back through datatrove's loader and Megatron's, and made by the recipe
stage from real packages (round trip to the formatted documents, repositories contiguous)."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from codecurate import metadata as keys
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import RecipeError, validate
from codecurate.tokenizer_files import load_tokenizer
from codecurate.tokens.shards import Shard, ShardWriter, token_size_for, write_megatron
from codecurate.training.nanotron_data import validate_training_config
from tests.conftest import read_jsonl_gz, run_outputs

pytest.importorskip("tokenizers")


def random_units(seed=0, vocab=50_000):
    rng = np.random.default_rng(seed)
    return [[rng.integers(0, vocab, rng.integers(1, 300)).astype(np.uint32) for _ in range(rng.integers(1, 5))]
            for _ in range(40)]


def write_units(path, units, token_size=2):
    with ShardWriter(path, token_size, "test-tokenizer") as writer:
        for unit in units:
            for tokens in unit:
                writer.write_document(tokens)
            writer.end_unit()


def test_shard_round_trip_and_metadata(tmp_path):
    units = random_units()
    write_units(tmp_path / "a.ds", units)
    shard = Shard(tmp_path / "a.ds")
    assert [[d.tolist() for d in u] for u in shard.units()] == [[d.tolist() for d in u] for u in units]
    total = sum(d.size for u in units for d in u)
    assert (tmp_path / "a.ds.metadata").read_text() == f"test-tokenizer|2\n{total}\n"
    assert np.fromfile(tmp_path / "a.ds.index", dtype="<u8")[-1] == total


def test_token_ids_that_do_not_fit_are_refused(tmp_path):
    with pytest.raises(ValueError, match="does not fit in 2 bytes"):
        write_units(tmp_path / "a.ds", [[np.array([70_000], dtype=np.uint32)]])
    assert token_size_for(49_152) == 2 and token_size_for(100_000) == 4


def test_datatrove_folder_dataset_yields_exactly_the_tokens_written(tmp_path):
    torch = pytest.importorskip("torch")
    from datatrove.utils.dataset import DatatroveFolderDataset

    units = random_units(1)
    write_units(tmp_path / "tokens" / "00000.ds", units[:20])
    write_units(tmp_path / "tokens" / "00001.ds", units[20:])
    seq_len = 64
    dataset = DatatroveFolderDataset(str(tmp_path / "tokens"), seq_len=seq_len, token_size=2)
    expected = []
    for part in (units[:20], units[20:]):
        stream = np.concatenate([d for u in part for d in u])
        windows = len(stream) // (seq_len + 1)
        expected += [stream[i * (seq_len + 1):(i + 1) * (seq_len + 1)] for i in range(windows)]
    assert len(dataset) == len(expected) > 0
    for i, window in enumerate(expected):
        assert torch.equal(dataset[i]["input_ids"], torch.as_tensor(window.astype(np.int64)))


def test_megatron_indexed_dataset_reads_our_bin_and_idx(tmp_path):
    pytest.importorskip("torch")
    megatron = pytest.importorskip("megatron.core.datasets.indexed_dataset")
    units = random_units(2)
    write_megatron(tmp_path / "m" / "00000", units, vocab_size=50_000)
    dataset = megatron.IndexedDataset(str(tmp_path / "m" / "00000"))
    assert len(dataset) == len(units)
    for i, unit in enumerate(units):
        assert dataset[i].tolist() == np.concatenate(unit).tolist()
    assert dataset.document_indices.tolist() == list(range(len(units) + 1))


def test_the_stage_packs_real_repositories_into_shards_that_decode_to_the_documents(tmp_path):
    pytest.importorskip("tree_sitter_language_pack")
    out = tmp_path / "out"
    recipe = {
        "name": "shards", "seed": 5, "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "installed_packages",
                    "params": {"distributions": ["PyYAML", "pluggy"], "max_file_bytes": 200_000}}],
        "stages": [
            {"block": "repository_order", "id": "order"},
            {"block": "training_objectives", "id": "objectives"},
            {"block": "tokenized_shards", "id": "shards",
             "params": {"vocab_size": 600, "sample_rate": 1.0, "sequence_length": 512,
                        "max_tokens_per_shard": 50_000, "megatron": True}},
            {"block": "nanotron_config", "id": "training",
             "params": {"gpus": 16, "gpu_memory_gib": 80, "gpu_name": "H100 80GB"}},
        ],
    }
    summary = run_recipe(validate(recipe))
    assert summary["complete"]
    documents = [r for p in sorted((out / "documents").glob("*.jsonl.gz")) for r in read_jsonl_gz(p)]
    tokens = json.loads((out / "tokens" / "summary.json").read_text())
    assert tokens["documents"] == len(documents) > 20 and len(tokens["shards"]) >= 2
    tokenizer = load_tokenizer(out / "tokenizer")
    assert tokenizer.get_vocab_size() <= 600
    decoded = []
    for shard in sorted((out / "tokens").glob("*.ds")):
        for unit in Shard(shard).units():
            texts = [tokenizer.decode(d.tolist(), skip_special_tokens=False) for d in unit]
            decoded.append(texts)
    # every formatted document comes back exactly, special tokens included (SentencePiece's rule: ▁ is a space)
    texts = [r["text"].replace("\u2581", " ") for r in documents]
    assert Counter(t for unit in decoded for t in unit) == Counter(texts)
    assert all(t.startswith("<s>") and t.endswith("</s>") for unit in decoded for t in unit)
    assert tokenizer.token_to_id("<s>") == 1 and tokenizer.token_to_id("\u2581<AIX-SPAN-MIDDLE>") == 5
    # a repository is one unit, its files in their sampled order
    by_text = {}  # identical files of two repositories (INSTALLER: "pip") share a text
    for text, r in zip(texts, documents):
        by_text.setdefault(text, []).append(r["metadata"])
    code_units = 0
    for unit in decoded:
        repos = set.intersection(*({m.get(keys.REPO) for m in by_text[t]} for t in unit))
        assert len(repos) == 1  # one repository per unit
        if by_text[unit[0]][0].get(keys.KIND) == keys.KIND_CODE:
            code_units += 1
            # identical texts inside a repository (empty files) take their positions in turn
            positions = {t: sorted(m[keys.ORDER_POSITION] for m in by_text[t] if m.get(keys.REPO) in repos)
                         for t in unit}
            assert [positions[t].pop(0) for t in unit] == list(range(len(unit)))
    assert code_units == 2
    assert tokens["tokens"] == sum(s["tokens"] for s in tokens["shards"])
    assert tokens["windows"] == sum(s["tokens"] // 513 for s in tokens["shards"])
    shard_names = {p.stem for p in (out / "tokens").glob("*.ds")}
    assert {p.stem for p in (out / "tokens" / "megatron").glob("*.bin")} == shard_names
    torch = pytest.importorskip("torch")
    from datatrove.utils.dataset import DatatroveFolderDataset

    dataset = DatatroveFolderDataset(str(out / "tokens"), seq_len=512, token_size=2)
    windows = [np.asarray(Shard(p).tokens)[i * 513:(i + 1) * 513] for p in sorted((out / "tokens").glob("*.ds"))
               for i in range(len(Shard(p).tokens) // 513)]
    assert len(dataset) == len(windows) == tokens["windows"]
    assert all(torch.equal(dataset[i]["input_ids"], torch.as_tensor(w.astype(np.int64))) for i, w in enumerate(windows))
    stages = {s["stage"]: s for s in summary["stages"]}
    assert stages["shards"]["kept"] == stages["training"]["kept"] == len(documents)
    config = validate_training_config(out / "training" / "config.yaml")  # nanotron's checks, data read, mirrored
    assert config.model.model_config.vocab_size == tokenizer.get_vocab_size()
    assert config.data_stages[0].data.dataset.dataset_folder == [str((out / "tokens").resolve())]
    # the shards and the config name the tokenizer folder by the same absolute path
    name = str((out / "tokenizer").resolve())
    assert config.tokenizer.tokenizer_name_or_path == config.data_stages[0].data.dataset.tokenizer_name == name
    assert {Shard(p).tokenizer_name for p in (out / "tokens").glob("*.ds")} == {name}
    # bos/eos/pad of the model are the tokenizer's (sentencepiece layout: 1, 2, none)
    model = config.model.model_config
    assert (model.bos_token_id, model.eos_token_id, model.pad_token_id) == (1, 2, None)
    assert "--nnodes=2" in (out / "training" / "train.sbatch").read_text()


def test_a_given_tokenizer_is_used_and_kept_beside_the_shards(tmp_path):
    from codecurate.tokens.tokenizer_trainer import save_tokenizer, train_tokenizer

    given = tmp_path / "given"
    save_tokenizer(train_tokenizer(["def f(x):\n    return x + 1\n"] * 30, vocab_size=320), given)
    repos = tmp_path / "repos"
    for r in range(3):
        (repos / f"r{r}").mkdir(parents=True)
        (repos / f"r{r}" / "a.py").write_text(f"def f(x):\n    return x + {r}\n")
    out = tmp_path / "out"
    recipe = {
        "name": "given", "seed": 1, "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [{"block": "tokenized_shards", "id": "shards", "params": {"tokenizer": str(given)}}],
    }
    assert run_recipe(validate(recipe))["complete"]
    assert not (out / "work" / "shards" / "sample").exists()  # nothing trained
    assert (out / "tokenizer" / "tokenizer.json").read_bytes() == (given / "tokenizer.json").read_bytes()
    tokenizer = load_tokenizer(given)
    texts = sorted(tokenizer.decode(d.tolist(), skip_special_tokens=False)
                   for p in sorted((out / "tokens").glob("*.ds")) for d in Shard(p).documents())
    assert texts == sorted(f"def f(x):\n    return x + {r}\n" for r in range(3))
    with pytest.raises(RecipeError, match=r"stages\[0\].params: FileNotFoundError: no tokenizer at"):
        validate({**recipe, "stages": [{"block": "tokenized_shards", "params": {"tokenizer": str(tmp_path / "no")}}]})


def test_a_given_tokenizer_in_aixcoders_layout_makes_the_shards_and_the_config(tmp_path):
    pytest.importorskip("tree_sitter_language_pack")
    from tests.tokens.test_training import aixcoder_layout_tokenizer

    given = aixcoder_layout_tokenizer(tmp_path / "aixcoder-7b-base")
    repos = tmp_path / "repos"
    for r in range(3):
        (repos / f"r{r}").mkdir(parents=True)
        (repos / f"r{r}" / "a.py").write_text(f"def f(x):\n    return x + {r}\n\n\ndef g(y):\n    return y\n")
    out = tmp_path / "out"
    recipe = {
        "name": "aix", "seed": 1, "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [{"block": "training_objectives", "id": "objectives", "params": {"format": "aixcoder"}},
                   {"block": "tokenized_shards", "id": "shards", "params": {"tokenizer": str(given)}},
                   {"block": "nanotron_config", "id": "training", "params": {"gpus": 8, "gpu_memory_gib": 80}}],
    }
    assert run_recipe(validate(recipe))["complete"]
    copied = out / "tokenizer"
    assert (copied / "tokenizer.json").read_bytes() == (given / "tokenizer.json").read_bytes()  # used as is
    assert not (copied / "model-00001-of-00002.safetensors").exists()
    documents = [d.tolist() for p in sorted((out / "tokens").glob("*.ds")) for d in Shard(p).documents()]
    assert len(documents) == 3 and all(d[0] == 1 and d[-1] == 2 for d in documents)  # <s> ... </s>
    assert all(d[1] == 3 for d in documents if 4 in d)  # ▁<AIX-SPAN-PRE> one id, after <s>
    config = validate_training_config(out / "training" / "config.yaml")
    model = config.model.model_config
    assert (model.vocab_size, model.bos_token_id, model.eos_token_id, model.pad_token_id) == (280, 1, 2, None)
    assert config.tokenizer.tokenizer_name_or_path == str(copied.resolve())
    # a tokenizer that lacks the format's tokens is refused when the recipe is validated, naming the token
    bare = aixcoder_layout_tokenizer(tmp_path / "bare", fim=False)
    recipe["stages"][1]["params"]["tokenizer"] = str(bare)
    with pytest.raises(RecipeError, match=r"stages\[1\]\.params: ValueError: tokenizer .*bare: '▁<AIX-SPAN-PRE>' "
                                          r"encodes to \d+ ids"):
        validate(recipe)


def shards_recipe(repos, out, tasks):
    return {
        "name": "tasks", "seed": 11, "output": str(out), "executor": {"type": "local", "tasks": tasks, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repos)}}],
        "stages": [{"block": "tokenized_shards", "id": "shards",
                    "params": {"vocab_size": 400, "sample_bytes": 40_000, "sequence_length": 128,
                               "max_tokens_per_shard": 6_000, "merge_tasks": 3, "megatron": True}}],
    }


def test_shards_are_the_same_bytes_for_1_2_and_4_tasks(tmp_path):
    import datatrove

    repos = tmp_path / "repos"
    sources = sorted(Path(datatrove.__file__).parent.rglob("*.py"))[:48]
    for i, source in enumerate(sources):  # real code, 12 repositories of 4 files
        target = repos / f"repo{i % 12:02d}" / f"{i:02d}_{source.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    corpus = sum(len(p.read_bytes()) for p in repos.rglob("*.py"))
    outputs = {}
    for tasks in (1, 2, 4):
        out = tmp_path / f"out{tasks}"
        assert run_recipe(validate(shards_recipe(repos, out, tasks)))["complete"]
        documents, shards = run_outputs(out)
        megatron = {p.name: p.read_bytes() for p in sorted((out / "tokens" / "megatron").glob("*"))}
        outputs[tasks] = (documents, shards, megatron, (out / "tokenizer" / "tokenizer.json").read_bytes())
        summary = json.loads((out / "tokens" / "summary.json").read_text())
        # the tokenizer's sample: within its budget, which binds (the corpus is larger)
        assert 0 < summary["tokenizer_sample"]["bytes"] <= 40_000 < corpus
        assert summary["tokenizer_sample"]["documents"] < len(documents)
        assert summary["buckets"] == 3 and summary["documents"] == len(documents) == 48
        assert summary["units"] == 12
        assert [s["file"] for s in summary["shards"]] == sorted(p.name for p in (out / "tokens").glob("*.ds"))
    assert outputs[1] == outputs[2] == outputs[4]
    documents, shards, megatron, _ = outputs[1]
    names = {name.split(".ds")[0] for name in shards}
    assert len(names) > 3 and {name.split("_")[0] for name in names} == {"00000", "00001", "00002"}
    assert len(megatron) == 2 * len(names)
    # every repository is one unit of one shard, whole, whatever the task count
    repos_in_units = Counter(len(unit) for p in sorted((tmp_path / "out4" / "tokens").glob("*.ds"))
                             for unit in Shard(p).units())
    assert repos_in_units == Counter({4: 12})
