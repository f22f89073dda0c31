"""One parse per file: the blocks that need a tree give the same outputs with the shared parse as
with a parse of their own each, on a corpus of several languages."""

import copy
import site
from pathlib import Path

import pytest
from datatrove.pipeline.base import PipelineStep

from codecurate import metadata as keys
from codecurate import parsing
from codecurate.languages import detect_language
from tests.conftest import make_doc

SNIPPETS = {
    "app/main.py": '''"""Entry point. Contact: jane.doe@example.com"""
import os
from app import util

# def old(x):
#     y = x + 1
#     z = y * 2
#     return z
#     # gone


def main(argv):
    """Run."""
    if argv:
        return util.helper(argv[0])
    return os.getcwd()
''',
    "app/util.py": "def helper(value):\n    secret = 'hunter2'\n    return value * 2\n",
    "app/broken.py": "def broken(:\n    pass\n",
    "src/lib.c": '''#include "lib.h"
/* Author: John Smith <john@example.org> */
#define SQUARE(x) ((x) * (x))
int square(int v) {
    // int unused = 0;
    // unused += v;
    // return unused;
    return SQUARE(v);
}
''',
    "src/lib.h": "#ifndef LIB_H\n#define LIB_H\nint square(int v);\n#endif\n",
    "src/util.cpp": '''#include <vector>
#include "lib.h"
template <typename T> T twice(T v) { return v + v; }
int total(const std::vector<int>& xs) { int s = 0; for (int x : xs) s += square(x); return s; }
''',
    "web/index.js": '''import { helper } from "./helper.js";
// const old = 1;
// function gone() {
//   return old;
// }
export function run(x) { const url = "http://10.0.0.1/api"; return helper(x) + url; }
''',
    "web/helper.js": "export function helper(x) {\n  return x * 2;\n}\n",
    "go/main.go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
    "java/Main.java": "package demo;\n\nimport java.util.List;\n\npublic class Main {\n  int size(List<String> xs) {"
                      " return xs.size(); }\n}\n",
    "rust/lib.rs": "mod util;\n\npub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    "notes.md": "# Notes\n\nNot code.\n",
}


def real_files(limit: int = 12) -> dict[str, str]:
    """A few real Python, C, C++, header and JavaScript files of the installed packages."""
    root = Path(site.getsitepackages()[0])
    found = {}
    for pattern in ("codecurate/*.py", "datatrove/pipeline/*.py", "numpy/_core/include/numpy/*.h",
                    "tree_sitter*/*.c", "matplotlib/backends/web_backend/js/*.js", "**/helpers.cpp"):
        for path in sorted(root.glob(pattern))[:2]:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if len(text) < 200_000:
                found[f"real/{path.relative_to(root)}"] = text
        if len(found) >= limit:
            break
    return found


def corpus():
    docs = []
    for repo, files in (("demo/mixed", SNIPPETS), ("site/real", real_files())):
        for path, text in sorted(files.items()):
            language = detect_language(path, text)
            docs.append(make_doc(text, path, repo=repo, **({keys.LANGUAGE: language} if language else {})))
    return docs


class Record(PipelineStep):
    """What PII's scoping sees (its comment and literal ranges) and whether SFIM can take the file."""

    name = "record"

    def __init__(self, objectives):
        super().__init__()
        self.objectives = objectives

    def run(self, data, rank=0, world_size=1):
        from codecurate.pii.redact import scope_ranges

        for document in data:
            document.metadata["scope"] = scope_ranges(document, 2.0)
            span = self.objectives.sfim_span(document)
            document.metadata["sfim"] = span if isinstance(span, str) else [span.start, span.end, span.node_kind]
            yield document


def chain(docs):
    """commented code -> syntax -> metrics -> PII scope and SFIM census -> dependency order ->
    objectives, one generator chain as a datatrove pipeline runs them."""
    from codecurate.filters.code_metrics import CodeMetricsFilter
    from codecurate.filters.commented_code import CommentedCodeCleaner
    from codecurate.filters.syntax.filter import SyntaxFilter
    from codecurate.fim.objectives import TrainingObjectives
    from codecurate.samplers.repository_order import RepositoryOrder

    def objectives():
        return TrainingObjectives(sfim_rates={"languages": {}, "level": 1.0}, seed=7)

    steps = [CommentedCodeCleaner(delete_share=1.0, min_lines=2, seed=7), SyntaxFilter(), CodeMetricsFilter(),
             Record(objectives()), RepositoryOrder(weights={"dependency": 1.0}, interleave_units=1, seed=7),
             objectives()]
    data = iter(docs)
    for step in steps:
        data = step.run(data)
    return [(d.id, d.text, d.metadata) for d in data]


