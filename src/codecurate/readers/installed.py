"""The embedded default input: every Python distribution installed in the running environment.

Each distribution is one repository: its files come from its RECORD, its license from its core
metadata (``License-Expression``, else trove classifiers), and its long description becomes a
natural-language article. Real code with real licenses, present on every machine.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata as importlib_metadata
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.registry import register
from codecurate.licenses import CLASSIFIER_SPDX
from codecurate.readers.base import (
    DEFAULT_MAX_FILE_BYTES,
    Repository,
    RepositoryFile,
    RepositoryReader,
)

#: a file of the distribution's RECORD installed outside its folder (console scripts, data files):
#: listed, counted, not read
REASON_OUTSIDE = "outside_distribution"

_CONTENT_TYPE_LANGUAGE = {"text/markdown": "Markdown", "text/x-rst": "reStructuredText", "text/plain": "Text"}
_NAME_NORMALIZE = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """PEP 503 normalised distribution name (``Foo_Bar`` -> ``foo-bar``)."""
    return _NAME_NORMALIZE.sub("-", name).lower()


def declared_license(meta: importlib_metadata.PackageMetadata) -> tuple[str | None, str | None, str | None]:
    """``(spdx_expression, source, declared_text)`` of a distribution's core metadata."""
    expression = (meta.get("License-Expression") or "").strip()
    raw = (meta.get("License") or "").strip()
    classifiers = [c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")]
    declared = expression or raw or "; ".join(classifiers) or None
    if declared and len(declared) > 2000:
        declared = declared[:2000]
    if expression:
        return expression, "metadata", declared
    mapped = [CLASSIFIER_SPDX.get(c) for c in classifiers]
    if mapped and all(mapped):
        # several license classifiers on one distribution mean a choice among them
        return " OR ".join(sorted(set(mapped))), "classifier", declared
    return None, None, declared


@register("installed_packages")
class InstalledPackagesReader(RepositoryReader):
    """Read the Python distributions installed in this environment, one repository each.

    Args:
        paths: folders to look for distributions in (default: ``sys.path`` of the running Python).
        distributions: only these distribution names (any spelling); ``None`` for all.
        exclude_distributions: names to leave out.
        articles: also yield each distribution's long description as a ``kind=text`` article.
        exclude: glob patterns of files to drop (default: compiled bytecode).
        max_repositories, max_file_bytes, languages: see ``RepositoryReader``.
    """

    name = "installed_packages"
    provides = "code"
    #: what to read (this environment's distributions): what ``--input`` replaces
    path_params = ("paths", "distributions", "exclude_distributions")

    def __init__(
        self,
        paths: list[str] | None = None,
        distributions: list[str] | None = None,
        exclude_distributions: list[str] | None = None,
        articles: bool = True,
        max_repositories: int | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        exclude: list[str] | None = None,
        languages: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        if exclude is None:
            exclude = ["*.pyc", "__pycache__"]
        super().__init__(max_repositories, max_file_bytes, exclude, languages, exclusion_writer)
        self.paths = list(paths) if paths is not None else None
        self.distributions = {normalize_name(n) for n in distributions} if distributions else None
        self.exclude_distributions = {normalize_name(n) for n in exclude_distributions or []}
        self.articles = articles
        self._found: dict[str, importlib_metadata.Distribution] | None = None

    def _find(self) -> dict[str, importlib_metadata.Distribution]:
        found: dict[str, importlib_metadata.Distribution] = {}
        search = self.paths if self.paths is not None else sys.path
        for dist in importlib_metadata.distributions(path=search):
            raw_name = dist.metadata.get("Name")
            if not raw_name:
                continue
            name = normalize_name(raw_name)
            if self.distributions is not None and name not in self.distributions:
                continue
            if name in self.exclude_distributions:
                continue
            found.setdefault(name, dist)  # the first on the path is the one Python imports
        return found

    def list_repositories(self) -> list[str]:
        self._found = found = self._find()
        if self.distributions is not None and (missing := self.distributions - set(found)):
            raise LookupError(f"distributions not installed: {', '.join(sorted(missing))}")
        return sorted(found)

    def open_repository(self, name: str) -> Repository:
        if self._found is None:
            self._found = self._find()
        dist = self._found[name]
        meta = dist.metadata
        license_expr, license_source, declared = declared_license(meta)
        repo_metadata = {
            keys.LICENSE: license_expr,
            keys.LICENSE_SOURCE: license_source,
            keys.LICENSE_DECLARED: declared,
            keys.STARS: None,
            keys.COMMITS: None,
            keys.REVISION: dist.version,
        }
        files = []
        for package_path in dist.files or []:
            path = package_path.as_posix()
            # console scripts and data installed outside site-packages are not the package's source
            outside = path.startswith("../") or path.startswith("/")
            files.append(RepositoryFile(path, Path(dist.locate_file(package_path)),
                                        reason=REASON_OUTSIDE if outside else None))
        articles = []
        if self.articles:
            description = meta.get_payload() or meta.get("Description") or ""
            if description.strip():
                content_type = (meta.get("Description-Content-Type") or "text/x-rst").split(";")[0].strip()
                articles.append(
                    Document(
                        text=description,
                        id=f"{name}/description",
                        metadata={
                            **repo_metadata,
                            keys.REPO: name,
                            keys.PATH: "METADATA#description",
                            keys.SOURCE: self.name,
                            keys.KIND: keys.KIND_TEXT,
                            keys.LANGUAGE: _CONTENT_TYPE_LANGUAGE.get(content_type, "Text"),
                            keys.SIZE_BYTES: len(description.encode("utf-8")),
                        },
                    )
                )
        return Repository(repo_id=name, metadata=repo_metadata, files=files, articles=articles)
