"""Removal on request: opt-out lists, and the content ids they and the provenance name files by.

An opt-out list is a text file, one entry a line, ``KIND VALUE``; blank lines and lines starting
with ``#`` are ignored::

    repository  octo/project          # every file of the repository (its id, the REPO key)
    author      someone@example.org   # every file a commit by this author touched (git work trees)
    path        octo/project/secret/* # files whose REPO/PATH matches the glob (``*`` crosses ``/``)
    content     swh:1:cnt:94a9ed02...  # the file of these bytes: its Software Heritage id, or the
                                      # bare git blob sha1 (40 hex digits)

A file's content id is the git blob sha1 of its bytes as read, in Software Heritage's form
(``swh:1:cnt:<sha1_git>``): what ``git hash-object`` prints and what an archive resolves. Authors
are never stored: a reader that records them keeps a short (unsalted) hash of each address
(``author_id``), which is what an ``author`` entry is compared with.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys

KINDS = ("repository", "author", "path", "content")
#: the drop reason of a document an entry of ``kind`` matched
REASON_PREFIX = "opted_out_"
SWH_CONTENT = "swh:1:cnt:"
_SHA1 = re.compile(r"[0-9a-f]{40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class OptOutError(ValueError):
    """A malformed opt-out list; the message names the file and the line."""


def content_id(raw: bytes) -> str:
    """The Software Heritage content id of ``raw``: ``swh:1:cnt:`` and its git blob sha1."""
    digest = hashlib.sha1(b"blob %d\0" % len(raw))  # noqa: S324 -- git's object id, not a secret
    digest.update(raw)
    return SWH_CONTENT + digest.hexdigest()


def document_content_id(document: Document) -> str:
    """The content id a reader recorded (``CONTENT_ID``: of the bytes read), else that of the text's
    UTF-8 bytes as they are now."""
    recorded = document.metadata.get(keys.CONTENT_ID)
    if recorded:
        return recorded
    return content_id(document.text.encode("utf-8", errors="surrogatepass"))


def author_id(email: str) -> str:
    """What is kept of an author's address: 16 hex digits of the sha256 of it, trimmed, lower case."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class OptOutEntry:
    """One entry: its kind, its value as written, and its line in the list."""

    kind: str
    value: str
    line: int

    @property
    def reason(self) -> str:
        return REASON_PREFIX + self.kind

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind} {self.value}"


@dataclass
class OptOutList:
    """A parsed opt-out list (``read_opt_out``): which documents it names, by ``match``."""

    source: str
    entries: list[OptOutEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._repositories: dict[str, OptOutEntry] = {}
        self._authors: dict[str, OptOutEntry] = {}
        self._contents: dict[str, OptOutEntry] = {}
        self._paths: list[tuple[re.Pattern, OptOutEntry]] = []
        for entry in self.entries:
            if entry.kind == "repository":
                self._repositories.setdefault(entry.value, entry)
            elif entry.kind == "author":
                self._authors.setdefault(author_id(entry.value), entry)
            elif entry.kind == "content":
                sha1 = entry.value.removeprefix(SWH_CONTENT).lower()
                self._contents.setdefault(SWH_CONTENT + sha1, entry)
            else:
                self._paths.append((re.compile(fnmatch.translate(entry.value)), entry))

    @property
    def names_authors(self) -> bool:
        return bool(self._authors)

    def match(self, document: Document) -> OptOutEntry | None:
        """The first entry (in the order repository, path, author, content) naming ``document``."""
        meta = document.metadata
        repo = meta.get(keys.REPO)
        if repo is not None and repo in self._repositories:
            return self._repositories[repo]
        if self._paths:
            name = f"{repo}/{meta.get(keys.PATH)}" if repo is not None and meta.get(keys.PATH) else document.id
            for pattern, entry in self._paths:
                if pattern.match(name):
                    return entry
        if self._authors:
            for author in meta.get(keys.AUTHOR_IDS) or ():
                if author in self._authors:
                    return self._authors[author]
        if self._contents:
            return self._contents.get(document_content_id(document))
        return None

    def unmatched(self, matched_lines: set[int]) -> list[OptOutEntry]:
        """The entries whose line is not in ``matched_lines``."""
        return [entry for entry in self.entries if entry.line not in matched_lines]


def parse_opt_out(text: str, source: str = "opt-out list") -> OptOutList:
    """Parse an opt-out list; raises ``OptOutError`` naming ``source`` and the line of the first
    malformed entry (an unknown kind, no value, a value with spaces, an address or a hash that is not one)."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"\s+#.*$", "", line)  # a trailing comment
        parts = line.split()
        where = f"{source}:{number}"
        if parts[0] not in KINDS:
            raise OptOutError(
                f"{where}: unknown kind {parts[0]!r} in {raw.strip()!r}; an entry is "
                f"KIND VALUE, KIND one of {', '.join(KINDS)}"
            )
        if len(parts) != 2:
            raise OptOutError(f"{where}: {parts[0]} entry needs exactly one value (no spaces), got {raw.strip()!r}")
        kind, value = parts
        if kind == "author" and not _EMAIL.fullmatch(value):
            raise OptOutError(f"{where}: {value!r} is not an e-mail address")
        if kind == "content" and not _SHA1.fullmatch(value.removeprefix(SWH_CONTENT).lower()):
            raise OptOutError(
                f"{where}: {value!r} is not a content id (swh:1:cnt: and 40 hex digits, or a git blob sha1)"
            )
        if kind == "repository" and value.strip("/") != value:
            raise OptOutError(f"{where}: repository {value!r} starts or ends with '/'")
        entries.append(OptOutEntry(kind, value, number))
    return OptOutList(source, entries)


def read_opt_out(path: str | Path) -> OptOutList:
    """Read and parse the opt-out list at ``path`` (``OptOutError`` when it is malformed or not UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise OptOutError(f"{path}: not UTF-8 text ({error})") from None
    return parse_opt_out(text, str(path))
