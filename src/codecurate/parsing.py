"""tree-sitter parsing shared by the blocks: one parser per language per thread of a worker, one
parse per document, and a bound on parse time.

Blocks that need a file's syntax tree (syntax filter, code metrics, and later PII scoping, SFIM and
the dependency graph) call ``parse_document``; the last trees are kept in a small cache keyed by
document id and text, so a document parsed by one block is not parsed again by the next. The blocks
of a segment run as one chain of generators, each document passing through all of them before the
next comes, so the trees of the last ``_CACHE_SIZE`` documents are what the next block can reuse.

A block that gathers files before it needs their trees (the order stage gathers a repository, then
builds its import graph) ``hold``s the parses the block before it made, up to ``HOLD_TREES`` trees
and ``HOLD_BYTES`` bytes of source, and ``release``s them once done.

``node_query`` is the tree-sitter query the blocks search trees with: every node of a grammar whose
kind names a word (``comment``, ``string``), for the code metrics, commented-out code and PII scopes.

``parse_counts`` tells how many parses this process did (full parses of a document's text, cache
hits, and other parses: comment texts, rewritten sources), by calling module.
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.languages import LANGUAGES

#: Grammars of tree-sitter-language-pack 0.13 whose scanner can loop forever inside one call,
#: where no progress callback runs (seen here: ``cobol`` never returns on the input ``x``), or
#: crash the process on short junk (``agda``: SIGSEGV on 512 ``}`` or 257 ``\\begin{x}``). Files
#: in these languages are not parsed.
UNSAFE_GRAMMARS = frozenset({"cobol", "agda"})
#: Why a parse is refused (``ParseResult.refused``): the file is nested deeper than its grammar's
#: scanner survives (``NESTING_LIMITS``).
REFUSED_NESTING = "too_deeply_nested"
#: Grammars whose external scanner crashes the process (SIGSEGV) on input nested deep enough
#: (tree-sitter-language-pack 0.13, measured): YAML from 254 levels of block nesting, Markdown from
#: 255 nested lists or block quotes, Perl from 83 strings nested in interpolations (``"${ "${ ...``).
#: Grammar -> (how the nesting is bounded, the limit): a file beyond the limit is not parsed (the
#: parse is refused, ``too_deeply_nested``).
NESTING_LIMITS = {"yaml": ("block", 200), "markdown": ("block", 200), "perl": ("brackets", 64)}
#: a line's prefix of indentation and block-container markers (list bullets, ``>``, YAML's ``- ``,
#: ``? ``, ``: ``, ordered-list numbers): each nesting level needs one of these units at least. A unit
#: is at most 14 columns wide (9 digits, ``.``, a tab): only lines starting with a run of more than
#: limit / 14 of the bytes units are made of are measured
_BLOCK_PREFIX = re.compile(rb"(?:[ \t]|>|[-*+?:][ \t]|[0-9]{1,9}[.)][ \t])*")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"()[]{}"))
_CHUNK = 1 << 16
#: what the read callback gives once the parse is over: ``Node.text`` of a tree parsed from a
#: callback calls it again until it has the node's bytes; 64 KB copied for each identifier took 111
#: microseconds a node against 2.3, and made the Go import graph 3.4x slower
_TEXT_CHUNK = 256
_CACHE_SIZE = 32
#: bounds of the parses held beyond the cache (``hold``)
HOLD_TREES = 256
HOLD_BYTES = 16 << 20


@dataclass
class ParseResult:
    """A parse: the tree (``None`` when it timed out or was refused), the source bytes, the grammar."""

    tree: object | None
    source: bytes
    grammar: str
    timed_out: bool = False
    #: why the source was not parsed at all (``REFUSED_NESTING``); the tree is ``None``
    refused: str | None = None


def grammar_for(document: Document) -> str | None:
    """The tree-sitter grammar for a document's language, or ``None`` when there is none (or unsafe)."""
    language = LANGUAGES.get(document.metadata.get(keys.LANGUAGE) or "")
    if language is None or language.grammar is None or language.grammar in UNSAFE_GRAMMARS:
        return None
    return language.grammar


