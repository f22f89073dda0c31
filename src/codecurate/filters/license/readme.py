"""The license section of a repository's README, where a repository with no license file states one.

Many repositories state their license only in a README section: a Perl distribution's ``README`` made
from its POD (``COPYRIGHT AND LICENSE``: "under the same terms as Perl itself"), its main module's
POD (``=head1 LICENSE``), a Markdown ``## License`` ("MIT"), a reStructuredText section, or, where the
repository has none of these, an HTML page of its own documentation at its top (LPeg's ``lpeg.html``:
``<h2>License</h2>``). The license stage reads these sections, and only these (a README names other
projects' licenses elsewhere), after the manifests and license files found none.

``license_sections(text, path)`` returns the text of each section whose heading names a license or a
copyright, each cut at the next heading.
"""

from __future__ import annotations

import html
import posixpath
import re

#: README names (lower-cased base name without extension) and the extensions read
README_STEMS = frozenset({"readme"})
README_EXTENSIONS = frozenset({"", ".md", ".markdown", ".txt", ".rst", ".pod", ".adoc"})
#: POD files: a Perl module states its license in its documentation
POD_EXTENSIONS = frozenset({".pm", ".pod"})
#: HTML documentation at the top of a repository: read when no README or POD has a license section
HTML_EXTENSIONS = frozenset({".html", ".htm"})
_HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_DROPPED = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")
#: a heading that names the license: "License", "LICENCE", "5) COPYRIGHT AND LICENCE", "ISC License"
_TITLE = re.compile(r"\b(?:licen[cs]es?|licensing|copyright)\b", re.IGNORECASE)
#: a heading of more words than this is a sentence, not a title
MAX_TITLE_WORDS = 6
_MARKDOWN = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_POD = re.compile(r"^=head(\d)\s+(.*?)\s*$")
_UNDERLINE = re.compile(r"^([=\-~^*+#])\1{2,}\s*$")
#: a copyright notice that opens a paragraph: "Copyright (c) 2006 Ian Guthrie. All rights reserved."
_NOTICE = re.compile(r"^\s*(?:copyright\b|\(c\)|©).{0,80}\b(?:19|20)\d\d\b", re.IGNORECASE)
#: a section longer than this is not a license statement (a README whose heading parse went wrong)
MAX_SECTION_CHARS = 20_000


def is_license_text_source(path: str) -> bool:
    """Whether ``path`` (at the top of a repository) is a README or a Perl module's documentation."""
    if "/" in path:
        return False
    stem, extension = posixpath.splitext(path.lower())
    return (stem in README_STEMS and extension in README_EXTENSIONS) or extension in POD_EXTENSIONS


def is_html_documentation(path: str) -> bool:
    """Whether ``path`` is an HTML page at the top of a repository (read after READMEs and POD)."""
    return "/" not in path and posixpath.splitext(path.lower())[1] in HTML_EXTENSIONS


def html_to_text(text: str) -> str:
    """An HTML page as plain text whose ``<hN>`` headings are Markdown headings of level N."""

    def heading(match: re.Match) -> str:
        title = " ".join(html.unescape(_HTML_TAG.sub(" ", match.group(2))).split())
        return f"\n\n{'#' * int(match.group(1))} {title}\n\n"

    text = _HTML_TAG.sub(" ", _HTML_HEADING.sub(heading, _HTML_DROPPED.sub(" ", text)))
    return "\n".join(" ".join(html.unescape(line).split()) for line in text.splitlines())


def _is_underlined(lines: list[str], index: int) -> bool:
    """A reStructuredText or Setext title: a line over a row of ``=``/``-``... about as long."""
    title = lines[index].strip()
    below = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return bool(title) and _UNDERLINE.match(below) is not None and len(below) >= len(title) * 0.6


def _is_capital_title(lines: list[str], index: int) -> bool:
    """A plain-text title: a short unindented line in capitals after a blank line (``COPYRIGHT``)."""
    line = lines[index].rstrip()
    return (
        bool(line)
        and not line[0].isspace()
        and line.upper() == line
        and any(c.isalpha() for c in line)
        and len(line) <= 40
        and (index == 0 or not lines[index - 1].strip())
    )


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """``(line index, level, title)`` of the headings: Markdown ``#``, POD ``=headN``,
    reStructuredText and Setext underlines (level 1), plain-text titles in capitals (level 1)."""
    found = []
    for index, line in enumerate(lines):
        markdown = _MARKDOWN.match(line.strip()) if line.startswith("#") else None
        pod = _POD.match(line)
        if markdown:
            found.append((index, len(markdown.group(1)), markdown.group(2)))
        elif pod:
            found.append((index, int(pod.group(1)), pod.group(2)))
        elif _is_underlined(lines, index) or _is_capital_title(lines, index):
            found.append((index, 1, line.strip()))
    return found


def license_sections(text: str, path: str = "README") -> list[str]:
    """The sections of ``text`` whose heading names a license or copyright, each up to the next
    heading of the same or a higher level (POD: ``=cut`` ends one too; HTML: its ``<hN>`` headings,
    and no section without one)."""
    is_html = posixpath.splitext(path.lower())[1] in HTML_EXTENSIONS
    if is_html:
        text = html_to_text(text)
    lines = text.splitlines()
    headings = _headings(lines)
    sections = []
    for position, (index, level, title) in enumerate(headings):
        if not _TITLE.search(title) or len(title.split()) > MAX_TITLE_WORDS:
            continue
        end = len(lines)
        for other_index, other_level, _ in headings[position + 1 :]:
            if other_level <= level:
                end = other_index
                break
        body = lines[index + 1 : end]
        if posixpath.splitext(path.lower())[1] in POD_EXTENSIONS:
            body = body[: next((i for i, line in enumerate(body) if line.startswith("=cut")), len(body))]
        section = "\n".join(line for line in body if not _UNDERLINE.match(line.strip())).strip()
        if section and len(section) <= MAX_SECTION_CHARS:
            sections.append(section)
    if not sections and not is_html:  # no heading: a "Copyright (c) 2006 Name." paragraph and the one after it
        for index, line in enumerate(lines):
            if _NOTICE.match(line):
                blank = [i for i in range(index + 1, len(lines)) if not lines[i].strip()]
                paragraph_ends = [i for i in blank if i + 1 < len(lines) and lines[i + 1].strip()]
                end = paragraph_ends[1] if len(paragraph_ends) > 1 else len(lines)
                sections.append("\n".join(lines[index:end]).strip()[:MAX_SECTION_CHARS])
                break
    return sections
