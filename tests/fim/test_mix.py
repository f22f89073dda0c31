"""The realised objective mix: SFIM only where a file can serve it, at the configured share of the
corpus, measured on thousands of real files of several languages; independent of the task count."""

import gzip
import json
import math
import random
from collections import Counter

import pytest

from codecurate import metadata as keys
from codecurate.fim.mix import expected_shares, pick, sfim_acceptance, sfim_level
from codecurate.fim.objectives import SfimCensus, SfimRates, TrainingObjectives
from codecurate.readers import InstalledPackagesReader
from tests.conftest import make_doc

pytest.importorskip("tree_sitter_language_pack")

FUNCTION_FILE = "def f(a):\n    if a:\n        return 1\n    return 2\n"
#: installed by the README's test command (core, all, pii-hf extras): Python with C and C++ sources
#: and headers, Fortran, JavaScript, CSS, Markdown, XML, text...
DISTRIBUTIONS = ["numpy", "pyarrow", "scikit-learn", "scipy", "networkx", "matplotlib", "sympy", "datatrove"]
COMPILED = ["*.pyc", "__pycache__", "*.so", "*.so.*", "*.pyd", "*.dylib", "*.dll", "*.a", "*.exe", "*.lib"]


def sigmas(observed: float, expected: float, n: int, k: float = 4.0) -> bool:
    """``observed`` share within ``k`` binomial standard deviations (plus one document) of ``expected``."""
    return abs(observed - expected) <= k * math.sqrt(max(expected * (1 - expected), 1e-9) / n) + 1 / n


def test_the_level_fills_languages_short_of_eligible_files_first():
    counts = {"Python": (100, 90), "C": (100, 20)}
    assert sfim_level(counts, 0.5) == pytest.approx(0.8)  # C gives its 20, Python 80: 100 of 200
    assert sfim_acceptance(counts, 0.5) == pytest.approx({"Python": 0.8 / 0.9, "C": 1.0})
    assert expected_shares(counts, 0.5) == pytest.approx({"Python": 0.8, "C": 0.2, "": 0.5})
    # both have enough: the same share everywhere, the configured one
    assert sfim_acceptance({"Go": (50, 50), "Java": (50, 40)}, 0.7) == pytest.approx({"Go": 0.7, "Java": 0.875})
    # out of reach: every eligible file, and the realised share is the eligible share
    assert sfim_level({"A": (100, 30), "JSON": (100, 0)}, 0.7) == 1.0
    assert sfim_acceptance({"A": (100, 30), "JSON": (100, 0)}, 0.7) == {"A": 1.0, "JSON": 0.0}
    assert expected_shares({"A": (100, 30), "JSON": (100, 0)}, 0.7)[""] == pytest.approx(0.15)
    assert pick({"fim": 0.15, "ntp": 0.15}, 0.49) == "fim" and pick({"fim": 0.15, "ntp": 0.15}, 0.51) == "ntp"
    assert pick({}, 0.3) is None


def real_code(max_chars: int = 40_000) -> list:
    """The distributions' files with a known language, up to ``max_chars`` (the test parses each twice)."""
    reader = InstalledPackagesReader(distributions=DISTRIBUTIONS, articles=False, exclude=COMPILED)
    return [d for d in reader.run() if d.metadata.get(keys.LANGUAGE) and len(d.text) <= max_chars]


def objectives_pass(docs: list, tmp_path, tasks: int = 2, **params) -> tuple[list, dict, TrainingObjectives]:
    """The stage's three passes in process: a census per task, the rates, then the objectives."""
    block = TrainingObjectives(seed=7, **params)
    census = SfimCensus(block, str(tmp_path / "census"))
    for rank in range(tasks):
        list(census.run(iter(docs[rank::tasks]), rank, tasks))
    list(SfimRates(str(tmp_path / "census"), str(tmp_path / "rates.json"), block.sfim_share).run(None))
    block.sfim_rates = str(tmp_path / "rates.json")
    return list(block.run(iter(docs))), json.loads((tmp_path / "rates.json").read_text()), block


