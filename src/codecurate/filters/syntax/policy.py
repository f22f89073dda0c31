"""Which files the syntax filter judges, and how: one table, with the outside judge that measured
each checked language beside it (``benchmarks/syntax_oracle.py``; numbers in docs/syntax-agreement.md).

A language is checked when its tree-sitter grammar is the language's own grammar and a judge
(its compiler or reference parser) agrees with it on real code; C and C++ are judged by the structure
the preprocessor cannot hide (``codecurate.filters.syntax.c_structure``), the other C-family languages
with macros accounted for (``codecurate.filters.syntax.c_macros``). Formats whose grammar is no oracle are not
checked: dialects (SQL, INI, assembly), build and template languages whose files are mostly
something else (Gradle is Groovy code with a DSL, HTML is often a template), markup whose readers
accept anything (HTML, CSS, Markdown), and prose. A user can still force any language with a grammar
through ``SyntaxFilter(languages=[...])``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SyntaxPolicy:
    """How the syntax filter treats one language.

    Args:
        check: parse the file and drop it on errors.
        relax_macros: C-family: errors explained by unexpanded macros or ``#if`` branches do not count.
        structure: the file's structure decides, tree-sitter's errors do not count: C and C++
            (``codecurate.filters.syntax.c_structure``: no file cut short, literal left open, malformed
            directive, stray token or unpaired bracket in any ``#if`` configuration), C#, Swift, Kotlin
            and PowerShell (``codecurate.filters.syntax.block_structure``, the same with each language's
            comments, strings and conditionals).
        judge: the outside parser that measured agreement (``None``: not measured).
        why: why the language is skipped (the stat the filter counts), or how it is judged.
    """

    check: bool
    relax_macros: bool = False
    structure: bool = False
    judge: str | None = None
    why: str = ""


_C_FAMILY = SyntaxPolicy(True, relax_macros=True, structure=True, judge="gcc/g++ -fsyntax-only")

#: how each language is judged. The numbers beside a measured language are from
#: ``benchmarks/syntax_oracle.py`` (docs/syntax-agreement.md): judge-accepted files dropped, and
#: judge-rejected mutants kept, on up to 300 real files; goals <= 1% and <= 5%.
POLICY: dict[str, SyntaxPolicy] = {
    "Python": SyntaxPolicy(True, judge="ast.parse"),  # 0.0% dropped, 4.1% mutants kept
    "C": _C_FAMILY,  # 0.5% dropped (parse timeouts), 0.0% kept (600 files; tree-sitter alone: 12.7%)
    "C++": _C_FAMILY,  # 0.6% dropped (parse timeouts), 0.2% kept (600 files; tree-sitter alone: 11.1%)
    "Cuda": SyntaxPolicy(True, relax_macros=True, structure=True, why="C++ grammar with CUDA; macros as in C++"),
    "Objective-C": SyntaxPolicy(True, relax_macros=True, why="C grammar with Objective-C; macros as in C"),
    "Objective-C++": SyntaxPolicy(True, relax_macros=True, why="as Objective-C"),
    "GLSL": SyntaxPolicy(True, relax_macros=True, why="C-like, with the C preprocessor"),
    "Java": SyntaxPolicy(True, judge="javac's parser"),  # 0.0%, 0.0%
    # judged by their structure (codecurate.filters.syntax.block_structure, issue 30): their grammars lag the
    # language, and C# and Swift split statements across #if branches; dev / held-out package sets
    "C#": SyntaxPolicy(True, relax_macros=True, structure=True,
                       judge="mcs --parse"),  # 0.0% / 0.0% dropped, 0.0% / 0.1% kept (tree-sitter alone: 3.6% / 4.5%)
    "Kotlin": SyntaxPolicy(True, relax_macros=True, structure=True,
                           judge="Kotlin 2.4 compiler's parser"),  # 0.0% / 0.0%, 0.0% / 0.1% (alone: 5.5% / 0.7%)
    # no parser of these installs here: released files kept, mutants broken by construction caught
    "Swift": SyntaxPolicy(True, relax_macros=True, structure=True,
                          why="structure; no Swift parser installs here"),  # 0.0% / 0.0%, 0.0% (alone: 15.2% / 4.8%)
    "PowerShell": SyntaxPolicy(True, relax_macros=True, structure=True,
                               why="structure; no PowerShell parser installs here"),  # 0.0%, 0.0% (alone: 34.9%)
    "Go": SyntaxPolicy(True, judge="gofmt -e"),  # 0.0%, 2.3%
    "JavaScript": SyntaxPolicy(True, judge="node (V8), script or module"),  # 0.0%, 0.0%
    "Ruby": SyntaxPolicy(True, judge="ruby -c"),  # 0.0%, 0.0%
    "PHP": SyntaxPolicy(True, judge="php -l"),  # 0.1%, 1.7% (1000 files; issue 30)
    "Rust": SyntaxPolicy(True, judge="rustc -Zparse-crate-root-only"),  # 0.3%, 1.5%
    "Lua": SyntaxPolicy(True, judge="luac -p"),  # 0.0%, 0.0%
    "JSON": SyntaxPolicy(True, judge="json.loads"),  # 0.0%, 0.0%
    "JSON with Comments": SyntaxPolicy(True, judge="json.loads, comments and trailing commas blanked (filters.jsonc)"),
    "YAML": SyntaxPolicy(True, judge="PyYAML"),  # 0.3%, 1.2%
    "TOML": SyntaxPolicy(True, judge="tomllib"),  # 0.0%, 2.8%
    # measured and short of the goal: the grammar lags the language
    "TypeScript": SyntaxPolicy(False, judge="TypeScript's parser", why="grammar_behind"),  # 8.7% dropped
    "TSX": SyntaxPolicy(False, judge="TypeScript's parser", why="grammar_behind"),  # 25.9% dropped
    "Shell": SyntaxPolicy(False, judge="bash -n", why="dialect"),  # 3.7% dropped (sh, bash, zsh)
    # formats whose grammar is no oracle
    "SQL": SyntaxPolicy(False, why="dialect"),
    "INI": SyntaxPolicy(False, why="dialect"),
    "Assembly": SyntaxPolicy(False, why="dialect"),
    "Groovy": SyntaxPolicy(False, why="dsl"),  # Gradle build scripts
    "Makefile": SyntaxPolicy(False, why="dialect"),
    "Fortran": SyntaxPolicy(False, why="dialect"),  # fixed form (.f, .f77) is not the grammar's free form
    "CMake": SyntaxPolicy(False, why="dsl"),
    "Meson": SyntaxPolicy(False, why="dsl"),
    "Dockerfile": SyntaxPolicy(False, why="dsl"),
    "HTML": SyntaxPolicy(False, why="markup"),
    "XML": SyntaxPolicy(False, why="markup"),
    "CSS": SyntaxPolicy(False, why="markup"),
    "SCSS": SyntaxPolicy(False, why="markup"),
    "Vue": SyntaxPolicy(False, why="template"),
    "Svelte": SyntaxPolicy(False, why="template"),
    "Markdown": SyntaxPolicy(False, why="prose"),
    "reStructuredText": SyntaxPolicy(False, why="prose"),
    "TeX": SyntaxPolicy(False, why="prose"),
    "Text": SyntaxPolicy(False, why="prose"),
}
#: languages absent from ``POLICY``: checked when they have a grammar, without a measured judge
UNMEASURED = SyntaxPolicy(True, why="grammar not measured against a judge")

#: template tags of Jinja/Django/Twig/Nunjucks, EJS/ERB/ASP, Handlebars/Mustache/Go templates, PHP
_TEMPLATE_TAGS = re.compile(r"\{%-?\s*\w|(?<!\$)\{\{-?\s*[\w.$>#/!(&^]|<%[=#-]?\s|<\?php\b|\{#\s")
#: quoted strings on one line: tags inside them are values of the format (``tag = "{{version}}"``)
_QUOTED = re.compile(r'"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'')
#: languages whose files are often templates of another language (passed as ``template`` when they
#: hold template tags and do not parse)
TEMPLATE_HOSTS = frozenset({"HTML", "XML", "YAML", "JSON", "TOML", "INI", "SQL", "Shell", "CSS", "Markdown"})


def policy_for(language: str | None) -> SyntaxPolicy:
    """The policy of ``language`` (``UNMEASURED`` when the table does not name it)."""
    return POLICY.get(language or "", UNMEASURED)


def is_template(text: str, limit: int = 200_000) -> bool:
    """Whether ``text`` holds template tags (``{% ... %}``, ``{{ ... }}``, ``<% ... %>``) outside quoted
    strings (GitHub's ``${{ ... }}`` expressions are not tags): a template of a format is not a file
    of that format, and its grammar rejects it."""
    return _TEMPLATE_TAGS.search(_QUOTED.sub('""', text[:limit])) is not None
