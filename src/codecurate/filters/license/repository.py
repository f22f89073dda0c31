"""Repository license: keep repositories whose license is permissive.

The permissive list is The Stack v2's rule: the Blue Oak Council list (v15, every rating) plus the
licenses ScanCode's license database puts in its "Permissive" and "Public Domain" categories. A
snapshot ships in ``codecurate/data/permissive-licenses.json`` (``codecurate.licenses`` reads it, and
its ``build_permissive_list`` makes it anew from the installed ScanCode; a test checks the two agree).

A repository's license comes from its metadata when the reader found one (The Stack column,
sidecar, package metadata); otherwise ScanCode detects it in the repository's license files, each
distinct text once (``codecurate.filters.license.cache``: this task's memory, the shipped detections
of the common licenses, a verdict folder shared by the run's tasks).
A repository is permissive when its SPDX expression is (``codecurate.licenses.is_permissive``):
every license of an ``AND``, at least one choice of an ``OR``, the license part of ``X WITH exception``.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.blocks import Accounting, RepositoryGroups, SharedFolder
from codecurate.core.folders import Location
from codecurate.core.registry import register
from codecurate.licenses import build_permissive_list as build_permissive_list  # documented here before
from codecurate.licenses import is_permissive

#: File names that hold a repository's license (matched case-insensitively on the base name).
LICENSE_FILE_PATTERNS = ("license*", "licence*", "copying*", "notice*", "unlicense*", "unlicence*", "copyright*",
                         "legal*")
#: ``MIT-LICENSE``, ``APACHE-LICENSE-2.0.txt``, ``BSD_LICENSE.md``: a license name before the word
_NAMED_LICENSE = re.compile(r"[\w.+]+[-_](?:licen[cs]e|copying)(?:[-_.][\w.]*)?")
_LICENSE_EXTENSIONS = ("", ".txt", ".md", ".rst", ".markdown", ".html", ".adoc", ".org")
#: a name like a license file's with one of these extensions is source code (``license.py``)
_CODE_EXTENSIONS = frozenset({
    ".py", ".rb", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".java", ".kt", ".scala", ".c", ".h", ".cc",
    ".cpp", ".hpp", ".cs", ".rs", ".php", ".sh", ".pl", ".pm", ".swift", ".lua", ".dart", ".json", ".yml", ".yaml",
    ".toml", ".xml", ".css", ".vue", ".ex", ".hs", ".ml", ".r", ".sql", ".ps1", ".bat", ".cmake",
})
#: folders of license texts that do not count as a level (a wheel's ``*.dist-info/licenses/``); their
#: files count by name like any other: a folder of every license some file uses (REUSE's
#: ``LICENSES/``, a wheel's vendored components) is not the repository's license (all of them joined
#: with AND would make it the strictest of them; ``file_license`` reads each file's own notice)
LICENSE_FOLDERS = frozenset({"licenses", "licences", "license", "licence"})
#: folders whose license files are never a repository's own (documentation, tests, vendored code)
NOT_WRAPPING_FOLDERS = frozenset({"doc", "docs", "documentation", "test", "tests", "example", "examples", "vendor",
                                  "third_party", "thirdparty", "third-party", "node_modules", "external", "deps"})
#: folders of manifests that do not count as a level: Lua projects keep each release's rockspec there
MANIFEST_FOLDERS = frozenset({"rockspec", "rockspecs"})


def is_license_file(path: str, max_depth: int) -> bool:
    """Whether ``path`` names a license file at most ``max_depth`` folders below the top.

    Files in a wheel's ``*.dist-info/`` folder (and its ``licenses/``) count as top level: that is
    where an installed distribution keeps its license files.
    """
    parts = path.split("/")
    folders = [p for p in parts[:-1] if not p.endswith(".dist-info") and p.lower() not in LICENSE_FOLDERS]
    if len(folders) > max_depth:
        return False
    name = posixpath.basename(path).lower()
    extension = posixpath.splitext(name)[1]
    if extension in _CODE_EXTENSIONS:  # license.py, licensed_code.rb: code about licenses
        return False
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in LICENSE_FILE_PATTERNS):
        return True
    return _NAMED_LICENSE.fullmatch(name) is not None and (extension in _LICENSE_EXTENSIONS
                                                           or re.fullmatch(r"\.\d+", extension) is not None)


def _relative(document: Document, prefix: str) -> str | None:
    """The document's path below ``prefix`` (a folder and ``/``; ``""``: the top), ``None`` outside it."""
    path = document.metadata.get(keys.PATH) or ""
    return path[len(prefix):] if path.startswith(prefix) else None


