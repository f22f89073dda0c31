"""File headers: the two comment lines naming a code file's path and language before its text.

aiXcoder-7B's model saw ``# the file path is: a.py`` / ``# the code file is written by Python``
(SPEC.md section 7). Two tables say which header a file gets:

- ``aixcoder`` (the ``aixcoder`` format's default): the official table of aiXcoder-7B's
  ``hf_mini/utils.py``, kept as data in ``codecurate/data/aixcoder-headers.json``. The path alone
  decides: its last extension (``(\\.\\w+)$``, case-sensitive) names a language key, the key a
  comment style and a language name; an extension without a header-bearing language (XML, TOML,
  INI, ``.scss``, ``.proto``, a file without extension such as ``Dockerfile``) gets no header.
  Its facts are kept as they are, quirks included (``.h`` is C++, Lua is commented with ``//``,
  Tcl is "written by Augeas"): they are the bytes the model knows.
- ``codecurate``: the document's language (``codecurate.languages``, ``.h`` settled by content)
  in that language's own comment syntax; no header for a language without comments.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from codecurate.languages import LANGUAGES

AIXCODER, CODECURATE = "aixcoder", "codecurate"
HEADER_TABLES = (AIXCODER, CODECURATE)
AIXCODER_HEADERS_FILE = "aixcoder-headers.json"


@cache
def aixcoder_table() -> tuple[re.Pattern, dict[str, str], dict[str, tuple[str, str, str]]]:
    """The official table: the extension pattern, extension -> language key, and language key ->
    (comment opening, comment closing, language name) for the keys that have a header."""
    data = json.loads(resources.files("codecurate").joinpath("data", AIXCODER_HEADERS_FILE).read_text("utf-8"))
    languages = {key: (spec["comment"][0], spec["comment"][1], spec["name"]) for key, spec in data["languages"].items()}
    return re.compile(data["extension_pattern"]), dict(data["extensions"]), languages


def aixcoder_header(path: str) -> str:
    """The header aiXcoder-7B's official code writes for ``path`` (empty when it writes none)."""
    pattern, extensions, languages = aixcoder_table()
    match = pattern.search(path)
    spec = languages.get(extensions.get(match.group(1), "")) if match else None
    if spec is None:
        return ""
    opening, closing, name = spec
    return f"{opening}the file path is: {path}{closing}\n{opening}the code file is written by {name}{closing}\n"


def codecurate_header(path: str, language: str | None) -> str:
    """The header in ``language``'s own comment syntax; empty for a language without comments (a
    header would break such a file) or an unknown language."""
    spec = LANGUAGES.get(language or "")
    if spec is None or not (spec.line_comment or spec.block_comment):
        return ""
    return f"{spec.comment(f'the file path is: {path}')}\n{spec.comment(f'the code file is written by {spec.name}')}\n"


def check_header_table(table: str) -> str:
    """``table`` if it names a header table; a ``ValueError`` listing them otherwise."""
    if table not in HEADER_TABLES:
        raise ValueError(f"unknown header table {table!r}; known: {', '.join(HEADER_TABLES)}")
    return table


def file_header(path: str, language: str | None = None, table: str = AIXCODER) -> str:
    """The header of a code file at ``path`` under ``table``; ``language`` (the document's) is read
    by the ``codecurate`` table only, the ``aixcoder`` table goes by the path as the official code does."""
    if check_header_table(table) == AIXCODER:
        return aixcoder_header(path)
    return codecurate_header(path, language)
