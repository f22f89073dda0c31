"""tree-sitter parsing shared by the blocks: one parser per language per worker, one parse per
document, and a bound on parse time.

Blocks that need a file's syntax tree (syntax filter, code metrics, and later PII scoping, SFIM and
the dependency graph) call ``parse_document``; the last trees are kept in a small cache keyed by
document id and text, so a document parsed by one block is not parsed again by the next.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

from datatrove.data import Document

from codecurate import documents as keys
from codecurate.languages import LANGUAGES

#: Grammars of tree-sitter-language-pack 0.13 whose scanner can loop forever inside one call,
#: where no progress callback runs (seen here: ``cobol`` never returns on the input ``x``). Files
#: in these languages are not parsed.
UNSAFE_GRAMMARS = frozenset({"cobol"})
_CHUNK = 1 << 16
_CACHE_SIZE = 32


@dataclass
class ParseResult:
    """A parse: the tree (``None`` when it timed out), the source bytes, and the grammar used."""

    tree: object | None
    source: bytes
    grammar: str
    timed_out: bool = False


def grammar_for(document: Document) -> str | None:
    """The tree-sitter grammar for a document's language, or ``None`` when there is none (or unsafe)."""
    language = LANGUAGES.get(document.metadata.get(keys.LANGUAGE) or "")
    if language is None or language.grammar is None or language.grammar in UNSAFE_GRAMMARS:
        return None
    return language.grammar


@cache
def get_parser(grammar: str):
    """This worker's parser for ``grammar`` (tree-sitter-language-pack), made once and reused."""
    from tree_sitter_language_pack import get_parser as pack_parser

    return pack_parser(grammar)


@cache
def get_language(grammar: str):
    from tree_sitter_language_pack import get_language as pack_language

    return pack_language(grammar)


def parse_source(source: bytes, grammar: str, timeout_seconds: float | None = None) -> ParseResult:
    """Parse ``source``; give up (``timed_out``) once ``timeout_seconds`` have passed.

    py-tree-sitter calls the progress callback only when the source is read through a callback,
    so the bytes are handed over in chunks.
    """
    parser = get_parser(grammar)
    if timeout_seconds is None:
        return ParseResult(parser.parse(source), source, grammar)
    deadline = time.perf_counter() + timeout_seconds

    def read(offset: int, _point) -> bytes:
        return source[offset : offset + _CHUNK]

    try:
        tree = parser.parse(read, progress_callback=lambda *_state: time.perf_counter() > deadline)
    except ValueError:  # py-tree-sitter raises "Parsing failed" when the callback cancels
        if time.perf_counter() <= deadline:
            raise
        tree = None
    if tree is None or time.perf_counter() > deadline:
        parser.reset()
        return ParseResult(None, source, grammar, timed_out=True)
    return ParseResult(tree, source, grammar)


_cache: OrderedDict[tuple[str, int, int], ParseResult] = OrderedDict()


def parse_document(document: Document, timeout_seconds: float | None = None) -> ParseResult | None:
    """The parse of ``document`` (cached), or ``None`` when its language has no usable grammar."""
    grammar = grammar_for(document)
    if grammar is None:
        return None
    key = (document.id, len(document.text), hash(document.text))
    cached = _cache.get(key)
    if cached is not None and cached.grammar == grammar:
        _cache.move_to_end(key)
        return cached
    result = parse_source(document.text.encode("utf-8", errors="surrogatepass"), grammar, timeout_seconds)
    _cache[key] = result
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result


def error_bytes(root) -> int:
    """Bytes covered by ERROR nodes, plus one per MISSING node, walking only where errors are."""
    if not root.has_error:
        return 0
    total = 0
    cursor = root.walk()
    while True:
        node = cursor.node
        descend = True
        if node.is_error:
            total += max(1, node.end_byte - node.start_byte)
            descend = False
        elif node.is_missing:
            total += 1
        elif not node.has_error:
            descend = False
        if descend and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return total
