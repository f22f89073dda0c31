"""File headers: the official aiXcoder-7B table (the ``aixcoder`` format's default) byte for byte, and
the project's own table as the named alternative."""

import pytest

from codecurate import metadata as keys
from codecurate.fim.file_headers import aixcoder_header, aixcoder_table, file_header
from codecurate.fim.formats import get_format
from codecurate.fim.objectives import TrainingObjectives
from tests.conftest import make_doc

# The bytes aiXcoder-7B's hf_mini/utils.py (input_wrapper) writes before a file at that path, read off
# its EXT2LANG, LANGUAGE_WRAPPER and LANGUAGE_TAG tables: the path line, then the language line.
OFFICIAL = {
    "main.py": "# the file path is: main.py\n# the code file is written by Python\n",
    "include/torch/x.h": "// the file path is: include/torch/x.h\n// the code file is written by C++\n",
    "src/App.jsx": "// the file path is: src/App.jsx\n// the code file is written by JSX\n",
    "src/App.tsx": "// the file path is: src/App.tsx\n// the code file is written by TypeScript with JSX\n",
    "web/style.css": "/* the file path is: web/style.css */\n/* the code file is written by CSS */\n",
    "init.lua": "// the file path is: init.lua\n// the code file is written by Lua\n",
    "solver.f90": "!the file path is: solver.f90\n!the code file is written by Fortran\n",
    "README.md": "<!--the file path is: README.md-->\n<!--the code file is written by Markdown-->\n",
    "View.swift": "// the file path is: View.swift\n// the code file is written by swift\n",
    "build.tcl": "// the file path is: build.tcl\n// the code file is written by Augeas\n",
    "theory.ml": "(*the file path is: theory.ml*)\n(*the code file is written by OCaml*)\n",
    "query.sql": "-- the file path is: query.sql\n-- the code file is written by SQL\n",
    "rules.mk": "# the file path is: rules.mk\n# the code file is written by Makefile\n",
    "lib/a.C": "// the file path is: lib/a.C\n// the code file is written by C++\n",
    "st.st": "'' the file path is: st.st\n'' the code file is written by Smalltalk\n",
    "x.xsl": "<!--the file path is: x.xsl-->\n<!--the code file is written by XSLT-->\n",
    # no header: a language without an entry, an extension the table lacks (.pyi, .mjs, upper-case
    # .R), one its pattern cannot match (.c++), or no extension at all
    "pom.xml": "",
    "pyproject.toml": "",
    "setup.cfg": "",
    "api.proto": "",
    "theme.scss": "",
    "data.json": "",
    "types.pyi": "",
    "a.mjs": "",
    "analysis.R": "",
    "lib.c++": "",
    "Dockerfile": "",
    "Makefile": "",
}


@pytest.mark.parametrize("path", sorted(OFFICIAL))
def test_the_aixcoder_table_writes_the_official_bytes(path):
    assert aixcoder_header(path) == OFFICIAL[path]
    assert file_header(path, "Python", "aixcoder") == OFFICIAL[path]  # the path decides, not the language


def test_the_table_holds_the_official_size_and_keys():
    _, extensions, languages = aixcoder_table()
    assert len(extensions) == 870 and len(languages) == 84
    assert extensions[".h"] == "c++" and extensions[".xml"] == "xml" and "xml" not in languages
    assert set(languages) <= set(extensions.values())  # only languages an extension reaches


def test_the_codecurate_table_follows_the_documents_language():
    assert file_header("x.h", "C", "codecurate") == "// the file path is: x.h\n// the code file is written by C\n"
    assert file_header("init.lua", "Lua", "codecurate") == (
        "-- the file path is: init.lua\n-- the code file is written by Lua\n")
    assert file_header("pom.xml", "XML", "codecurate") == (
        "<!--the file path is: pom.xml-->\n<!--the code file is written by XML-->\n")
    assert file_header("data.json", "JSON", "codecurate") == ""
    with pytest.raises(ValueError, match="unknown header table 'github'"):
        file_header("a.py", "Python", "github")


def test_the_aixcoder_format_defaults_to_the_official_table_and_the_other_stays_selectable():
    assert get_format("aixcoder").header_table == "aixcoder"
    assert get_format("starcoder").header_table == "codecurate"
    doc = lambda: make_doc("int f(void);\n", "include/x.h", **{keys.LANGUAGE: "C"})  # noqa: E731
    official = TrainingObjectives(code_mix={"ntp": 1.0}, seed=0)
    ours = TrainingObjectives(code_mix={"ntp": 1.0}, header_table="codecurate", seed=0)
    assert official.header_table == "aixcoder" and ours.header_table == "codecurate"
    assert list(official.run(iter([doc()])))[0].text == (
        "<s>// the file path is: include/x.h\n// the code file is written by C++\nint f(void);\n</s>")
    assert list(ours.run(iter([doc()])))[0].text == (
        "<s>// the file path is: include/x.h\n// the code file is written by C\nint f(void);\n</s>")
    scss = make_doc("a { b: c; }\n", "theme.scss", **{keys.LANGUAGE: "SCSS"})
    assert list(official.run(iter([scss])))[0].text == "<s>a { b: c; }\n</s>"
    with pytest.raises(ValueError, match="unknown header table"):
        TrainingObjectives(header_table="github")
