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
    ("Python", (".py", ".pyi", ".pyw", ".pyx", ".pxd", ".pxi"), _HASH, "python",
     {"filenames": ("SConstruct", "SConscript", "wscript"), "interpreters": ("python", "python2", "python3")}),
    ("PHP", (".php", ".phtml", ".php3", ".php4", ".php5"), _C, "php", {"interpreters": ("php",)}),
    ("C#", (".cs",), _C, "csharp", {"aliases": ("csharp", "c-sharp")}),
    ("Markdown", (".md", ".markdown", ".mdown", ".mkd"), _XML, "markdown", {}),
    ("TypeScript", (".ts", ".mts", ".cts"), _C, "typescript", {}),
    ("TSX", (".tsx",), _C, "tsx", {}),
    ("Go", (".go",), _C, "go", {}),
    ("HTML", (".html", ".htm", ".xhtml"), _XML, "html", {}),
    ("JSON", (".json", ".geojson", ".jsonl", ".ipynb"), (None, None), "json", {}),
    # JSON that its readers allow comments and trailing commas in (GitHub linguist's name); more
    # file names in ``_JSONC_NAMES``
    ("JSON with Comments", (".jsonc", ".code-workspace", ".code-snippets"), _C, "json",
     {"filenames": (".babelrc", ".swcrc", ".jshintrc", ".jscsrc", "tsconfig.json", "jsconfig.json",
                    ".eslintrc.json", "devcontainer.json", ".devcontainer.json", "tslint.json",
                    "api-extractor.json", "language-configuration.json"),
      "aliases": ("jsonc",)}),
    ("Ruby", (".rb", ".rake", ".gemspec", ".podspec", ".ru", ".jbuilder", ".rabl", ".thor", ".builder"), _HASH,
     "ruby", {"filenames": ("Rakefile", "rakefile", "Gemfile", "gems.rb", "Podfile", "Vagrantfile", "Brewfile",
                            "Guardfile", "Capfile", "Fastfile", "Appfile", "Matchfile", "Pluginfile",
                            "Dangerfile", "Berksfile", "Thorfile", "Puppetfile", "Steepfile", "Deliverfile",
                            "Snapfile", "Scanfile", ".pryrc", ".irbrc", ".simplecov"),
                "interpreters": ("ruby", "jruby", "rake")}),
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
    ("Makefile", (".mk", ".mak", ".make"), _HASH, "make",
     {"filenames": ("Makefile", "makefile", "GNUmakefile", "BSDmakefile", "Kbuild", "Makefile.am", "Makefile.in",
                    "Makefile.inc", "mkfile"), "interpreters": ("make", "gmake", "bmake")}),
    ("Dockerfile", (".dockerfile", ".containerfile"), _HASH, "dockerfile",
     {"filenames": ("Dockerfile", "Containerfile")}),
    ("Meson", (), _HASH, "meson", {"filenames": ("meson.build", "meson_options.txt", "meson.options")}),
    ("M4", (".m4", ".ac"), ("dnl", None), None, {"filenames": ("configure.ac", "configure.in", "aclocal.m4")}),
    ("QMake", (".pri", ".prf"), _HASH, None, {}),
    ("Yacc", (".y", ".yy", ".yacc"), _C, None, {}),
    ("Lex", (".l", ".ll", ".lex"), _C, None, {}),
    ("RBS", (".rbs",), _HASH, None, {}),
    ("jq", (".jq",), _HASH, None, {}),
    ("ProGuard", (), _HASH, None,
     {"filenames": ("proguard-rules.pro", "consumer-rules.pro", "proguard.cfg", "proguard-project.txt")}),
    ("Elixir", (".ex", ".exs"), _HASH, "elixir", {"interpreters": ("elixir",)}),
    ("Erlang", (".erl", ".hrl"), ("%", None), "erlang", {"interpreters": ("escript",)}),
    ("Clojure", (".clj", ".cljs", ".cljc", ".edn"), (";", None), "clojure", {}),
    ("OCaml", (".ml", ".mli"), (None, ("(*", "*)")), "ocaml", {}),
    ("F#", (".fs", ".fsi", ".fsx"), ("//", ("(*", "*)")), "fsharp", {}),
    ("Groovy", (".groovy", ".gradle", ".gvy"), _C, "groovy",
     {"filenames": ("Jenkinsfile",), "interpreters": ("groovy",)}),
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
    ("Starlark", (".bzl", ".star", ".bazel"), _HASH, "starlark",
     {"filenames": ("BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "MODULE.bazel", "BUCK", "Tiltfile")}),
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


#: File names an ecosystem gives by convention, beyond the table's exact names: a prefix or a
#: pattern (``Dockerfile.alpine``, ``Makefile.win``, ``tsconfig.build.json``, ``.vscode/settings.json``)
_NAME_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"(?:^|/)(?:Dockerfile|Containerfile)[.-][^/]+$|\.Dockerfile$"), "Dockerfile"),
    (re.compile(r"(?:^|/)(?:GNU)?[Mm]akefile[.-][^/]+$"), "Makefile"),
    (re.compile(r"(?:^|/)Jenkinsfile[.-][^/]+$"), "Groovy"),
    (re.compile(r"(?:^|/)(?:Gemfile|Podfile|Vagrantfile|Rakefile|Fastfile)[.-](?!lock$)[^/]+$"), "Ruby"),
    (re.compile(r"(?:^|/)(?:tsconfig|jsconfig)(?:[.-][^/]*)?\.json$|(?:^|/)\.(?:vscode|devcontainer)/[^/]+\.json$"
                r"|(?:^|/)\.eslintrc\.json$"), "JSON with Comments"),
)
#: Template suffixes of build systems (autoconf's ``config.h.in``, CMake's ``version.py.cmake.in``):
#: the file is the language of the name it is a template for.
_TEMPLATE_SUFFIXES = (".in", ".cmakein")


