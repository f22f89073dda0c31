"""Languages: file extension, file name and shebang to language, with comment syntax and grammar.

Names follow GitHub linguist as used by The Stack (``"C++"``, ``"C#"``, ``"Shell"``). ``grammar`` is
the grammar name in tree-sitter-language-pack 0.13 (``None`` where the pack has none). The table
covers the 50 largest languages of The Stack v1.2 and the config, markup and data formats that
repositories carry beside code.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    """One language: how to recognise its files, how to write a comment in it, how to parse it."""

    name: str
    extensions: tuple[str, ...]
    line_comment: str | None = None
    block_comment: tuple[str, str] | None = None
    grammar: str | None = None
    filenames: tuple[str, ...] = ()
    interpreters: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())

    def comment(self, text: str) -> str:
        """``text`` (one line) as a comment in this language, written as aiXcoder writes its file
        headers (``# text``, ``<!--text-->``); plain text when the language has no comments."""
        if self.line_comment:
            return f"{self.line_comment} {text}"
        if self.block_comment:
            return f"{self.block_comment[0]}{text}{self.block_comment[1]}"
        return text


_C = ("//", ("/*", "*/"))
_HASH = ("#", None)
_XML = (None, ("<!--", "-->"))

# name, extensions, (line comment, block comment), grammar, extra fields
_TABLE: list[tuple] = [
    ("JavaScript", (".js", ".mjs", ".cjs", ".jsx"), _C, "javascript", {"interpreters": ("node", "nodejs")}),
    ("Java", (".java",), _C, "java", {}),
    ("C", (".c", ".h"), _C, "c", {}),
    ("C++", (".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp"), _C, "cpp", {}),
    ("Python", (".py", ".pyi", ".pyw"), _HASH, "python", {"interpreters": ("python", "python2", "python3")}),
    ("PHP", (".php", ".phtml", ".php3", ".php4", ".php5"), _C, "php", {"interpreters": ("php",)}),
    ("C#", (".cs",), _C, "csharp", {"aliases": ("csharp", "c-sharp")}),
    ("Markdown", (".md", ".markdown", ".mdown", ".mkd"), _XML, "markdown", {}),
    ("TypeScript", (".ts", ".mts", ".cts"), _C, "typescript", {}),
    ("TSX", (".tsx",), _C, "tsx", {}),
    ("Go", (".go",), _C, "go", {}),
    ("HTML", (".html", ".htm", ".xhtml"), _XML, "html", {}),
    ("JSON", (".json", ".geojson", ".jsonl", ".ipynb"), (None, None), "json", {}),
    ("Ruby", (".rb", ".rake", ".gemspec"), _HASH, "ruby",
     {"filenames": ("Rakefile", "Gemfile"), "interpreters": ("ruby",)}),
    ("CSS", (".css",), (None, ("/*", "*/")), "css", {}),
    ("Rust", (".rs",), _C, "rust", {}),
    ("SQL", (".sql",), ("--", ("/*", "*/")), "sql", {}),
    ("Shell", (".sh", ".bash", ".zsh", ".ksh"), _HASH, "bash",
     {"interpreters": ("sh", "bash", "zsh", "ksh", "dash"), "aliases": ("bash", "shell script")}),
    ("Scala", (".scala", ".sc"), _C, "scala", {}),
    ("Kotlin", (".kt", ".kts"), _C, "kotlin", {}),
    ("TeX", (".tex", ".sty", ".cls"), ("%", None), "latex", {"aliases": ("latex",)}),
    ("Lua", (".lua",), ("--", ("--[[", "]]")), "lua", {"interpreters": ("lua",)}),
    ("Dart", (".dart",), _C, "dart", {}),
    ("YAML", (".yaml", ".yml"), _HASH, "yaml", {}),
    ("Perl", (".pl", ".pm", ".t"), _HASH, "perl", {"interpreters": ("perl",)}),
    ("Assembly", (".asm", ".s", ".S", ".nasm"), (";", None), "asm", {}),
    ("Haskell", (".hs", ".lhs"), ("--", ("{-", "-}")), "haskell", {"interpreters": ("runhaskell",)}),
    ("Julia", (".jl",), ("#", ("#=", "=#")), "julia", {"interpreters": ("julia",)}),
    ("Fortran", (".f", ".for", ".f77", ".f90", ".f95", ".f03", ".f08"), ("!", None), "fortran", {}),
    ("Visual Basic", (".vb", ".vbs", ".bas"), ("'", None), None, {}),
    ("PowerShell", (".ps1", ".psm1", ".psd1"), ("#", ("<#", "#>")), "powershell", {"interpreters": ("pwsh",)}),
    ("R", (".r", ".R", ".rmd"), _HASH, "r", {"interpreters": ("Rscript",)}),
    ("Objective-C", (".m",), _C, "objc", {}),
    ("Objective-C++", (".mm",), _C, "objc", {}),
    ("Makefile", (".mk", ".mak"), _HASH, "make", {"filenames": ("Makefile", "makefile", "GNUmakefile")}),
    ("Dockerfile", (".dockerfile",), _HASH, "dockerfile", {"filenames": ("Dockerfile", "Containerfile")}),
    ("Elixir", (".ex", ".exs"), _HASH, "elixir", {"interpreters": ("elixir",)}),
    ("Erlang", (".erl", ".hrl"), ("%", None), "erlang", {"interpreters": ("escript",)}),
    ("Clojure", (".clj", ".cljs", ".cljc", ".edn"), (";", None), "clojure", {}),
    ("OCaml", (".ml", ".mli"), (None, ("(*", "*)")), "ocaml", {}),
    ("F#", (".fs", ".fsi", ".fsx"), ("//", ("(*", "*)")), "fsharp", {}),
    ("Groovy", (".groovy", ".gradle", ".gvy"), _C, "groovy", {"interpreters": ("groovy",)}),
    ("Swift", (".swift",), _C, "swift", {}),
    ("Vue", (".vue",), _XML, "vue", {}),
    ("SCSS", (".scss",), _C, "scss", {}),
    ("Less", (".less",), _C, None, {}),
    ("XML", (".xml", ".xsd", ".xsl", ".xslt", ".svg", ".plist", ".csproj", ".pom"), _XML, "xml", {}),
    ("Batchfile", (".bat", ".cmd"), ("REM", None), None, {}),
    ("CMake", (".cmake",), _HASH, "cmake", {"filenames": ("CMakeLists.txt",)}),
    ("Protocol Buffer", (".proto",), _C, "proto", {}),
    ("GraphQL", (".graphql", ".gql"), _HASH, "graphql", {}),
    ("Solidity", (".sol",), _C, "solidity", {}),
    ("Zig", (".zig",), ("//", None), "zig", {}),
    ("Nim", (".nim", ".nims"), ("#", ("#[", "]#")), "nim", {}),
    ("Elm", (".elm",), ("--", ("{-", "-}")), "elm", {}),
    ("Svelte", (".svelte",), _XML, "svelte", {}),
    ("Racket", (".rkt",), (";", ("#|", "|#")), "racket", {}),
    ("Scheme", (".scm", ".ss"), (";", ("#|", "|#")), "scheme", {}),
    ("Common Lisp", (".lisp", ".lsp", ".cl"), (";", ("#|", "|#")), "commonlisp", {}),
    ("Emacs Lisp", (".el",), (";", None), "elisp", {}),
    ("Pascal", (".pas", ".pp", ".dpr"), ("//", ("{", "}")), "pascal", {}),
    ("Ada", (".adb", ".ads"), ("--", None), "ada", {}),
    ("COBOL", (".cob", ".cbl", ".cpy"), ("*>", None), "cobol", {}),
    ("Verilog", (".v", ".vh", ".sv", ".svh"), _C, "verilog", {"aliases": ("systemverilog",)}),
    ("VHDL", (".vhd", ".vhdl"), ("--", None), "vhdl", {}),
    ("Tcl", (".tcl",), _HASH, "tcl", {"interpreters": ("tclsh", "wish")}),
    ("CoffeeScript", (".coffee",), ("#", ("###", "###")), None, {}),
    ("Prolog", (".pro", ".prolog"), ("%", ("/*", "*/")), None, {}),
    ("MATLAB", (".matlab",), ("%", ("%{", "%}")), "matlab", {}),
    ("Smalltalk", (".st",), (None, ('"', '"')), None, {}),
    ("Awk", (".awk",), _HASH, None, {"interpreters": ("awk", "gawk", "mawk")}),
    ("Cuda", (".cu", ".cuh"), _C, "cuda", {}),
    ("GLSL", (".glsl", ".vert", ".frag", ".geom", ".comp"), _C, "glsl", {}),
    ("HCL", (".hcl", ".tf", ".tfvars"), ("#", ("/*", "*/")), "hcl", {"aliases": ("terraform",)}),
    ("Nix", (".nix",), ("#", ("/*", "*/")), "nix", {}),
    ("Vim Script", (".vim",), ('"', None), "vim", {"filenames": (".vimrc",), "aliases": ("vim script", "viml")}),
    ("D", (".d",), _C, "d", {}),
    ("Starlark", (".bzl", ".star"), _HASH, "starlark", {"filenames": ("BUILD", "BUILD.bazel", "WORKSPACE")}),
    ("TOML", (".toml",), _HASH, "toml", {}),
    ("INI", (".ini", ".cfg"), (";", None), "ini", {"filenames": (".editorconfig",)}),
    ("reStructuredText", (".rst", ".rest"), ("..", None), "rst", {}),
    ("Thrift", (".thrift",), _C, "thrift", {}),
    ("Agda", (".agda",), ("--", ("{-", "-}")), "agda", {}),
    ("Lean", (".lean",), ("--", ("/-", "-/")), None, {}),
    ("Mathematica", (".wl", ".wls", ".nb"), (None, ("(*", "*)")), None, {"aliases": ("wolfram language",)}),
    ("Text", (".txt", ".text"), (None, None), None,
     {"filenames": ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS", "README", "CHANGELOG")}),
]

LANGUAGES: dict[str, Language] = {}
for _name, _exts, (_line, _block), _grammar, _extra in _TABLE:
    LANGUAGES[_name] = Language(_name, _exts, _line, _block, _grammar, **_extra)

_BY_EXTENSION: dict[str, str] = {}
_BY_FILENAME: dict[str, str] = {}
_BY_INTERPRETER: dict[str, str] = {}
_BY_ALIAS: dict[str, str] = {}
for _lang in LANGUAGES.values():
    for _ext in _lang.extensions:
        # case-sensitive first (".R", ".S"), lower-case as a fallback
        _BY_EXTENSION.setdefault(_ext, _lang.name)
        _BY_EXTENSION.setdefault(_ext.lower(), _lang.name)
    for _fn in _lang.filenames:
        _BY_FILENAME[_fn] = _lang.name
    for _interp in _lang.interpreters:
        _BY_INTERPRETER[_interp] = _lang.name
    for _alias in (_lang.name, *_lang.aliases):
        _BY_ALIAS[_alias.lower()] = _lang.name

_SHEBANG = re.compile(r"^#!\s*(\S+)(?:\s+(\S+))?")
_VERSION_SUFFIX = re.compile(r"[\d.]+$")


def language_from_shebang(first_line: str) -> str | None:
    """Language named by a ``#!`` line (``#!/usr/bin/env python3`` -> ``"Python"``), or ``None``."""
    match = _SHEBANG.match(first_line)
    if not match:
        return None
    program = posixpath.basename(match.group(1))
    if program == "env" and match.group(2):
        program = match.group(2)
    name = _BY_INTERPRETER.get(program) or _BY_INTERPRETER.get(_VERSION_SUFFIX.sub("", program))
    return name


def language_for_path(path: str, first_line: str | None = None) -> str | None:
    """Language of a file from its name, then its extension, then its shebang line; ``None`` if unknown."""
    filename = posixpath.basename(path)
    if filename in _BY_FILENAME:
        return _BY_FILENAME[filename]
    _, ext = posixpath.splitext(filename)
    if ext:
        name = _BY_EXTENSION.get(ext) or _BY_EXTENSION.get(ext.lower())
        if name:
            return name
    if first_line is not None:
        return language_from_shebang(first_line)
    return None


#: Lines that only C++ (or only Objective-C) can hold, in the spirit of GitHub linguist's heuristics
#: for ``.h``: standard C++ headers, templates, classes, namespaces, access specifiers, ``std::``.
_CPP_HEADER_SIGNS = re.compile(
    r"^[ \t]*#[ \t]*include[ \t]*<(?:c(?:assert|stdint|stddef|stdio|stdlib|string|math|limits)|string|string_view"
    r"|vector|map|set|list|array|bitset|deque|queue|stack|forward_list|unordered_map|unordered_set|memory"
    r"|utility|algorithm|functional|tuple|type_traits|iterator|iostream|istream|ostream|sstream|fstream"
    r"|optional|variant|atomic|mutex|thread|chrono|limits|new|exception|stdexcept|initializer_list)>"
    r"|^[ \t]*template[ \t]*<"
    r"|^[ \t]*(?:class|struct)[ \t]+\w+[ \t]*(?:final[ \t]*)?:[ \t]*(?:public|protected|private|virtual)\b"
    r"|^[ \t]*class[ \t]+[A-Za-z_]\w*[ \t]*(?:\{|$)"
    r"|^[ \t]*(?:inline[ \t]+)?namespace(?:[ \t]+[\w:]+)?[ \t]*\{"
    r"|^[ \t]*using[ \t]+(?:namespace[ \t]+)?[\w:]+[ \t]*[;=]"
    r"|^[ \t]*(?:public|protected|private)[ \t]*:[ \t]*$"
    r"|^[ \t]*(?:constexpr|virtual|explicit|friend|static_assert)\b[^;{}]*[;{(][ \t]*$"
    r"|\bstd::[a-z_]+\b[^;]*;",
    re.MULTILINE,
)
#: comments are removed before the signs are looked for: prose in them says "class" and "explicit"
_C_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_OBJC_HEADER_SIGNS = re.compile(r"^[ \t]*(?:@(?:interface|protocol|end|class|property)\b|#[ \t]*import[ \t]*[<\"])",
                                re.MULTILINE)
#: how much of a header is read to classify it
_HEADER_SCAN_CHARS = 100_000


def header_language(text: str) -> str:
    """``"Objective-C"``, ``"C++"`` or ``"C"`` for the text of a ``.h`` file, read from its content.

    A ``.h`` file is C++ in a C++ project and C in a C one; its extension says nothing. Like GitHub
    linguist, content decides: Objective-C directives first, then constructs only C++ has; a header
    with neither is C (which a C++ compiler reads too).
    """
    head = _C_COMMENTS.sub(" ", text[:_HEADER_SCAN_CHARS])
    if _OBJC_HEADER_SIGNS.search(head):
        return "Objective-C"
    if _CPP_HEADER_SIGNS.search(head):
        return "C++"
    return "C"


def detect_language(path: str, text: str) -> str | None:
    """Language of a file from its name, extension and shebang, with ambiguous extensions (``.h``)
    settled by the file's content."""
    language = language_for_path(path, text[:200].split("\n", 1)[0])
    if language == "C" and posixpath.splitext(path)[1].lower() == ".h":
        return header_language(text)
    return language


def normalize_language(name: str | None) -> str | None:
    """Map a language name from another source (The Stack's ``lang``, linguist aliases) to ours."""
    if not name:
        return None
    return _BY_ALIAS.get(name.strip().lower())


def get_language(name: str) -> Language:
    """The :class:`Language` called ``name`` (any known alias); ``KeyError`` naming the choices otherwise."""
    canonical = normalize_language(name)
    if canonical is None:
        raise KeyError(f"unknown language {name!r}; known: {', '.join(sorted(LANGUAGES))}")
    return LANGUAGES[canonical]
