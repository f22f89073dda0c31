"""File licence: a file's own licence notice, and the licence files of vendored folders.

The repository's licence (``repository_license``) says nothing of a GPL file copied into an
Apache-2.0 repository, nor of a ``third_party/foo/`` folder that ships its own ``COPYING``. This
block reads both:

- **A file's notice region**: its leading comment blocks (``codecurate.boilerplate.
  leading_comment_blocks``: the comments before the first line of code, after a shebang; Python's
  module docstring), up to ``max_chars`` characters; when they hold no notice (or no SPDX
  identifier), also the comments of the first ``head_lines`` lines (a notice after ``#pragma once``,
  ``'use strict'`` or a shell variable). Code is never read, so a string constant that names a
  licence (a licence scanner's own tables) decides nothing.
- **The prefilter**: an Aho-Corasick automaton of licence words (``NOTICE_WORDS``: SPDX, licence,
  GPL, "general public", "free software", Mozilla, "public domain", "permission is hereby
  granted"...) over each block of the region, lower case; one of the blocks it flags must also
  read as a notice (``NOTICE_SHAPE``: a copyright line, an SPDX tag or a grant such as "licensed
  under", "is free software", "governed by"), so a docstring that says "ShellCheck (GPL-3.0) reads
  sh" is a mention, not a notice. Only the blocks it flags go to ScanCode,
  joined, through ``codecurate.filters.license.cache.LicenseVerdicts`` (a header shared by a
  repository's files, copyright lines aside, is detected once), with ScanCode's exact matching only
  (``approximate: false``, the default: its hash, SPDX-identifier and exact rule matches; its
  approximate matching costs seconds per notice). When the region holds an
  ``SPDX-License-Identifier`` line, those lines alone are the notice: the identifier is the file's
  declaration (REUSE), and the licence text that often follows it (the GPL notice of a
  ``GPL-2.0 OR MIT`` file) does not turn a choice into a sum.
- **The verdict**: ScanCode's detections, leaving out those of its "Unstated License" category
  (``unknown-license-reference``: "see LICENSE", a warranty disclaimer), joined with AND. A file
  whose expression is not permissive (``codecurate.licenses.is_permissive``, the repository rule:
  ``GPL-2.0-only OR MIT`` is permissive) is dropped as ``file_license_not_permissive``, whatever
  its repository's licence; a permissive one is recorded in ``file_license``.
- **Vendored folders**: a licence file below the top (``is_license_file`` names, e.g.
  ``third_party/foo/LICENSE``, ``vendor/bar/COPYING.txt``; not the licence collections of
  ``LICENSES/`` folders, nor ``debian/copyright``: ``governed_folder``) governs the files under
  its folder, the deepest such folder winning. Its texts are detected like the repository's; a
  folder whose licence is not permissive drops its files as ``folder_license_not_permissive``; a
  permissive one is recorded in ``file_license`` (unless the file's own notice names one). A
  folder whose licence files name no licence, or that holds more than ``MAX_FOLDER_LICENSE_FILES``
  of them (licence texts as data), governs nothing.
"""

from __future__ import annotations

import posixpath
import re
from functools import cache

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting, RepositoryGroups, SharedFolder
from codecurate.core.folders import Location
from codecurate.core.registry import register
from codecurate.filters.license.repository import LICENSE_FOLDERS, is_license_file
from codecurate.licenses import is_permissive

