import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codecurate import metadata as keys
from codecurate.fim.formats import FORMATS, PSM, SPM, file_header
from codecurate.fim.objectives import TrainingObjectives
from tests.conftest import make_doc, read_jsonl_gz

pytest.importorskip("tree_sitter_language_pack")

FUNCTION_FILE = "def f(a):\n    if a:\n        return 1\n    return 2\n"


def code_docs(count, text=FUNCTION_FILE, language="Python", ext="py"):
    return [make_doc(text, f"m{i}.{ext}", **{keys.LANGUAGE: language}) for i in range(count)]


def text_docs(count):
    return [make_doc(f"An article {i}.", f"a{i}.md", repo=None, **{keys.KIND: keys.KIND_TEXT}) for i in range(count)]


def within(observed: int, total: int, p: float, sigmas: float = 4.0) -> bool:
    return abs(observed - total * p) <= sigmas * math.sqrt(total * p * (1 - p)) + 1


def test_observed_mix_matches_the_configuration_over_10000_documents():
    block = TrainingObjectives(seed=11)
    out = list(block.run(iter(code_docs(10_000) + text_docs(10_000))))
    code = [d for d in out if d.metadata[keys.KIND] == keys.KIND_CODE]
    text = [d for d in out if d.metadata[keys.KIND] == keys.KIND_TEXT]
    assert len(code) == len(text) == 10_000
    count = lambda docs, key, value: sum(d.metadata[key] == value for d in docs)  # noqa: E731
    assert within(count(code, keys.OBJECTIVE, "sfim"), 10_000, 0.70)
    assert within(count(code, keys.OBJECTIVE, "fim"), 10_000, 0.15)
    assert within(count(code, keys.OBJECTIVE, "ntp"), 10_000, 0.15)
    assert within(count(text, keys.OBJECTIVE, "fim"), 10_000, 0.50)
    assert count(text, keys.OBJECTIVE, "sfim") == 0
    sfim = [d for d in code if d.metadata[keys.OBJECTIVE] == "sfim"]
    fim = [d for d in code + text if d.metadata[keys.OBJECTIVE] == "fim"]
    assert within(count(sfim, keys.FIM_MODE, SPM), len(sfim), 0.70)
    assert within(count(fim, keys.FIM_MODE, SPM), len(fim), 0.50)
    assert block.stats["objective/sfim"].total == len(sfim)


def test_a_skewed_mix_is_detected_by_the_tolerance():  # the tolerance above can fail
    assert not within(7300, 10_000, 0.70)


def real_files():
    import datatrove

    root = Path(datatrove.__file__).parent
    return sorted(root.rglob("*.py"))[:400]


REAL = real_files()


@settings(max_examples=120, deadline=None)
@given(index=st.integers(0, len(REAL) - 1), seed=st.integers(0, 2**31), name=st.sampled_from(sorted(FORMATS)))
def test_round_trip_on_real_code(index, seed, name):
    path = REAL[index]
    text = path.read_text(encoding="utf-8")
    doc = make_doc(text, path.name, **{keys.LANGUAGE: "Python"})
    fmt = FORMATS[name]
    if fmt.found_in(text):
        return
    block = TrainingObjectives(format=name, seed=seed)
    assert block.filter(doc) is True
    original = file_header(path.name, "Python") + text
    mode, prefix, middle, suffix = fmt.parse(doc.text)
    assert prefix + middle + suffix == original  # special tokens stripped, parts back in order
    assert mode == doc.metadata[keys.FIM_MODE]
    if mode in (PSM, SPM):
        start, end = doc.metadata[keys.FIM_MIDDLE]
        assert original[end:] == suffix
        if mode == PSM:
            assert original[start:end] == middle and original[:start] == prefix
    if doc.metadata[keys.OBJECTIVE] == "sfim":
        end = doc.metadata[keys.FIM_MIDDLE][1]
        assert end == len(original) or original[end] == "\n"


def test_same_seed_same_output_and_another_seed_differs():
    run = lambda seed: [d.text for d in TrainingObjectives(seed=seed).run(iter(code_docs(50)))]  # noqa: E731
    assert run(1) == run(1)
    assert run(1) != run(2)


def test_sfim_falls_back_to_fim_with_the_reason_counted():
    block = TrainingObjectives(code_mix={"sfim": 1.0}, seed=0)
    docs = code_docs(3, text="x = 1\ny = 2\n") + code_docs(2, text="a b c\n", language="Fortran-ish", ext="zz")
    out = list(block.run(iter(docs)))
    assert [d.metadata[keys.OBJECTIVE] for d in out] == ["fim"] * 5
    assert [d.metadata[keys.SFIM_FALLBACK] for d in out] == ["no_function"] * 3 + ["no_grammar"] * 2
    assert block.stats["sfim_fallback/no_function"].total == 3
    assert block.stats["sfim_fallback/no_grammar"].total == 2


def test_text_containing_a_special_token_is_dropped_with_its_reason(tmp_path):
    from codecurate.writers import DocumentsWriter

    writer = DocumentsWriter(str(tmp_path / "excluded"))
    block = TrainingObjectives(seed=0, exclusion_writer=writer)
    docs = code_docs(1, text="s = '▁<AIX-SPAN-MIDDLE>'\n") + code_docs(1)
    out = list(block.run(iter(docs)))
    assert len(out) == 1
    excluded = [row for f in sorted((tmp_path / "excluded").rglob("*.gz")) for row in read_jsonl_gz(f)]
    assert [d["metadata"][keys.FILTER_REASON] for d in excluded] == ["contains_special_token"]


def test_articles_get_no_header_and_code_gets_one():
    block = TrainingObjectives(code_mix={"ntp": 1.0}, text_mix={"ntp": 1.0}, seed=0)
    code, text = list(block.run(iter(code_docs(1) + text_docs(1))))
    assert code.text == "<s># the file path is: m0.py\n# the code file is written by Python\n" + FUNCTION_FILE + "</s>"
    assert text.text == "<s>An article 0.</s>"


def test_token_level_fim_cuts_at_token_boundaries(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator([FUNCTION_FILE] * 20, trainers.BpeTrainer(vocab_size=300, show_progress=False))
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    block = TrainingObjectives(code_mix={"fim": 1.0}, fim_unit="token", tokenizer=str(tmp_path), seed=3)
    boundaries = set(block.token_boundaries(FUNCTION_FILE))
    assert len(boundaries) < len(FUNCTION_FILE)  # tokens are longer than one character
    for doc in block.run(iter(code_docs(40))):
        header = len(file_header(doc.metadata[keys.PATH], "Python"))
        start, end = doc.metadata[keys.FIM_MIDDLE]
        assert {start - header, end - header} <= boundaries


@pytest.mark.parametrize("params, message", [
    ({"code_mix": {"sfim": 0.5, "mlm": 0.5}}, "unknown objectives"),
    ({"text_mix": {"sfim": 1.0}}, "text_mix: unknown objectives"),
    ({"fim_spm_rate": 1.5}, "fim_spm_rate must be in"),
    ({"format": "gpt"}, "unknown FIM format"),
    ({"fim_unit": "token"}, "needs a tokenizer"),
    ({"code_mix": {"sfim": 0.0}}, "positive sum"),
])
def test_bad_parameters_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        TrainingObjectives(**params)
