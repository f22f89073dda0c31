"""ScanCode's license detection once per distinct license text.

Most license files of a corpus are a few texts (MIT, Apache-2.0, BSD...) under different copyright
lines. A text's detections (the SPDX expressions ScanCode finds in it, in order) are looked up by
a key of its normalised text, in this order:

1. this process's memory (the last ``MEMORY_ENTRIES`` keys);
2. the shipped detections (``codecurate/data/license-detections.json``): ScanCode's detections of
   the standard texts of the common licenses, with their usual title lines and numbered clauses,
   made by ``benchmarks/license_detections.py --write`` from the license texts of the installed
   ScanCode;
3. a folder shared by the tasks of a run (``OUTPUT/work/<stage>/verdicts``): one small JSON file
   per key, ``<key[:2]>/<key>.json``, written to a temporary name and renamed, so concurrent tasks
   never read half a file and the same key written twice holds the same content;
4. ScanCode itself, whose answer goes to the folder and the memory.

The normalised text is ScanCode's own view of it: its query tokens (lower-case words, punctuation
and line breaks gone), without copyright notices (a line starting with ``Copyright``, ``(c)`` or
``©``) and ``All rights reserved`` lines. A copyright line that holds a word of ScanCode's
legalese list or a license name is kept (``Copyright 2020 Foo, licensed under Apache 2.0`` is not
a mere notice). The key also holds the ScanCode version, so detections of another version are
never reused (the shipped ones included). That two texts with one key get the same detections is
checked on the installed packages' license files (``tests/filters/test_license_cache.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from functools import cache
from importlib import resources
from pathlib import Path

from codecurate.core.folders import datafolder, read_json, write_text

DETECTIONS_FILE = "license-detections.json"
#: Bumped whenever ``normalise_license_text`` changes (the keys change with it).
NORMALISATION = 1
MEMORY_ENTRIES = 4096

#: ScanCode's query tokenizer (``licensedcode.tokenize.query_pattern``).
_WORD = re.compile(r"[^_\W]+\+?[^_\W]*")
_NOTICE = re.compile(r"^\W*(?:copyright\b|\(c\)|©)", re.IGNORECASE)
_RESERVED = re.compile(r"\W*all\s+rights\s+reserved\W*", re.IGNORECASE)
_NOTICE_WORDS = frozenset({"copyright", "c", "all", "rights", "reserved"})
#: License names that are not in ScanCode's legalese list; a copyright line naming one is kept.
LICENSE_NAMES = frozenset({
    "mit", "bsd", "gpl", "lgpl", "agpl", "fdl", "mpl", "isc", "zlib", "psf", "cc0", "cc", "wtfpl", "unlicense",
    "spdx", "epl", "cddl", "bsl", "ofl", "x11", "apache", "mozilla", "gnu", "eupl", "artistic", "boost",
    "public", "domain", "proprietary", "licensed", "license", "licence", "creative", "commons", "python",
})


@cache
def _guard_words() -> frozenset[str]:
    from licensedcode.legalese import common_license_words

    return frozenset(common_license_words) | LICENSE_NAMES


def normalise_license_text(text: str) -> str:
    """The text as ScanCode's tokens, copyright notices left out (module docstring)."""
    guard = _guard_words()
    kept = []
    for line in text.splitlines():
        if _RESERVED.fullmatch(line):
            continue
        if _NOTICE.match(line):
            words = set(_WORD.findall(line.lower())) - _NOTICE_WORDS
            if not words & guard:
                continue
        kept.append(line)
    return " ".join(_WORD.findall("\n".join(kept).lower()))


@cache
def scancode_version() -> str:
    """The installed ScanCode's version (``scancode-toolkit-mini`` or ``scancode-toolkit``)."""
    from importlib.metadata import PackageNotFoundError, version

    for name in ("scancode-toolkit-mini", "scancode-toolkit"):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "unknown"


def license_key(text: str, version: str | None = None, approximate: bool = True) -> str:
    """The cache key of a license text: SHA-256 of the normalisation's version, the ScanCode
    version (the installed one unless given), the matching mode (``exact`` only when not
    ``approximate``) and the normalised text."""
    mode = "" if approximate else "exact\n"
    data = f"{NORMALISATION}\n{version or scancode_version()}\n{mode}{normalise_license_text(text)}"
    return hashlib.sha256(data.encode("utf-8", errors="surrogatepass")).hexdigest()


def scancode_detections(text: str, approximate: bool = True) -> tuple[str, ...]:
    """The SPDX expressions ScanCode detects in ``text``, each once, in the order found.

    ``approximate=False`` keeps to ScanCode's exact matching (whole-text hash, SPDX identifiers,
    exact rule matches), without its approximate sequence matching: a licence notice of a file's
    head costs milliseconds instead of seconds (``codecurate.filters.license.files``).
    """
    from licensedcode.detection import detect_licenses

    found: list[str] = []
    for detection in detect_licenses(query_string=text, approximate=approximate):
        spdx = detection.license_expression_spdx
        if spdx and spdx not in found:
            found.append(spdx)
    return tuple(found)


@cache
def shipped_detections() -> dict[str, tuple[str, ...]]:
    """The shipped detections, key -> SPDX expressions."""
    data = json.loads(resources.files("codecurate").joinpath("data", DETECTIONS_FILE).read_text())
    return {entry["key"]: tuple(entry["licenses"]) for entry in data["detections"]}


