"""Static analysis against two oracles: well-maintained code should pass, planted defects should not.

False drops: the ``static_analysis`` block with its defaults on code its maintainers test and
release: the best-known Python distributions installed here (their tests included when they ship
them), C++ from Debian's boost headers and googletest sources, Go from the Go standard library
(``/usr/lib/go/src``, every package, ``testdata`` left out), JavaScript and TypeScript (declarations, and the
few TypeScript sources there are) from Debian's ``node-*`` packages (``/usr/share/nodejs``, minified
files left out). Goal: <= 1% dropped.

Planted defects: one defect per file, a small realistic function appended to a real file the
analyzer read without finding anything to drop (undefined names, SQL built by string formatting,
hard-coded credentials, memory leaks, use after free, unreachable code...). Goal: >= 90% caught.

The Python part is also run with the previous rule set (ruff F, E9, B, S, PLE unweighted, 20
problems per KLOC) for the before/after comparison.

    python benchmarks/analysis_oracle.py [--boost 1500] [--go-packages 1000] [--js 1500] [--ts 300] \\
        [--plants 40] [--seed 0] [--json results.json]

Needs ruff, cppcheck, go and eslint (``npm install --prefix ~/.cache/codecurate/eslint eslint@9
@typescript-eslint/parser@8``); Debian: ``apt-get install cppcheck golang-go libboost-dev libgtest-dev
node-lodash node-acorn node-yargs node-underscore node-express node-semver node-commander``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata as metadata
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.filters.analysis import StaticAnalysisFilter
from codecurate.filters.analysis.base import is_test_path
from codecurate.languages import language_for_path

sys.path.insert(0, str(Path(__file__).parent))
from analysis_languages import c as c_module  # noqa: E402
from analysis_languages import javascript as javascript_module  # noqa: E402

#: the best-known Python distributions, when installed
PYTHON_DISTRIBUTIONS = (
    "requests", "urllib3", "idna", "certifi", "charset-normalizer", "click", "flask", "werkzeug", "jinja2",
    "markupsafe", "attrs", "packaging", "six", "python-dateutil", "pytz", "pyyaml", "toml", "tqdm", "rich", "httpx",
    "more-itertools", "jsonschema", "pydantic", "pytest", "pluggy", "numpy", "networkx", "scipy", "scikit-learn",
    "matplotlib", "setuptools", "pip", "hypothesis",
)
BOOST = Path("/usr/include/boost")
GOOGLETEST = Path("/usr/src/googletest")
GOROOT_SRC = Path("/usr/lib/go/src")
NODEJS = Path("/usr/share/nodejs")


def document(text: str, repo: str, path: str, language: str) -> Document:
    return Document(text=text, id=f"{repo}/{path}",
                    metadata={keys.REPO: repo, keys.PATH: path, keys.LANGUAGE: language, keys.KIND: keys.KIND_CODE})


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# --- corpora ------------------------------------------------------------------------------------

def python_corpus() -> tuple[list[Document], list[str]]:
    docs, names = [], []
    for name in PYTHON_DISTRIBUTIONS:
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        names.append(f"{name} {distribution.version}")
        for file in distribution.files or ():
            if str(file).endswith((".py", ".pyi")) and ".." not in file.parts:
                text = read(Path(distribution.locate_file(file)))
                if text is not None:
                    docs.append(document(text, name, str(file), "Python"))
    return docs, names


def cpp_corpus(boost_files: int, rng: random.Random) -> list[Document]:
    boost = sorted(p for p in BOOST.rglob("*") if p.suffix in (".hpp", ".h", ".ipp", ".cpp") and p.is_file())
    chosen = sorted(rng.sample(boost, min(boost_files, len(boost))))
    gtest = sorted(p for p in GOOGLETEST.rglob("*") if p.suffix in (".h", ".cc", ".cpp", ".c") and p.is_file())
    docs = []
    for root, paths in ((BOOST.parent, chosen), (GOOGLETEST, gtest)):
        for path in paths:
            text = read(path)
            if text is not None:
                docs.append(document(text, root.name, str(path.relative_to(root)),
                                     "C" if path.suffix == ".c" else "C++"))
    return docs


def go_corpus(packages: int, rng: random.Random) -> list[Document]:
    folders = sorted({p.parent for p in GOROOT_SRC.rglob("*.go") if "testdata" not in p.parts})
    docs = []
    for folder in sorted(rng.sample(folders, min(packages, len(folders)))):
        for path in sorted(folder.glob("*.go")):
            text = read(path)
            if text is not None:
                docs.append(document(text, "go", str(path.relative_to(GOROOT_SRC)), "Go"))
    return docs


def js_corpus(files: int, typescript: int, rng: random.Random) -> list[Document]:
    javascript = sorted(p for p in NODEJS.rglob("*.js") if not p.name.endswith(".min.js") and p.is_file())
    declarations = sorted(p for p in NODEJS.rglob("*.d.ts") if p.is_file())
    sources = sorted(p for p in NODEJS.rglob("*.ts") if p.is_file() and not p.name.endswith(".d.ts"))
    docs = []
    for paths, language in ((rng.sample(javascript, min(files, len(javascript))), "JavaScript"),
                            (rng.sample(declarations, min(typescript, len(declarations))) + sources, "TypeScript")):
        for path in sorted(paths):
            text = read(path)
            if text is not None:
                relative = path.relative_to(NODEJS)
                docs.append(document(text, relative.parts[0], str(relative), language))
    return docs


# --- planted defects ------------------------------------------------------------------------------

PYTHON_PLANTS = {
    "undefined name": """