#: Words whose presence in a comment block sends it to ScanCode (matched lower case, anywhere).
NOTICE_WORDS = (
    "spdx-license-identifier", "license", "licence", "licensing", "gpl", "general public", "free software",
    "copyleft", "mozilla", "eclipse public", "common development and distribution", "european union public",
    "public domain", "creative commons", "unlicense", "permission is hereby granted", "permission to use, copy",
    "redistribution and use", "redistributions of source", "proprietary", "confidential", "all rights reserved",
    "may not be used", "may not be copied", "terms and conditions", "open software", "artistic",
)
#: The licence of a folder whose licence files ScanCode raised on.
FAILED = "LicenseRef-codecurate-detection-failed"
#: A folder with more licence files than this holds licence texts as data (ScanCode's own
#: ``data/rules/license*.RULE``: 200 of them), not the licence of a vendored package: it governs nothing.
MAX_FOLDER_LICENSE_FILES = 4
#: What a licence notice says and a mention does not: a copyright line, an SPDX tag, a grant
#: (``licensed under``, ``is free software``, ``permission is hereby granted``, ``redistribution and
#: use``, ``governed by``, ``subject to the terms``...). "ShellCheck (GPL-3.0) reads sh" is a mention.
NOTICE_SHAPE = re.compile(
    r"spdx-license-identifier|copyright|\(c\)|©|@licen[cs]e|\blicen[cs]ed\b|under the terms|is free software"
    r"|you may not use|permission is hereby granted|permission to use|redistribution and use|redistributions of"
    r"|distributed under|released under|governed by|subject to the|all rights reserved|this file is part of"
    r"|(?:in|into|to) the public domain|^\W*licen[cs]e\s*:", re.IGNORECASE | re.MULTILINE)
#: How far into a file its head is read (characters).
MAX_HEAD_CHARS = 16_000


@cache
def _automaton():
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for word in NOTICE_WORDS:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


def flags(text: str) -> bool:
    """Whether the prefilter flags ``text``: it holds one of ``NOTICE_WORDS`` (any case)."""
    for _ in _automaton().iter(text.lower()):
        return True
    return False


def _notice(blocks: list[str]) -> list[str]:
    """The flagged blocks, when one of them reads as a notice (``NOTICE_SHAPE``; the others are
    its continuations: a warranty paragraph, an exception); none when they only name a licence."""
    flagged = [block for block in blocks if flags(block)]
    return flagged if any(NOTICE_SHAPE.search(block) for block in flagged) else []


def head_comment_blocks(text: str, language: str | None, lines: int) -> list[str]:
    """The comments of a file's first ``lines`` lines, code lines left out: runs of consecutive
    line-comment lines, and block comments (opened on a line of their own or after code)."""
    from codecurate.languages import LANGUAGES

    spec = LANGUAGES.get(language or "")
    if spec is None or not (spec.line_comment or spec.block_comment):
        return []
    line_mark, block = spec.line_comment, spec.block_comment
    blocks: list[str] = []
    current: list[str] = []
    inside = False
    for line in text[:MAX_HEAD_CHARS].split("\n")[:lines]:
        stripped = line.strip()
        if inside:
            current.append(line)
            if block[1] in stripped:
                inside = False
            continue
        if line_mark and stripped.startswith(line_mark):
            current.append(line)
            continue
        if block and block[0] in stripped:
            start = stripped.index(block[0])
            current.append(stripped[start:])
            inside = block[1] not in stripped[start + len(block[0]):]
            continue
        if current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def notice_region(text: str, language: str | None, max_chars: int = MAX_HEAD_CHARS, head_lines: int = 40) -> list[str]:
    """The comment blocks of a file's head that the prefilter flags (module docstring), in order;
    an empty list when there are none."""
    from codecurate.boilerplate import leading_comment_blocks

    region = _notice([block.text for block in leading_comment_blocks(text, language, max_chars)])
    if not region or not any("SPDX-LICENSE-IDENTIFIER" in block.upper() for block in region):
        # a notice after a first line of code (`#pragma once`, `'use strict'`, a shell variable)
        region += _notice([block for block in head_comment_blocks(text, language, head_lines)
                           if not any(block.strip() in known for known in region)])
    spdx = [line for block in region for line in block.splitlines() if "SPDX-LICENSE-IDENTIFIER" in line.upper()]
    return spdx or region


@cache
def unstated_licenses() -> frozenset[str]:
    """SPDX ids of ScanCode's "Unstated License" category (``unknown-license-reference``,
    ``warranty-disclaimer``, ``free-unknown``...): a detection of these alone names no licence."""
    from licensedcode.cache import get_licenses_db

    found = set()
    for license_ in get_licenses_db().values():
        if license_.category == "Unstated License":
            for spdx in [license_.spdx_license_key, *(license_.other_spdx_license_keys or [])]:
                if spdx:
                    found.add(spdx)
    return frozenset(found)


