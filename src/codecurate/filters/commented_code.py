"""Commented-out code: find comment blocks that are code, delete a seeded share of the large ones.

The aiXcoder-7B README, step 5: "Randomly deleting large sections of commented code". Here:

- **Blocks.** The file's comment nodes (tree-sitter, the shared per-document parse), each alone on
  its lines; comments on consecutive lines join one block. Trailing comments (code before them on
  the line) and documentation comments (``/**``, ``/*!``, ``///``, ``//!``, and any node kind
  with ``doc`` in its name) are never blocks; docstrings are string literals, never comments.
- **Code or prose.** The comment markers are stripped (the language's line marker, or the block
  delimiters and a leading ``*`` column), the text dedented and parsed with the file's own grammar,
  bare and, for languages whose statements live in functions, wrapped in a function body (or a
  class body, or after a ``package`` line). A block is code when one parse is clean (no ERROR or
  MISSING node, no two statements run together on one line), holds at least one code node per
  ``lines_per_code_node`` lines (a call, an assignment with ``=``, a declaration, a definition, a
  control statement, an import, a return...), and at most ``max_prose_share`` of its words are
  English function words that no language uses as keywords ("the", "we", "should"...; two at
  least): "Note: this is it" parses as Python, but is prose.
- **Deletion.** Code blocks of at least ``min_lines`` lines are large; each is deleted with
  probability ``delete_share``, drawn from a generator seeded by (seed, document id), so a rerun
  deletes the same blocks. A deleted block takes its whole lines with it.

Stats: ``comment_blocks``, ``code_blocks``, ``large_code_blocks``, ``deleted_blocks``,
``deleted_bytes`` (UTF-8); the document records its own deleted bytes in
``commented_code_removed_bytes``. Nothing is dropped: a file that does not parse keeps its text.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput, human_size
from codecurate.languages import LANGUAGES, Language
from codecurate.offsets import char_offsets
from codecurate.parsing import error_bytes, node_query, parse_document, parse_source
from codecurate.seeding import rng_for

#: Wrappers that make statements and members parse in languages that only allow declarations at
#: the top level, tried after the bare text: ``(prefix, suffix)``.
WRAPPERS: dict[str, tuple[tuple[str, str], ...]] = {
    "c": (("void __f(void) {\n", "\n}\n"), ("enum __E {\n", "\n};\n")),
    "cpp": (("void __f() {\n", "\n}\n"), ("class __C {\n", "\n};\n"), ("enum __E {\n", "\n};\n")),
    "cuda": (("void __f() {\n", "\n}\n"), ("class __C {\n", "\n};\n")),
    "java": (("class __C { void __f() {\n", "\n}}\n"), ("class __C {\n", "\n}\n")),
    "csharp": (("class __C { void __f() {\n", "\n}}\n"), ("class __C {\n", "\n}\n")),
    "kotlin": (("fun __f() {\n", "\n}\n"), ("class __C {\n", "\n}\n")),
    "scala": (("object __O {\n", "\n}\n"),),
    "go": (("package p\nfunc __f() {\n", "\n}\n"), ("package p\n", "\n")),
    "rust": (("fn __f() {\n", "\n}\n"), ("impl __C {\n", "\n}\n")),
    "php": (("<?php\n", "\n"),),
    "javascript": (("class __C {\n", "\n}\n"), ("__x = {\n", "\n}\n")),
    "typescript": (("class __C {\n", "\n}\n"), ("__x = {\n", "\n}\n")),
    "python": (("__x = {\n", "\n}\n"),),
    "swift": (("func __f() {\n", "\n}\n"),),
    "dart": (("void __f() {\n", "\n}\n"),),
}
#: Node kinds (substrings) that are code, whatever the grammar.
_CODE_NODE = re.compile(r"call|assignment|declaration|definition|declarator|statement|import|include|"
                        r"return|function|method|lambda|subscript|argument_list|parameter_list|field_expression|"
                        r"member_expression|attribute|update_expression|preproc")
#: Wrapping nodes that hold code but are not code by themselves.
_NOT_CODE_NODE = frozenset({"expression_statement", "empty_statement", "translation_unit", "module", "program",
                            "source_file", "ERROR"})
#: English function words that no mainstream language uses as a keyword ("a" and "I" are left out:
#: one-letter names are common variables).
_PROSE_WORDS = (
    "the an we you our your they their he she his her them us that these those which who whom whose should "
    "would could will shall might must may can cannot because since though although however therefore also "
    "here there where when what why how very only just about into onto than then such so some any all most "
    "each every both either neither been being was were are am has have had having does did doing done "
    "it its it's there's let's don't doesn't isn't can't won't me my mine of to at by on up down out off "
    "over under again further once more less many much own same too")
PROSE_WORDS = frozenset(_PROSE_WORDS.split())
_DOC_PREFIXES = ("/**", "/*!", "///", "//!", "#'", "--|", "-- |", "(**")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


@dataclass
class CommentBlock:
    """Comment nodes on consecutive lines: byte range of its whole lines, the nodes' own ranges."""

    start: int
    end: int
    nodes: list[tuple[int, int]]
    lines: int