def language_for_path(path: str, first_line: str | None = None) -> str | None:
    """Language of a file from its name (exact, then by convention), then its extension, then its shebang
    line; ``None`` if unknown. A template named for the file it makes (``config.h.in``) is that file's
    language."""
    filename = posixpath.basename(path)
    if filename in _BY_FILENAME:
        return _BY_FILENAME[filename]
    for pattern, name in _NAME_PATTERNS:
        if pattern.search(path):
            return name
    stem, ext = posixpath.splitext(filename)
    if ext:
        name = _BY_EXTENSION.get(ext) or _BY_EXTENSION.get(ext.lower())
        if name:
            return name
        if ext in _TEMPLATE_SUFFIXES and stem and not stem.startswith("."):
            inner = language_for_path(posixpath.join(posixpath.dirname(path), stem))
            if inner is not None:
                return inner
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


def _count(pattern: re.Pattern, text: str) -> int:
    return sum(1 for _ in pattern.finditer(text))


_PROGUARD_SIGNS = re.compile(r"^[ \t]*-(?:keep\w*|dontwarn|dontnote|dontobfuscate|dontoptimize|dontshrink"
                             r"|assumenosideeffects|optimizations|optimizationpasses|repackageclasses|renamesourcefileattribute"
                             r"|allowaccessmodification|printmapping|injars|outjars|libraryjars|verbose|ignorewarnings"
                             r"|adaptclassstrings|overloadaggressively|flattenpackagehierarchy|include|applymapping)\b"
                             r"|^[ \t]*#.*\b(?:[Pp]ro[Gg]uard|R8)\b", re.MULTILINE)
_QMAKE_SIGNS = re.compile(
    r"^[ \t]*(?:[\w.]+:)?(?:QT|CONFIG|TEMPLATE|TARGET|SOURCES|HEADERS|FORMS|INCLUDEPATH|DEPENDPATH|LIBS|DEFINES"
    r"|SUBDIRS|RESOURCES|DESTDIR|OBJECTS_DIR|MOC_DIR|QMAKE_\w+|VERSION|OTHER_FILES|DISTFILES|TRANSLATIONS"
    r"|INSTALLS|RC_FILE|PRE_TARGETDEPS)[ \t]*[-+*~]?="
    r"|^[ \t]*(?:include|contains|CONFIG|isEmpty|exists|win32|unix|macx)[ \t]*[({:]", re.MULTILINE)
_PROLOG_SIGNS = re.compile(
    r"^[ \t]*:-[ \t]*\w|^[a-z]\w*(?:\([^\n]*\))?[ \t]*(?::-|-->)|^[a-z]\w*\([^\n]*\)[ \t]*\.[ \t]*$", re.MULTILINE)
