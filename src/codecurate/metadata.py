"""Metadata keys every codecurate block reads and writes, and small helpers around them.

A document is a datatrove ``Document``: one source file or one natural-language article. Its
``metadata`` dict carries the keys below; blocks use these constants, never ad-hoc strings, so a
reader written today and a filter written next year agree on what a key means.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from datatrove.data import Document

# --- where the document comes from -------------------------------------------------------------
#: Repository identifier, e.g. ``"owner/name"`` for a GitHub repository or the project name of an
#: installed Python distribution. Files of one repository share it.
REPO = "repo"
#: Path of the file inside its repository, ``/``-separated, no leading slash.
PATH = "path"
#: Name of the reader that produced the document (``repositories``, ``the_stack``, ...).
SOURCE = "source"
#: ``"code"`` for a source file, ``"text"`` for a natural-language article.
KIND = "kind"
KIND_CODE = "code"
KIND_TEXT = "text"
#: Language name as in ``codecurate.languages`` (linguist / The Stack naming), or ``None``.
LANGUAGE = "language"
#: Size in bytes of the raw file as found on disk or in the source table.
SIZE_BYTES = "size_bytes"
#: Set when the raw bytes were not valid UTF-8 (or UTF-16 with a BOM); the text then holds
#: U+FFFD replacement characters and the trivial-file filter drops it as undecodable.
DECODE_ERROR = "decode_error"

# --- repository metadata, the same on every file of a repository --------------------------------
#: SPDX license expression of the repository, or ``None`` when not known (yet).
LICENSE = "license"
#: Where ``LICENSE`` came from: ``"metadata"``, ``"sidecar"``, ``"classifier"``, ``"detected"``...
LICENSE_SOURCE = "license_source"
#: The license as declared by the source, verbatim (a free-text field is kept here, not in LICENSE).
LICENSE_DECLARED = "license_declared"
#: GitHub stars (or the best proxy the source has), an int or ``None``.
STARS = "stars"
#: Number of git commits of the repository, an int or ``None``.
COMMITS = "commits"
#: Version or revision of the repository (git HEAD, distribution version).
REVISION = "revision"
#: Declared URL of the repository (its home on a code host), or ``None``.
REPO_URL = "repo_url"
#: A file's Software Heritage content id, ``swh:1:cnt:<git blob sha1>`` of its bytes as read
#: (``codecurate.optout.content_id``): the provenance's and the opt-out lists' name for its content.
CONTENT_ID = "content_id"
#: Short hashes of the e-mail addresses of the authors of the commits that touched the file
#: (``codecurate.optout.author_id``; readers of git work trees with ``record_authors``): what an
#: opt-out list's ``author`` entries are compared with. Addresses themselves are not kept.
AUTHOR_IDS = "author_ids"

# --- set by blocks -----------------------------------------------------------------------------
#: Why a document was dropped (datatrove's own key, kept for compatibility with its tools).
FILTER_REASON = "filter_reason"
#: Id of the recipe stage that dropped the document.
EXCLUDED_BY = "excluded_by"
#: A file's own licence (``codecurate.filters.license.files``): the SPDX expression of the licence
#: notice in its head, or of the licence files of the vendored folder it sits in; absent when neither
#: names one (the repository's ``LICENSE`` applies). ``FILE_LICENSE_SOURCE`` says which: ``notice``,
#: or the folder's licence files (``third_party/foo/LICENSE``).
FILE_LICENSE = "file_license"
FILE_LICENSE_SOURCE = "file_license_source"
#: Repository quality score (``codecurate.filters.repo_quality``), the same on all its files.
QUALITY_SCORE = "quality_score"
#: On a document dropped as a duplicate: the id of the copy that was kept, and their similarity.
DUPLICATE_OF = "duplicate_of"
DUPLICATE_SIMILARITY = "duplicate_similarity"
#: On a file of a repository dropped by project-level dedup: the id of the repository kept in its place
#: (``DUPLICATE_SIMILARITY`` then holds the two repositories' share of files).
DUPLICATE_REPOSITORY_OF = "duplicate_repository_of"
#: Commented-out code cleaning (``codecurate.filters.commented_code``): UTF-8 bytes of commented-out
#: code deleted from the document.
COMMENTED_CODE_REMOVED_BYTES = "commented_code_removed_bytes"
#: Code metrics (``codecurate.filters.code_metrics``): share of non-whitespace bytes in comments,
#: and lines holding code (not blank, not only comments).
COMMENT_RATIO = "comment_ratio"
EFFECTIVE_LINES = "effective_lines"
#: Static analysis (``codecurate.filters.analysis``): defects found, their severity-weighted count per
#: thousand lines, ``{"analyzer:rule": count}``, and why a file could not be analyzed (or crashed it).
ANALYSIS_DEFECTS = "analysis_defects"
ANALYSIS_DEFECTS_PER_KLOC = "analysis_weighted_defects_per_kloc"
ANALYSIS_RULES = "analysis_rules"
ANALYSIS_ERROR = "analysis_error"
#: PII findings replaced in the document, per type (``codecurate.pii``).
PII_COUNTS = "pii_counts"
#: Repository file order (``codecurate.samplers.repository_order``): the strategy drawn for the repository
#: and the file's position in it.
ORDER_STRATEGY = "order_strategy"
ORDER_POSITION = "order_position"
#: Training objective of the formatted document (``codecurate.fim``): ``sfim``, ``fim`` or ``ntp``;
#: the layout (``psm``, ``spm``, ``ntp``); the middle as ``[start, end]`` character offsets into
#: the unformatted header + text; the SFIM node kind; why the code file cannot serve SFIM.
OBJECTIVE = "objective"
FIM_MODE = "fim_mode"
FIM_MIDDLE = "fim_middle"
SFIM_NODE = "sfim_node"
SFIM_FALLBACK = "sfim_fallback"
#: Benchmark items a document matched (``codecurate.filters.decontamination``): benchmark, item,
#: kind of match (``substring`` or ``ngram``), matched n-grams.
DECONTAMINATION_MATCH = "decontamination_match"
#: The listed sensitive word an excluded document contained.
SENSITIVE_MATCH = "sensitive_match"
#: Where a filter's reason shows in a dropped document, for a person to see (the report page): a small
#: dict, e.g. ``{"line": 12, "chars": 1345}`` (a line over the length limit), ``{"line": 3, "column":
#: 9}`` (a parse error), ``{"findings": [{"rule", "line", "message"}, ...]}`` (an analyzer's, capped).
EVIDENCE = "evidence"
#: On a file ordered by its repository's import graph: the paths of the repository's files it imports
#: (the edges the order followed; ``codecurate.samplers.repository_order``), capped at ``ORDER_IMPORTS_SHOWN``.
ORDER_IMPORTS = "order_imports"
ORDER_IMPORTS_SHOWN = 32

#: Keys that describe a repository rather than one of its files.
REPOSITORY_KEYS = (REPO, LICENSE, LICENSE_SOURCE, LICENSE_DECLARED, STARS, COMMITS, REVISION, REPO_URL)


def document_id(repo: str, path: str) -> str:
    """Stable id of a file document: its repository and path, so reruns give the same ids."""
    return f"{repo}/{path}"


def text_bytes(document: Document) -> int:
    """Size of the document's text in UTF-8 bytes (what the stage summaries count)."""
    text = document.text
    if text.isascii():  # a flag of the string, read without scanning it: most code is ASCII
        return len(text)
    return len(text.encode("utf-8", errors="surrogatepass"))


def describe(document: Document) -> str:
    """Short human-readable name of a document for error messages and logs."""
    meta = document.metadata
    if meta.get(REPO) and meta.get(PATH):
        return f"{meta[REPO]}:{meta[PATH]} (id {document.id})"
    return f"document {document.id}"


def repository_groups(documents: Iterable[Document]) -> Iterator[tuple[str | None, list[Document]]]:
    """``(repository id, its files)`` for each run of consecutive documents of one repository.

    A document without a repository (an article) is a group of its own with id ``None``. Raises
    ``ValueError`` when a repository's files are not contiguous (its id comes back after another
    repository): put ``group_by_repository`` before the block.
    """
    seen: set[str] = set()
    current: str | None = None
    group: list[Document] = []
    for document in documents:
        repo = document.metadata.get(REPO)
        if repo is None:
            if group:
                yield current, group
                group, current = [], None
            yield None, [document]
            continue
        if repo != current:
            if group:
                yield current, group
            if repo in seen:
                raise ValueError(
                    f"files of repository {repo!r} are not contiguous (seen again at {document.id}); "
                    "put the group_by_repository stage before this block"
                )
            seen.add(repo)
            current, group = repo, []
        group.append(document)
    if group:
        yield current, group
