import json
import multiprocessing
import time

import pytest

pytest.importorskip("tree_sitter_language_pack")

from codecurate import metadata as keys  # noqa: E402
from codecurate.filters.code_metrics import CodeMetricsFilter  # noqa: E402
from codecurate.filters.syntax.filter import SyntaxFilter  # noqa: E402
from codecurate.parsing import error_bytes, parse_document, parse_source  # noqa: E402
from tests.conftest import make_doc, verdict  # noqa: E402


def doc(text, language, path="f"):
    return make_doc(text, path, **{keys.LANGUAGE: language})


VALID = {
    "Python": "def add(a, b):\n    return a + b\n",
    "Java": "class A { int f(int x) { return x + 1; } }\n",
    "JavaScript": "function f(x) { return [x, {a: 1}]; }\n",
    "C": "int main(void) { return 0; }\n",
    "C++": "#include <vector>\nint f(std::vector<int> v) { return v.size(); }\n",
    "Go": "package main\n\nfunc main() { println(1) }\n",
    "Rust": "fn main() { let x: Vec<u8> = vec![]; }\n",
    "JSON": '{"a": [1, 2, {"b": null}]}\n',
}
BROKEN = {
    "Python": "def add(a, b:\n    return a + b\n",
    "Java": "class A { int f(int x) { return x + 1; }\n",
    "JavaScript": "function f(x) { return [x, {a: 1}; }\n",
    "C": "int main(void) { return 0;\n",
    "C++": "int f(std::vector<int> v { return v.size(); }\n",
    "Go": "package main\n\nfunc main() { println(1)\n",
    "Rust": "fn main() { let x: Vec<u8> = vec![; }\n",
    "JSON": '{"a": [1, 2, {"b": null}]\n',
}


@pytest.mark.parametrize("language", sorted(VALID))
def test_valid_and_broken(language):
    block = SyntaxFilter()
    assert verdict(block, doc(VALID[language], language)) is None
    assert verdict(block, doc(BROKEN[language], language)) == "syntax_error"


def test_the_first_error_is_recorded_where_it_is():
    document = doc("def ok():\n    return 1\n\ndef broken(:\n    pass\n", "Python")
    assert verdict(SyntaxFilter(), document) == "syntax_error"
    evidence = document.metadata[keys.EVIDENCE]
    assert evidence["line"] == 4 and evidence["node"].startswith(("ERROR", "MISSING"))
    assert 1 <= evidence["column"] <= len("def broken(:") + 1


def test_error_tolerance_edges():
    text = "x = 1\n" * 99 + "x = (\n"  # one unbalanced bracket in 606 bytes
    result = parse_source(text.encode(), "python")
    errors = error_bytes(result.tree.root_node)
    assert 0 < errors < 20
    share = errors / len(text)
    assert verdict(SyntaxFilter(max_error_ratio=share), doc(text, "Python")) is None
    assert verdict(SyntaxFilter(max_error_ratio=share * 0.99), doc(text, "Python")) == "syntax_error"


def test_files_without_grammar_or_prose_pass_and_are_counted():
    block = SyntaxFilter()
    docs = [doc("{{{ not checked", "Visual Basic"), doc("# Title\n[broken](", "Markdown"), doc("x", None),
            doc("x", "COBOL"), make_doc("def (", "a.md", **{keys.LANGUAGE: "Python", keys.KIND: keys.KIND_TEXT})]
    kept = list(block.run(iter(docs)))
    assert len(kept) == 5
    assert block.stats["no_grammar"].total == 3  # Visual Basic, unknown, COBOL (unsafe grammar)
    assert block.stats["skipped/prose"].total == 1 and block.stats["text"].total == 1
    assert verdict(SyntaxFilter(languages=["Markdown"]), doc("# Title\n", "Markdown")) is None


def test_parse_is_shared_between_blocks():
    document = doc(VALID["Python"], "Python")
    first = parse_document(document, 1.0)
    assert parse_document(document, 1.0) is first


def _slow_parse(queue):
    block = SyntaxFilter(timeout_seconds=0.2, timeout_per_mb=0.0)
    text = "x = " + "+".join(["1"] * 5_000_000)  # 10 MB, one expression
    start = time.perf_counter()
    queue.put((verdict(block, doc(text, "Python")), time.perf_counter() - start))


def test_slow_parse_is_dropped_by_the_time_limit_and_the_worker_lives():
    queue = multiprocessing.get_context("fork").Queue()
    worker = multiprocessing.get_context("fork").Process(target=_slow_parse, args=(queue,))
    worker.start()
    reason, seconds = queue.get(timeout=120)
    worker.join(timeout=60)
    assert reason == "parse_timeout"
    assert seconds < 10
    assert worker.exitcode == 0
    # the same process goes on parsing after a timeout
    assert verdict(SyntaxFilter(), doc(VALID["Python"], "Python")) is None


