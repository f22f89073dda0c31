"""C and C++ (cppcheck, semgrep for the files cppcheck skips): corpus and planted defects.

dev (what the options, severities and semgrep rules were tuned on): Debian's boost headers
(``libboost-dev``, a sample), googletest (``libgtest-dev``) and the Debian sources of tmux, libevent
and openssh (``apt-get source``: C written against ``<sys/queue.h>``/``tree.h`` iteration macros).
heldout (never read while tuning): the Debian sources of redis, nginx (C) and ninja-build, fmtlib
(C++).

Sources are unpacked under ``$CODECURATE_C_SOURCES`` (default ``~/.cache/codecurate/c-sources``);
``apt-get source`` needs ``deb-src`` lines (``Types: deb deb-src`` in
``/etc/apt/sources.list.d/debian.sources``).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

LANGUAGES = ("C", "C++")
SOURCES = Path(os.environ.get("CODECURATE_C_SOURCES", Path.home() / ".cache" / "codecurate" / "c-sources"))
BOOST = Path("/usr/include/boost")
GOOGLETEST = Path("/usr/src/googletest")
#: split -> Debian source package -> (its unpacked folder's prefix, the language of its ``.h`` files)
PACKAGES = {
    "dev": {"tmux": ("tmux", "C"), "libevent": ("libevent", "C"), "openssh": ("openssh", "C")},
    "heldout": {"redis": ("redis", "C"), "nginx": ("nginx", "C"), "ninja-build": ("ninja", "C++"),
                "fmtlib": ("fmtlib", "C++")},
    # measured after the fixes "heldout" led to (helper-9, 2026-12-07), then tuned on: no longer held out
    "heldout2": {"curl": ("curl", "C"), "leveldb": ("leveldb", "C++"), "lua5.4": ("lua", "C")},
    # measured once after every change, never tuned on (2026-12-07): the next fixes need fresh packages
    "heldout3": {"libuv1": ("libuv1", "C"), "re2": ("re2", "C++")},
    # a fourth, fetched 2026-12-07 (second session) and measured before anything was changed for it
    "heldout4": {"cjson": ("cjson", "C"), "jansson": ("jansson", "C"), "libsodium": ("libsodium", "C"),
                 "libyaml": ("libyaml", "C"), "lz4": ("lz4", "C")},
}
INSTALL = [
    "sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources && apt-get update",
    "apt-get install -y libboost-dev libgtest-dev",
    f"mkdir -p {SOURCES} && cd {SOURCES} && apt-get source --download-only "
    + " ".join(name for packages in PACKAGES.values() for name in packages)
    + " && for f in *.orig.tar.*; do tar xf $f; done",
]
C_SUFFIXES = (".c",)
CPP_SUFFIXES = (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".ipp")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _package_folder(name: str) -> Path | None:
    folders = sorted(p for p in SOURCES.glob(f"{name}-*") if p.is_dir()) if SOURCES.is_dir() else []
    return folders[0] if folders else None


def _language(path: Path, default: str) -> str | None:
    if path.suffix in C_SUFFIXES:
        return "C"
    if path.suffix in CPP_SUFFIXES:
        return "C++"
    if path.suffix == ".h":
        return default
    return None


def package_files(prefix: str, default: str) -> list[tuple[str, str, str, str]]:
    """(repo, path, text, language) of one unpacked Debian source package (its own code: no
    vendored ``deps``/``third_party`` copies)."""
    folder = _package_folder(prefix)
    if folder is None:
        return []
    out = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or {"deps", "third_party", "debian", ".pc"} & set(relative.parts):
            continue
        language = _language(path, default)
        text = _read(path) if language else None
        if text is not None:
            out.append((prefix, str(relative), text, language))
    return out


def corpus_with_languages(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str, str]]:
    """(repo, path, text, language): ``limit`` caps the boost sample and each package."""
    files: list[tuple[str, str, str, str]] = []
    if split == "dev":
        boost = sorted(p for p in BOOST.rglob("*") if p.suffix in (".hpp", ".h", ".ipp", ".cpp") and p.is_file())
        gtest = sorted(p for p in GOOGLETEST.rglob("*") if p.suffix in (".h", ".cc", ".cpp") and p.is_file())
        for root, paths in ((BOOST.parent, sorted(rng.sample(boost, min(limit, len(boost))))), (GOOGLETEST, gtest)):
            for path in paths:
                text = _read(path)
                if text is not None:
                    files.append((root.name, str(path.relative_to(root)), text, "C++"))
    for prefix, language in PACKAGES[split].values():
        found = package_files(prefix, language)
        files.extend(sorted(rng.sample(found, min(limit, len(found)))) if limit < len(found) else found)
    return files


def corpus(rng: random.Random, limit: int, split: str) -> list[tuple[str, str, str]]:
    return [(repo, path, text) for repo, path, text, _ in corpus_with_languages(rng, limit, split)]


PLANTS = {
    "memory leak": """
int codecurate_copy_name(const char *source, int length)
{
    char *buffer = (char *)malloc(length + 1);
    if (length > 64)
        return -1;
    memcpy(buffer, source, length);
    buffer[length] = 0;
    free(buffer);
    return length;
}
""",
    "use after free": """
int codecurate_reset_counter(void)
{
    int *counter = (int *)malloc(sizeof(int));
    if (counter == NULL)
        return -1;
    free(counter);
    *counter = 0;
    return 0;
}
""",
    "double free": """
void codecurate_release(char *label)
{
    char *copy = strdup(label);
    free(copy);
    free(copy);
}
""",
    "null dereference": """
int codecurate_first_value(void)
{
    int *values = NULL;
    return values[0];
}
""",
    "out-of-bounds write": """
int codecurate_fill_table(void)
{
    int table[8];
    for (int i = 0; i <= 8; i++)
        table[i] = i;
    return table[0];
}
""",
    "uninitialized variable": """
int codecurate_pick(int flag)
{
    int chosen;
    if (flag > 2)
        chosen = flag;
    return chosen + 1;
}
""",
    "resource leak": """
int codecurate_checksum(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return -1;
    int first = fgetc(file);
    if (first == EOF)
        return 0;
    fclose(file);
    return first;
}
""",
}


def plant(host_text: str, snippet: str) -> str | None:
    """The host with the snippet appended at the end (after any ``#endif``: a file wrapped in
    ``#ifdef HAVE_X`` is analyzed in the configuration without ``X``)."""
    return host_text + ("" if host_text.endswith("\n") else "\n") + snippet
