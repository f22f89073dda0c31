import pytest

from codecurate import documents as keys
from codecurate.filters.analysis import Analyzer, RuffAnalyzer, StaticAnalysisFilter
from tests.conftest import make_doc

pytest.importorskip("ruff")

CLEAN = "def add(a, b):\n    return a + b\n"
BAD = "import os\nimport sys\n\n\ndef f():\n    eval(input())\n    return undefined_name\n"


def test_ruff_counts_problems_per_file_in_one_batch():
    assert RuffAnalyzer().analyze([CLEAN, BAD, "x = 1\n"]) == [0, 4, 0]
    assert RuffAnalyzer().analyze([]) == []


def test_filter_threshold_per_kloc():
    docs = [make_doc(CLEAN, "a.py", language="Python"), make_doc(BAD, "b.py", language="Python"),
            make_doc("not python at all {", "c.js", language="JavaScript")]
    block = StaticAnalysisFilter(max_problems_per_kloc=79, min_lines=50, batch_size=2)
    kept = [d.id for d in block.run(iter(docs))]
    # 4 problems judged over 50 lines = 80 per KLOC > 79
    assert kept == ["o/r/a.py", "o/r/c.js"]
    assert docs[1].metadata[keys.ANALYSIS_PROBLEMS] == 4
    assert docs[1].metadata[keys.ANALYSIS_PROBLEMS_PER_KLOC] == 80.0
    kept = [d.id for d in StaticAnalysisFilter(max_problems_per_kloc=80, min_lines=50).run(iter(docs))]
    assert len(kept) == 3


def test_another_analyzer_plugs_in(monkeypatch):
    from codecurate.filters import analysis

    class CountTodos(Analyzer):
        name = "todos"
        languages = frozenset({"Python"})

        def analyze(self, texts):
            return [t.count("TODO") for t in texts]

    monkeypatch.setitem(analysis.ANALYZERS, "todos", CountTodos)
    block = StaticAnalysisFilter(analyzer="todos", max_problems_per_kloc=0)
    assert [d.id for d in block.run(iter([make_doc("x = 1  # TODO", "a.py", language="Python"),
                                           make_doc("x = 1", "b.py", language="Python")]))] == ["o/r/b.py"]


def test_unknown_analyzer():
    with pytest.raises(ValueError, match="unknown analyzer"):
        StaticAnalysisFilter(analyzer="sonarqube")
