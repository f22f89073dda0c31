"""``report/index.html``: one self-contained page (inline data, CSS and script; no network) that shows
what each stage did to real files: the report's numbers as charts one can hover, and per stage and drop
reason a few seeded sample documents with the reason's evidence in place (the line over the limit, the
parse error, the analyzer's findings, the matched benchmark, the duplicate beside the copy kept), the
rewriting stages' before/after pairs (``OUTPUT/samples/``, ``codecurate.core.samples``), rendered
training samples with their FIM parts, and per repository the file order with its import edges.

Nothing sensitive by default: every text the page shows that predates the recipe's PII stage is run
through that stage's redactor (a text it cannot redact is withheld), and a PII before/after shows the
replaced values masked. ``raw=True`` shows raw input instead; the page lists which sections are raw.
The page stays under ``MAX_PAGE_BYTES`` whatever the corpus: it holds samples, never data.
"""

from __future__ import annotations

import heapq
import inspect
import json
import os
from importlib import resources

import orjson
from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.core.folders import Location, datafolder, read_json, write_text
from codecurate.core.report_sections import read_records
from codecurate.core.samples import sample_key
from codecurate.recipe.report_views import (
    WINDOW_LINES,
    clip,
    diff_rows,
    evidence_marks,
    fim_parts,
    unformatted,
    window,
)

#: sample documents per stage and drop reason
SAMPLES_PER_REASON = 4
#: before/after pairs per rewriting stage, training samples per objective and layout
REWRITES_SHOWN = 5
TRAINING_SHOWN = 2
#: repositories whose file order is shown, and files listed per repository
REPOSITORIES_SHOWN = 8
ORDER_FILES_SHOWN = 120
#: the page's bound: samples are dropped (the largest groups first) until the page fits
MAX_PAGE_BYTES = 4 << 20
#: the longest text run through the redactor (a longer one is cut first)
REDACT_CHARS = 200_000
#: metadata shown beside a sample
SHOWN_KEYS = (
    keys.LICENSE,
    keys.LICENSE_SOURCE,
    keys.FILE_LICENSE,
    keys.SIZE_BYTES,
    keys.QUALITY_SCORE,
    keys.DUPLICATE_SIMILARITY,
    keys.DUPLICATE_REPOSITORY_OF,
    keys.ANALYSIS_DEFECTS,
    keys.ANALYSIS_DEFECTS_PER_KLOC,
    keys.ANALYSIS_RULES,
    keys.ANALYSIS_ERROR,
    keys.DECONTAMINATION_MATCH,
    keys.SENSITIVE_MATCH,
    keys.PII_COUNTS,
    keys.COMMENTED_CODE_REMOVED_BYTES,
    keys.SFIM_NODE,
    keys.SFIM_FALLBACK,
)


class Smallest:
    """The ``count`` items of smallest key offered (bounded memory)."""

    def __init__(self, count: int):
        self.count, self._heap = count, []

    def offer(self, key: int, item) -> None:
        if len(self._heap) < self.count:
            heapq.heappush(self._heap, (-key, id(item), item))
        elif -self._heap[0][0] > key:
            heapq.heapreplace(self._heap, (-key, id(item), item))

    def items(self) -> list:
        return [item for _, _, item in sorted(self._heap, key=lambda entry: -entry[0])]


class Redactor:
    """The recipe's PII stage applied to texts the page shows: its block, rebuilt from the parameters
    recorded in ``recipe.json`` (no stage, or ``raw``: texts pass as they are). When the stage cannot
    be rebuilt, every text that needs it is withheld and ``failed`` says why."""

    def __init__(self, output: Location, raw: bool):
        self.stage_id, self.block, self.failed = None, None, None
        if raw:
            return
        from codecurate.core.registry import get_block
        from codecurate.recipe.summary import recorded_stages

        for stage_id, name, params in recorded_stages(output):
            try:
                cls = get_block(name)
            except (KeyError, ImportError):
                continue
            if not getattr(cls, "redacts", False):
                continue
            self.stage_id = stage_id
            try:
                params = dict(params)
                if "seed" in inspect.signature(cls).parameters and "seed" not in params:
                    params["seed"] = read_json(datafolder(output), "recipe.json").get("seed", 0)
                self.block = cls(**params)
            except Exception as error:  # withheld, never shown raw
                self.failed = f"the PII stage {stage_id!r} could not be rebuilt: {type(error).__name__}: {error}"
            return

    def __call__(self, text: str, metadata: dict) -> str | None:
        """``text`` redacted as the PII stage would; ``None`` when the stage would not pass it."""
        return self.redact(text, metadata, str(metadata.get(keys.PATH) or "sample"))[0]

    def redact(self, text: str, metadata: dict, document_id: str) -> tuple[str | None, dict, str]:
        """``(text, metadata, id)`` as the PII stage leaves them: the text redacted (``None`` when the
        stage would not pass it), the path, repository and id too; names withheld when it failed."""
        if self.failed is not None:
            hidden = "(withheld)"
            return None, {**metadata, keys.PATH: hidden, keys.REPO: hidden, keys.DUPLICATE_REPOSITORY_OF: None}, hidden
        if self.block is None:
            return text, metadata, document_id
        document = Document(text=text[:REDACT_CHARS], id=document_id, metadata=dict(metadata))
        verdict = self.block.filter(document)
        keep = verdict[0] if isinstance(verdict, tuple) else verdict
        kept_repository = document.metadata.get(keys.DUPLICATE_REPOSITORY_OF)
        if isinstance(kept_repository, str) and hasattr(self.block, "redact_name"):
            document.metadata[keys.DUPLICATE_REPOSITORY_OF] = self.block.redact_name(kept_repository)[0]
        return (document.text if keep else None), document.metadata, str(document.id)