def comment_blocks(source: bytes, tree, grammar: str) -> list[CommentBlock]:
    """The comment blocks of a parsed file (module docstring): line-alone, non-doc comments on
    consecutive lines joined; ``start``/``end`` cover whole lines, line end included."""
    cursor = node_query(grammar)
    if cursor is None:
        return []
    nodes = sorted({(n.start_byte, n.end_byte, n.type) for group in cursor.captures(tree.root_node).values()
                    for n in group})
    blocks: list[CommentBlock] = []
    previous_end = -1
    for start, end, kind in nodes:
        if start < previous_end:  # a comment inside another (nested captures)
            continue
        previous_end = end
        line_start = source.rfind(b"\n", 0, start) + 1
        text = source[start:end]
        if source[line_start:start].strip() or "doc" in kind or text.lstrip().startswith(
                tuple(p.encode() for p in _DOC_PREFIXES)):
            continue
        newline = source.find(b"\n", end)
        line_end = len(source) if newline < 0 else newline + 1
        if source[end:line_end].strip():  # code after a block comment on its last line
            continue
        lines = source.count(b"\n", start, end) + 1
        last = blocks[-1] if blocks else None
        if last is not None and last.end == line_start:
            last.end, last.lines = line_end, last.lines + lines
            last.nodes.append((start, end))
        else:
            blocks.append(CommentBlock(line_start, line_end, [(start, end)], lines))
    return blocks


def uncomment(text: str, language: Language) -> str:
    """The text of one comment node without its markers (block delimiters, a leading ``*`` column,
    or the line marker of each line)."""
    opening, closing = language.block_comment or (None, None)
    if opening and text.startswith(opening) and text.endswith(closing):
        lines = text[len(opening) : len(text) - len(closing)].split("\n")
        body = [line for line in lines[1:] if line.strip()]
        if body and all(line.lstrip().startswith("*") for line in body):
            lines = [lines[0]] + [re.sub(r"^\s*\*", "", line, count=1) for line in lines[1:]]
        return "\n".join(lines)
    marker = language.line_comment
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        if marker and stripped.startswith(marker):
            stripped = stripped[len(marker) :]
        out.append(stripped)
    return "\n".join(out)


def block_text(source: bytes, block: CommentBlock, language: Language) -> str:
    """The uncommented, dedented text of a block."""
    parts = [uncomment(source[s:e].decode("utf-8", errors="replace"), language) for s, e in block.nodes]
    return textwrap.dedent("\n".join(parts)).strip("\n")


def prose_share(text: str) -> float:
    """Share of the words of ``text`` that are English function words (``PROSE_WORDS``); 0 with
    fewer than two of them (``sum(a, axis=-1)`` holds "a")."""
    words = [w.lower() for w in _WORD.findall(text)]
    prose = sum(w in PROSE_WORDS for w in words)
    return prose / len(words) if prose >= 2 else 0.0


def statements_run_together(root, source: bytes) -> bool:
    """Whether two top-level statements share a line with no ``;`` between them: grammars recover
    from ``import compatibility functions and utilities`` without an ERROR node."""
    children = root.named_children
    for before, after in zip(children, children[1:]):
        if before.end_point[0] == after.start_point[0] and not source[before.start_byte : after.start_byte].rstrip(
                ).endswith(b";") and b";" not in source[before.end_byte : after.start_byte]:
            return True
    return False


def _is_code_node(node) -> bool:
    if node.type in ("assignment", "enumerator"):  # "Note: this" annotates, "Foo," enumerates: "=" needed
        return any(child.type == "=" for child in node.children)
    if node.type == "pair":  # an entry of a commented-out mapping, with a string key
        key = node.child_by_field_name("key")
        return key is not None and "string" in key.type
    return node.type not in _NOT_CODE_NODE and bool(_CODE_NODE.search(node.type))


def code_nodes(root, start: int, end: int) -> int:
    """Named nodes inside bytes ``[start, end)`` whose kind is code (``_CODE_NODE``)."""
    count = 0
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.end_byte > start and node.start_byte < end:
            if node.is_named and node.start_byte >= start and _is_code_node(node):
                count += 1
            if cursor.goto_first_child():
                continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return count


def is_code(text: str, grammar: str, lines_per_code_node: float = 3.0, max_prose_share: float = 0.15,
            timeout_seconds: float = 0.5) -> bool:
    """Whether a comment's text (markers stripped) is code in ``grammar`` (module docstring)."""
    if not text.strip() or prose_share(text) > max_prose_share:
        return False
    lines = text.count("\n") + 1
    for prefix, suffix in (("", ""), *WRAPPERS.get(grammar, ())):
        wrapped = f"{prefix}{text}{suffix}".encode("utf-8", errors="surrogatepass")
        result = parse_source(wrapped, grammar, timeout_seconds)
        if result.tree is None or error_bytes(result.tree.root_node) or not prefix and statements_run_together(
                result.tree.root_node, wrapped):
            continue
        begin = len(prefix.encode())
        return code_nodes(result.tree.root_node, begin, begin + len(text.encode()) + 1) * lines_per_code_node >= lines
    return False