class LicenseVerdicts:
    """Detections of license texts through the memory, the shipped data and a shared folder.

    Args:
        folder: the folder shared by the tasks of a run (``None``: none).
        shipped: use the shipped detections.
        approximate: ScanCode's approximate matching too (``scancode_detections``); its answers
            are kept under other keys than the exact-only ones.
    """

    SOURCES = ("memory", "shipped", "folder", "scancode")

    def __init__(self, folder: str | Path | None = None, shipped: bool = True, approximate: bool = True):
        self.folder = datafolder(folder) if folder else None
        self.shipped = shipped
        self.approximate = approximate
        self.memory: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def detections(self, text: str) -> tuple[tuple[str, ...], str]:
        """``(SPDX expressions in text, where the answer came from: one of SOURCES)``."""
        key = license_key(text, approximate=self.approximate)
        found = self.memory.get(key)
        if found is not None:
            self.memory.move_to_end(key)
            return found, "memory"
        source = "shipped"
        found = shipped_detections().get(key) if self.shipped else None
        if found is None:
            source, found = "folder", self._read(key)
        if found is None:
            source, found = "scancode", scancode_detections(text, self.approximate)
            self._write(key, found)
        self.memory[key] = found
        if len(self.memory) > MEMORY_ENTRIES:
            self.memory.popitem(last=False)
        return found, source

    def _read(self, key: str) -> tuple[str, ...] | None:
        if self.folder is None:
            return None
        try:
            return tuple(read_json(self.folder, f"{key[:2]}/{key}.json")["licenses"])
        except (OSError, ValueError, KeyError, TypeError):  # absent (or damaged: detected again)
            return None

    def _write(self, key: str, found: tuple[str, ...]) -> None:
        if self.folder is None:
            return
        content = json.dumps({"licenses": list(found), "scancode": scancode_version()})
        write_text(self.folder, f"{key[:2]}/{key}.json", content)  # whole or not at all


#: The licenses whose standard texts ship with their detections (ScanCode license keys), and the
#: title lines their files often start with.
COMMON_LICENSES = {
    "mit": ["MIT License", "The MIT License", "The MIT License (MIT)", "MIT License (MIT)"],
    "apache-2.0": [],
    "bsd-new": ["BSD 3-Clause License", "BSD License", "New BSD License", "The BSD License", "3-Clause BSD License",
                "Modified BSD License", "The 3-Clause BSD License"],
    "bsd-simplified": ["BSD 2-Clause License", "BSD License", "Simplified BSD License", "The BSD License",
                       "The 2-Clause BSD License", "FreeBSD License"],
    "gpl-2.0": [], "gpl-3.0": [], "lgpl-2.0": [], "lgpl-2.1": [], "lgpl-3.0": [], "agpl-3.0": [],
    "mpl-2.0": [], "epl-2.0": [],
    "isc": ["ISC License", "ISC License (ISC)", "The ISC License"],
    "unlicense": ["The Unlicense", "Unlicense"],
    "psf-2.0": [], "python": [],
    "zlib": ["zlib License", "The zlib License", "zlib/libpng License"],
    "boost-1.0": [], "mit-0": ["MIT No Attribution", "MIT-0 License"], "bsd-zero": ["BSD Zero Clause License"],
    "cc0-1.0": [], "wtfpl-2.0": [], "artistic-2.0": [], "cc-by-4.0": [], "unicode-dfs-2016": [],
}
_APACHE_END = "END OF TERMS AND CONDITIONS"
_BSD_CLAUSES = ("Redistributions of source code", "Redistributions in binary form", "Neither the name")


def license_variants(key: str, text: str) -> list[tuple[str, str]]:
    """``(variant name, text)``: a license's standard text, and the forms its files often take (a
    title line; numbered clauses and ``the copyright holder`` for BSD; Apache-2.0 without its
    appendix)."""
    bodies = [("standard", text)]
    if key == "apache-2.0" and _APACHE_END in text:
        bodies.append(("no appendix", text[: text.index(_APACHE_END) + len(_APACHE_END)] + "\n"))
    if key in ("bsd-new", "bsd-simplified"):
        numbered = text
        for number, clause in enumerate((c for c in _BSD_CLAUSES if c in text), start=1):
            numbered = numbered.replace(clause, f"{number}. {clause}", 1)
        bodies.append(("numbered", numbered))
        if "the ORGANIZATION" in text:
            bodies += [(f"{name}, copyright holder", body.replace("the ORGANIZATION", "the copyright holder"))
                       for name, body in list(bodies)]
    return bodies + [(f"{name}, title {title!r}", f"{title}\n\n{body}") for name, body in bodies
                     for title in COMMON_LICENSES.get(key, [])]


def build_shipped_detections() -> dict:
    """The shipped detections, made anew: ScanCode's detections of ``license_variants`` of the
    standard texts of ``COMMON_LICENSES`` in the installed ScanCode's license database."""
    from licensedcode.cache import get_licenses_db

    db = get_licenses_db()
    entries, seen = [], set()
    for key in COMMON_LICENSES:
        for variant, text in license_variants(key, db[key].text):
            digest = license_key(text)
            if digest in seen:
                continue
            seen.add(digest)
            entries.append({"key": digest, "license": key, "variant": variant,
                            "licenses": list(scancode_detections(text))})
    return {
        "sources": {"scancode-toolkit": scancode_version(), "normalisation": NORMALISATION,
                    "made_by": "benchmarks/license_detections.py --write"},
        "detections": entries,
    }
