"""PII redaction: find the six PII types (and optionally URLs) with the code engine, replace each with its token."""

from __future__ import annotations

import hashlib
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.registry import register
from codecurate.core.report_sections import Plot, Section, StageOutput
from codecurate.pii.scope import scope_ranges

SCOPES = ("code", "whole")
#: At most this many characters of a literal's line before it are its context (``password = "..."``);
#: more than any recognizer looks back, and it keeps a minified file's one long line from being
#: scanned again for each of its literals.
MAX_CONTEXT = 256


def context_start(text: str, start: int) -> int:
    """Where the context of a comment or literal at ``start`` begins: its line's start, at most
    ``MAX_CONTEXT`` characters back."""
    floor = max(0, start - MAX_CONTEXT)
    return max(text.rfind("\n", floor, start) + 1, floor)


class TriggerIndex:
    """The recognizers' trigger spans in one text (``trigger_spans``), for asking whether a part of
    it overlaps one. Empty (false) when the text has none: then nothing can be found in it."""

    def __init__(self, recognizers, text: str):
        from codecurate.pii.recognizers import fold

        folded = fold(text)
        spans = sorted(span for recognizer in recognizers for span in recognizer.trigger_spans(text, folded))
        self.starts = [start for start, _ in spans]
        self.reach = list(accumulate((end for _, end in spans), max))  # furthest end among spans so far

    def __bool__(self) -> bool:
        return bool(self.starts)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # the spans that start before ``end``
        return i > 0 and self.reach[i - 1] > start


def _check_model_is_here(ner_model: str) -> None:
    """Refuse a NER model that is neither a folder nor an installed spaCy package: spaCy would try to
    download it at run time, and codecurate never uses the network."""
    from importlib.util import find_spec
    from pathlib import Path

    if Path(ner_model).is_dir():
        return
    if not ner_model.replace("_", "").replace("-", "").isalnum() or find_spec(ner_model.replace("-", "_")) is None:
        raise ValueError(f"ner_model {ner_model!r} is neither a model folder nor an installed spaCy package; "
                         "codecurate never downloads a model: install it (python -m spacy download NAME) or give "
                         "its folder")


