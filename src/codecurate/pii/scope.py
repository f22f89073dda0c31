"""What the ``code`` scope of PII redaction scans in a file, per language.

Secrets sit where a file holds free text: comments, string literals of every kind, heredocs,
unquoted shell words, ``#define`` values. Prose, markup, configuration and data formats hold free
text everywhere (a Markdown body, an INI value, a SQL dump's rows, a YAML scalar), so they are
scanned whole, as is a file whose language has no grammar or whose grammar has no node for string
literals. Only program source is narrowed to its comments and literals.
"""

from __future__ import annotations

import threading

from datatrove.data import Document

from codecurate.offsets import char_offsets, merge_spans

#: Node kinds whose names contain one of these words are scanned (``comment``, ``string_literal``,
#: ``raw_string``, ``heredoc_body``...), except markers, delimiters and the inner parts of a node.
SCOPE_WORDS = ("comment", "string", "heredoc", "nowdoc")
_PARTS = ("_marker", "_start", "_end", "_content", "_fragment", "_delimiter", "_beginning")

#: Languages scanned whole: prose, markup, configuration, data and build formats, whose values and
#: text are not (all) string literals.
WHOLE_FILE_LANGUAGES = frozenset({
    "Markdown", "reStructuredText", "Text", "TeX", "HTML", "XML", "Vue", "Svelte",
    "JSON", "JSON with Comments", "YAML", "TOML", "INI", "Dotenv", "SQL", "CSV", "GraphQL", "Protocol Buffer", "Thrift",
    "Dockerfile", "Makefile", "CMake", "HCL", "Nix", "Batchfile", "Tcl", "CSS", "SCSS", "Less",
})

#: Further node kinds that hold free text in a grammar (exact names): values of ``#define``, a shell
#: command's unquoted words, text outside ``<?php``, JSX text, Haskell quasi-quotes...
EXTRA_SCOPE_KINDS: dict[str, tuple[str, ...]] = {
    "c": ("preproc_arg",), "cpp": ("preproc_arg",), "cuda": ("preproc_arg",), "objc": ("preproc_arg",),
    "glsl": ("preproc_arg",), "csharp": ("preproc_arg",), "fortran": ("preproc_arg",),
    "bash": ("word",), "php": ("text",), "javascript": ("jsx_text",), "typescript": ("jsx_text",),
    "tsx": ("jsx_text",), "perl": ("quoted_word_list",), "haskell": ("quasiquote_body",),
    "julia": ("command_literal", "prefixed_command_literal"), "pascal": ("literalString",),
    "elixir": ("charlist", "sigil"), "powershell": ("generic_token",),
}

_queries: dict[str, object | None] = {}
_lock = threading.Lock()


def scope_kinds(grammar: str) -> list[str]:
    """The named node kinds of ``grammar`` that the ``code`` scope scans; empty when the grammar has
    no kind for string literals (the file is then scanned whole)."""
    from codecurate.parsing import get_language

    language = get_language(grammar)
    names = [language.node_kind_for_id(i) or "" for i in range(language.node_kind_count)
             if language.node_kind_is_named(i) and language.node_kind_is_visible(i)]
    extra = set(EXTRA_SCOPE_KINDS.get(grammar, ())) & set(names)
    kinds = {n for n in names if any(w in n.lower() for w in SCOPE_WORDS) and not n.endswith(_PARTS)} | extra
    literals = extra or {k for k in kinds if "comment" not in k.lower()}
    return sorted(kinds) if literals else []


def _query(grammar: str):
    """The compiled query capturing ``scope_kinds(grammar)`` (``None`` when there are none), once per grammar."""
    with _lock:
        if grammar not in _queries:
            from tree_sitter import Query

            from codecurate.parsing import get_language

            kinds = scope_kinds(grammar)
            _queries[grammar] = Query(get_language(grammar), "[" + " ".join(f"({k})" for k in kinds) + "] @node") \
                if kinds else None
        return _queries[grammar]


def scans_whole(language: str | None) -> bool:
    """Whether a file of ``language`` is scanned whole under the ``code`` scope (before parsing)."""
    return not language or language in WHOLE_FILE_LANGUAGES


def scope_ranges(document: Document, timeout_seconds: float) -> list[tuple[int, int]] | None:
    """Character ranges of ``document`` that the ``code`` scope scans (sorted, merged, joined by
    ``join_ranges``), or ``None``
    when the whole text is scanned: a prose, markup or config format, no grammar, no literal kinds
    in the grammar, or a parse that did not finish in time."""
    from tree_sitter import QueryCursor

    from codecurate import metadata as keys
    from codecurate.parsing import parse_document

    if scans_whole(document.metadata.get(keys.LANGUAGE)):
        return None
    result = parse_document(document, timeout_seconds)
    if result is None or result.tree is None:
        return None
    query = _query(result.grammar)
    if query is None:
        return None
    captures = QueryCursor(query).captures(result.tree.root_node)
    merged = merge_spans((n.start_byte, n.end_byte) for nodes in captures.values() for n in nodes)
    ends = char_offsets(result.source, document.text, [o for span in merged for o in span])
    return join_ranges(document.text, list(zip(ends[::2], ends[1::2])))


def join_ranges(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` with neighbours joined where only a concatenation operator, whitespace and at most
    one line break stand between them: literals joined into one string (``"AKIA" + "..."``,
    ``'a' . 'b'``, ``"a" "b"``) and line comments on consecutive lines, so that a secret written in
    pieces is analysed in one part (``codecurate.pii.joins``)."""
    from codecurate.pii.joins import JOIN_GAP

    joined: list[tuple[int, int]] = []
    for start, end in ranges:
        if joined and JOIN_GAP.fullmatch(text, joined[-1][1], start):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined
