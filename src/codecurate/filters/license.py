"""Repository license: keep repositories whose license is permissive.

The permissive list is The Stack v2's rule: the Blue Oak Council list (v15, every rating) plus the
licenses ScanCode's license database puts in its "Permissive" and "Public Domain" categories. A
snapshot ships in ``codecurate/data/permissive-licenses.json`` (``build_permissive_list`` makes
it anew from the installed ScanCode; a test checks the two agree).

A repository's license comes from its metadata when the reader found one (The Stack column,
sidecar, package metadata); otherwise ScanCode detects it in the repository's license files, each
distinct text once (``codecurate.filters.license_cache``: this task's memory, the shipped detections
of the common licenses, a verdict folder shared by the run's tasks).
A repository is permissive when its SPDX expression is: every license of an ``AND``, at least one
choice of an ``OR``, the license part of ``X WITH exception``.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
from functools import lru_cache
from importlib import resources
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import documents as keys
from codecurate.core.blocks import Accounting, SharedFolder
from codecurate.core.registry import register
from codecurate.samplers.grouping import repository_groups

BLUEOAK_FILE = "blueoak-list-15.json"
PERMISSIVE_FILE = "permissive-licenses.json"
SCANCODE_CATEGORIES = ("Permissive", "Public Domain")
#: File names that hold a repository's license (matched case-insensitively on the base name).
LICENSE_FILE_PATTERNS = ("license*", "licence*", "copying*", "notice*", "unlicense*", "copyright*", "legal*")


def blueoak_ids(path: str | Path | None = None) -> set[str]:
    """SPDX ids on the Blue Oak Council list (all ratings)."""
    text = Path(path).read_text() if path else resources.files("codecurate").joinpath("data", BLUEOAK_FILE).read_text()
    return {entry["id"] for rating in json.loads(text) for entry in rating["licenses"]}


def build_permissive_list(blueoak_path: str | Path | None = None) -> dict:
    """The permissive list from the Blue Oak list and the installed ScanCode license database."""
    from importlib.metadata import version

    from licensedcode.cache import get_licenses_db

    scancode = set()
    for license_ in get_licenses_db().values():
        if license_.category in SCANCODE_CATEGORIES and not license_.is_deprecated:
            for spdx in [license_.spdx_license_key, *(license_.other_spdx_license_keys or [])]:
                if spdx:
                    scancode.add(spdx)
    blueoak = blueoak_ids(blueoak_path)
    return {
        "sources": {"blueoak": BLUEOAK_FILE, "scancode-toolkit": version("scancode-toolkit-mini"),
                    "scancode_categories": list(SCANCODE_CATEGORIES)},
        "licenses": sorted(blueoak | scancode, key=str.lower),
    }


@lru_cache(maxsize=1)
def permissive_licenses() -> frozenset[str]:
    """The shipped permissive list, lower-cased SPDX ids."""
    data = json.loads(resources.files("codecurate").joinpath("data", PERMISSIVE_FILE).read_text())
    return frozenset(spdx.lower() for spdx in data["licenses"])


@lru_cache(maxsize=4096)
def is_permissive(expression: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether an SPDX license expression is permissive (rules in the module docstring).

    An expression that does not parse is not permissive.
    """
    from license_expression import (
        AND,
        OR,
        ExpressionError,
        LicenseSymbol,
        LicenseWithExceptionSymbol,
        Licensing,
    )

    allowed = permissive_licenses() | {e.lower() for e in extra}
    try:
        tree = Licensing().parse(expression)
    except ExpressionError:
        return False
    if tree is None:
        return False

    def check(node) -> bool:
        if isinstance(node, LicenseWithExceptionSymbol):
            return check(node.license_symbol)
        if isinstance(node, LicenseSymbol):
            return node.key.lower() in allowed
        if isinstance(node, AND):
            return all(check(arg) for arg in node.args)
        if isinstance(node, OR):
            return any(check(arg) for arg in node.args)
        return False

    return check(tree)