def test_deep_nesting_does_not_crash():
    block = SyntaxFilter()
    # tree-sitter parses both; CPython refuses both for its 200-bracket limit (python_limits)
    assert verdict(block, doc("x = " + "(" * 100_000 + ")" * 100_000 + "\n", "Python")) == "too_deeply_nested"
    assert verdict(block, doc("x = " + "[" * 100_000 + "\n", "Python")) == "too_deeply_nested"
    assert verdict(block, doc("x = " + "(" * 150 + ")" * 150 + "\n", "Python")) is None


def test_agrees_with_python_and_json_on_small_samples():
    import ast

    samples = ["x = 1", "def f(:", "class A:\n  pass", "lambda: (yield)", "print('a' 'b')", "a = [1, 2,"]
    for text in samples:
        try:
            ast.parse(text)
            valid = True
        except SyntaxError:
            valid = False
        assert (verdict(SyntaxFilter(), doc(text + "\n", "Python")) is None) == valid, text
    for text in ['{"a": 1}', "[1, 2]", '{"a": 1,}', "[1 2]", '"str"']:
        try:
            json.loads(text)
            valid = True
        except json.JSONDecodeError:
            valid = False
        assert (verdict(SyntaxFilter(), doc(text, "JSON")) is None) == valid, text


def test_code_metrics():
    text = "# a comment line\nx = 1  # trailing\n\n\n'''a docstring is code'''\ny = 2\n"
    document = doc(text, "Python")
    assert verdict(CodeMetricsFilter(), document) is None
    assert document.metadata[keys.EFFECTIVE_LINES] == 3
    comment_chars = len("#acommentline") + len("#trailing")
    visible = len(text.replace(" ", "").replace("\n", ""))
    assert document.metadata[keys.COMMENT_RATIO] == pytest.approx(comment_chars / visible, abs=1e-4)
    java = doc("/* block\n comment */\nclass A {} // end\n", "Java")
    assert verdict(CodeMetricsFilter(min_effective_lines=2), java) == "too_few_effective_lines"
    assert verdict(CodeMetricsFilter(max_comment_ratio=0.5), doc("# only\n# comments\nx=1\n", "Python")) == (
        "comment_ratio_high")
    assert verdict(CodeMetricsFilter(min_comment_ratio=0.01), doc("x = 1\n", "Python")) == "comment_ratio_low"


# --- the policy: macros, headers, templates, formats without an oracle -------------------------

MACRO_HEAVY_CPP = """\
#ifndef LIB_WIDGET_H_
#define LIB_WIDGET_H_
#include <string>
#include <vector>

#define LIB_API_ __attribute__((visibility("default")))
#define LIB_NAMESPACE_BEGIN namespace lib {
#define LIB_NAMESPACE_END }

LIB_NAMESPACE_BEGIN

LIB_DISABLE_WARNINGS_PUSH_(4251 /* needs dll-interface */)

class LIB_API_ Widget : public Base {
 public:
  Widget() : size_(0) {}
  ~Widget() override;
  int Size() const LIB_NOEXCEPT { return size_; }
  void Lock() LIB_LOCK_EXCLUDED_(mutex_);
  LIB_DISALLOW_COPY_AND_ASSIGN_(Widget)
 private:
  int size_;
};

LIB_API_ std::string Describe(const Widget& widget);
LIB_DECLARE_FLAG_(bool, verbose);

MATCHER(IsEmpty, negation ? "isn't empty" : "is empty") {
  return arg.Size() == 0;
}

TEST(WidgetTest, StartsEmpty) {
  Widget widget;
  EXPECT_EQ(0, widget.Size());
  EXPECT_THROW(widget.Lock(), std::logic_error);
  std::string path = std::string("a" LIB_PATH_SEP_ "b");
  EXPECT_EQ(kBool, LIB_KIND_OF_(bool));
}

inline int Twice(int value) {
  return value * 2
#if LIB_HAS_OVERFLOW_CHECK
      + Check(value);
#else
      ;
#endif
}

LIB_DISABLE_WARNINGS_POP_()
LIB_NAMESPACE_END

#endif  // LIB_WIDGET_H_
"""