def test_realised_mix_equals_the_configuration_on_5000_real_files(tmp_path):
    docs = real_code()
    languages = Counter(d.metadata[keys.LANGUAGE] for d in docs)
    assert len(docs) >= 5000 and sum(n >= 20 for n in languages.values()) >= 4, languages
    out, table, block = objectives_pass(docs, tmp_path)
    assert len(out) == table["files"] >= len(docs) - 5  # a few hold a special string ("<s>"): dropped
    eligible = table["eligible_share"]
    assert eligible >= 0.72, f"this corpus cannot reach SFIM 0.70 ({eligible:.3f} of its files can serve SFIM)"
    assert 0.7 * eligible < 0.67  # drawing SFIM at 0.70 and falling back to FIM would miss by more than 0.03
    realised = Counter(d.metadata[keys.OBJECTIVE] for d in out)
    for objective, configured in (("sfim", 0.70), ("fim", 0.15), ("ntp", 0.15)):
        assert abs(realised[objective] / len(out) - configured) <= 0.03, (objective, realised, len(out))
    # per language: the water level's share; FIM and NTP at their configured 1:1 among the rest
    by_language: dict[str, Counter] = {}
    for d in out:
        by_language.setdefault(d.metadata[keys.LANGUAGE], Counter())[d.metadata[keys.OBJECTIVE]] += 1
    for language, counts in by_language.items():
        n = sum(counts.values())
        expected = table["languages"][language]["expected_sfim_share"]
        assert sigmas(counts["sfim"] / n, expected, n), (language, counts, expected)
        rest = counts["fim"] + counts["ntp"]
        if rest >= 30:
            assert sigmas(counts["fim"] / rest, 0.5, rest), (language, counts)
        assert block.stats[f"objective/{language}/sfim"].total == counts["sfim"] or counts["sfim"] == 0
    # SFIM only on files that can serve it; every file that cannot says why
    assert all((d.metadata[keys.OBJECTIVE] == "sfim") <= (keys.SFIM_FALLBACK not in d.metadata) for d in out)
    cannot = sum(keys.SFIM_FALLBACK in d.metadata for d in out)
    assert cannot == table["files"] - table["eligible"]


def test_out_of_reach_every_eligible_file_takes_sfim(tmp_path):
    docs = [d for d in real_code() if d.metadata[keys.LANGUAGE] in ("Python", "C", "Text", "Fortran")][::10]
    out, table, _ = objectives_pass(docs, tmp_path, code_mix={"sfim": 0.95, "fim": 0.03, "ntp": 0.02})
    assert not table["reachable"] and table["level"] == 1.0
    sfim = sum(d.metadata[keys.OBJECTIVE] == "sfim" for d in out)
    assert sfim == table["eligible"] == sum(keys.SFIM_FALLBACK not in d.metadata for d in out)
    rest = Counter(d.metadata[keys.OBJECTIVE] for d in out if d.metadata[keys.OBJECTIVE] != "sfim")
    assert sigmas(rest["fim"] / sum(rest.values()), 0.6, sum(rest.values()))  # 0.03 : 0.02


def test_used_alone_the_block_estimates_the_rates_from_what_it_has_seen():
    rng = random.Random(3)
    kinds = [("f", FUNCTION_FILE, "Python", "py")] * 8 + [("x", "x = 1\n", "Python", "py"),
                                                          ("j", '{"a": 1}\n', "JSON", "json")]
    docs = []
    for i in range(4000):
        name, text, language, ext = rng.choice(kinds)
        docs.append(make_doc(text, f"{name}{i}.{ext}", **{keys.LANGUAGE: language}))
    out = list(TrainingObjectives(seed=5).run(iter(docs)))
    shares = Counter(d.metadata[keys.OBJECTIVE] for d in out)
    assert abs(shares["sfim"] / len(out) - 0.70) <= 0.03 and abs(shares["ntp"] / len(out) - 0.15) <= 0.03


def read_documents(folder) -> dict:
    rows = {}
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                rows[row["id"]] = (row["text"], row["metadata"])
    return rows


