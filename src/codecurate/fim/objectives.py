"""The objective mixer: each document becomes one training string, SFIM, FIM or NTP, in PSM or SPM.

The draw is per file, seeded by (recipe seed, document id): the paper gives the mix as shares of
training samples, SFIM needs a function inside the file, and a per-file draw keeps the mix exact
in expectation whatever the repository sizes (a per-repository draw would put whole repositories,
large ones included, under one objective). The seed by id makes the output independent of task
count and input order.

SFIM is drawn only for files that can serve it, with a probability raised per language so that the
realised shares equal the configured mix over the corpus (``codecurate.fim.mix``). In a recipe the
stage takes three passes: a census of every task's code files (per language: files, and files that
can serve SFIM), one task turning the census into acceptance probabilities, then the objectives.
The probabilities depend on the corpus alone, so the output does not depend on task count or order.
Used alone (``run`` without ``sfim_rates``), the block estimates them from the files its task has
seen so far, which follows the configuration less closely and depends on the order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from loguru import logger

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.folders import datafolder, file_in, open_whole, read_json, write_json, write_text
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.core.report_sections import Section, StageOutput
from codecurate.fim import reporting
from codecurate.fim.counters import ARTICLE_GROUP, ELIGIBLE_COUNTER, FALLBACK_COUNTER, OBJECTIVE_COUNTER
from codecurate.fim.file_headers import check_header_table, file_header
from codecurate.fim.formats import NTP, PSM, SPM, get_format
from codecurate.fim.mix import expected_shares, pick, sfim_acceptance, sfim_level
from codecurate.fim.reporting import objective_shares
from codecurate.fim.spans import SfimSpan, mine_sfim, random_span
from codecurate.parsing import parse_document
from codecurate.seeding import checked_weights, rng_for

OBJECTIVES = ("sfim", "fim", "ntp")
UNKNOWN_LANGUAGE = "unknown"
RATES_FILE = "sfim_rates.json"
#: the census's per-document SFIM spans, beside its counts
SPANS_SUFFIX = ".spans.jsonl"


def _mix(name: str, mix: dict[str, float], allowed: tuple[str, ...]) -> dict[str, float]:
    """Validated weights, normalised, in ``allowed``'s order, zero weights left out."""
    mix = checked_weights(name, mix, allowed, "objectives")
    total = sum(mix.values())
    return {k: mix[k] / total for k in allowed if mix.get(k)}


def _rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def language_group(document: Document) -> str:
    """The language a code document is counted under (``unknown`` when it has none)."""
    return (document.metadata.get(keys.LANGUAGE) or UNKNOWN_LANGUAGE).replace("/", "-")


def rates_table(counts: Mapping[str, tuple[int, int]], share: float) -> dict:
    """The census turned into what the objectives pass reads (and a person checks): per language
    the files, the eligible files, the probability that an eligible file takes SFIM and the SFIM
    share that gives; over all, the level, the eligible share and whether ``share`` is reachable."""
    acceptance = sfim_acceptance(counts, share)
    expected = expected_shares(counts, share)
    files = sum(n for n, _ in counts.values())
    eligible = sum(e for _, e in counts.values())
    return {
        "sfim_share": share,
        "level": sfim_level(counts, share),
        "files": files,
        "eligible": eligible,
        "eligible_share": eligible / files if files else 0.0,
        "expected_sfim_share": expected[""],
        "reachable": eligible >= share * files,
        "languages": {language: {"files": n, "eligible": e, "sfim_acceptance": acceptance[language],
                                 "expected_sfim_share": expected[language]}
                      for language, (n, e) in sorted(counts.items())},
    }