def _shown_meta(meta: dict) -> dict:
    return {k: meta[k] for k in SHOWN_KEYS if meta.get(k) not in (None, "", {}, [])}


def _findings(evidence: dict, redact: Redactor) -> list[dict]:
    """An analyzer's findings with their messages redacted (all at once, as one text)."""
    findings = evidence["findings"]
    messages = "\n".join(str(f.get("message", "")).replace("\n", " ") for f in findings)
    shown = redact(messages, {keys.PATH: "findings.txt", keys.KIND: keys.KIND_TEXT})
    lines = shown.split("\n") if shown is not None else []
    if len(lines) != len(findings):
        lines = ["(withheld)"] * len(findings)
    return [{**f, "message": line} for f, line in zip(findings, lines)]


def _sample(record: dict, redact: Redactor, pair: dict | None = None) -> dict:
    text = record.get("text") or ""
    raw_meta = dict(record.get("metadata") or {})
    if (raw_meta.get(keys.EVIDENCE) or {}).get("findings"):  # an analyzer's message may quote the code
        raw_meta[keys.EVIDENCE] = {**raw_meta[keys.EVIDENCE], "findings": _findings(raw_meta[keys.EVIDENCE], redact)}
    marks = evidence_marks(text, raw_meta)
    shown, meta, document_id = redact.redact(text, raw_meta, str(record.get("id")))
    entry = {
        "id": document_id,
        "repo": meta.get(keys.REPO),
        "path": meta.get(keys.PATH) or document_id,
        "language": meta.get(keys.LANGUAGE),
        "meta": _shown_meta(meta),
        "evidence": meta.get(keys.EVIDENCE),
        "lines": text.count("\n") + 1,
    }
    if pair is not None:
        other = pair["text"]
        shared = {line.strip() for line in text.split("\n")} & {line.strip() for line in other.split("\n")}
        shared.discard("")
        other_shown, other_meta, other_id = (
            redact.redact(other, pair["metadata"], pair["id"])
            if pair["redact"]
            else (other, pair["metadata"], pair["id"])
        )
        entry["pair"] = {
            "id": other_id,
            "path": other_meta.get(keys.PATH) or other_id,
            "repo": other_meta.get(keys.REPO),
            "where": pair["where"],
            "rows": None if other_shown is None else window(other_shown, {}, shared),
        }
        entry["rows"] = None if shown is None else window(shown, marks, shared)
        entry["shared_lines"] = len(shared)
    else:
        entry["rows"] = None if shown is None else window(shown, marks)
    return entry


