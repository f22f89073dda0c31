"""Load a codecurate-written nanotron config with nanotron's own get_config_from_file (CPU, by hand).

Stubs only what nanotron's config package imports but cannot use here: `datasets` (xPath, a Path subclass)
and whatever CUDA-only module fails to import. Run by hand, never in the tests
(it needs nanotron's source and dacite); results in docs/training.md. Usage:

    HF_HUB_OFFLINE=1 PYTHONPATH=/tmp/nanotron/src:/tmp/nanotron_deps python3 benchmarks/nanotron_load.py CONFIG.yaml
"""
import pathlib
import sys
import types

stubbed = []


class _Anything(type):
    """A placeholder class: any attribute is another placeholder, calling it as a decorator returns the
    function, subclassing it works."""

    def __getattr__(cls, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Anything(attr, (), {})

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return _Anything("result", (), {})

    def __getitem__(cls, item):
        return cls


class _Stub(types.ModuleType):
    """A module whose every attribute is a placeholder (nothing of it runs when loading a config)."""

    __path__: list = []

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Anything(attr, (), {})


def stub(name, **attrs):
    module = _Stub(name)
    module.__version__ = "0.0.0"
    module.__dict__.update(attrs)
    sys.modules[name] = module
    stubbed.append(name)


stub("datasets")
stub("datasets.download")
stub("datasets.download.streaming_download_manager", xPath=pathlib.Path)
while True:
    try:
        from nanotron.config import get_config_from_file  # noqa: E402
        break
    except ModuleNotFoundError as error:  # a CUDA-only dependency: stub it and retry
        if error.name in stubbed or error.name.startswith("nanotron"):
            raise
        stub(error.name)
        for key in [k for k in sys.modules if k.startswith("nanotron")]:
            del sys.modules[key]
print("stubbed:", ", ".join(stubbed))
config = get_config_from_file(sys.argv[1])
stage = config.data_stages[0].data.dataset
print("loaded:", type(config).__name__)
print("tokenizer:", config.tokenizer.tokenizer_name_or_path)
print("dataset:", stage.dataset_folder, "tokenizer_name:", stage.tokenizer_name, "vocab_size:", stage.vocab_size,
      "token_size:", stage.token_size_in_bytes)
model = config.model.model_config
print("model:", type(model).__name__, "vocab", model.vocab_size, "bos", model.bos_token_id, "eos", model.eos_token_id,
      "pad", model.pad_token_id, "| parallelism dp/tp/pp", config.parallelism.dp, config.parallelism.tp,
      config.parallelism.pp)
# run_train.py's Nanoset branch, after the trainer padded the vocabulary (trainer.init_model)
from transformers import AutoTokenizer  # noqa: E402

try:
    from nanotron.helpers import _vocab_size_with_padding  # noqa: E402
    padded = _vocab_size_with_padding(model.vocab_size, pg_size=config.parallelism.tp,
                                      make_vocab_size_divisible_by=config.model.make_vocab_size_divisible_by)
    how = "nanotron.helpers._vocab_size_with_padding"
except Exception as error:  # noqa: BLE001
    multiple = config.parallelism.tp * config.model.make_vocab_size_divisible_by
    padded, how = -(-model.vocab_size // multiple) * multiple, f"formula ({type(error).__name__} importing helpers)"
tokenizer = AutoTokenizer.from_pretrained(config.tokenizer.tokenizer_name_or_path)
print(f"run_train.py: len(tokenizer) {len(tokenizer)} == padded vocab {padded} ({how}):", len(tokenizer) == padded,
      "| eos_token_id", tokenizer.eos_token_id)
