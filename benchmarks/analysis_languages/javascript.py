"""JavaScript and TypeScript: oxlint (the default analyzer) on maintained code, planted defects, and
its agreement with ESLint on the same files.

Corpus:

- dev (what the rule set was checked against): Debian's ``node-*`` packages under
  ``/usr/share/nodejs`` as the oracle benchmark reads them (``.js`` files, minified ones left out;
  ``.d.ts`` declarations and ``.ts`` sources), and the TypeScript sources of zod 3 and
  @tanstack/query-core 5 (npm);
- heldout (never looked at while choosing rules): npm's axios 1 (``lib/``), moment 2 (``src/``),
  preact 10 (``src/``, ``hooks/src``...), d3 7's packages (their ``dist`` bundles, minified ones
  left out), and the TypeScript sources of rxjs 7, immer 10 and mobx 6.

    python benchmarks/analysis_languages/javascript.py [--split dev|heldout] [--limit 1500] \\
        [--plants 40] [--eslint] [--seed 0] [--json out.json]

``--eslint`` also runs the ESLint analyzer on the same files (verdicts compared, files where they
differ listed) and both analyzers' CPU time (this process's and its children's, ``getrusage``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
from collections import Counter
from pathlib import Path

#: where the npm corpora are installed (``INSTALL``)
CORPUS = Path(os.environ.get("CODECURATE_JS_CORPUS", Path.home() / ".cache" / "codecurate" / "corpus"))
NODEJS = Path("/usr/share/nodejs")
LANGUAGES = ("JavaScript", "TypeScript")
DEV_NPM = ("zod@3", "@tanstack/query-core@5")
HELDOUT_NPM = ("axios@1", "moment@2", "preact@10", "d3@7", "rxjs@7", "immer@10", "mobx@6")
INSTALL = [
    "apt-get install -y --no-install-recommends node-lodash node-acorn node-yargs node-underscore node-express "
    "node-semver node-commander",
    f"npm install --prefix {CORPUS}/javascript-dev --ignore-scripts --no-audit --no-fund {' '.join(DEV_NPM)}",
    f"npm install --prefix {CORPUS}/javascript-heldout --ignore-scripts --no-audit --no-fund {' '.join(HELDOUT_NPM)}",
    "npm install --prefix ~/.cache/codecurate/eslint eslint@9 @typescript-eslint/parser@8   # --eslint only",
]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    found = set()
    for pattern in patterns:
        found.update(p for p in root.glob(pattern) if p.is_file())
    return sorted(p for p in found if not p.name.endswith((".min.js", ".min.mjs")))


def _sources(split: str) -> list[tuple[str, Path, Path]]:
    """(language, root, path): every candidate file of ``split``; the repository is the first folder under root."""
    out: list[tuple[str, Path, Path]] = []
    if split == "dev":
        out += [("JavaScript", NODEJS, p) for p in _files(NODEJS, ("**/*.js",))]
        out += [("TypeScript", NODEJS, p) for p in _files(NODEJS, ("**/*.ts",))]
        modules = CORPUS / "javascript-dev" / "node_modules"
        out += [("TypeScript", modules, p)
                for p in _files(modules, ("zod/src/**/*.ts", "@tanstack/query-core/src/**/*.ts"))]
    elif split == "heldout":
        modules = CORPUS / "javascript-heldout" / "node_modules"
        out += [("JavaScript", modules, p) for p in _files(modules, (
            "axios/lib/**/*.js", "moment/src/**/*.js", "preact/src/**/*.js", "preact/*/src/**/*.js",
            "d3-*/dist/*.js"))]
        out += [("TypeScript", modules, p) for p in _files(modules, (
            "rxjs/src/**/*.ts", "immer/src/**/*.ts", "mobx/src/**/*.ts"))]
    else:
        raise ValueError(f"split must be dev or heldout, not {split!r}")
    return out


def corpus(rng: random.Random, limit: int, split: str = "dev") -> list[tuple[str, str, str]]:
    """``(repository, path, text)`` of real JavaScript and TypeScript files; at most ``limit`` of each
    language (a sample), TypeScript sources (not declarations) always first."""
    chosen: list[tuple[str, Path, Path]] = []
    for language in LANGUAGES:
        files = [s for s in _sources(split) if s[0] == language]
        sources = [s for s in files if not s[2].name.endswith(".d.ts")]
        declarations = [s for s in files if s[2].name.endswith(".d.ts")]
        picked = rng.sample(sources, min(limit, len(sources)))
        picked += rng.sample(declarations, min(limit - len(picked), len(declarations)))
        chosen += sorted(picked, key=lambda s: str(s[2]))
    out = []
    for _language, root, path in chosen:
        text = _read(path)
        if text is not None:
            relative = path.relative_to(root)
            repo = "/".join(relative.parts[:2]) if relative.parts[0].startswith("@") else relative.parts[0]
            out.append((repo, str(relative), text))
    return out


def language_of(path: str) -> str:
    return "TSX" if path.endswith(".tsx") else "TypeScript" if path.endswith((".ts", ".mts", ".cts")) else "JavaScript"


# --- planted defects --------------------------------------------------------------------------------

PLANTS = {
    "undefined name": """
