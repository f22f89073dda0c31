"""The objective mixer: each document becomes one training string, SFIM, FIM or NTP, in PSM or SPM.

The draw is per file, seeded by (recipe seed, document id): the paper gives the mix as shares of
training samples, SFIM needs a function inside the file, and a per-file draw keeps the mix exact
in expectation whatever the repository sizes (a per-repository draw would put whole repositories,
large ones included, under one objective). The seed by id makes the output independent of task
count and input order.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import documents as keys
from codecurate.blocks import CodecurateFilter
from codecurate.fim.formats import NTP, PSM, SPM, file_header, get_format
from codecurate.fim.spans import mine_sfim, random_span
from codecurate.parsing import parse_document
from codecurate.recipe.registry import register
from codecurate.seeding import checked_weights, rng_for

OBJECTIVES = ("sfim", "fim", "ntp")


def _mix(name: str, mix: dict[str, float], allowed: tuple[str, ...]) -> dict[str, float]:
    """Validated weights, normalised, in ``allowed``'s order, zero weights left out."""
    mix = checked_weights(name, mix, allowed, "objectives")
    total = sum(mix.values())
    return {k: mix[k] / total for k in allowed if mix.get(k)}


def _rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


@register("training_objectives")
class TrainingObjectives(CodecurateFilter):
    """Format each document as SFIM, FIM or NTP (aiXcoder-7B: code 70/15/15, text FIM/NTP 50/50).

    Code files get aiXcoder's path/language header in their comment syntax, part of the prefix.
    A document holding one of the format's special strings is dropped (``contains_special_token``):
    its training string could not be read back unambiguously. An SFIM draw on a file with no
    grammar, no function or no usable node falls back to FIM; ``sfim_fallback/<why>`` counts it.

    Args:
        code_mix: objective -> weight for code files (``sfim``, ``fim``, ``ntp``).
        text_mix: objective -> weight for articles (``fim``, ``ntp``).
        fim_spm_rate: share of FIM samples in SPM (the rest PSM); 0.5 in the paper.
        sfim_spm_rate: share of SFIM samples in SPM; 0.7 in the paper.
        format: special-token family: ``aixcoder``, ``starcoder``, ``deepseek-coder``, ``codellama``.
        fim_unit: ``char`` (cut points anywhere, as aiXcoder's fine-tuning code does) or ``token``
            (cut points at token boundaries of ``tokenizer``).
        tokenizer: a tokenizer.json (or a folder holding one), needed for ``fim_unit: token``.
        headers: write the file header on code files.
        parse_seconds: time limit of one file's parse for SFIM.
        seed: the recipe seed unless given.
    """

    name = "training_objectives"
    type = "🎯 - OBJECTIVE"

    def __init__(
        self,
        code_mix: dict[str, float] | None = None,
        text_mix: dict[str, float] | None = None,
        fim_spm_rate: float = 0.5,
        sfim_spm_rate: float = 0.7,
        format: str = "aixcoder",
        fim_unit: str = "char",
        tokenizer: str | None = None,
        headers: bool = True,
        parse_seconds: float = 2.0,
        seed: int = 0,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        self.code_mix = _mix("code_mix", code_mix or {"sfim": 0.7, "fim": 0.15, "ntp": 0.15}, OBJECTIVES)
        self.text_mix = _mix("text_mix", text_mix or {"fim": 0.5, "ntp": 0.5}, ("fim", "ntp"))
        self.fim_spm_rate = _rate("fim_spm_rate", fim_spm_rate)
        self.sfim_spm_rate = _rate("sfim_spm_rate", sfim_spm_rate)
        self.format = get_format(format)
        if fim_unit not in ("char", "token"):
            raise ValueError(f"fim_unit must be 'char' or 'token', got {fim_unit!r}")
        if fim_unit == "token" and not tokenizer:
            raise ValueError("fim_unit 'token' needs a tokenizer (a tokenizer.json or a folder holding one)")
        self.fim_unit = fim_unit
        self.tokenizer_path = tokenizer
        self._tokenizer = None
        self.headers = headers
        self.parse_seconds = parse_seconds
        self.seed = seed

    def token_boundaries(self, text: str) -> list[int]:
        """Character offsets where the tokenizer's tokens of ``text`` start or end."""
        if self._tokenizer is None:
            from codecurate.tokens.loading import load_tokenizer

            self._tokenizer = load_tokenizer(self.tokenizer_path)
        offsets = self._tokenizer.encode(text, add_special_tokens=False).offsets
        return sorted({0, len(text), *(o for pair in offsets for o in pair)})

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        token = self.format.found_in(document.text)
        if token is not None:
            self.stat_update("contains_special_token")
            return False, "contains_special_token"
        meta = document.metadata
        rng = rng_for(self.seed, "objective", document.id)
        code = meta.get(keys.KIND) != keys.KIND_TEXT
        mix = self.code_mix if code else self.text_mix
        objective = rng.choices(list(mix), weights=list(mix.values()))[0]
        mode_draw = rng.random()
        header = file_header(meta.get(keys.PATH) or "", meta.get(keys.LANGUAGE)) if code and self.headers else ""
        text = document.text
        span = None
        if objective == "sfim":
            span = self.sfim_span(document, rng)
            if isinstance(span, str):
                meta[keys.SFIM_FALLBACK] = span
                self.stat_update(f"sfim_fallback/{span}")
                objective, span = "fim", None
            else:
                meta[keys.SFIM_NODE] = span.node_kind
                span = (span.start, span.end)
        if objective == "fim":
            boundaries = self.token_boundaries(text) if self.fim_unit == "token" else None
            span = random_span(len(text), rng, boundaries)
        if objective == "ntp":
            mode, prefix, middle, suffix = NTP, header + text, "", ""
        else:
            spm_rate = self.sfim_spm_rate if objective == "sfim" else self.fim_spm_rate
            mode = SPM if mode_draw < spm_rate else PSM
            start, end = span
            prefix, middle, suffix = header + text[:start], text[start:end], text[end:]
            meta[keys.FIM_MIDDLE] = [len(prefix), len(prefix) + len(middle)]
        document.text = self.format.render(mode, prefix, middle, suffix)
        meta[keys.OBJECTIVE] = objective
        meta[keys.FIM_MODE] = mode
        self.stat_update(f"objective/{objective}")
        self.stat_update(f"mode/{mode}")
        return True

    def sfim_span(self, document: Document, rng):
        result = parse_document(document, self.parse_seconds)
        if result is None:
            return "no_grammar"
        if result.tree is None:
            return "parse_timeout"
        return mine_sfim(document.text, result.source, result.tree, result.grammar, rng)