_thread = threading.local()
#: guards the tree cache, which a pass run beside the pipeline (``codecurate.recipe.observe``) shares
_lock = threading.RLock()


def get_parser(grammar: str):
    """This thread's parser for ``grammar`` (tree-sitter-language-pack), made once and reused: a
    tree-sitter parser must not parse in two threads at once."""
    parsers = getattr(_thread, "parsers", None)
    if parsers is None:
        parsers = _thread.parsers = {}
    if grammar not in parsers:
        from tree_sitter_language_pack import get_parser as pack_parser

        parsers[grammar] = pack_parser(grammar)
    return parsers[grammar]


@cache
def get_language(grammar: str):
    from tree_sitter_language_pack import get_language as pack_language

    return pack_language(grammar)


@cache
def node_query(grammar: str, words: tuple[str, ...] = ("comment",)):
    """A query capturing every named node kind of ``grammar`` whose name contains one of ``words``
    (``None`` if there is none)."""
    from tree_sitter import Query, QueryCursor

    language = get_language(grammar)
    kinds = sorted({
        language.node_kind_for_id(i) for i in range(language.node_kind_count)
        if any(word in (language.node_kind_for_id(i) or "") for word in words) and language.node_kind_is_named(i)
        and language.node_kind_is_visible(i) and not language.node_kind_for_id(i).endswith(
            ("_marker", "_start", "_end", "_content", "_fragment"))
    })
    if not kinds:
        return None
    return QueryCursor(Query(language, "[" + " ".join(f"({kind})" for kind in kinds) + "] @node"))


def parse_source(source: bytes, grammar: str, timeout_seconds: float | None = None) -> ParseResult:
    """Parse ``source``; give up (``timed_out``) once ``timeout_seconds`` have passed.

    py-tree-sitter calls the progress callback only when the source is read through a callback,
    so the bytes are handed over in chunks.
    """
    with _lock:
        _counts["fragment"] += 1
        _counts[f"fragment/{sys._getframe(1).f_globals.get('__name__', '?')}"] += 1
    return _parse(source, grammar, timeout_seconds)