@register("commented_code")
class CommentedCodeCleaner(CodecurateFilter):
    """Delete a seeded share of the large commented-out code blocks of each file (module docstring).

    Args:
        delete_share: probability that a large code block is deleted (0.5).
        min_lines: lines a code block needs to be large (5).
        lines_per_code_node: a block is code only with one code node per this many lines (3).
        max_prose_share: a block whose words are more than this share English function words is prose (0.15).
        timeout_seconds: parse time limit for the file and for each comment.
        seed: the recipe seed unless given.
    """

    rewrites_text = True

    name = "commented_code"

    def __init__(
        self,
        delete_share: float = 0.5,
        min_lines: int = 5,
        lines_per_code_node: float = 3.0,
        max_prose_share: float = 0.15,
        timeout_seconds: float = 1.0,
        seed: int = 0,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        if not 0 <= delete_share <= 1:
            raise ValueError(f"delete_share must be in [0, 1], got {delete_share}")
        if min_lines < 1:
            raise ValueError(f"min_lines must be >= 1, got {min_lines}")
        if lines_per_code_node <= 0 or not 0 <= max_prose_share <= 1 or timeout_seconds <= 0:
            raise ValueError("lines_per_code_node and timeout_seconds must be > 0, max_prose_share in [0, 1]")
        self.delete_share, self.min_lines = delete_share, min_lines
        self.lines_per_code_node, self.max_prose_share = lines_per_code_node, max_prose_share
        self.timeout_seconds, self.seed = timeout_seconds, seed

    #: the stage's counters the report and the summary show, in their order
    REPORTED = ("comment_blocks", "large_blocks", "large_code_blocks", "deleted_blocks", "deleted_bytes")

    @classmethod
    def _described(cls, counts: dict, grouped: bool = True) -> str:
        n = {k: f"{counts[k]:,}" if grouped else str(counts[k]) for k in cls.REPORTED[:4]}
        return (f"{n['comment_blocks']} comment blocks, {n['large_blocks']} large, {n['large_code_blocks']} of them "
                f"code, {n['deleted_blocks']} deleted ({human_size(counts['deleted_bytes'])})")

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """The blocks found and deleted (``codecurate.core.report_sections``)."""
        counters = stage["counters"]
        if "comment_blocks" not in counters:
            return [Section("Commented-out code", empty="(no stage)")]
        counts = {k: counters.get(k, 0) for k in cls.REPORTED}
        return [Section("Commented-out code", [f"- {stage['stage']}: {cls._described(counts)}"],
                        {"commented_code": counts}, per_stage=True, empty="(no stage)")]

    @classmethod
    def summary_lines(cls, stage: dict, brief: bool) -> list[str]:
        counters = stage["counters"]
        if brief or "comment_blocks" not in counters:
            return []
        counts = {k: counters.get(k, 0) for k in cls.REPORTED}
        return [f"commented-out code: {cls._described(counts, grouped=False)}"]

    def filter(self, document: Document) -> bool:
        document.metadata[keys.COMMENTED_CODE_REMOVED_BYTES] = 0
        language = LANGUAGES.get(document.metadata.get(keys.LANGUAGE) or "")
        result = parse_document(document, self.timeout_seconds) if language is not None else None
        if result is None or result.tree is None:
            return True
        blocks = comment_blocks(result.source, result.tree, result.grammar)
        self.stat_update("comment_blocks", value=len(blocks))
        rng = rng_for(self.seed, "commented_code", document.id)
        deleted = []
        for block in blocks:
            # only a large block can be deleted, so only a large one is judged (a parse each): most
            # comments are a line or two (3,099 blocks of 427 Python files: 17 code, 1 large)
            if block.lines < self.min_lines:
                continue
            self.stat_update("large_blocks")
            if not is_code(block_text(result.source, block, language), result.grammar, self.lines_per_code_node,
                           self.max_prose_share, self.timeout_seconds):
                continue
            self.stat_update("large_code_blocks")
            if rng.random() < self.delete_share:
                deleted.append((block.start, block.end))
        if deleted:
            removed = sum(end - start for start, end in deleted)
            offsets = char_offsets(result.source, document.text, [o for span in deleted for o in span])
            text, parts, last = document.text, [], 0
            for start, end in zip(offsets[::2], offsets[1::2]):
                parts.append(text[last:start])
                last = end
            parts.append(text[last:])
            document.text = "".join(parts)
            document.metadata[keys.COMMENTED_CODE_REMOVED_BYTES] = removed
            self.stat_update("deleted_blocks", value=len(deleted))
            self.stat_update("deleted_bytes", value=removed)
        return True