def wrapping_folder(files: list[Document]) -> str | None:
    """The one folder at the top of a repository that holds all its folders (``project/`` beside a
    README, a PECL archive's ``NAME-VERSION/`` beside its ``package.xml``), or ``None``."""
    folders = {path.split("/", 1)[0] for d in files if "/" in (path := d.metadata.get(keys.PATH) or "")}
    if len(folders) != 1 or next(iter(folders)).lower() in NOT_WRAPPING_FOLDERS:
        return None
    return next(iter(folders))


def manifest_license(files: list[Document], max_depth: int, prefix: str = "") -> tuple[str | None, str | None]:
    """``(spdx_expression, declared)`` from the package manifests of a repository's files
    (``codecurate.filters.license.manifests``) at most ``max_depth`` folders below its top (or below the
    folder ``prefix``); ``(None, declared)`` when no manifest names a license for sure."""
    expression, declared, _ = _read_manifests(files, max_depth, prefix)
    return expression, declared


def _read_manifests(files: list[Document], max_depth: int, prefix: str) -> tuple[str | None, str | None, list[str]]:
    """``manifest_license``'s answer and the declared values no SPDX id was found for (``BSD``)."""
    from codecurate.filters.license.manifests import is_manifest, to_spdx
    from codecurate.filters.license.manifests import manifest_license as read_manifest

    found: list[str] = []
    declared: list[str] = []
    unmapped: list[str] = []
    for document in files:
        path = _relative(document, prefix)
        if path is None:
            continue
        folders = [p for p in path.split("/")[:-1] if p.lower() not in MANIFEST_FOLDERS]
        if len(folders) > max_depth or not is_manifest(path):
            continue
        expression, values = read_manifest(path, document.text)
        if values:
            declared.append(f"{prefix}{path}: {'; '.join(values)}")
            unmapped += [v for v in values if to_spdx(v) is None and v not in unmapped]
        if expression and expression not in found:
            found.append(expression)
    text = " | ".join(declared)[:2000] or None
    if not found:
        return None, text, unmapped
    if len(found) == 1:
        return found[0], text, unmapped
    return " AND ".join(f"({e})" if " " in e else e for e in found), text, unmapped


def readme_license_sections(files: list[Document], prefix: str = "") -> list[str]:
    """The license sections of the README and Perl module documentation at a repository's top (or
    in the folder ``prefix``), else of the HTML pages there (``codecurate.filters.license.readme``)."""
    from codecurate.filters.license.readme import is_html_documentation, is_license_text_source, license_sections

    for is_source in (is_license_text_source, is_html_documentation):
        sections = []
        for document in files:
            path = _relative(document, prefix)
            if path is not None and is_source(path):
                sections += license_sections(document.text, path)
        if sections:
            return sections
    return []


#: ScanCode's answer for a text that refers to a license it cannot name (``See LICENSE``)
_UNKNOWN_REFERENCE = re.compile(r"LicenseRef-scancode-(?:unknown|free-unknown)\b[\w-]*")