def summarize_quantities(entries):
    total = 0
    for entry in entries:
        total += entry.quantity
    return totl
""",
    "SQL by string formatting": """

def find_account(cursor, username):
    query = "SELECT id, email FROM accounts WHERE username = '%s'" % username
    cursor.execute(query)
    return cursor.fetchone()
""",
    "hard-coded credentials": """

def connect_reporting_db(connector):
    return connector.connect(host="db.internal", user="report", password="R3port!2024")
""",
    "TLS verification off": """

def fetch_status(url):
    import requests

    return requests.get(url, verify=False, timeout=10).json()
""",
    "unsafe yaml.load": """

def load_settings(path):
    import yaml

    with open(path) as stream:
        return yaml.load(stream)
""",
    "format arguments missing": """

def describe_user(name, email):
    return "%s <%s> (%s)" % (name, email)
""",
}
C_PLANTS = c_module.PLANTS  # the same seven defects as the C/C++ module's planted set
GO_PLANTS = {  # (imports, code); imports go right after the package clause, under names of their own
    "unreachable code": ('plantedfmt "fmt"', """
func plantedClamp(v int) int {
	if v < 0 {
		return 0
	}
	return v
	plantedfmt.Println("clamped", v)
	return v
}
"""),
    "printf arguments": ('plantedfmt "fmt"', """
func plantedReport(name string) {
	plantedfmt.Printf("%d items\\n", name)
}
"""),
    "self-assignment": ("", """
func plantedScale(factor int) int {
	result := factor * 2
	result = result
	return result
}
"""),
    "lock copied by value": ('plantedsync "sync"', """
func plantedGuarded(m plantedsync.Mutex, n int) int {
	m.Lock()
	defer m.Unlock()
	return n + 1
}
"""),
    "lost context cancel": ('plantedcontext "context"\n\tplantedtime "time"', """
func plantedDeadline(parent plantedcontext.Context) plantedcontext.Context {
	ctx, _ := plantedcontext.WithTimeout(parent, plantedtime.Second)
	return ctx
}
"""),
    "discarded result": ('plantedfmt "fmt"', """
