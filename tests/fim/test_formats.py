import pytest
from hypothesis import given
from hypothesis import strategies as st

from codecurate.fim.formats import FORMATS, NTP, PSM, SPM, file_header, get_format


def test_aixcoder_strings_are_the_papers():
    f = get_format("aixcoder")
    assert f.render(PSM, "P", "M", "S") == "<s>▁<AIX-SPAN-PRE>P▁<AIX-SPAN-POST>S▁<AIX-SPAN-MIDDLE>M</s>"
    assert f.render(SPM, "P", "M", "S") == "<s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>S▁<AIX-SPAN-MIDDLE>PM</s>"
    assert f.render(NTP, "text", "", "") == "<s>text</s>"
    assert "\u2581<AIX-SPAN-PRE>" in f.special_tokens


def test_headers_use_each_languages_comment_syntax():
    assert file_header("test.py", "Python") == "# the file path is: test.py\n# the code file is written by Python\n"
    assert file_header("a/b.rs", "Rust") == "// the file path is: a/b.rs\n// the code file is written by Rust\n"
    assert file_header("README.md", "Markdown") == (
        "<!--the file path is: README.md-->\n<!--the code file is written by Markdown-->\n")
    assert file_header("data.json", "JSON") == ""  # JSON has no comments
    assert file_header("x.unknown", None) == ""


def test_unknown_format_is_named():
    with pytest.raises(ValueError, match="unknown FIM format 'gpt'.*aixcoder"):
        get_format("gpt")


@given(
    name=st.sampled_from(sorted(FORMATS)),
    mode=st.sampled_from([PSM, SPM, NTP]),
    parts=st.tuples(st.text(), st.text(), st.text()),
)
def test_rendered_strings_parse_back_to_the_original_text(name, mode, parts):
    f = FORMATS[name]
    prefix, middle, suffix = parts
    if any(f.found_in(p) for p in parts):
        return  # such text is dropped by the objectives block before it is formatted
    parsed_mode, p, m, s = f.parse(f.render(mode, prefix, middle, suffix))
    assert p + m + s == prefix + middle + suffix
    if mode == PSM and prefix:  # with an empty prefix, PSM and SPM are the same string
        assert (parsed_mode, p, m, s) == (PSM, prefix, middle, suffix)
    if mode == SPM:
        assert parsed_mode == SPM and s == suffix


def test_parse_rejects_another_shape():
    with pytest.raises(ValueError, match="not a starcoder sequence"):
        get_format("starcoder").parse("<s>x</s>")