def collect_page(output: str | os.PathLike, report: dict, raw: bool = False) -> dict:
    """The page's data: the report's numbers (``report``: ``codecurate.recipe.report.collect``) and
    the samples, redacted unless ``raw``."""
    output = Location(os.fspath(output))
    redact = Redactor(output, raw)
    stages = [s["stage"] for s in report["funnel"]]
    after_pii = stages[stages.index(redact.stage_id) + 1 :] if redact.stage_id in stages else []
    # dropped documents: per stage and reason, the smallest keys
    picks: dict[tuple[str, str], Smallest] = {}
    for stage in stages:
        for record in read_records(output / "excluded" / stage):
            meta = record.get("metadata") or {}
            reason = meta.get(keys.FILTER_REASON) or "unknown"
            picks.setdefault((stage, reason), Smallest(SAMPLES_PER_REASON)).offer(
                sample_key(stage, str(record.get("id"))), record
            )
    wanted = {copy for pick in picks.values() for r in pick.items() if (copy := _copy_of(r.get("metadata") or {}))}
    training, orders, kept_copies = _documents(output, wanted)
    kept_copies.update(_excluded_copies(output, wanted - set(kept_copies), stages))
    drops = []
    for stage in stages:
        for (pick_stage, reason), pick in picks.items():
            if pick_stage != stage:
                continue
            samples = []
            for record in pick.items():
                kept = kept_copies.get(_copy_of(record.get("metadata") or {}))
                sample = _sample(record, _Passing(redact) if stage in after_pii else redact, kept)
                samples.append(sample)
            counts = next((s["dropped"].get(reason) for s in report["funnel"] if s["stage"] == stage), None) or {}
            drops.append(
                {
                    "stage": stage,
                    "reason": reason,
                    "documents": counts.get("documents", len(samples)),
                    "bytes": counts.get("bytes", 0),
                    "samples": samples,
                }
            )
    data = {
        "report": report,
        "drops": drops,
        "rewrites": _rewrites(output, stages, redact, raw),
        "training": training,
        "orders": orders,
        "redacted_by": redact.stage_id,
        "withheld": redact.failed,
        "raw": _raw_sections(redact, raw),
    }
    return _bounded(data)


def _copy_of(meta: dict) -> str | None:
    """The id of the document a dropped duplicate duplicates: the copy kept, or for a file of a
    repository dropped as a copy of another, the file of the same path in the repository kept."""
    if meta.get(keys.DUPLICATE_OF):
        return meta[keys.DUPLICATE_OF]
    if meta.get(keys.DUPLICATE_REPOSITORY_OF) and meta.get(keys.PATH):
        return keys.document_id(meta[keys.DUPLICATE_REPOSITORY_OF], meta[keys.PATH])
    return None


class _Passing:
    """A redactor that passes texts as they are (they were redacted in the run)."""

    def __init__(self, redact: Redactor):
        self.stage_id = redact.stage_id

    def __call__(self, text: str, metadata: dict) -> str:
        return text

    def redact(self, text: str, metadata: dict, document_id: str) -> tuple[str, dict, str]:
        return text, metadata, document_id


def _raw_sections(redact: Redactor, raw: bool) -> list[str]:
    if redact.block is not None or redact.failed is not None:
        return []
    why = "shown raw (codecurate report --raw-samples)" if raw else "the recipe has no PII stage"
    return [f"dropped documents: {why}", f"before/after: {why}", f"duplicates: {why}"]


def _excluded_copies(output: Location, wanted: set[str], stages: list[str]) -> dict[str, dict]:
    """The copies kept of sampled duplicates that a later stage dropped, from its ``excluded/``."""
    found: dict[str, dict] = {}
    for stage in stages:
        if not wanted - set(found):
            break
        for record in read_records(output / "excluded" / stage):
            if record.get("id") in wanted and record["id"] not in found:
                found[record["id"]] = {
                    "id": record["id"],
                    "text": record.get("text") or "",
                    "metadata": record.get("metadata") or {},
                    "where": f"dropped later by {stage}",
                    "redact": True,
                }
    return found


def _rewrites(output: Location, stages: list[str], redact: Redactor, raw: bool) -> list[dict]:
    """Per rewriting stage, before/after pairs: texts before the PII stage redacted on both sides; the
    PII stage's own before masked where it changed (``raw``: shown)."""
    sections = []
    for stage in stages:
        folder = output / "samples" / stage
        pick = Smallest(REWRITES_SHOWN)
        for record in read_records(folder):
            pick.offer(int(record.get("key") or sample_key(stage, str(record.get("id")))), record)
        items = pick.items()
        if not items:
            continue
        is_pii = stage == redact.stage_id
        shown = []
        for record in items:
            meta, document_id = record.get("metadata") or {}, str(record.get("id"))
            before, after = record["before"], record["after"]
            if not is_pii and (redact.block is not None or redact.failed is not None):
                before = redact(before, meta)
                after, meta, document_id = redact.redact(after, meta, document_id)
                if before is None or after is None:
                    continue
            shown.append(
                {
                    "id": document_id,
                    "repo": meta.get(keys.REPO),
                    "path": meta.get(keys.PATH),
                    "language": meta.get(keys.LANGUAGE),
                    "meta": _shown_meta(meta),
                    "rows": diff_rows(before, after, mask=is_pii and not raw),
                }
            )
        sections.append({"stage": stage, "masked": is_pii and not raw, "samples": shown})
    return sections