def _symbols(expression: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9][\w.+:-]*", expression)) - {"AND", "OR", "WITH", "and", "or", "with"}


def combine(detections) -> str | None:
    """One SPDX expression from ScanCode's detections: those naming only unstated licences left
    out, the rest joined with AND; ``None`` when nothing is left."""
    unstated = unstated_licenses()
    kept = []
    for expression in detections:
        if expression and not _symbols(expression) <= unstated and expression not in kept:
            kept.append(expression)
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return " AND ".join(f"({e})" if " " in e else e for e in kept)


def governed_folder(path: str) -> str | None:
    """The folder a licence file at ``path`` governs: its own; ``""`` (the repository's top) for a
    file at the top or in a ``*.dist-info`` or top-level ``LICENSES/`` folder; ``None`` for the
    files of a ``LICENSES/`` folder below the top (a collection of the licences files choose from
    with their SPDX lines, REUSE's layout, not one licence of the folder) and for ``debian/copyright``
    (the whole package's licences, not its folder's)."""
    parts = path.split("/")[:-1]
    if any(p.endswith(".dist-info") for p in parts):
        return ""
    if parts and parts[-1].lower() in LICENSE_FOLDERS:
        return "" if len(parts) == 1 else None
    if parts and parts[-1] == "debian" and posixpath.basename(path).lower() == "copyright":
        return None
    return "/".join(parts)


