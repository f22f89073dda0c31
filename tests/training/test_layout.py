import pytest

from codecurate.training.layout import GIB, Cluster, Layout, choose_layout, memory
from codecurate.training.model import ModelShape


def test_aixcoder_7b_parameter_count():
    assert 7.3e9 < ModelShape().parameters < 7.5e9


def test_the_layout_for_128_a100_40gb_fits_its_memory_model():
    model, cluster = ModelShape(), Cluster()
    choice = choose_layout(model, cluster)
    layout = choice.layout
    assert layout.dp * layout.tp * layout.pp == 128
    assert model.heads % layout.tp == 0 and model.kv_heads % layout.tp == 0 and model.kv_heads >= layout.tp
    assert layout.micro_batch * layout.accumulation * layout.dp == 512
    assert choice.estimate.total <= cluster.usable_bytes == 40 * GIB * 0.9
    assert memory(model, layout, 32_768) == choice.estimate
    # no model-parallel group smaller than the chosen one fits
    smaller = [c for c in choice.candidates if c[0].tp * c[0].pp < layout.tp * layout.pp]
    assert smaller and not any(fits for _, _, fits in smaller)
    assert "smallest model-parallel group that fits" in choice.reason


def test_memory_grows_with_the_micro_batch_and_shrinks_with_tp():
    model = ModelShape()
    base = memory(model, Layout(64, 2, 1, 1, 8), 32_768).total
    assert memory(model, Layout(64, 2, 1, 2, 4), 32_768).total > base
    assert memory(model, Layout(32, 4, 1, 1, 16), 32_768).total < base


def test_heads_not_divisible_is_a_clear_error():
    with pytest.raises(ValueError, match="not divisible by the 3 attention heads"):
        ModelShape(hidden=4096, heads=3, kv_heads=1)
    with pytest.raises(ValueError, match="not divisible by the 5 key/value heads"):
        ModelShape(heads=32, kv_heads=5)


def test_no_possible_layout_is_explained():
    with pytest.raises(ValueError, match="no 3D layout for 7 GPUs"):
        choose_layout(ModelShape(), Cluster(gpus=7, gpus_per_node=7), global_batch=512)


def test_too_little_memory_is_a_clear_error():
    with pytest.raises(ValueError, match=r"no layout fits in 8 GiB per GPU .* smallest need is"):
        choose_layout(ModelShape(), Cluster(gpus=8, gpus_per_node=8, memory_gib=8))


def test_bigger_gpus_allow_a_smaller_model_parallel_group():
    small = choose_layout(ModelShape(), Cluster(memory_gib=40)).layout
    large = choose_layout(ModelShape(), Cluster(memory_gib=80, gpu_name="H100 80GB")).layout
    assert large.tp * large.pp <= small.tp * small.pp


def test_a_vocabulary_tp_does_not_divide_leaves_that_tp_out_as_nanotron_would_refuse_it():
    """nanotron pads the vocabulary to a multiple of tp and asserts the tokenizer has that many tokens:
    an odd vocabulary (a small corpus's tokenizer) takes tp=1, here with two pipeline stages."""
    from codecurate.training.model import Hyperparameters
    from codecurate.training.nanotron import nanotron_config
    from codecurate.training.nanotron_data import padded_vocab_size

    even = choose_layout(ModelShape(), Cluster())
    assert even.layout.tp == 2 and even.vocabulary_excluded == []
    odd = choose_layout(ModelShape(vocab_size=10_001), Cluster())
    assert (odd.layout.tp, odd.layout.pp) == (1, 2) and odd.vocabulary_excluded == [2, 4, 8]
    assert "do not divide the vocabulary of 10001 tokens" in odd.reason
    plan = nanotron_config(ModelShape(vocab_size=10_001), Hyperparameters(), Cluster(), "/d", "/t",
                           token_ids={"bos": 1, "eos": 2, "pad": None}, read_data=False)
    assert padded_vocab_size(plan.config) == 10_001  # what run_train.py compares with len(tokenizer)
    with pytest.raises(ValueError, match="do not divide the vocabulary of 10001 tokens"):
        choose_layout(ModelShape(vocab_size=10_001), Cluster(memory_gib=16))