def _documents(output: Location, wanted: set[str]) -> tuple[list[dict], list[dict], dict[str, dict]]:
    """From ``documents/``, in two passes: training samples (a few per objective and layout), the
    file order of a few repositories (those ordered by the import graph first, half the places), and
    the kept copies of sampled duplicates (unformatted back into their file)."""
    picks: dict[str, Smallest] = {}
    graph, other = Smallest(REPOSITORIES_SHOWN // 2), Smallest(REPOSITORIES_SHOWN)
    strategies: dict[str, str] = {}
    for record in read_records(output / "documents"):
        meta = record.get("metadata") or {}
        group = f"{meta.get(keys.OBJECTIVE) or 'none'}/{meta.get(keys.FIM_MODE) or 'none'}"
        picks.setdefault(group, Smallest(TRAINING_SHOWN)).offer(sample_key("training", str(record.get("id"))), record)
        repo = meta.get(keys.REPO)
        if repo is not None and meta.get(keys.ORDER_POSITION) is not None and repo not in strategies:
            strategies[repo] = meta.get(keys.ORDER_STRATEGY)
            ordered_by_graph = strategies[repo] in ("dependency", "topological")
            (graph if ordered_by_graph else other).offer(sample_key("order", repo), repo)
    chosen = graph.items()
    chosen += other.items()[: REPOSITORIES_SHOWN - len(chosen)]
    files: dict[str, list] = {repo: [] for repo in chosen}
    found: dict[str, dict] = {}
    for record in read_records(output / "documents") if chosen or wanted else ():
        meta = record.get("metadata") or {}
        if meta.get(keys.REPO) in files and meta.get(keys.ORDER_POSITION) is not None:
            files[meta[keys.REPO]].append(
                [meta[keys.ORDER_POSITION], meta.get(keys.PATH), meta.get(keys.ORDER_IMPORTS) or []]
            )
        if record.get("id") in wanted:
            found[record["id"]] = {
                "id": record["id"],
                "text": unformatted(record.get("text") or "", meta),
                "metadata": meta,
                "where": "kept in documents/",
                "redact": False,
            }
    orders = [
        {
            "repo": repo,
            "strategy": strategies[repo],
            "files": len(files[repo]),
            "order": sorted(files[repo])[:ORDER_FILES_SHOWN],
        }
        for repo in chosen
    ]
    training = []
    for group in sorted(picks):
        for record in picks[group].items():
            meta = record.get("metadata") or {}
            parts = fim_parts(record.get("text") or "", meta)
            if parts is None:
                continue
            for name in ("prefix", "suffix"):
                parts[name] = clip(parts[name], WINDOW_LINES // 2, tail=name == "prefix")
            parts["middle"] = clip(parts["middle"], WINDOW_LINES)
            training.append(
                {
                    "id": record.get("id"),
                    "repo": meta.get(keys.REPO),
                    "path": meta.get(keys.PATH),
                    "language": meta.get(keys.LANGUAGE),
                    "objective": meta.get(keys.OBJECTIVE),
                    "sfim_node": meta.get(keys.SFIM_NODE),
                    **parts,
                }
            )
    return training, orders, found


def _json(value) -> bytes:
    """``value`` as JSON; a text holding a lone surrogate (undecodable input) has it replaced."""
    try:
        return orjson.dumps(value, default=str)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", errors="replace")


def _size(value) -> int:
    return len(_json(value))


def _template() -> str:
    return resources.files("codecurate").joinpath("data", "report_page.html").read_text("utf-8")


def _bounded(data: dict) -> dict:
    """``data`` with samples dropped, the last of the group holding the most bytes first, until the
    page (template and data) fits ``MAX_PAGE_BYTES``."""
    excess = _size(data) + len(_template().encode()) - MAX_PAGE_BYTES
    groups = [g for g in data["drops"] + data["rewrites"] if g["samples"]]
    sizes = [[_size(s) for s in g["samples"]] for g in groups]
    while excess > 0 and any(sizes):
        largest = max(range(len(groups)), key=lambda i: sum(sizes[i]))
        groups[largest]["samples"].pop()
        excess -= sizes[largest].pop() + 1
        data["trimmed"] = True
    return data


def render(data: dict) -> str:
    """The page: the template with ``data`` inlined as JSON, every ``<`` written ``\\u003c`` (still
    JSON, and no ``</script>`` or ``<!--`` a sample holds can end or bend the script element)."""
    payload = _json(data).decode("utf-8").replace("<", "\\u003c")
    return _template().replace("/*DATA*/null", payload, 1)


def write_page(output: str | os.PathLike, raw: bool = False) -> Location:
    """Write ``OUTPUT/report/index.html`` from the report ``write_report`` saved (``report.json``)
    and the run's documents; returns its location (a local path or a URL, like ``output``)."""
    output = Location(os.fspath(output))
    folder = datafolder(output / "report")
    write_text(folder, "index.html", render(collect_page(output, read_json(folder, "report.json"), raw)))
    return output / "report" / "index.html"
