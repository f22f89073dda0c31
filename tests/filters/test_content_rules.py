from pathlib import Path

import pytest

from codecurate.filters.content_rules import (
    URL,
    ContentRulesFilter,
    covered_share,
    line_repetition,
    statements,
    word_duplication,
)
from tests.conftest import make_doc, verdict

F = ContentRulesFilter()


def test_url_ip_share_edges():
    url = "https://example.com/abcdefghi"  # 29 characters
    assert len(url) == 29
    # 29 url characters against 19 others: 29/48 = 0.604 > 0.6; against 20 others: 29/49 = 0.592
    assert verdict(F, make_doc(url + " " + "x" * 19)) == "url_ip_share"
    assert verdict(F, make_doc(url + " " + "x" * 20)) is None
    assert verdict(F, make_doc("ALLOWED_HOSTS = ['10.0.0.1', '192.168.1.20', 'fe80::1']  # internal")) is None
    assert verdict(F, make_doc("10.0.0.1\n192.168.100.200\n2001:db8::ff00:42:8329\nok")) == "url_ip_share"


def test_contact_datetime_share():
    assert verdict(F, make_doc("jane.doe@example.com bob@example.org 2024-01-02T03:04:05Z x = 1")) == (
        "contact_datetime_share")
    assert verdict(F, make_doc("contact = 'jane.doe@example.com'\nprint(contact)\n")) is None
    assert verdict(F, make_doc("+1 415 555 0100\n(020) 7946 0958\n")) == "contact_datetime_share"


def test_garbled():
    assert verdict(F, make_doc("print('caf\u00c3\u00a9')\n")) == "garbled"  # UTF-8 read as Latin-1
    assert verdict(F, make_doc("x = '\ufffd'\n")) == "garbled"
    assert verdict(F, make_doc("x = '\x07'\n")) == "garbled"
    assert verdict(F, make_doc("x = 'café \u2014 naïve'\n\tok\n")) is None
    assert verdict(ContentRulesFilter(max_garbled_chars=1), make_doc("x = '\ufffd'\n")) is None


def test_line_repetition_edges():
    # 10 non-blank lines, 7 repeats of an earlier line: exactly 0.7 is kept, 0.8 is dropped
    seven = "\n".join(["a = 1"] * 8 + ["b = 2", "c = 3"])
    eight = "\n".join(["a = 1"] * 9 + ["b = 2"])
    assert line_repetition(seven) == pytest.approx(0.7)
    assert verdict(ContentRulesFilter(max_word_duplication=None), make_doc(seven)) is None
    assert verdict(ContentRulesFilter(max_word_duplication=None), make_doc(eight)) == "line_repetition"


def test_word_duplication_edges():
    text = " ".join(["w"] * 14)  # 10 five-grams, 9 repeats: 0.9
    assert word_duplication(text) == pytest.approx(0.9)
    assert verdict(ContentRulesFilter(max_line_repetition=None), make_doc(text)) == "word_duplication"
    assert verdict(ContentRulesFilter(max_line_repetition=None, max_word_duplication=0.9), make_doc(text)) is None
    assert word_duplication("a b c") == 0.0


def test_real_code_passes(tmp_path):
    import codecurate.recipe.schema as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert verdict(F, make_doc(source)) is None


def test_covered_share_counts_overlaps_once():
    assert covered_share("http://1.2.3.4/", [URL]) == 1.0


def test_pathological_inputs_stay_linear():
    import time

    start = time.perf_counter()
    for text in ("a" * 300_000 + "@", "1." * 150_000, "a:" * 150_000, "http://" + "a" * 300_000, "9" * 300_000):
        F.filter(make_doc(text))
    assert time.perf_counter() - start < 30  # a backtracking pattern would take hours


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="max_url_ip_share"):
        ContentRulesFilter(max_url_ip_share=2)


# Repetitive but maintained code, as Debian installs it: the paper's measure (every line) put each
# above 0.7; without the lines that only open or close a block it is below.
REPETITIVE_CODE = [
    ("golang-github-circonus-labs-circonus-gometrics-dev",
     "/usr/share/gocode/src/github.com/circonus-labs/circonus-gometrics/api/api_test.go"),
    ("golang-github-knetic-govaluate-dev", "/usr/share/gocode/src/github.com/Knetic/govaluate/parsing_test.go"),
    ("librust-crossbeam-deque-dev", "/usr/share/cargo/registry/crossbeam-deque-0.8.1/tests/steal.rs"),
    ("libruby3.1", "/usr/lib/ruby/gems/3.1.0/gems/rss-0.2.9/test/test_parser_1.0.rb"),
]


@pytest.mark.parametrize(("package", "path"), REPETITIVE_CODE)
def test_repetitive_maintained_code_is_kept(package, path):
    from tests.filters.analysis_tools import ToolUnavailable, apt_install

    if not Path(path).exists():
        try:
            apt_install(package)
        except ToolUnavailable as why:
            pytest.skip(str(why))
    if not Path(path).exists():
        pytest.skip(f"{package} does not ship {path} in this release")
    text = Path(path).read_text(encoding="utf-8")
    assert line_repetition(text, "all_lines") > 0.7
    assert verdict(ContentRulesFilter(repetition_measure="all_lines"), make_doc(text)) == "line_repetition"
    assert line_repetition(text) <= 0.7
    assert verdict(F, make_doc(text)) is None


