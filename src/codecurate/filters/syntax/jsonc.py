"""JSON with Comments (``tsconfig.json``, ``.eslintrc.json``, VS Code settings, ``*.jsonc``): JSON whose
readers (TypeScript, ESLint, VS Code's ``jsonc-parser``) allow ``//`` and ``/* */`` comments and a
trailing comma before ``]`` or ``}``. ``jsonc_fault`` judges a file as those readers do: comments and
trailing commas are blanked (outside strings), and what is left must be JSON (``json.loads``), so a
file cut short, a missing comma or an unclosed comment is still caught.

One regex pass over the text and one ``json.loads``: linear in the file's length.
"""

from __future__ import annotations

import json
import re

#: the language the judge is for (``codecurate.languages``)
LANGUAGE = "JSON with Comments"

#: a string, a comment, or an unclosed comment
_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/|(?P<open>/\*)', re.DOTALL)
#: a string, or a comma with only blanks before the ``]`` or ``}`` after it
_TRAILING = re.compile(r'"(?:[^"\\\n]|\\.)*"|(?P<comma>,)(?=[ \t\r\n]*[\]}])')


def _blank(token: str) -> str:
    return re.sub(r"[^\n]", " ", token)


def strip_jsonc(text: str) -> tuple[str, str | None]:
    """``text`` with comments and trailing commas blanked (outside strings; offsets kept: each becomes
    spaces, newlines stay), and the fault found on the way (``"unclosed_comment"``) or ``None``. A comma
    is trailing when a value ends before it (``[1,]``; not ``[1,,]`` nor ``[,]``)."""
    parts: list[str] = []
    last = 0
    for match in _COMMENTS.finditer(text):
        if match.group().startswith('"'):
            continue
        if match.group("open"):
            return text, "unclosed_comment"
        parts += [text[last:match.start()], _blank(match.group())]
        last = match.end()
    blanked = "".join(parts) + text[last:]
    parts, last = [], 0
    for match in _TRAILING.finditer(blanked):
        if not match.group("comma"):
            continue
        j = match.start() - 1  # the blanks scanned back over are disjoint from comma to comma: linear
        while j >= 0 and blanked[j] in " \t\r\n":
            j -= 1
        if j < 0 or blanked[j] in ",[{:":
            continue
        parts += [blanked[last:match.start()], " "]
        last = match.end()
    return "".join(parts) + blanked[last:], None


def jsonc_fault(text: str) -> str | None:
    """Why ``text`` is not JSON with Comments (``unclosed_comment``, ``empty``, ``invalid``), or ``None``
    when it is."""
    stripped, fault = strip_jsonc(text)
    if fault:
        return fault
    if not stripped.strip():
        return "empty"
    try:
        json.loads(stripped)
    except ValueError:
        return "invalid"
    return None