def is_license_file(path: str, max_depth: int) -> bool:
    """Whether ``path`` names a license file at most ``max_depth`` folders below the top.

    Files in a wheel's ``*.dist-info/`` folder (and its ``licenses/``) count as top level: that is
    where an installed distribution keeps its license files.
    """
    parts = path.split("/")
    folders = [p for p in parts[:-1] if not p.endswith(".dist-info") and p != "licenses"]
    if len(folders) > max_depth:
        return False
    name = posixpath.basename(path).lower()
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in LICENSE_FILE_PATTERNS)


def detect_license(texts: list[str], verdicts=None, sources: dict[str, int] | None = None) -> str | None:
    """SPDX expression ScanCode detects in license file ``texts`` (joined with AND), or ``None``.

    With ``verdicts`` (a ``license_cache.LicenseVerdicts``), each text's detections come through its
    cache, and ``sources`` (when given) counts where each answer came from.
    """
    from codecurate.filters.license_cache import scancode_detections

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
class RepositoryLicenseFilter(SharedFolder, Accounting, PipelineStep):
    """Keep the repositories whose license is permissive; needs each repository's files together.

    Reasons: ``license_not_permissive``, ``license_not_found`` (when ``drop_unlicensed``). Stats
    ``license_cache/<source>`` count where each license text's detections came from (``memory``,
    ``shipped``, ``folder``, ``scancode``).

    Args:
        drop_unlicensed: drop repositories with no license in metadata nor in license files.
        detect: detect licenses with ScanCode when the metadata has none.
        max_depth: how deep below the repository's top a license file may be (0: top level only).
        extra_permissive: SPDX ids to accept on top of the shipped list.
        cache: detect each distinct license text once (``codecurate.filters.license_cache``);
            ``False`` runs ScanCode on every license file.
        cache_folder: the verdict folder shared by tasks (and runs, when you give one of your own);
            in a recipe ``OUTPUT/work/<stage id>/verdicts`` by default, none outside one.
    """

    type = "🔻 - FILTER"
    name = "repository_license"

    def __init__(
        self,
        drop_unlicensed: bool = True,
        detect: bool = True,
        max_depth: int = 0,
        extra_permissive: list[str] | None = None,
        cache: bool = True,
        cache_folder: str | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__()
        if max_depth < 0:
            raise ValueError(f"max_depth must be >= 0, got {max_depth}")
        self.drop_unlicensed = drop_unlicensed
        self.detect = detect
        self.max_depth = max_depth
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
            from codecurate.filters.license_cache import LicenseVerdicts

            folder = self.cache_folder or (str(Path(self.work_folder) / "verdicts") if self.work_folder else None)
            self._verdicts = LicenseVerdicts(folder)
        return self._verdicts

    def repository_license(self, files: list[Document]) -> tuple[str | None, str | None]:
        """``(spdx_expression, source)`` of a repository from its files' metadata or license files."""
        for document in files:
            if document.metadata.get(keys.LICENSE):
                return document.metadata[keys.LICENSE], document.metadata.get(keys.LICENSE_SOURCE) or "metadata"
        if not self.detect:
            return None, None
        texts = [d.text for d in files
                 if d.metadata.get(keys.KIND) != keys.KIND_TEXT and is_license_file(d.metadata.get(keys.PATH) or "",
                                                                                     self.max_depth)]
        sources: dict[str, int] = {}
        with self.track_time("repository"):
            detected = detect_license(texts, self.verdicts(), sources) if texts else None
        for source, count in sources.items():
            self.stat_update(f"license_cache/{source}", value=count)
        return (detected, "detected") if detected else (None, None)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.exclusion_output() as excluded:
            for repo, files in repository_groups(data or ()):
                for document in files:
                    self.count_in(document)
                if repo is None:  # an article: no repository license applies
                    for document in files:
                        self.count_kept(document)
                    yield from files
                    continue
                with self.blame(files[0]):
                    expression, source = self.repository_license(files)
                self.stat_update("repositories")
                if expression is None:
                    reason = "license_not_found" if self.drop_unlicensed else None
                else:
                    reason = None if is_permissive(expression, self.extra_permissive) else "license_not_permissive"
                for document in files:
                    if expression is not None:
                        document.metadata[keys.LICENSE] = expression
                        document.metadata[keys.LICENSE_SOURCE] = source
                    if reason:
                        self.drop(document, reason, excluded, rank)
                    else:
                        self.count_kept(document)
                        yield document