@register("pii_redaction")
class PIIRedactor(CodecurateFilter):
    """Replace emails, names, IP addresses, usernames, passwords and keys with ``<EMAIL>``,
    ``<NAME>``, ``<IP_ADDRESS>``, ``<USERNAME>``, ``<PASSWORD>``, ``<KEY>`` (and, when ``urls`` is
    set, URLs outside the allow-list with ``<URL>``); counts per type go to
    ``pii_counts`` and the stage stats. A document that exceeds its time budget is dropped
    (``pii_timeout``), never passed through unredacted.

    Args:
        scope: ``code`` scans, in program source, what can hold a secret: comments, string
            literals of every kind, heredocs, unquoted shell words, ``#define`` values
            (``codecurate.pii.scope``); prose, markup, config and data formats, and files without
            a grammar, are scanned whole. ``whole`` scans every file whole. Either way the file's
            path and repository name are checked too, and redacted in the metadata and the id.
            A file is first searched for the recognizers' triggers (``find``): one without any is
            neither parsed nor analysed, and only the parts that overlap one go to presidio.
        ner_model: a folder with a Hugging Face token-classification model (StarPII...), or a spaCy
            pipeline (name or folder) whose NER finds names; ``None``: author and copyright rules
            only. Never downloaded.
        redact_private_ips: also redact private, loopback and reserved addresses.
        min_entropy: bits per character for a literal to count as a key.
        budget_seconds, budget_per_mb: time allowed per document.
        urls: also replace URLs with ``<URL>`` (off: the paper's six types; the aiXcoder-7B README
            names URLs among the sensitive information).
        url_allow_domains: hosts (and their subdomains) whose URLs are kept, added to
            ``DEFAULT_URL_ALLOW_DOMAINS`` (licence, standards and documentation hosts) unless
            ``url_default_domains`` is false.
    """

    rewrites_text = True
    samples_mask_changes = True  # the values it replaced never reach the samples
    #: the report page redacts the texts it shows with this stage (``codecurate.recipe.report_page``)
    redacts = True

    name = "pii_redaction"

    @classmethod
    def report_document(cls, metadata: dict, tally: dict) -> None:
        """Count the replacements a curated document records (``codecurate.core.report_sections``)."""
        for kind, count in (metadata.get(keys.PII_COUNTS) or {}).items():
            tally[kind] = tally.get(kind, 0) + count

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        """The replacements in the curated documents, by type."""
        counts = dict(Counter(output.tally).most_common())
        rows = ["| type | count |", "|---|---|", *(f"| {k} | {v:,} |" for k, v in counts.items())]
        return [Section("PII replaced, by type", rows if counts else [], {"pii": counts},
                        plots=[Plot("pii", "PII replaced, by type", "replacements", counts)])]

    def __init__(
        self,
        scope: str = "code",
        ner_model: str | None = None,
        redact_private_ips: bool = False,
        min_entropy: float = 3.5,
        budget_seconds: float = 5.0,
        budget_per_mb: float = 20.0,
        urls: bool = False,
        url_allow_domains: list[str] | None = None,
        url_default_domains: bool = True,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
        if budget_seconds <= 0 or budget_per_mb < 0:
            raise ValueError("budget_seconds must be > 0 and budget_per_mb >= 0")
        domains = list(url_allow_domains or ())
        if any(not isinstance(d, str) or not d.strip(" .") or "/" in d for d in domains):
            raise ValueError(f"url_allow_domains must be host names (no scheme or path), got {domains!r}")
        if not urls and (domains or not url_default_domains):
            raise ValueError("url_allow_domains and url_default_domains need urls: true")
        self.urls, self.url_allow_domains, self.url_default_domains = urls, domains, url_default_domains
        if ner_model is not None:
            _check_model_is_here(ner_model)
        self.scope = scope
        self.ner_model = ner_model
        self.redact_private_ips = redact_private_ips
        self.min_entropy = min_entropy
        self.budget_seconds = budget_seconds
        self.budget_per_mb = budget_per_mb
        self._engine = None
        self._last_repo: tuple = (None, None, Counter())

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_engine"] = None  # built again in each worker
        return state

    def engine(self):
        if self._engine is None:
            from codecurate.pii.presidio_import import import_presidio

            import_presidio(light=self.ner_model is None)
            from codecurate.pii.engine import build_engine
            from codecurate.pii.recognizers import DEFAULT_URL_ALLOW_DOMAINS

            defaults = DEFAULT_URL_ALLOW_DOMAINS if self.url_default_domains else ()
            allow = tuple(dict.fromkeys([*defaults, *self.url_allow_domains])) if self.urls else None
            engine, entities = build_engine(self.ner_model, self.redact_private_ips, self.min_entropy,
                                            url_allow_domains=allow)
            # the first analysis loads what presidio loads lazily: not a document's time
            engine.analyze(text="warm up: dev@example.org 10.1.2.3 password = 'x'", language="en", entities=entities)
            self._engine = engine, entities
        return self._engine

    def triggers(self):
        """The engine's recognizers when every one of them states its triggers, else ``None`` (an NER
        model can find a name anywhere: then every comment and literal is analysed)."""
        engine, _ = self.engine()
        recognizers = engine.registry.recognizers
        return recognizers if all(hasattr(r, "trigger_spans") for r in recognizers) else None

    def find(self, document: Document, deadline: float | None = None) -> list[tuple[int, int, str]] | None:
        """Non-overlapping ``(start, end, type)`` findings, or ``None`` past the deadline.

        The recognizers' triggers are found in the whole file first; a file without any is not
        parsed, and only the comments and literals (each with its context) that overlap one are
        analysed, joined into one presidio call. The findings are those of ``find_plain``."""
        recognizers = self.triggers()
        if recognizers is None:
            return self.find_plain(document, deadline)
        engine, entities = self.engine()
        text = document.text
        pieced = _pieced(text, entities)
        index = TriggerIndex(recognizers, text)
        if not index:
            return _choose(pieced)
        ranges = scope_ranges(document, self.budget_seconds) if self.scope == "code" else None
        if ranges is None:
            ranges = [(0, len(text))]
        segments = []
        for start, end in ranges:
            window = context_start(text, start) if self.scope == "code" else start
            if index.overlaps(window, end):
                segments.append((window, start, end))
        if not segments:
            return _choose(pieced)
        if deadline is not None and time.perf_counter() > deadline:
            return None
        found = analyze_segments(engine, entities, text, segments)
        if found is None:  # a finding ran across two segments: cannot happen with these recognizers
            return self.find_plain(document, deadline)
        if deadline is not None and time.perf_counter() > deadline:
            return None
        return _choose(found + pieced)

    def find_plain(self, document: Document, deadline: float | None = None) -> list[tuple[int, int, str]] | None:
        """``find`` without triggers or batching: one presidio call per comment or literal."""
        engine, entities = self.engine()
        text = document.text
        ranges = scope_ranges(document, self.budget_seconds) if self.scope == "code" else None
        if ranges is None:
            ranges = [(0, len(text))]
        found = _pieced(text, entities)
        for start, end in ranges:
            if deadline is not None and time.perf_counter() > deadline:
                return None
            # the line before a literal is its context (``password = "..."``): analyse from the
            # line start, keep only what lies inside the scanned range
            window = context_start(text, start) if self.scope == "code" else start
            for result in engine.analyze(text=text[window:end], language="en", entities=entities):
                if window + result.start < start:
                    continue
                found.append((window + result.start, window + result.end, _entity(result), result.score))
        if deadline is not None and time.perf_counter() > deadline:
            return None
        return _choose(found)

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        self.engine()  # built (and warmed up) before any document's clock starts
        deadline = time.perf_counter() + self.budget_seconds + self.budget_per_mb * len(document.text) / 1_000_000
        findings = self.find(document, deadline)
        if findings is None:
            return False, "pii_timeout"
        counts = Counter(entity for _, _, entity in findings)
        document.text = _replace(document.text, findings)
        counts.update(self.redact_names(document))
        for entity, count in counts.items():
            self.stat_update(f"pii/{entity}", value=count)
        document.metadata[keys.PII_COUNTS] = dict(sorted(counts.items()))
        return True


    def redact_name(self, value: str) -> tuple[str, Counter]:
        """``value`` (a path, a repository name, an id) with its PII replaced, and the counts. A
        changed value ends with ``~`` and a digest of the original, so two names that differ only
        in what was redacted stay distinct (files of one repository keep one repository name)."""
        engine, entities = self.engine()
        # the rule recognizers only: an NER model, trained on prose, is not asked about file names
        recognizers = [r for r in engine.registry.recognizers if hasattr(r, "trigger_spans")]
        if not value or not TriggerIndex(recognizers, value):
            return value, Counter()
        findings = _choose([(r.start, r.end, _entity(r), r.score) for recognizer in recognizers
                            for r in recognizer.analyze(value, entities, None)])
        if not findings:
            return value, Counter()
        digest = hashlib.blake2b(value.encode("utf-8", errors="surrogatepass"), digest_size=4).hexdigest()
        return f"{_replace(value, findings)}~{digest}", Counter(entity for _, _, entity in findings)

    def redact_names(self, document: Document) -> Counter:
        """Redact the document's path, repository name and id in place; the counts of what was found."""
        counts: Counter = Counter()
        for key in (keys.PATH, keys.REPO):
            value = document.metadata.get(key)
            if isinstance(value, str):
                if key == keys.REPO and value == self._last_repo[0]:  # the files of a repository arrive together
                    redacted, found = self._last_repo[1:]
                else:
                    redacted, found = self.redact_name(value)
                    if key == keys.REPO:
                        self._last_repo = (value, redacted, found)
                document.metadata[key] = redacted
                counts.update(found)
        document.id, found = self.redact_name(str(document.id))
        if found:
            self.stat_update("pii/redacted_ids")
        return counts


def _replace(text: str, findings: list[tuple[int, int, str]]) -> str:
    """``text`` with each finding replaced by its type's token."""
    if not findings:
        return text
    parts, last = [], 0
    for start, end, entity in findings:
        parts.append(text[last:start])
        parts.append(f"<{entity}>")
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _entity(result) -> str:
    from codecurate.pii.engine import NER_PERSON
    from codecurate.pii.recognizers import NAME

    return NAME if result.entity_type == NER_PERSON else result.entity_type


def _pieced(text: str, entities: list[str]) -> list[tuple[int, int, str, float]]:
    """The pieces of tokens split over literals with code between them, as findings (each piece lies in
    its literal: in scope whatever the scope; ``codecurate.pii.recognizers.pieced_tokens``)."""
    from codecurate.pii.recognizers import KEY, pieced_tokens

    return [(start, end, KEY, 1.0) for start, end in pieced_tokens(text)] if KEY in entities else []


def _choose(found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str]]:
    """Overlapping findings: the earliest, then the longest, then the highest score wins."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, entity, _ in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]), -f[3])):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, entity))
    return chosen


def analyze_segments(engine, entities: list[str], text: str,
                     segments: list[tuple[int, int, int]]) -> list[tuple[int, int, str, float]] | None:
    """One presidio call over the ``(window, start, end)`` segments of ``text`` joined by
    ``SEGMENT_BREAK``; each finding mapped back to ``text`` and kept when it lies in its segment's
    ``[start, end)``, exactly as a call per segment on ``text[window:end]`` keeps it. ``None`` when
    a finding runs across a segment's end."""
    from codecurate.pii.joins import SEGMENT_BREAK

    offsets, parts, position = [], [], 0
    for window, _, end in segments:
        offsets.append(position)
        parts.append(text[window:end])
        position += end - window + len(SEGMENT_BREAK)
    found = []
    for result in engine.analyze(text=SEGMENT_BREAK.join(parts), language="en", entities=entities):
        i = bisect_right(offsets, result.start) - 1
        window, start, end = segments[i]
        shift = window - offsets[i]
        if result.end + shift > end:
            return None
        if result.start + shift >= start:
            found.append((result.start + shift, result.end + shift, _entity(result), result.score))
    return found