@register("file_license")
class FileLicenseFilter(RepositoryGroups, SharedFolder, Accounting, PipelineStep):
    """Drop files whose own licence notice, or whose vendored folder's licence file, is not
    permissive; record a permissive one in ``file_license``. Needs each repository's files together.

    Reasons: ``file_license_not_permissive``, ``folder_license_not_permissive``,
    ``file_license_detection_failed`` (ScanCode raised on the notice, or on the licence files of
    the file's folder: logged; the file's licence is unknown, so it is not kept). Stats:
    ``notice_flagged`` (files the prefilter sent to ScanCode), ``notice_bytes`` (what ScanCode
    read), ``license_cache/<source>``, ``folder_licenses``, ``licence_collections`` (folders of
    more than ``MAX_FOLDER_LICENSE_FILES`` licence files, judged by none).

    Args:
        max_chars: how far into a file its leading comment blocks are read (characters).
        head_lines: the first lines whose comments are read when the leading comment blocks hold no
            notice (or no SPDX identifier).
        folders: judge files under a folder with its own licence files by them.
        approximate: ScanCode's approximate matching on the notices too (seconds per distinct
            notice instead of milliseconds; licence files are always matched in full).
        extra_permissive: SPDX ids to accept on top of the shipped list.
        cache_folder: the verdict folder shared by tasks; in a recipe ``OUTPUT/work/<stage id>/verdicts``
            by default, none outside one.
    """

    type = "🔻 - FILTER"
    name = "file_license"

    def __init__(
        self,
        max_chars: int = MAX_HEAD_CHARS,
        head_lines: int = 40,
        folders: bool = True,
        approximate: bool = False,
        extra_permissive: list[str] | None = None,
        cache_folder: str | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__()
        if max_chars < 1:
            raise ValueError(f"max_chars must be >= 1, got {max_chars}")
        if head_lines < 0:
            raise ValueError(f"head_lines must be >= 0, got {head_lines}")
        self.max_chars = max_chars
        self.head_lines = head_lines
        self.folders = folders
        self.approximate = approximate
        self.extra_permissive = frozenset(extra_permissive or [])
        self.cache_folder = cache_folder
        self.exclusion_writer = exclusion_writer
        self._verdicts = {}

    def verdicts(self, approximate: bool):
        """This task's ``LicenseVerdicts`` of one matching mode."""
        if approximate not in self._verdicts:
            from codecurate.filters.license.cache import LicenseVerdicts

            folder = self.cache_folder or (str(Location(self.work_folder) / "verdicts") if self.work_folder else None)
            self._verdicts[approximate] = LicenseVerdicts(folder, approximate=approximate)
        return self._verdicts[approximate]

    def permissive(self, expression: str) -> bool:
        return is_permissive(expression, self.extra_permissive | unstated_licenses())

    def _detect(self, texts: list[str], approximate: bool) -> str | None:
        found = []
        for text in texts:
            detected, source = self.verdicts(approximate).detections(text)
            self.stat_update(f"license_cache/{source}")
            found.extend(detected)
        return combine(found)

    def file_notice(self, document: Document) -> str | None:
        """The SPDX expression of the licence notice in the file's head, or ``None``."""
        region = notice_region(document.text, document.metadata.get(keys.LANGUAGE), self.max_chars, self.head_lines)
        if not region:
            return None
        text = "\n".join(region)
        self.stat_update("notice_flagged")
        self.stat_update("notice_bytes", value=len(text))
        with self.track_time("notice"):
            return self._detect([text], self.approximate)

    def folder_licenses(self, files: list[Document]) -> list[tuple[str, str, str]]:
        """``(folder, SPDX expression, its licence files)`` of the folders below the top that hold
        licence files naming a licence, deepest first."""
        texts: dict[str, list[tuple[str, str]]] = {}
        for document in files:
            path = document.metadata.get(keys.PATH) or ""
            if document.metadata.get(keys.KIND) == keys.KIND_TEXT or not is_license_file(path, path.count("/")):
                continue
            folder = governed_folder(path)
            if folder:
                texts.setdefault(folder, []).append((path, document.text))
        found = []
        for folder, entries in texts.items():
            if len(entries) > MAX_FOLDER_LICENSE_FILES:  # licence texts as data (a scanner's rules)
                self.stat_update("licence_collections")
                continue
            names = ", ".join(sorted(p for p, _ in entries))
            try:
                with self.track_time("folder"):
                    expression = self._detect([text for _, text in entries], True)
            except ImportError:
                raise
            except Exception as error:  # licence files ScanCode cannot take: this folder's files only
                logger.warning(f"file_license: license detection failed on {names}: {type(error).__name__}: "
                               f"{error}; the files under {folder}/ are dropped")
                expression = FAILED
            if expression:
                found.append((folder, expression, names))
        self.stat_update("folder_licenses", value=len(found))
        return sorted(found, key=lambda entry: -entry[0].count("/"))

    def judge_repository(self, repo: str, files: list[Document]) -> list[str | None]:
        folders = self.folder_licenses(files) if self.folders else []
        return [self.judge(document, folders) for document in files]

    def judge(self, document: Document, folders: list[tuple[str, str, str]]) -> str | None:
        """Set the file's licence metadata; the reason to drop it, or ``None``."""
        if document.metadata.get(keys.KIND) == keys.KIND_TEXT:
            return None
        path = document.metadata.get(keys.PATH) or ""
        folder = next((entry for entry in folders if path.startswith(entry[0] + "/")), None)
        try:
            own = self.file_notice(document)
        except ImportError:
            raise
        except Exception as error:  # a notice ScanCode cannot take: this file only
            logger.warning(f"file_license: license detection failed on {keys.describe(document)}: "
                           f"{type(error).__name__}: {error}; the file is dropped")
            return "file_license_detection_failed"
        reason = None
        if folder is not None and folder[1] == FAILED:
            return "file_license_detection_failed"
        if folder is not None:
            document.metadata[keys.FILE_LICENSE] = folder[1]
            document.metadata[keys.FILE_LICENSE_SOURCE] = folder[2]
            if not self.permissive(folder[1]):
                reason = "folder_license_not_permissive"
        if own is not None:
            document.metadata[keys.FILE_LICENSE] = own
            document.metadata[keys.FILE_LICENSE_SOURCE] = "notice"
            if not self.permissive(own):
                reason = "file_license_not_permissive"
        return reason
