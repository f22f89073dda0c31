"""How the report page shows a text: a window of numbered lines around the evidence of a drop (the
marks a filter's ``evidence`` puts on lines), side-by-side rows of a rewrite with the changes marked,
and a formatted training string split back into its FIM parts (``codecurate.recipe.report_page``)."""

from __future__ import annotations

import difflib

from codecurate import metadata as keys

#: lines of a document shown (a window around its evidence), and characters of a line
WINDOW_LINES = 48
LINE_CHARS = 240


def cut_line(line: str) -> str:
    """``line``, cut at ``LINE_CHARS`` characters with how many more there were."""
    return line if len(line) <= LINE_CHARS else f"{line[:LINE_CHARS]} … (+{len(line) - LINE_CHARS:,} characters)"


def window(text: str, marks: dict[int, str], shared: set[str] | None = None) -> list[list]:
    """The shown lines of ``text``: ``[number, text, note]`` rows (``note``: the evidence on that line,
    ``"shared"`` for a line the other copy holds too), a ``[0, "… N lines …", ""]`` row for a gap;
    ``WINDOW_LINES`` lines from a little before the first marked line."""
    lines = text.split("\n")
    first = min(marks) if marks else 1
    start = max(1, min(first - 5, len(lines) - WINDOW_LINES + 1))
    end = min(len(lines), start + WINDOW_LINES - 1)
    rows: list[list] = [[0, f"… {start - 1:,} lines …", ""]] if start > 1 else []
    for number in range(start, end + 1):
        line = lines[number - 1]
        note = marks.get(number, "")
        if not note and shared is not None and line.strip() in shared:
            note = "shared"
        rows.append([number, cut_line(line), note])
    if end < len(lines):
        rows.append([0, f"… {len(lines) - end:,} more lines …", ""])
    return rows


def line_of(text: str, offset: int) -> int:
    """The 1-based line of ``text`` holding the character at ``offset``."""
    return text.count("\n", 0, max(0, offset)) + 1


def evidence_marks(text: str, meta: dict) -> dict[int, str]:
    """Line -> what the evidence says there, from the block's ``evidence`` and the matches it recorded."""
    evidence = meta.get(keys.EVIDENCE) or {}
    marks: dict[int, str] = {}
    if evidence.get("line"):
        if "chars" in evidence:
            note = f"{evidence['chars']:,} characters (limit {evidence.get('limit', '?'):,})"
        elif "node" in evidence:
            note = f"{evidence['node']} at column {evidence.get('column', '?')}"
        elif "marker" in evidence:
            note = f"marker {evidence['marker']!r}"
        else:
            note = "here"
        marks[evidence["line"]] = note
    for finding in evidence.get("findings") or []:
        line = max(1, int(finding.get("line") or 1))
        note = f"{finding.get('rule')} ({finding.get('severity')}): {finding.get('message', '')}"
        marks[line] = f"{marks[line]}; {note}" if line in marks else note
    for start, end in evidence.get("spans") or []:
        for line in range(line_of(text, start), line_of(text, end - 1) + 1):
            marks.setdefault(line, "matches the benchmark item")
    return marks


def unformatted(text: str, meta: dict) -> str:
    """A formatted training string back as its file: prefix, middle and suffix in place, the file
    header the objectives stage put on top taken off."""
    from codecurate.fim.file_headers import HEADER_TABLES, file_header

    parts = fim_parts(text, meta)
    if parts is None:
        return text
    whole = parts["prefix"] + parts["middle"] + parts["suffix"]
    for table in HEADER_TABLES:
        header = file_header(meta.get(keys.PATH) or "", meta.get(keys.LANGUAGE), table)
        if header and whole.startswith(header):
            return whole[len(header) :]
    return whole


def fim_parts(text: str, meta: dict) -> dict | None:
    """``{format, mode, prefix, middle, suffix, tokens}`` of a training string, or ``None`` when no
    known format made it."""
    from codecurate.fim.formats import FORMATS, NTP, SPM

    for fmt in FORMATS.values():
        if not (text.startswith(fmt.bos) and text.endswith(fmt.eos)):
            continue
        if meta.get(keys.FIM_MODE) not in (None, NTP) and fmt.prefix not in text:
            continue
        mode, prefix, middle, suffix = fmt.parse(text)
        if mode == SPM:  # prefix and middle are one run: the metadata says where the middle starts
            start, end = meta.get(keys.FIM_MIDDLE) or (len(prefix), len(prefix))
            length = end - start
            prefix, middle = prefix[: len(prefix) - length], prefix[len(prefix) - length :]
        return {
            "format": fmt.name,
            "mode": mode,
            "prefix": prefix,
            "middle": middle,
            "suffix": suffix,
            "tokens": {
                "bos": fmt.bos,
                "eos": fmt.eos,
                "prefix": fmt.prefix,
                "suffix": fmt.suffix,
                "middle": fmt.middle,
                "middle_end": fmt.middle_end,
            },
        }
    return None


def clip(text: str, lines: int, tail: bool = False) -> str:
    parts = text.split("\n")
    if len(parts) <= lines:
        return "\n".join(cut_line(p) for p in parts)
    kept = parts[-lines:] if tail else parts[:lines]
    gap = f"… {len(parts) - lines:,} lines …"
    body = "\n".join(cut_line(p) for p in kept)
    return f"{gap}\n{body}" if tail else f"{body}\n{gap}"


def diff_rows(before: str, after: str, mask: bool) -> list[list]:
    """Side-by-side rows ``[kind, before number, before segments, after number, after segments]``
    (segments ``[text, changed]``; ``kind``: eq, chg, gap), equal runs cut to 2 lines of context;
    ``mask``: changed text of the before side replaced by dots (a PII value)."""
    a, b = before.split("\n"), after.split("\n")
    rows: list[list] = []

    def segments(text: str, spans: list[tuple[int, int]], hide: bool) -> list[list]:
        out, at = [], 0
        for start, end in spans:
            out += [[cut_line(text[at:start]), False]] if start > at else []
            changed = text[start:end]
            out.append(["•" * min(len(changed), 12) if hide and changed else cut_line(changed), True])
            at = end
        return out + ([[cut_line(text[at:]), False]] if at < len(text) or not out else [])

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            run = list(range(i2 - i1))
            keep = run if len(run) <= 4 else run[:2] + [-1] + run[-2:]
            for k in keep:
                if k < 0:
                    rows.append(["gap", 0, [[f"… {i2 - i1 - 4:,} equal lines …", False]], 0, []])
                else:
                    rows.append(
                        ["eq", i1 + k + 1, [[cut_line(a[i1 + k]), False]], j1 + k + 1, [[cut_line(b[j1 + k]), False]]]
                    )
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            left = a[i1 + k] if i1 + k < i2 else None
            right = b[j1 + k] if j1 + k < j2 else None
            if left is not None and right is not None:
                matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
                ops = [o for o in matcher.get_opcodes() if o[0] != "equal"]
                left_segments = segments(left, [(o[1], o[2]) for o in ops], mask)
                right_segments = segments(right, [(o[3], o[4]) for o in ops], False)
            else:
                left_segments = segments(left, [(0, len(left))], mask) if left is not None else []
                right_segments = [[cut_line(right), True]] if right is not None else []
            rows.append(
                [
                    "chg",
                    i1 + k + 1 if left is not None else 0,
                    left_segments,
                    j1 + k + 1 if right is not None else 0,
                    right_segments,
                ]
            )
    return rows[: WINDOW_LINES * 2]