def declared_words_license(values: list[str], verdicts=None, sources: dict[str, int] | None = None) -> str | None:
    """What ScanCode reads in the words a manifest declares and no SPDX id was found for (PEAR's
    ``BSD`` and its licence's URI, a trove classifier ``License :: OSI Approved :: BSD License``),
    each as a ``License:`` line; ``None`` when it names no license or one it cannot identify."""
    detected = detect_license([f"License: {value}" for value in values], verdicts, sources)
    if detected is None or _UNKNOWN_REFERENCE.search(detected):
        return None
    return detected


def detect_license(texts: list[str], verdicts=None, sources: dict[str, int] | None = None) -> str | None:
    """SPDX expression ScanCode detects in license file ``texts`` (joined with AND), or ``None``.

    With ``verdicts`` (a ``license_cache.LicenseVerdicts``), each text's detections come through its
    cache, and ``sources`` (when given) counts where each answer came from.
    """
    from codecurate.filters.license.cache import scancode_detections

    found: list[str] = []
    for text in texts:
        if verdicts is None:
            detected = scancode_detections(text)
        else:
            detected, source = verdicts.detections(text)
            if sources is not None:
                sources[source] = sources.get(source, 0) + 1
        for spdx in detected:
            if spdx not in found:
                found.append(spdx)
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return " AND ".join(f"({e})" if " " in e else e for e in found)