def too_deeply_nested(source: bytes, how: str, limit: int) -> bool:
    """Whether ``source`` may be nested deeper than ``limit``, by an upper bound of the nesting:
    ``block``, the widest line prefix of indentation and container markers (a tab counts 4
    columns); ``brackets``, the deepest bracket nesting, brackets in strings and comments included."""
    if how == "block":
        for run in _leading_runs(limit // 14 + 1).finditer(b"\n" + source):  # fast: lines with long runs
            prefix = _BLOCK_PREFIX.match(run[1])[0]
            if len(prefix) + 3 * prefix.count(b"\t") > limit:
                return True
        return False
    brackets = source.translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    depth = 0
    for byte in brackets:
        if byte in b"([{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


@cache
def _leading_runs(length: int) -> re.Pattern:
    return re.compile(rb"\n([ \t>*+?:\-0-9.)]{%d,})" % length)


def refusal(source: bytes, grammar: str) -> str | None:
    """Why ``source`` must not be given to ``grammar``'s parser (it would crash the process), or ``None``."""
    limit = NESTING_LIMITS.get(grammar)
    if limit is not None and too_deeply_nested(source, *limit):
        return REFUSED_NESTING
    return None


def _parse(source: bytes, grammar: str, timeout_seconds: float | None) -> ParseResult:
    refused = refusal(source, grammar)
    if refused is not None:
        return ParseResult(None, source, grammar, refused=refused)
    parser = get_parser(grammar)
    if timeout_seconds is None:
        return ParseResult(parser.parse(source), source, grammar)
    deadline = time.perf_counter() + timeout_seconds
    chunk = [_CHUNK]

    def read(offset: int, _point) -> bytes:
        return source[offset : offset + chunk[0]]

    try:
        tree = parser.parse(read, progress_callback=lambda *_state: time.perf_counter() > deadline)
    except ValueError:  # py-tree-sitter raises "Parsing failed" when the callback cancels
        if time.perf_counter() <= deadline:
            raise
        tree = None
    finally:
        chunk[0] = _TEXT_CHUNK
    if tree is None or time.perf_counter() > deadline:
        parser.reset()
        return ParseResult(None, source, grammar, timed_out=True)
    return ParseResult(tree, source, grammar)


_cache: OrderedDict[tuple[str, int, int], tuple[ParseResult, float | None]] = OrderedDict()
_held: dict[tuple[str, int, int], tuple[ParseResult, float | None]] = {}
_held_bytes = 0
_counts: Counter[str] = Counter()
_documents: set[str] | None = None
_sharing = True


@contextlib.contextmanager
def separate_parses() -> Iterator[None]:
    """Within it, every ``parse_document`` call parses anew, as if each block had its own parser
    (what the shared parse is compared with)."""
    global _sharing
    before, _sharing = _sharing, False
    try:
        yield
    finally:
        _sharing = before


def _caller() -> str:
    """The module that called the public function calling this one (for ``parse_counts``)."""
    return sys._getframe(2).f_globals.get("__name__", "?")


def parse_counts() -> dict[str, int]:
    """This process's parses since ``reset_parse_counts``: ``file`` (full parses of a document's text
    by ``parse_document``), ``cached`` (``parse_document`` answered from the cache), ``fragment``
    (``parse_source`` called directly: comment texts, rewritten sources), each also per calling
    module (``file/codecurate.filters.syntax.filter``...), and ``documents``: the distinct documents parsed
    (counted only while ``reset_parse_counts(track_documents=True)`` is in force)."""
    counts = dict(_counts)
    if _documents is not None:
        counts["documents"] = len(_documents)
    return counts


def reset_parse_counts(track_documents: bool = False) -> None:
    """Zero the counts; with ``track_documents``, also count distinct documents (keeps their ids)."""
    global _documents
    _counts.clear()
    _documents = set() if track_documents else None


def _key(document: Document) -> tuple[str, int, int]:
    return document.id, len(document.text), hash(document.text)


def hold(document: Document) -> bool:
    """Keep ``document``'s cached parse, when there is one, until ``release``, beyond the cache's
    bound; nothing more is held past ``HOLD_TREES`` trees or ``HOLD_BYTES`` bytes of source.
    Returns whether it is held."""
    global _held_bytes
    key = _key(document)
    with _lock:
        entry = _cache.get(key)
        if entry is None or key in _held:
            return key in _held
        if len(_held) >= HOLD_TREES or _held_bytes + len(entry[0].source) > HOLD_BYTES:
            return False
        _held[key] = entry
        _held_bytes += len(entry[0].source)
        return True


def release(documents: list[Document] | None = None) -> None:
    """Stop holding the parses of ``documents`` (all when ``None``)."""
    global _held_bytes
    with _lock:
        for key in [_key(d) for d in documents] if documents is not None else list(_held):
            entry = _held.pop(key, None)
            if entry is not None:
                _held_bytes -= len(entry[0].source)


def parse_document(document: Document, timeout_seconds: float | None = None) -> ParseResult | None:
    """The parse of ``document`` (cached), or ``None`` when its language has no usable grammar.

    A cached parse that timed out is reused only by a caller allowing no more time than it had; a
    caller with a longer limit parses again, so a block sees the same answer as with its own parse.
    """
    grammar = grammar_for(document)
    if grammar is None:
        return None
    key = _key(document)
    with _lock:
        cached = (_cache.get(key) or _held.get(key)) if _sharing else None
        if cached is not None and cached[0].grammar == grammar:
            result, limit = cached
            if not result.timed_out or (timeout_seconds is not None and limit is not None
                                        and timeout_seconds <= limit):
                if key in _cache:
                    _cache.move_to_end(key)
                _counts["cached"] += 1
                _counts[f"cached/{_caller()}"] += 1
                return result
    result = _parse(document.text.encode("utf-8", errors="surrogatepass"), grammar, timeout_seconds)
    with _lock:
        _counts["file"] += 1
        _counts[f"file/{_caller()}"] += 1
        if _documents is not None:
            _documents.add(document.id)
        if not _sharing:
            return result
        _cache[key] = (result, timeout_seconds)
        _cache.move_to_end(key)
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