def test_shared_parse_gives_the_outputs_of_separate_parses():
    pytest.importorskip("tree_sitter_language_pack")
    docs = corpus()
    languages = {d.metadata.get(keys.LANGUAGE) for d in docs}
    assert {"Python", "C", "C++", "JavaScript", "Go", "Java", "Rust"} <= languages
    parsing.reset_parse_counts(track_documents=True)
    with parsing.separate_parses():
        separate = chain(copy.deepcopy(docs))
    separate_counts = parsing.parse_counts()
    parsing.reset_parse_counts(track_documents=True)
    shared = chain(copy.deepcopy(docs))
    shared_counts = parsing.parse_counts()
    assert shared == separate
    assert any(m.get(keys.COMMENTED_CODE_REMOVED_BYTES) for _, _, m in shared)  # a text changed on the way
    assert any(m.get(keys.ORDER_STRATEGY) == "dependency" for _, _, m in shared)
    # each block parses on its own; shared, a file is parsed once per text it has (more only where
    # a block changed the text), and the order stage's import graph takes the parse held for it
    assert separate_counts["file"] >= 4 * shared_counts["documents"]
    assert shared_counts["file"] <= shared_counts["documents"] + 4
    assert not shared_counts.get("file/codecurate.samplers.imports.common")


def test_a_timed_out_parse_is_not_reused_by_a_caller_with_more_time():
    document = make_doc("x = 1\n" * 10, "t.py", **{keys.LANGUAGE: "Python"})
    parsing.reset_parse_counts()
    timed_out = parsing.ParseResult(None, document.text.encode(), "python", timed_out=True)
    parsing._cache[parsing._key(document)] = (timed_out, 0.001)
    assert parsing.parse_document(document, 0.0005).timed_out  # less time than it had: same answer
    assert parsing.parse_document(document, 5.0).tree is not None  # more time: parsed again
    assert parsing.parse_counts()["file"] == 1


def test_hold_is_bounded_and_released():
    docs = [make_doc(f"x = {i}\n", f"m{i}.py", **{keys.LANGUAGE: "Python"}) for i in range(3)]
    for document in docs:
        parsing.parse_document(document)
    held_before = dict(parsing._held)
    try:
        parsing.HOLD_TREES, limit = len(parsing._held) + 2, parsing.HOLD_TREES
        assert parsing.hold(docs[0]) and parsing.hold(docs[1]) and not parsing.hold(docs[2])
        parsing.release(docs[:2])
        assert parsing._held == held_before
    finally:
        parsing.HOLD_TREES = limit


def test_two_threads_parse_at_once_as_one_would():
    """A pass run beside the pipeline (an Observer thread) parses while the pipeline parses."""
    import threading

    texts = [f"def f{i}(x):\n    return [x + {i} for _ in range({i})]\n" * 200 for i in range(60)]
    documents = [make_doc(t, f"f{i}.py", **{keys.LANGUAGE: "Python"}) for i, t in enumerate(texts)]
    with parsing.separate_parses():
        expected = [str(parsing.parse_document(d).tree.root_node) for d in documents]
    results: dict[int, str] = {}
    failures: list[BaseException] = []

    def work(indices):
        try:
            with parsing.separate_parses():
                for _ in range(3):
                    for i in indices:
                        results[i] = str(parsing.parse_document(documents[i]).tree.root_node)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(range(k, 60, 2),)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and [results[i] for i in range(60)] == expected


def test_node_text_of_a_timed_parse_is_the_source_slice():
    # a timed parse reads through a callback; Node.text reads through it again, in small chunks
    from codecurate.parsing import parse_source

    source = ("import os\n" + "x_%d = 'v'\n" * 3000 + "def f():\n    return '" + "y" * 5000 + "'\n").encode()
    source = source.replace(b"%d", b"1")
    result = parse_source(source, "python", 5.0)
    nodes, stack = [], [result.tree.root_node]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    assert max(n.end_byte - n.start_byte for n in nodes) > 5000  # nodes longer than a read chunk
    assert all(n.text == source[n.start_byte:n.end_byte] for n in nodes)