def test_macro_heavy_cpp_is_kept_and_its_corruptions_dropped():
    block = SyntaxFilter()
    assert verdict(block, doc(MACRO_HEAVY_CPP, "C++", "lib/widget.h")) is None
    # the same errors count when macros are not accounted for
    assert verdict(SyntaxFilter(relax_macros=False), doc(MACRO_HEAVY_CPP, "C++")) == "syntax_error"
    truncated = MACRO_HEAVY_CPP[: MACRO_HEAVY_CPP.index("return arg.Size()") + 10]
    assert verdict(block, doc(truncated, "C++")) == "syntax_error"
    no_brace = MACRO_HEAVY_CPP.replace("  return arg.Size() == 0;\n}", "  return arg.Size() == 0;\n", 1)
    assert verdict(block, doc(no_brace, "C++")) == "syntax_error"
    stray = MACRO_HEAVY_CPP.replace("  Widget widget;", "  Widget widget; )", 1)
    assert verdict(block, doc(stray, "C++")) == "syntax_error"


def test_header_language_both_ways():
    from codecurate.languages import detect_language

    cpp = "#pragma once\nnamespace geo {\nclass Point {\n public:\n  double x;\n};\n}\n"
    c = "#ifndef POINT_H\n#define POINT_H\n/* a class of points */\nstruct point { double x; };\n" \
        "int point_init(struct point *p);\n#endif\n"
    objc = "#import <Foundation/Foundation.h>\n@interface Point : NSObject\n@end\n"
    assert detect_language("src/point.h", cpp) == "C++"
    assert detect_language("src/point.h", c) == "C"
    assert detect_language("src/point.h", objc) == "Objective-C"
    assert detect_language("src/point.c", cpp) == "C"  # only .h is ambiguous
    # a C++ header labelled C (The Stack files every .h under C) is judged as C++ too
    assert verdict(SyntaxFilter(), doc(cpp, "C", "src/point.h")) is None
    assert verdict(SyntaxFilter(), doc(cpp + "}\n", "C", "src/point.h")) == "syntax_error"


def test_templates_and_formats_without_oracle_are_not_parsed():
    block = SyntaxFilter()
    jinja = "<html><body>\n{% for user in users %}\n<li>{{ user.name }}</li>\n{% endfor %}\n</body></html>\n"
    ejs = "<ul>\n<% items.forEach(function(item) { %>\n<li><%= item %></li>\n<% }) %>\n</ul>\n"
    helm = "{{- if .Values.service.enabled }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n" \
           "  labels:\n    {{- include \"chart.labels\" . | nindent 4 }}\n{{- end }}\n"
    for text, language in [(jinja, "HTML"), (ejs, "HTML"), (helm, "YAML")]:
        assert verdict(block, doc(text, language)) is None
    assert block.stats["template"].total == 1 and block.stats["skipped/markup"].total == 2  # Helm; HTML
    broken_yaml = "a: [1, 2\nb: {\n"
    assert verdict(block, doc(broken_yaml, "YAML")) == "syntax_error"  # not a template: judged
    # a valid file with template-like text in a string is parsed, and its corruption caught
    workflow = "jobs:\n  test:\n    runs-on: ${{ matrix.os }}\n    name: \"{{ version }}\"\n"
    assert verdict(block, doc(workflow, "YAML")) is None and block.stats["template"].total == 1
    assert verdict(block, doc('[package]\ntag = "{{version}}"\nname = [\n', "TOML")) == "syntax_error"
    for text, language in [("SELECT a FROM t WHERE a @@ to_tsquery('x');", "SQL"), ("[core]\nkey value", "INI"),
                           ("dependencies { implementation 'a:b:1' }", "Groovy")]:
        assert verdict(block, doc(text, language)) is None
    assert block.stats["skipped/dialect"].total == 2 and block.stats["skipped/dsl"].total == 1
    # a user can still ask for any language with a grammar
    assert verdict(SyntaxFilter(languages=["SQL"]), doc("SELECT FROM WHERE (", "SQL")) == "syntax_error"


@pytest.mark.parametrize("text", [
    "ABC DEF GHI JKL " * 60_000,  # a million bytes of macro-like words on one error line
    "MACRO_X(" * 100_000,  # parentheses that never close
    ("FOO_X" + " " * 200) * 4_000,  # macros far apart
    "#if A\n{\n#elif B\n}\n" * 20_000,  # conditionals that never close
])
def test_pathological_macro_input_ends_in_bounded_time(text):
    start = time.perf_counter()
    # Objective-C goes through the macro rewrites, C++ through the structure check
    assert verdict(SyntaxFilter(), doc(text, "Objective-C")) in ("syntax_error", "parse_timeout")
    verdict(SyntaxFilter(), doc(text, "C++"))
    assert time.perf_counter() - start < 30  # seconds; about 1.5 here, minutes before the bounds