#: ``.inc``: an include of PHP, C/C++, Pascal, assembly, Makefile or shell, by its content
_PHP_SIGN = re.compile(r"<\?(?:php\b|=|\s)")
#: a line that does not end as a C statement or initializer does (``;``, ``,``, ``{``)
_NOT_C_END = r"(?![^\n]*[;,{][ \t]*(?://[^\n]*)?$)"
_INC_SIGNS: dict[str, re.Pattern] = {
    "C": re.compile(
        r"^[ \t]*#[ \t]*(?:include|define|undef|ifn?def|if|elif|endif|pragma|line)\b"
        r"|^(?![^\n]*:=)[^\n#]*[^\s#][ \t]*[;{},][ \t]*(?://[^\n]*|/\*[^\n]*)?$"
        r"|^[ \t]*(?:case\b[^\n]*|default[ \t]*):|^[ \t]*(?://|/\*|\*/|\* )"
        r"|^[A-Z_][A-Z0-9_]*\([^\n]*\)[ \t]*$", re.MULTILINE),
    "Pascal": re.compile(
        r"\{\$\w+|^[ \t]*(?:procedure|function|constructor|destructor)[ \t]+[\w.]+[^\n]*;"
        r"|^[ \t]*(?:begin|end[;.]?|var|uses|unit|interface|implementation)[ \t]*$|:=", re.MULTILINE | re.IGNORECASE),
    "Assembly": re.compile(
        r"^[ \t]*(?:%(?:macro|define|endmacro|ifdef|ifndef|include|assign|if|endif)\b"
        r"|\.(?:equ|set|macro|endm|globl|global|section|byte|word|long|quad|align)\b"
        r"|(?:section|extern|global|mov[a-z]*|push|pop|call|ret|jmp|db|dw|dd|dq|equ)\b)", re.MULTILINE | re.IGNORECASE),
    "Makefile": re.compile(
        r"^" + _NOT_C_END + r"(?:[A-Za-z_][\w.-]*[ \t]*[:+?!]?=[^\n]*"
        r"|[\w.$()/%-]+(?:[ \t]+[\w.$()/%-]+)*[ \t]*::?(?![=:])[^\n]*"
        r"|\t[^\n]*\$[({][^\n]*|-?include[ \t][^\n]*|(?:ifn?eq|ifn?def|endif|else|define|endef)\b[^\n]*)$",
        re.MULTILINE),
    "Shell": re.compile(
        r"^" + _NOT_C_END + r"[ \t]*(?:(?:export[ \t]+)?[A-Za-z_]\w*=(?:\S|$)"
        r"|(?:then|fi|elif|done|esac|local|echo|source|\.)\b|(?:if|while|until)[ \t]+(?:\[|test\b|!)"
        r"|for[ \t]+\w+[ \t]+in\b|case[ \t]+\S+[ \t]+in\b|[A-Za-z_]\w*[ \t]*\([ \t]*\)[ \t]*\{?[ \t]*$)", re.MULTILINE),
}
#: how much of a file is read to settle its language from content
_CONTENT_SCAN_CHARS = 50_000


def pro_language(text: str) -> str | None:
    """``"ProGuard"``, ``"QMake"`` or ``"Prolog"`` for a ``.pro`` file, from its content; ``None``
    when none of them shows (GitHub linguist settles ``.pro`` by content too)."""
    head = text[:_CONTENT_SCAN_CHARS]
    scores = {"ProGuard": _count(_PROGUARD_SIGNS, head), "QMake": _count(_QMAKE_SIGNS, head),
              "Prolog": _count(_PROLOG_SIGNS, head)}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


def inc_language(text: str) -> str | None:
    """Language of a ``.inc`` include from its content: PHP when it opens PHP, else the language whose
    signs (C preprocessor lines and declarations, Pascal's keywords and ``{$`` directives, assembler
    directives, make assignments and rules, shell statements) take the most lines, at least two and
    a fifth of its non-blank lines; ``None`` when no language does."""
    head = text[:_CONTENT_SCAN_CHARS]
    if _PHP_SIGN.search(head):
        return "PHP"
    lines = sum(1 for line in head.split("\n") if line.strip())
    scores = {name: _count(pattern, head) for name, pattern in _INC_SIGNS.items()}
    best = max(scores, key=scores.get)
    if scores[best] < 2 or scores[best] * 5 < lines:
        return None
    if best == "C":
        return "C++" if header_language(text) == "C++" else "C"
    return best


#: extensions several languages share, settled by the file's content
_BY_CONTENT = {".pro": pro_language, ".inc": inc_language}


def detect_language(path: str, text: str) -> str | None:
    """Language of a file from its name, extension and shebang, with ambiguous extensions (``.h``,
    ``.pro``, ``.inc``) settled by the file's content."""
    filename = posixpath.basename(path)
    ext = posixpath.splitext(filename)[1].lower()
    if ext in _BY_CONTENT and filename not in _BY_FILENAME:
        return _BY_CONTENT[ext](text) or language_from_shebang(text[:200].split("\n", 1)[0])
    language = language_for_path(path, text[:200].split("\n", 1)[0])
    if language == "C" and ext == ".h":
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