def test_a_recipe_measures_the_corpus_and_its_output_does_not_depend_on_the_task_count(tmp_path):
    from codecurate.recipe.run import run_recipe
    from codecurate.recipe.schema import validate

    def run(tasks: int) -> tuple[dict, dict]:
        out = tmp_path / f"tasks{tasks}"
        recipe = {
            "name": "mix", "seed": 3, "output": str(out), "executor": {"type": "local", "tasks": tasks, "workers": 1},
            "inputs": [{"reader": "installed_packages", "params": {"distributions": ["PyYAML", "pluggy", "hypothesis"],
                                                                   "exclude": COMPILED}}],
            "stages": [{"block": "training_objectives", "id": "objectives"}],
        }
        summary = run_recipe(validate(recipe), keep_intermediate=True)
        assert summary["complete"]
        return read_documents(out / "documents"), summary

    one, summary = run(1)
    three, _ = run(3)
    assert one == three and len(one) > 100
    stage = next(s for s in summary["stages"] if s["stage"] == "objectives")
    shares = stage["objective_shares"]
    code = [m for _, m in one.values() if m[keys.KIND] == keys.KIND_CODE]
    python = [m for m in code if m.get(keys.LANGUAGE) == "Python"]
    assert shares["all code"]["documents"] == len(code) and shares["Python"]["documents"] == len(python)
    assert shares["Python"]["sfim"] == round(sum(m[keys.OBJECTIVE] == "sfim" for m in python) / len(python), 4)
    assert stage["counters"]["objective/Python/sfim"] == sum(m[keys.OBJECTIVE] == "sfim" for m in python)
    rates = json.loads((tmp_path / "tasks1" / "work" / "objectives" / "sfim_rates.json").read_text())
    assert rates["files"] == len(code) and "Python" in rates["languages"]


def test_the_objectives_pass_takes_the_census_spans_instead_of_parsing_again(tmp_path):
    """A recipe's census records each file's SFIM span; the objectives pass uses them (no second
    parse) and writes what it writes when it parses each file itself (rates given: no census)."""
    from codecurate import parsing
    from codecurate.recipe.run import run_recipe
    from codecurate.recipe.schema import validate

    def run(name: str, params: dict) -> tuple[list, dict]:
        out = tmp_path / name
        recipe = {
            "name": "census", "seed": 3, "output": str(out), "executor": {"type": "local", "tasks": 2, "workers": 1},
            "inputs": [{"reader": "installed_packages", "params": {"distributions": ["PyYAML", "pluggy"],
                                                                   "exclude": COMPILED}}],
            "stages": [{"block": "training_objectives", "id": "objectives", "params": params}],
        }
        parsing.reset_parse_counts()
        summary = run_recipe(validate(recipe), keep_intermediate=True)
        assert summary["complete"]
        documents = sorted((json.loads(line) for p in sorted((out / "documents").glob("*.jsonl.gz"))
                            for line in gzip.decompress(p.read_bytes()).decode("utf-8").splitlines()),
                           key=lambda r: r["id"])
        counts = parsing.parse_counts()  # parses and cached answers: the second run may find the first's trees
        calls = sum(counts.get(f"{kind}/codecurate.fim.objectives", 0) for kind in ("file", "cached"))
        return documents, {"parses": calls, "summary": summary}

    with_census, first = run("census", {})
    rates = tmp_path / "census" / "work" / "objectives" / "sfim_rates.json"
    parsed, second = run("parsed", {"sfim_rates": str(rates)})
    assert with_census == parsed and len(parsed) > 30
    code = sum(r["metadata"].get(keys.KIND) == keys.KIND_CODE and r["metadata"].get(keys.LANGUAGE) == "Python"
               for r in parsed)
    # the census asked for each file's parse once and the objectives pass never; alone, it asks for each
    assert first["parses"] == second["parses"] >= code > 20
    stage = next(s for s in first["summary"]["stages"] if s["stage"] == "objectives")
    assert "census_out_of_step" not in stage.get("counters", {})