func plantedLabel(n int) {
	plantedfmt.Sprintf("item-%d", n)
}
"""),
}
#: the six JavaScript defects of 2026-11-24, from the JavaScript module's planted set
JS_PLANTS = {kind: javascript_module.PLANTS[kind] for kind in (
    "undefined name", "unreachable code", "duplicate key", "return in finally", "NaN comparison", "typeof typo")}
TS_PLANTS = {k: v for k, v in JS_PLANTS.items() if k not in ("undefined name",)}


def plant_go(text: str, imports: str, code: str) -> str | None:
    package = re.search(r"^package\s+\w+[^\n]*\n", text, re.M)
    if package is None:
        return None
    head = text[:package.end()] + (f"\nimport (\n\t{imports}\n)\n" if imports else "")
    return head + text[package.end():] + code


# --- running --------------------------------------------------------------------------------------

def judge(block: StaticAnalysisFilter, docs: list[Document]) -> dict[str, tuple[bool, str | None]]:
    verdicts = {}
    for start in range(0, len(docs), block.batch_size):
        batch = docs[start:start + block.batch_size]
        for doc, result in zip(batch, block.filter_batch(batch)):
            keep, reason = result if isinstance(result, tuple) else (result, None)
            verdicts[doc.id] = (keep, reason)
    return verdicts


def old_ruff_drops(docs: list[Document]) -> set[int]:
    """The previous block: ruff F,E9,B,S,PLE over bare files, unweighted, > 20 problems per KLOC
    (files judged as at least 50 lines)."""
    dropped = set()
    for start in range(0, len(docs), 256):
        batch = docs[start:start + 256]
        with tempfile.TemporaryDirectory() as folder:
            for index, doc in enumerate(batch):
                Path(folder, f"f{index:06d}.py").write_bytes(doc.text.encode("utf-8", "replace"))
            done = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--exit-zero",
                                   "--output-format", "json", "--select", "F,E9,B,S,PLE", folder],
                                  capture_output=True, text=True, check=False)
            counts = Counter(int(Path(p["filename"]).stem[1:]) for p in json.loads(done.stdout or "[]"))
        for index, doc in enumerate(batch):
            if counts[index] * 1000 / max(50, doc.text.count("\n") + 1) > 20:
                dropped.add(start + index)
    return dropped


def summarize(name: str, docs: list[Document], verdicts: dict) -> dict:
    dropped = [d for d in docs if not verdicts[d.id][0]]
    statuses = Counter((d.metadata.get(keys.ANALYSIS_ERROR) or "ok:").split(":", 1)[0] for d in docs)
    analyzed = sum(1 for d in docs if keys.ANALYSIS_DEFECTS in d.metadata)
    rules = Counter(rule for d in dropped for rule in d.metadata.get(keys.ANALYSIS_RULES, {}))
    return {"corpus": name, "files": len(docs), "analyzed": analyzed, "not_analyzed": len(docs) - analyzed,
            "dropped": len(dropped), "dropped_share": len(dropped) / max(1, len(docs)),
            "tests": sum(1 for d in docs if is_test_path(d.metadata[keys.PATH])),
            "reasons": dict(Counter(verdicts[d.id][1] for d in dropped)), "statuses": dict(statuses),
            "dropped_files": sorted(f"{d.id} ({', '.join(sorted(d.metadata.get(keys.ANALYSIS_RULES, {})))})"
                                    for d in dropped),
            "rules_in_dropped": dict(rules.most_common(12))}


def plant_all(block, language, docs, verdicts, plants, per_kind, rng) -> tuple[list[dict], list[Document]]:
    """Plant each kind of defect into ``per_kind`` files the block kept after analyzing them (not tests,
    stubs or declarations; Go: files of distinct packages, judged with their whole package)."""
    hosts = [d for d in docs if verdicts[d.id][0] and keys.ANALYSIS_DEFECTS in d.metadata
             and not is_test_path(d.metadata[keys.PATH]) and not d.metadata[keys.PATH].endswith((".pyi", ".d.ts"))]
    folder = {d.id: d.metadata[keys.PATH].rsplit("/", 1)[0] for d in docs}
    rows, all_planted = [], []
    for kind, plant in plants.items():
        rng.shuffle(hosts)
        batch, planted, packages = [], [], set()
        for host in hosts:
            if len(planted) == per_kind:
                break
            if language == "Go":
                text = plant_go(host.text, *plant)
                if text is None or folder[host.id] in packages:
                    continue
                packages.add(folder[host.id])
                batch.extend(document(d.text, d.metadata[keys.REPO], d.metadata[keys.PATH], "Go") for d in docs
                             if folder[d.id] == folder[host.id] and d.id != host.id)
            else:
                text = host.text + plant
            new = document(text, host.metadata[keys.REPO], host.metadata[keys.PATH], host.metadata[keys.LANGUAGE])
            batch.append(new)
            planted.append(new)
        results = judge_whole(block, batch) if language == "Go" else judge(block, batch)
        caught = [d for d in planted if results[d.id][1] == "analysis_defects"]
        lines = sorted(d.text.count("\n") + 1 for d in planted)
        rows.append({"language": language, "kind": kind, "planted": len(planted), "caught": len(caught),
                     "median_lines": lines[len(lines) // 2] if lines else 0,
                     "missed": [f"{d.id} ({d.metadata.get(keys.ANALYSIS_ERROR) or d.metadata.get(keys.ANALYSIS_RULES)})"
                                for d in planted if d not in caught][:8]})
        all_planted.extend(planted)
    return rows, all_planted


def language_modules(names: list[str]) -> list:
    """The modules of ``benchmarks/analysis_languages`` named (all when ``names`` is empty)."""
    folder = Path(__file__).parent / "analysis_languages"
    found = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    unknown = set(names) - set(found)
    if unknown:
        raise SystemExit(f"unknown language modules {sorted(unknown)}; known: {found}")
    sys.path.insert(0, str(Path(__file__).parent))
    return [importlib.import_module(f"analysis_languages.{name}") for name in (names or found)]


def module_documents(module, rng: random.Random, limit: int, split: str) -> list[Document]:
    fixed = getattr(module, "LANGUAGE", None)
    docs = []
    for repo, path, text in module.corpus(rng, limit, split):
        language = fixed or language_for_path(path)
        if language:
            docs.append(document(text, repo, path, language))
    return docs


def plant_module(block, module, docs, verdicts, per_kind, rng) -> list[dict]:
    """Each kind of ``module.PLANTS`` into ``per_kind`` files the block analyzed and kept (not tests)."""
    hosts = [d for d in docs if verdicts[d.id][0] and keys.ANALYSIS_DEFECTS in d.metadata
             and not is_test_path(d.metadata[keys.PATH])]
    rows = []
    for kind, snippet in module.PLANTS.items():
        rng.shuffle(hosts)
        planted = []
        for host in hosts:
            if len(planted) == per_kind:
                break
            text = module.plant(host.text, snippet)
            if text is not None:
                planted.append(document(text, host.metadata[keys.REPO], host.metadata[keys.PATH],
                                        host.metadata[keys.LANGUAGE]))
        results = judge(block, planted)
        caught = [d for d in planted if results[d.id][1] == "analysis_defects"]
        lines = sorted(d.text.count("\n") + 1 for d in planted)
        language = "/".join(sorted({d.metadata[keys.LANGUAGE] for d in planted})) or "?"
        rows.append({"language": language, "kind": kind, "planted": len(planted), "caught": len(caught),
                     "median_lines": lines[len(lines) // 2] if lines else 0,
                     "missed": [f"{d.id} ({d.metadata.get(keys.ANALYSIS_ERROR) or d.metadata.get(keys.ANALYSIS_RULES)})"
                                for d in planted if d not in caught][:8]})
    return rows


def language_table(block: StaticAnalysisFilter, modules: list, limit: int, per_kind: int, splits: list[str],
                   rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Per module and split: files, analyzed, skipped, dropped, per language; and the planted defects
    (planted into the held-out split when it is measured, else the first split)."""
    summaries, plants = [], []
    for module in modules:
        for split in splits:
            docs = module_documents(module, rng, limit, split)
            start = time.perf_counter()
            verdicts = judge(block, docs)
            for language in sorted({d.metadata[keys.LANGUAGE] for d in docs}):
                mine = [d for d in docs if d.metadata[keys.LANGUAGE] == language]
                summary = summarize(f"{language} ({split})", mine, verdicts)
                summary["seconds"] = round(time.perf_counter() - start, 1)
                summary["mb"] = round(sum(len(d.text.encode("utf-8", "replace")) for d in mine) / 1e6, 2)
                summaries.append(summary)
                print(f"{summary['corpus']}: {summary['dropped']}/{summary['files']} dropped, "
                      f"{summary['not_analyzed']} not analyzed", file=sys.stderr)
            if split == splits[-1]:
                plants.extend(plant_module(block, module, docs, verdicts, per_kind, rng))
    return summaries, plants