class SfimCensus(PipelineStep):
    """Census pass: per language, the task's code files and those that can serve SFIM, to
    ``<folder>/<rank>.json``. Files the objectives pass drops (special tokens) are not counted.
    Each document's SFIM span (or why it has none) goes to ``<folder>/<rank>.spans.jsonl`` in input
    order, so that the objectives pass, which reads the same documents in the same order, takes it
    from there instead of parsing the file again."""

    type = "🎯 - OBJECTIVE"
    name = "sfim census"

    def __init__(self, block: TrainingObjectives, folder: str):
        super().__init__()
        self.block = block
        self.folder = folder

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts: dict[str, list[int]] = {}
        folder = datafolder(self.folder)
        with open_whole(folder, f"{rank:05d}{SPANS_SUFFIX}", "w", encoding="utf-8") as spans:
            for document in data or ():
                if self.block.format.found_in(document.text) or document.metadata.get(keys.KIND) == keys.KIND_TEXT:
                    spans.write(json.dumps([document.id]) + "\n")
                    continue
                with self.track_time():
                    span = self.block.sfim_span(document)
                eligible = isinstance(span, SfimSpan)
                row = [document.id, span.start, span.end, span.node_kind, span.function_kind] if eligible \
                    else [document.id, span]
                spans.write(json.dumps(row) + "\n")
                entry = counts.setdefault(language_group(document), [0, 0])
                entry[0] += 1
                entry[1] += eligible
                self.stat_update("eligible" if eligible else "not_eligible")
        write_text(folder, f"{rank:05d}.json", json.dumps({"counts": counts}, sort_keys=True))
        return
        yield


class SfimRates(PipelineStep):
    """One task: add up the census and write the acceptance probabilities (``rates_table``)."""

    type = "🎯 - OBJECTIVE"
    name = "sfim rates"

    def __init__(self, census: str, result: str, share: float):
        super().__init__()
        self.census = census
        self.result = result
        self.share = share

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        counts: dict[str, tuple[int, int]] = {}
        folder = datafolder(self.census)
        for part in folder.list_files(glob_pattern="*.json", recursive=False) if folder.isdir("") else []:
            for language, (n, e) in read_json(folder, part)["counts"].items():
                before = counts.get(language, (0, 0))
                counts[language] = (before[0] + n, before[1] + e)
        table = rates_table(counts, self.share)
        write_json(*file_in(self.result), table, indent=1)
        if not table["reachable"]:
            logger.warning(f"SFIM share {self.share} is out of reach: only {table['eligible_share']:.3f} of the "
                           f"{table['files']} code files can serve SFIM; every one of them takes it")
        return
        yield