# Maintained code whose lines repeat because a formatter laid out each argument on its own line:
# rustix's syscall wrappers (rustfmt: one operand a line in 14 ``asm!`` calls, one parameter a line in
# their signatures) and its ``#[cfg(not(any(target_os = ...)))]`` lists. Without the block ends they
# still repeat > 0.7; as statements they do not.
FORMATTED_CODE = [
    ("librust-rustix-dev", "/usr/share/cargo/registry/rustix-0.35.12/src/backend/linux_raw/arch/inline/x86_64.rs"),
    ("librust-rustix-dev", "/usr/share/cargo/registry/rustix-0.35.12/src/backend/linux_raw/arch/inline/aarch64.rs"),
    ("librust-rustix-dev", "/usr/share/cargo/registry/rustix-0.35.12/src/termios/constants.rs"),
]


@pytest.mark.parametrize(("package", "path"), FORMATTED_CODE)
def test_statements_laid_out_one_argument_a_line_are_one_statement(package, path):
    from tests.filters.analysis_tools import ToolUnavailable, apt_install

    if not Path(path).exists():
        try:
            apt_install(package)
        except ToolUnavailable as why:
            pytest.skip(str(why))
    if not Path(path).exists():
        pytest.skip(f"{package} does not ship {path} in this release")
    text = Path(path).read_text(encoding="utf-8")
    assert line_repetition(text, "code_lines") > 0.7
    assert verdict(ContentRulesFilter(repetition_measure="code_lines"), make_doc(text)) == "line_repetition"
    assert line_repetition(text) <= 0.7
    assert verdict(F, make_doc(text)) is None


def test_statements_join_a_parenthesis_up_to_its_close():
    assert statements(["f(", "a,", "b)", "g()"]) == ["f( a, b)", "g()"]
    assert statements(["x = (1 +", "2)", ")", "y"]) == ["x = (1 + 2)", ")", "y"]  # a stray close opens nothing
    # a parenthesis open over more than 32 lines joins none of them: a table stays its rows
    rows = ["t = (", *["    (0, 0, 0, 0),"] * 40, ")"]
    assert statements(rows)[:3] == rows[:3] and len(statements(rows)) == len(rows)
    assert verdict(F, make_doc("\n".join(rows))) == "line_repetition"
    # the same line repeated, with a parenthesis it never closes: still 50 repeated lines
    filler = "\n".join(["def f():", "    return 1"] + ["print('hello world',"] * 50)
    assert verdict(F, make_doc(filler)) == "line_repetition"
    # a call repeated whole is still a repeated statement
    calls = "\n".join(["log(", "    'started',", "    level=1,", ")"] * 30)
    assert verdict(F, make_doc(calls)) == "line_repetition"


def test_data_tables_and_repeated_literals_still_dropped():
    from tests.real_files import debian_source

    # nasm's generated token hash: 11,903 lines of "INVALID_HASH_ENTRY," (a one-word line is no block end)
    table = (debian_source("nasm") / "asm" / "tokhash.c").read_text(encoding="utf-8")
    assert verdict(F, make_doc(table)) == "line_repetition"
    assert verdict(F, make_doc("static const int t[] = {\n" + "    0, 0, 0, 0, 0, 0, 0, 0,\n" * 100 + "};\n")) == (
        "line_repetition")
    # a column of punctuation-only literals: mostly "structural" lines, so judged on all of them
    assert verdict(F, make_doc("x = [\n" + '    "",\n' * 200 + "]\n")) == "line_repetition"
    filler = "\n".join(["def f():", "    return 1"] + ["print('hello world')"] * 50)
    assert verdict(F, make_doc(filler)) == "line_repetition"


def test_block_ends_do_not_count_as_repetition():
    code = "\n".join(f"def f{i}(x):\n    if x:\n        return {i}\n    else:\n        pass\n" for i in range(30))
    ruby = "\n".join(f"class C{i}\n  def m\n    {i}\n  end\nend" for i in range(30))
    for text in (code, ruby):
        assert line_repetition(text, "all_lines") > 0.4
        assert line_repetition(text) < line_repetition(text, "all_lines")
    assert line_repetition("}\n" * 100 + "x = 1\n") > 0.9  # nothing else in it: judged on all lines
    with pytest.raises(ValueError, match="repetition_measure"):
        ContentRulesFilter(repetition_measure="tokens")


def test_the_measure_and_its_limit_are_recorded_for_the_report_page():
    eight = make_doc("\n".join(["a = 1"] * 9 + ["b = 2"]))
    assert verdict(ContentRulesFilter(max_word_duplication=None), eight) == "line_repetition"
    assert eight.metadata["evidence"] == {"share": 0.8, "limit": 0.7}
    garbled = make_doc("x = '\ufffd\ufffd'\n")
    assert verdict(F, garbled) == "garbled" and garbled.metadata["evidence"]["count"] == 2

