"""Sequence formats: how a prefix, middle and suffix become one training string, per model family.

``aixcoder`` is aiXcoder-7B's (SPEC.md section 3, ``▁`` is U+2581):

- PSM: ``<s>▁<AIX-SPAN-PRE>{prefix}▁<AIX-SPAN-POST>{suffix}▁<AIX-SPAN-MIDDLE>{middle}</s>``
- SPM: ``<s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>{suffix}▁<AIX-SPAN-MIDDLE>{prefix}{middle}</s>``
- NTP: ``<s>{text}</s>``

The other families use the same three layouts with their own sentinels. A code file's text starts
with a two-line header in a comment (``# the file path is: a.py`` / ``# the code file is written by
Python``; ``codecurate.fim.file_headers``); the header belongs to the prefix, as in aiXcoder's README
examples. Each family names its default header table: aiXcoder's official one for ``aixcoder``.
"""

from __future__ import annotations

from dataclasses import dataclass

from codecurate.fim.file_headers import AIXCODER, CODECURATE, file_header

__all__ = ["FORMATS", "NTP", "PSM", "SPM", "FimFormat", "file_header", "get_format"]

PSM, SPM, NTP = "psm", "spm", "ntp"


@dataclass(frozen=True)
class FimFormat:
    """Special strings of one model family. ``middle_end`` closes the middle where the family has
    such a token (CodeLlama's ``▁<EOT>``); ``header_table`` is the file-header table used unless a
    stage names another (``codecurate.fim.file_headers``)."""

    name: str
    bos: str
    eos: str
    prefix: str
    suffix: str
    middle: str
    middle_end: str = ""
    header_table: str = CODECURATE

    @property
    def special_tokens(self) -> tuple[str, ...]:
        """Every special string of the family, each one token for its tokenizer."""
        return tuple(t for t in (self.bos, self.eos, self.prefix, self.suffix, self.middle, self.middle_end) if t)

    def render(self, mode: str, prefix: str, middle: str, suffix: str) -> str:
        """The training string for ``mode`` (``psm``, ``spm`` or ``ntp``; NTP takes the text as prefix)."""
        if mode == PSM:
            body = f"{self.prefix}{prefix}{self.suffix}{suffix}{self.middle}{middle}{self.middle_end}"
        elif mode == SPM:
            body = f"{self.prefix}{self.suffix}{suffix}{self.middle}{prefix}{middle}{self.middle_end}"
        elif mode == NTP:
            body = prefix + middle + suffix
        else:
            raise ValueError(f"unknown mode {mode!r}; known: psm, spm, ntp")
        return f"{self.bos}{body}{self.eos}"

    def parse(self, text: str) -> tuple[str, str, str, str]:
        """``(mode, prefix, middle, suffix)`` of a string ``render`` made (the inverse, for checks
        and readers of the output); raises ``ValueError`` on a string of another shape."""
        if not (text.startswith(self.bos) and text.endswith(self.eos)):
            raise ValueError(f"not a {self.name} sequence: it must start with {self.bos!r} and end with {self.eos!r}")
        body = text[len(self.bos): len(text) - len(self.eos)]
        if not body.startswith(self.prefix) or self.suffix not in body or self.middle not in body:
            return NTP, body, "", ""
        if self.middle_end and body.endswith(self.middle_end):
            body = body[: -len(self.middle_end)]
        body = body[len(self.prefix):]
        if body.startswith(self.suffix):  # SPM: the suffix first, then prefix + middle after the middle token
            suffix, _, rest = body[len(self.suffix):].partition(self.middle)
            return SPM, rest, "", suffix  # prefix and middle are contiguous: the split is in metadata
        prefix, _, rest = body.partition(self.suffix)
        suffix, _, middle = rest.partition(self.middle)
        return PSM, prefix, middle, suffix

    def found_in(self, text: str) -> str | None:
        """The first of this family's special strings that occurs in ``text`` (such text cannot be
        formatted unambiguously), or ``None``."""
        return next((token for token in self.special_tokens if token in text), None)


FORMATS: dict[str, FimFormat] = {f.name: f for f in (
    FimFormat("aixcoder", "<s>", "</s>", "▁<AIX-SPAN-PRE>", "▁<AIX-SPAN-POST>", "▁<AIX-SPAN-MIDDLE>",
              header_table=AIXCODER),
    FimFormat("starcoder", "", "<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
    FimFormat("deepseek-coder", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>",
              "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
    FimFormat("codellama", "<s>", "</s>", "▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"),
)}


def get_format(name: str) -> FimFormat:
    """The format called ``name``; a ``ValueError`` lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown FIM format {name!r}; known: {', '.join(FORMATS)}") from None