function codecurateTotal(items) {
  var total = 0;
  for (var i = 0; i < items.length; i++) {
    total += items[i].price;
  }
  return totl;
}
""",
    "unreachable code": """
function codecurateClamp(value) {
  if (value < 0) {
    return 0;
  }
  return value;
  value = value * 2;
}
""",
    "duplicate key": """
var codecurateDefaults = {
  timeout: 1000,
  retries: 3,
  timeout: 5000
};
""",
    "return in finally": """
function codecurateRead(reader) {
  try {
    return reader.read();
  } finally {
    return null;
  }
}
""",
    "NaN comparison": """
function codecurateIsMissing(value) {
  return value === NaN;
}
""",
    "typeof typo": """
function codecurateIsText(value) {
  return typeof value === "strnig";
}
""",
    "const reassigned": """
function codecurateCount(items) {
  const count = 0;
  for (const item of items) {
    if (item.active) {
      count += 1;
    }
  }
  return count;
}
""",
    "duplicate case": """
function codecurateLevel(name) {
  switch (name) {
    case "debug":
      return 10;
    case "info":
      return 20;
    case "debug":
      return 30;
    default:
      return 0;
  }
}
""",
    "wrong loop direction": """
function codecurateReverse(items) {
  var out = [];
  for (var i = items.length - 1; i >= 0; i++) {
    out.push(items[i]);
  }
  return out;
}
""",
    "negated in": """