@register("training_objectives")
class TrainingObjectives(CodecurateFilter, MultiStageBlock):
    """Format each document as SFIM, FIM or NTP (aiXcoder-7B: code 70/15/15, text FIM/NTP 50/50).

    The realised code mix equals ``code_mix`` over the corpus: SFIM goes only to files that can
    serve it, at a probability per language raised to make up for those that cannot (module doc,
    ``codecurate.fim.mix``); ``sfim_fallback/<why>`` counts the files that cannot. When too few
    can, every one that can takes SFIM and the summary's shares show the shortfall.
    Code files get a path/language header, part of the prefix. A document holding one of the
    format's special strings is dropped (``contains_special_token``): its training string could
    not be read back unambiguously.

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
        header_table: ``aixcoder`` (the official aiXcoder-7B table, by extension) or ``codecurate``
            (the document's language, in its comment syntax); the format's own by default
            (``aixcoder`` for the ``aixcoder`` format).
        sfim_rates: the SFIM acceptance table (a ``sfim_rates.json`` a run wrote, or its content);
            a recipe measures its own in a census pass unless one is given.
        parse_seconds: time limit of one file's parse for SFIM.
        seed: the recipe seed unless given.
    """

    name = "training_objectives"
    type = "🎯 - OBJECTIVE"
    #: a tokenizer's path or name: normalised as a path (``codecurate.recipe.paths``)
    path_or_name_params = ("tokenizer",)

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
        header_table: str | None = None,
        sfim_rates: str | dict | None = None,
        parse_seconds: float = 2.0,
        seed: int = 0,
        exclusion_writer: DiskWriter | None = None,
    ):
        super().__init__(exclusion_writer)
        self.code_mix = _mix("code_mix", code_mix or {"sfim": 0.7, "fim": 0.15, "ntp": 0.15}, OBJECTIVES)
        self.text_mix = _mix("text_mix", text_mix or {"fim": 0.5, "ntp": 0.5}, ("fim", "ntp"))
        self.sfim_share = self.code_mix.get("sfim", 0.0)
        #: what a code file that does not take SFIM draws from
        self.other_code_mix = {k: w for k, w in self.code_mix.items() if k != "sfim"}
        self.fim_spm_rate = _rate("fim_spm_rate", fim_spm_rate)
        self.sfim_spm_rate = _rate("sfim_spm_rate", sfim_spm_rate)
        self.format = get_format(format)
        self.header_table = check_header_table(header_table or self.format.header_table)
        if fim_unit not in ("char", "token"):
            raise ValueError(f"fim_unit must be 'char' or 'token', got {fim_unit!r}")
        if fim_unit == "token" and not tokenizer:
            raise ValueError("fim_unit 'token' needs a tokenizer (a tokenizer.json or a folder holding one)")
        self.fim_unit = fim_unit
        self.tokenizer_path = tokenizer
        self._tokenizer = None
        self.headers = headers
        self.sfim_rates = sfim_rates
        self._acceptance: tuple[dict[str, float], float] | None = None
        self._seen: dict[str, tuple[int, int]] = {}  # without sfim_rates: this task's census so far
        self.parse_seconds = parse_seconds
        self.seed = seed
        #: the census's folder when a recipe planned one (its spans spare the objectives pass a parse)
        self.census_folder: str | None = None
        self._census = None

    @classmethod
    def summary_fields(cls, params: dict, stage: dict) -> dict:
        """``objective_shares``: the realised shares per language (``codecurate.core.report_sections``)."""
        shares = objective_shares(stage["counters"])
        return {"objective_shares": shares} if shares else {}

    @classmethod
    def summary_lines(cls, stage: dict, brief: bool) -> list[str]:
        return [] if brief else reporting.summary_lines(stage)

    @classmethod
    def report_document(cls, metadata: dict, tally: dict) -> None:
        reporting.count_document(metadata, tally)

    @classmethod
    def report_sections(cls, params: dict, stage: dict, output: StageOutput) -> list[Section]:
        return reporting.objective_sections(stage, output)

    @classmethod
    def run_warnings(cls, params: dict, stage: dict | None) -> list[str]:
        """The SFIM share out of reach: fewer code files could serve SFIM than ``code_mix`` asks
        (``codecurate.core.run_warnings``)."""
        shares = ((stage or {}).get("objective_shares") or {}).get("all code")
        if not shares or "sfim" not in shares:
            return []
        wanted = _mix("code_mix", params.get("code_mix") or {"sfim": 0.7, "fim": 0.15, "ntp": 0.15}, OBJECTIVES)
        share = wanted.get("sfim", 0.0)
        if shares["sfim"] >= share - 0.01:
            return []
        eligible = shares.get("sfim_eligible")
        could = f"only {eligible:.3f} of the {shares['documents']} code files could serve SFIM" \
            if eligible is not None else f"{shares['documents']} code files"
        return [f"SFIM share {share:.3f} (param code_mix) is out of reach: {could}, and {shares['sfim']:.3f} took "
                "it; the other objectives took the rest (see the report's objective shares per language)"]

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        """Census, rates (one task), then the objectives; just the objectives when no SFIM is wanted
        or ``sfim_rates`` is given."""
        segments = []
        if self.sfim_share and self.sfim_rates is None:
            census_folder, rates_file = context.work_folder / "census", context.work_folder / RATES_FILE
            census = context.segment("census", observes=True)
            census.add(context.reader(input_folder), None)
            census.add(SfimCensus(self, str(census_folder)), None)
            rates = context.segment("rates", tasks=1)
            rates.add(SfimRates(str(census_folder), str(rates_file), self.sfim_share), None)
            segments += [census, rates]
            self.sfim_rates = str(rates_file)
            self.census_folder = str(census_folder)
        apply = context.segment("apply")
        apply.add(context.reader(input_folder), None)
        apply.add(context.bind(self), context.stage_id)
        return [*segments, apply]

    def token_boundaries(self, text: str) -> list[int]:
        """Character offsets where the tokenizer's tokens of ``text`` start or end."""
        if self._tokenizer is None:
            from codecurate.tokenizer_files import load_tokenizer

            self._tokenizer = load_tokenizer(self.tokenizer_path)
        offsets = self._tokenizer.encode(text, add_special_tokens=False).offsets
        return sorted({0, len(text), *(o for pair in offsets for o in pair)})

    def sfim_probability(self, language: str, eligible: bool) -> float:
        """Probability that an eligible file of ``language`` takes SFIM: from ``sfim_rates``; without
        them, from the files this block has seen, this one (``eligible`` or not) counted first."""
        if self.sfim_rates is None:
            n, e = self._seen.get(language, (0, 0))
            self._seen[language] = (n + 1, e + eligible)
            n, e = self._seen[language]
            return min(1.0, sfim_level(self._seen, self.sfim_share) * n / e) if e else 0.0
        if self._acceptance is None:
            table = self.sfim_rates
            if isinstance(table, str):
                table = read_json(*file_in(table))
            acceptance = {k: v["sfim_acceptance"] for k, v in table["languages"].items()}
            self._acceptance = (acceptance, table["level"])
        acceptance, level = self._acceptance
        return acceptance.get(language, level)  # a language the census did not see: as if all eligible

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = datafolder(self.census_folder) if self.census_folder else None
        name = f"{rank:05d}{SPANS_SUFFIX}"
        if folder is None or not folder.isfile(name):
            yield from super().run(data, rank, world_size)
            return
        with folder.open(name, "r", encoding="utf-8") as census:
            self._census = census
            try:
                yield from super().run(data, rank, world_size)
            finally:
                self._census = None

    def recorded_span(self, document: Document) -> SfimSpan | str | None:
        """The census's span for ``document``, the next one in its file, or ``None`` (no census,
        or its next document is another one: the census is then left for the rest of the task)."""
        if self._census is None:
            return None
        line = self._census.readline()
        row = json.loads(line) if line else None
        if not row or row[0] != document.id:
            self._census = None
            self.stat_update("census_out_of_step")
            return None
        if len(row) == 5:
            return SfimSpan(*row[1:])
        return row[1] if len(row) == 2 else None

    def sfim_span(self, document: Document) -> SfimSpan | str:
        """The document's SFIM span (seeded by its id), or why it has none: ``no_grammar``,
        ``parse_timeout``, ``too_deeply_nested``, ``no_function``, ``no_line_end``."""
        result = parse_document(document, self.parse_seconds)
        if result is None:
            return "no_grammar"
        if result.tree is None:
            return result.refused or "parse_timeout"
        rng = rng_for(self.seed, "sfim", document.id)
        return mine_sfim(document.text, result.source, result.tree, result.grammar, rng)

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        recorded = self.recorded_span(document)
        token = self.format.found_in(document.text)
        if token is not None:
            self.stat_update("contains_special_token")
            return False, "contains_special_token"
        meta = document.metadata
        rng = rng_for(self.seed, "objective", document.id)
        sfim_draw, objective_draw, mode_draw = rng.random(), rng.random(), rng.random()
        code = meta.get(keys.KIND) != keys.KIND_TEXT
        text = document.text
        span = None
        if code:
            group = language_group(document)
            objective = None
            if self.sfim_share:
                span = recorded if recorded is not None else self.sfim_span(document)
                eligible = isinstance(span, SfimSpan)
                if not eligible:
                    meta[keys.SFIM_FALLBACK] = span
                    self.stat_update(FALLBACK_COUNTER + span)
                else:
                    self.stat_update(ELIGIBLE_COUNTER + group)
                probability = self.sfim_probability(group, eligible)
                if eligible and sfim_draw < probability:
                    objective = "sfim"
                    meta[keys.SFIM_NODE] = span.node_kind
                    span = (span.start, span.end)
            if objective is None:
                objective = pick(self.other_code_mix, objective_draw) or "fim"  # an SFIM-only mix: FIM
            header = file_header(meta.get(keys.PATH) or "", meta.get(keys.LANGUAGE), self.header_table) \
                if self.headers else ""
        else:
            group, header = ARTICLE_GROUP, ""
            objective = pick(self.text_mix, objective_draw)
        if objective == "fim":
            boundaries = self.token_boundaries(text) if self.fim_unit == "token" else None
            span = random_span(len(text), rng_for(self.seed, "fim", document.id), boundaries)
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
        self.stat_update(OBJECTIVE_COUNTER + objective)
        self.stat_update(f"{OBJECTIVE_COUNTER}{group}/{objective}")
        self.stat_update(f"mode/{mode}")
        return True