def judge_whole(block: StaticAnalysisFilter, docs: list[Document]) -> dict:
    """Go: one batch however large, so that every planted file's package is whole."""
    verdicts = {}
    for doc, result in zip(docs, block.filter_batch(docs)):
        verdicts[doc.id] = result if isinstance(result, tuple) else (result, None)
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boost", type=int, default=1500, help="boost headers sampled")
    parser.add_argument("--go-packages", type=int, default=1000, help="Go standard library packages sampled (all: 497)")
    parser.add_argument("--js", type=int, default=1500, help="JavaScript files sampled from /usr/share/nodejs")
    parser.add_argument("--ts", type=int, default=300, help="TypeScript files sampled from /usr/share/nodejs")
    parser.add_argument("--plants", type=int, default=40, help="files planted per kind of defect")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write all results here")
    parser.add_argument("--languages", default="", help="modules of benchmarks/analysis_languages, comma-separated "
                        "(default: all); 'none' measures only the Python, C/C++, Go and JS/TS corpora above")
    parser.add_argument("--limit", type=int, default=1500, help="files per module and split")
    parser.add_argument("--splits", default="dev,heldout", help="dev, heldout or both")
    parser.add_argument("--only-modules", action="store_true", help="skip the Python, C/C++, Go and JS/TS corpora")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    block = StaticAnalysisFilter()
    modules = [] if args.languages == "none" else language_modules([n for n in args.languages.split(",") if n])
    module_summaries, module_plants = language_table(block, modules, args.limit, args.plants,
                                                     args.splits.split(","), rng)
    if args.only_modules:
        report_modules(module_summaries, module_plants, args.json)
        return
    python, distributions = python_corpus()
    corpora = {"Python": python, "C/C++": cpp_corpus(args.boost, rng), "Go": go_corpus(args.go_packages, rng),
               "JavaScript/TypeScript": js_corpus(args.js, args.ts, rng)}
    print(f"Python distributions: {', '.join(distributions)}", file=sys.stderr)
    summaries, plants, verdicts_by = [], [], {}
    for name, docs in corpora.items():
        start = time.perf_counter()
        verdicts = judge(block, docs) if name != "Go" else judge_whole(block, docs)
        verdicts_by[name] = verdicts
        summary = summarize(name, docs, verdicts)
        summary["seconds"] = round(time.perf_counter() - start, 1)
        summaries.append(summary)
        print(f"{name}: {summary['dropped']}/{summary['files']} dropped in {summary['seconds']} s", file=sys.stderr)
    old = old_ruff_drops(python)
    for language, name, plant_set in (("Python", "Python", PYTHON_PLANTS), ("C++", "C/C++", C_PLANTS),
                                      ("Go", "Go", GO_PLANTS), ("JavaScript", "JavaScript/TypeScript", JS_PLANTS),
                                      ("TypeScript", "JavaScript/TypeScript", TS_PLANTS)):
        docs = [d for d in corpora[name] if d.metadata[keys.LANGUAGE] == language or name == "C/C++"]
        rows, planted_docs = plant_all(block, language, docs, verdicts_by[name], plant_set, args.plants, rng)
        plants.extend(rows)
        if language == "Python":  # the previous block on the same planted files
            old_planted = (len(old_ruff_drops(planted_docs)), len(planted_docs))

    print("\n| corpus | files | analyzed | dropped | dropped % |")
    print("|---|---|---|---|---|")
    for s in summaries:
        print(f"| {s['corpus']} | {s['files']} | {s['analyzed']} | {s['dropped']} | {100 * s['dropped_share']:.2f}% |")
    total = sum(s["files"] for s in summaries)
    total_dropped = sum(s["dropped"] for s in summaries)
    print(f"| **all** | {total} | {sum(s['analyzed'] for s in summaries)} | {total_dropped} | "
          f"{100 * total_dropped / total:.2f}% |")
    print("\n| language | planted defect | planted | caught | caught % | median lines of the host |")
    print("|---|---|---|---|---|---|")
    for row in plants:
        print(f"| {row['language']} | {row['kind']} | {row['planted']} | {row['caught']} | "
              f"{100 * row['caught'] / max(1, row['planted']):.0f}% | {row['median_lines']} |")
    planted = sum(r["planted"] for r in plants)
    caught = sum(r["caught"] for r in plants)
    print(f"| **all** | | {planted} | {caught} | {100 * caught / max(1, planted):.1f}% | |")
    new_dropped = next(s for s in summaries if s["corpus"] == "Python")["dropped"]
    print("\n| Python, before/after | rule set | dropped of the well-maintained files | planted defects caught |")
    print("|---|---|---|---|")
    print(f"| before | ruff F,E9,B,S,PLE, 20 problems/KLOC | {len(old)}/{len(python)} "
          f"({100 * len(old) / len(python):.2f}%) | {old_planted[0]}/{old_planted[1]} |")
    python_rows = [r for r in plants if r["language"] == "Python"]
    print(f"| after | curated rules, 20 weighted defects/KLOC | {new_dropped}/{len(python)} "
          f"({100 * new_dropped / len(python):.2f}%) | {sum(r['caught'] for r in python_rows)}/"
          f"{sum(r['planted'] for r in python_rows)} |")
    for row in plants:
        if row["missed"]:
            print(f"missed, {row['language']} {row['kind']}: {row['missed']}", file=sys.stderr)
    for s in summaries:
        print(f"\n{s['corpus']}: not analyzed {s['not_analyzed']} {s['statuses']}; dropped: "
              f"{s['reasons']}; rules in dropped files: {s['rules_in_dropped']}", file=sys.stderr)
        for line in s["dropped_files"][:40]:
            print(f"  {line}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"summaries": summaries, "plants": plants, "python_before": len(old),
                                         "python_distributions": distributions}, indent=1), encoding="utf-8")
    if modules:
        report_modules(module_summaries, module_plants,
                       args.json.with_suffix(".languages.json") if args.json else None)