function codecurateMissingKey(key, table) {
  if (!key in table) {
    return true;
  }
  return false;
}
""",
}
#: TypeScript: no undefined-name kind (no-undef does not run on TypeScript: the compiler's job)
TS_PLANTS = {kind: snippet for kind, snippet in PLANTS.items() if kind != "undefined name"}


def plant(host_text: str, snippet: str) -> str | None:
    """The host with the snippet appended (a declaration at the top level of a script or module)."""
    return host_text.rstrip("\n") + "\n" + snippet


# --- the benchmark ----------------------------------------------------------------------------------

def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _judge(block, docs, batch: int = 256) -> dict[str, tuple[bool, str | None]]:
    verdicts = {}
    for start in range(0, len(docs), batch):
        part = docs[start:start + batch]
        for doc, result in zip(part, block.filter_batch(part)):
            verdicts[doc.id] = result if isinstance(result, tuple) else (result, None)
    return verdicts


def main() -> None:
    from datatrove.data import Document

    from codecurate import metadata as keys
    from codecurate.filters.analysis import filter as analysis_filter
    from codecurate.filters.analysis.base import is_test_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--limit", type=int, default=1500, help="files per language at most")
    parser.add_argument("--plants", type=int, default=40, help="files planted per kind")
    parser.add_argument("--eslint", action="store_true", help="compare with the ESLint analyzer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    def document(repo, path, text):
        return Document(text=text, id=f"{repo}:{path}", metadata={
            keys.REPO: repo, keys.PATH: path, keys.LANGUAGE: language_of(path), keys.KIND: keys.KIND_CODE})

    files = corpus(rng, args.limit, args.split)
    names = ["oxlint"] + (["eslint"] if args.eslint else [])
    results: dict = {"split": args.split, "languages": {}, "plants": [], "cpu": {}}
    verdicts_by, docs_by = {}, {}
    for name in names:
        block = analysis_filter.StaticAnalysisFilter(analyzers=[name])
        docs = [document(*f) for f in files]
        start = _cpu()
        verdicts_by[name] = _judge(block, docs)
        for analyzer in block.analyzers:
            analyzer.close()  # eslint's server: its CPU time counts once it has ended
        results["cpu"][name] = round(_cpu() - start, 2)
        docs_by[name] = docs
    megabytes = sum(len(f[2].encode("utf-8", "replace")) for f in files) / 1e6
    results["megabytes"] = round(megabytes, 2)

    docs, verdicts = docs_by["oxlint"], verdicts_by["oxlint"]
    for language in LANGUAGES:
        group = [d for d in docs if d.metadata[keys.LANGUAGE] in ((language,) if language == "JavaScript"
                                                                  else ("TypeScript", "TSX"))]
        statuses = Counter((d.metadata.get(keys.ANALYSIS_ERROR) or "ok:").split(":", 1)[0] for d in group)
        skipped = [f"{d.id}: {d.metadata.get(keys.ANALYSIS_ERROR)}" for d in group
                   if keys.ANALYSIS_DEFECTS not in d.metadata]
        dropped = [d for d in group if not verdicts[d.id][0]]
        results["languages"][language] = {
            "files": len(group), "tests": sum(is_test_path(d.metadata[keys.PATH]) for d in group),
            "analyzed": sum(keys.ANALYSIS_DEFECTS in d.metadata for d in group), "skipped": len(skipped),
            "statuses": dict(statuses), "skipped_files": skipped[:40], "dropped": len(dropped),
            "dropped_share": round(len(dropped) / max(1, len(group)), 4),
            "dropped_files": [f"{d.id} ({d.metadata.get(keys.ANALYSIS_RULES)})" for d in dropped]}

    if args.eslint:
        other = {d.id: d for d in docs_by["eslint"]}
        differ = []
        for d in docs:
            mine, theirs = verdicts[d.id][0], verdicts_by["eslint"][d.id][0]
            if mine != theirs:
                differ.append(f"{d.id}: oxlint {'keep' if mine else 'drop'} {d.metadata.get(keys.ANALYSIS_RULES)} "
                              f"{d.metadata.get(keys.ANALYSIS_ERROR) or ''} | eslint {'keep' if theirs else 'drop'} "
                              f"{other[d.id].metadata.get(keys.ANALYSIS_RULES)} "
                              f"{other[d.id].metadata.get(keys.ANALYSIS_ERROR) or ''}")
        analyzed_both = [d for d in docs if keys.ANALYSIS_DEFECTS in d.metadata
                         and keys.ANALYSIS_DEFECTS in other[d.id].metadata]
        results["agreement"] = {"files": len(docs), "same_verdict": len(docs) - len(differ),
                                "analyzed_by_both": len(analyzed_both),
                                "eslint_skipped": sum(keys.ANALYSIS_DEFECTS not in other[d.id].metadata for d in docs),
                                "differ": differ}
        results["mb_per_cpu_second"] = {n: round(megabytes / max(1e-9, results["cpu"][n]), 3) for n in names}

    block = analysis_filter.StaticAnalysisFilter(analyzers=["oxlint"])
    hosts = [d for d in docs if verdicts[d.id][0] and keys.ANALYSIS_DEFECTS in d.metadata
             and not is_test_path(d.metadata[keys.PATH]) and not d.metadata[keys.PATH].endswith(".d.ts")]
    for language, kinds in (("JavaScript", PLANTS), ("TypeScript", TS_PLANTS)):
        pool = [d for d in hosts if (d.metadata[keys.LANGUAGE] == "JavaScript") == (language == "JavaScript")]
        for kind, snippet in kinds.items():
            rng.shuffle(pool)
            planted = []
            for host in pool[:args.plants]:
                text = plant(host.text, snippet)
                if text is not None:
                    planted.append(document(host.metadata[keys.REPO], host.metadata[keys.PATH], text))
            judged = _judge(block, planted)
            caught = [d for d in planted if judged[d.id][1] == "analysis_defects"]
            results["plants"].append({"language": language, "kind": kind, "planted": len(planted),
                                      "caught": len(caught),
                                      "missed": [f"{d.id} ({d.metadata.get(keys.ANALYSIS_ERROR) or ''}"
                                                 f"{d.metadata.get(keys.ANALYSIS_RULES)}, "
                                                 f"{d.text.count(chr(10))} lines)"
                                                 for d in planted if d not in caught][:6]})

    for language, row in results["languages"].items():
        print(f"{args.split} {language}: {row['files']} files ({row['tests']} tests), {row['analyzed']} analyzed, "
              f"{row['skipped']} skipped {row['statuses']}, {row['dropped']} dropped "
              f"({100 * row['dropped_share']:.2f}%)")
        for line in row["dropped_files"]:
            print(f"    dropped {line}")
        for line in row["skipped_files"][:15]:
            print(f"    skipped {line}")
    for row in results["plants"]:
        print(f"planted {row['language']} {row['kind']}: {row['caught']}/{row['planted']}"
              + (f" missed {row['missed']}" if row["missed"] else ""))
    if args.eslint:
        agreement = results["agreement"]
        print(f"agreement with eslint: {agreement['same_verdict']}/{agreement['files']} same verdict "
              f"({agreement['analyzed_by_both']} analyzed by both, eslint skipped {agreement['eslint_skipped']})")
        for line in agreement["differ"]:
            print(f"    differ {line}")
        print(f"CPU s on {megabytes:.2f} MB: {results['cpu']}; MB per CPU s: {results['mb_per_cpu_second']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