@register("repository_license")
class RepositoryLicenseFilter(RepositoryGroups, SharedFolder, Accounting, PipelineStep):
    """Keep the repositories whose license is permissive; needs each repository's files together.

    Reasons: ``license_not_permissive``, ``license_not_found`` (when ``drop_unlicensed``),
    ``license_detection_failed`` (ScanCode raised on the repository's license files: logged with
    their names; the repository's license is unknown, so it is not kept). Stats
    ``license_cache/<source>`` count where each license text's detections came from (``memory``,
    ``shipped``, ``folder``, ``scancode``).

    Args:
        drop_unlicensed: drop repositories with no license in metadata nor in license files.
        manifests: read the license the repository's package manifests declare (``package.json``,
            ``Cargo.toml``, ``*.gemspec``, ``pom.xml``... ``codecurate.filters.license.manifests``) when the
            metadata has none, before the license files; and, when nothing else names a license,
            ScanCode's reading of their words that name no SPDX id (``BSD``; source ``manifest``).
        detect: detect licenses with ScanCode when the metadata and manifests have none.
        readme: when the license files name none (or there are none), detect the license in the
            license sections of the top-level README and Perl modules' POD, else of the top-level
            HTML pages (source ``readme``).
        max_depth: how deep below the repository's top a license file may be (0: top level only).
        extra_permissive: SPDX ids to accept on top of the shipped list.
        cache: detect each distinct license text once (``codecurate.filters.license.cache``);
            ``False`` runs ScanCode on every license file.
        cache_folder: the verdict folder shared by tasks (and runs, when you give one of your own);
            in a recipe ``OUTPUT/work/<stage id>/verdicts`` by default, none outside one.
    """

    type = "🔻 - FILTER"
    name = "repository_license"

    def __init__(
        self,
        drop_unlicensed: bool = True,
        manifests: bool = True,
        detect: bool = True,
        max_depth: int = 0,
        extra_permissive: list[str] | None = None,
        cache: bool = True,
        cache_folder: str | None = None,
        exclusion_writer: DiskWriter | None = None,
        readme: bool = True,
    ):
        super().__init__()
        if max_depth < 0:
            raise ValueError(f"max_depth must be >= 0, got {max_depth}")
        self.drop_unlicensed = drop_unlicensed
        self.manifests = manifests
        self.detect = detect
        self.max_depth = max_depth
        self.readme = readme
        self.extra_permissive = frozenset(extra_permissive or [])
        self.cache = cache
        self.cache_folder = cache_folder
        self.exclusion_writer = exclusion_writer
        self._verdicts = None

    def verdicts(self):
        """This task's ``LicenseVerdicts`` (``None`` without the cache)."""
        if not self.cache:
            return None
        if self._verdicts is None:
            from codecurate.filters.license.cache import LicenseVerdicts

            folder = self.cache_folder or (str(Location(self.work_folder) / "verdicts") if self.work_folder else None)
            self._verdicts = LicenseVerdicts(folder)
        return self._verdicts

    def repository_license(self, files: list[Document]) -> tuple[str | None, str | None]:
        """``(spdx_expression, source)`` of a repository: its files' metadata (a sidecar, a dataset's
        column), else its package manifests' declared license, else its license files, else its
        README's license section; when its top names none and all its folders are in one folder
        (``wrapping_folder``), the same read in that folder; last, what ScanCode reads in the words
        of a manifest that name no SPDX id (``BSD``: ``declared_words_license``, source ``manifest``)."""
        for document in files:
            if document.metadata.get(keys.LICENSE):
                return document.metadata[keys.LICENSE], document.metadata.get(keys.LICENSE_SOURCE) or "metadata"
        expression, source, unmapped = self._license_below(files, "")
        folder = wrapping_folder(files) if expression is None else None
        if folder is not None:
            expression, source, below = self._license_below(files, folder + "/")
            unmapped += [value for value in below if value not in unmapped]
        if expression is None and unmapped and self.detect:
            sources: dict[str, int] = {}
            with self.track_time("repository"):
                expression = declared_words_license(unmapped, self.verdicts(), sources)
            self._count_cache(sources)
            source = "manifest" if expression else None
        return expression, source

    def _count_cache(self, sources: dict[str, int]) -> None:
        for cache_source, count in sources.items():
            self.stat_update(f"license_cache/{cache_source}", value=count)

    def _license_below(self, files: list[Document], prefix: str) -> tuple[str | None, str | None, list[str]]:
        """Manifests, then license files, then README sections, at the top of the folder ``prefix``;
        with the manifests' declared values that name no SPDX id."""
        unmapped: list[str] = []
        if self.manifests:
            expression, declared, unmapped = _read_manifests(files, self.max_depth, prefix)
            if declared:
                for document in files:
                    document.metadata.setdefault(keys.LICENSE_DECLARED, declared)
            if expression:
                return expression, "manifest", unmapped
        if not self.detect:
            return None, None, unmapped
        texts = [d.text for d in files if d.metadata.get(keys.KIND) != keys.KIND_TEXT
                 and (path := _relative(d, prefix)) is not None and is_license_file(path, self.max_depth)]
        sources: dict[str, int] = {}
        with self.track_time("repository"):
            detected = detect_license(texts, self.verdicts(), sources) if texts else None
            source = "detected"
            if detected is None and self.readme:  # the license section of a README, a Perl module's POD
                sections = readme_license_sections(files, prefix)
                detected, source = (detect_license(sections, self.verdicts(), sources) if sections else None), "readme"
        self._count_cache(sources)
        return (detected, source, unmapped) if detected else (None, None, unmapped)

    def judge_repository(self, repo: str, files: list[Document]) -> list[str | None]:
        try:
            expression, source = self.repository_license(files)
            failed = False
        except Exception as error:  # a license file ScanCode cannot take: this repository only
            paths = [d.metadata.get(keys.PATH) for d in files if is_license_file(
                d.metadata.get(keys.PATH) or "", self.max_depth)]
            logger.warning(f"repository_license: license detection failed on {repo}'s license files "
                           f"{paths}: {type(error).__name__}: {error}; the repository is dropped")
            expression, source, failed = None, None, True
        self.stat_update("repositories")
        if failed:
            reason = "license_detection_failed"
        elif expression is None:
            reason = "license_not_found" if self.drop_unlicensed else None
        else:
            reason = None if is_permissive(expression, self.extra_permissive) else "license_not_permissive"
        if expression is not None:
            for document in files:
                document.metadata[keys.LICENSE] = expression
                document.metadata[keys.LICENSE_SOURCE] = source
        return [reason] * len(files)