def report_modules(summaries: list[dict], plants: list[dict], json_path: Path | None) -> None:
    print("\n| corpus | files | MB | analyzed | not analyzed | not analyzed % | dropped | dropped % |")
    print("|---|---|---|---|---|---|---|---|")
    for s in summaries:
        print(f"| {s['corpus']} | {s['files']} | {s.get('mb', '')} | {s['analyzed']} | {s['not_analyzed']} | "
              f"{100 * s['not_analyzed'] / max(1, s['files']):.1f}% | {s['dropped']} | "
              f"{100 * s['dropped_share']:.2f}% |")
    print("\n| language | planted defect | planted | caught | caught % | median lines of the host |")
    print("|---|---|---|---|---|---|")
    for row in plants:
        print(f"| {row['language']} | {row['kind']} | {row['planted']} | {row['caught']} | "
              f"{100 * row['caught'] / max(1, row['planted']):.0f}% | {row['median_lines']} |")
    for row in plants:
        if row["missed"]:
            print(f"missed, {row['language']} {row['kind']}: {row['missed']}", file=sys.stderr)
    for s in summaries:
        print(f"\n{s['corpus']}: not analyzed {s['not_analyzed']} {s['statuses']}; dropped: "
              f"{s['reasons']}; rules in dropped files: {s['rules_in_dropped']}", file=sys.stderr)
        for line in s["dropped_files"][:40]:
            print(f"  {line}", file=sys.stderr)
    if json_path:
        json_path.write_text(json.dumps({"summaries": summaries, "plants": plants}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
