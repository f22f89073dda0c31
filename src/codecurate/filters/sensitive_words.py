"""Sensitive words: drop documents that contain a listed word or phrase.

Matching is whole-word and case-insensitive, with an Aho-Corasick automaton (pyahocorasick), so
its cost grows with the text, not with the length of the list.

Word list file format: UTF-8 text, one word or phrase per line; blank lines and lines starting with
``#`` are ignored; surrounding whitespace is stripped; case does not matter.
"""

from __future__ import annotations

from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register


def load_word_list(path: str | Path) -> list[str]:
    """The entries of a word list file (format in the module docstring)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: word list is not UTF-8 ({error})") from None
    words = [line.strip() for line in lines]
    return [w for w in words if w and not w.startswith("#")]


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@register("sensitive_words")
class SensitiveWordsFilter(CodecurateFilter):
    """Drop documents containing any listed word (reason ``sensitive_word``).

    Args:
        words_file: word list file; ``None`` with no ``words`` passes every document (with a warning).
        words: extra entries given inline.
    """

    name = "sensitive_words"

    def __init__(
        self,
        words_file: str | None = None,
        words: list[str] | None = None,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        if words_file is not None and not Path(words_file).is_file():
            raise FileNotFoundError(f"word list {words_file} does not exist")
        self.words_file = words_file
        self.words = sorted({w.strip().lower() for w in [*(load_word_list(words_file) if words_file else []),
                                                          *(words or [])] if w.strip()})
        self._automaton = None

    def _build(self):
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for word in self.words:
            automaton.add_word(word, word)
        automaton.make_automaton()
        return automaton

    def first_match(self, text: str) -> str | None:
        """The first listed word found in ``text`` as a whole word, or ``None``."""
        if not self.words:
            return None
        if self._automaton is None:
            self._automaton = self._build()
        lowered = text.lower()
        for end, word in self._automaton.iter(lowered):
            start = end - len(word) + 1
            before_ok = start == 0 or not _is_word_char(lowered[start - 1]) or not _is_word_char(word[0])
            after_ok = end + 1 == len(lowered) or not _is_word_char(lowered[end + 1]) or not _is_word_char(word[-1])
            if before_ok and after_ok:
                return word
        return None

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """No word list: the stage checks nothing (``codecurate.core.run_warnings``)."""
        if params.get("words_file") or params.get("words"):
            return []
        return ["no sensitive-word list given (params words_file or words): every document passes unchecked"]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if not self.words:
            logger.warning(f"{self.name}: no word list given; every document passes")
        yield from super().run(data, rank, world_size)

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        match = self.first_match(document.text)
        if match is None:
            return True
        document.metadata[keys.SENSITIVE_MATCH] = match
        return False, "sensitive_word"

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_automaton"] = None  # rebuilt in each worker
        return state
