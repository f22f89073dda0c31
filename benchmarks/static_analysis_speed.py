"""Speed of the ``static_analysis`` block per analyzer, in MB per CPU second, before and after a change.

The corpus is real code installed on this machine: C/C++ headers, Go's standard library, the JDK's
sources and node packages (``build_multilanguage_repositories``), plus Python from the installed
distributions (``build_repositories``). The block runs as the recipe runs it: documents in the
reader's order, ``batch_size`` (256) at a time, every analyzer on its languages' files of each batch.
CPU seconds are the benchmark process's and its children's (``resource.getrusage``), charged to the
analyzer whose ``analyze`` (or ``close``, when a long-lived tool process ends and is reaped) ran; the
tools' smoke tests are included (a task pays them once).

"Before" is another checkout of codecurate, typically the last commit in a git worktree:

    git worktree add /tmp/sa_base HEAD
    python benchmarks/static_analysis_speed.py --baseline /tmp/sa_base [--megabytes 16] [--corpus DIR]

Each side runs in a fresh interpreter with ``PYTHONPATH=<checkout>/src``, on the same documents
(read once, pickled); the script then checks that every file's verdict, defect count, weighted
defects per KLOC, rules and analysis error are identical (temporary folder names aside) and exits
with status 1 when they are not.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import build_multilanguage_repositories, build_repositories, cpu_seconds  # noqa: E402

ANALYZED = {"C", "C++", "Go", "JavaScript", "TypeScript", "TSX", "Python", "Java", "C#", "Kotlin", "PHP", "Ruby",
            "Rust", "Swift", "Shell"}
#: temporary folders, and the names analyzers give the files of a batch (semgrep's f000482.c)
_TEMPORARY = re.compile(r"/[^\s:'\"]*codecurate-[A-Za-z_]+-[^/\s:'\"]+|\bf\d{6}\.[A-Za-z+]+\b")


def build_corpus(folder: Path, megabytes: float, python_megabytes: float) -> None:
    if not (folder / ".complete").exists():
        folder.mkdir(parents=True, exist_ok=True)
        total, per_family, notes = build_multilanguage_repositories(folder / "multi", int(megabytes * 1e6))
        print(f"corpus: {total / 1e6:.1f} MB " + ", ".join(f"{k}: {v / 1e6:.1f}" for k, v in per_family.items())
              + "".join(f"; {note}" for note in notes), file=sys.stderr)
        if python_megabytes > 0:
            build_repositories(folder / "python", int(python_megabytes * 1e6))
        (folder / ".complete").write_text("")


def load_documents(folder: Path) -> list[dict]:
    """The analyzed languages' documents of the corpus, in the reader's order (multi, then python)."""
    from codecurate import metadata as keys
    from codecurate.readers import RepositoriesReader

    documents = []
    for part in ("multi", "python"):
        if (folder / part).is_dir():
            documents += [{"text": d.text, "id": d.id, "metadata": dict(d.metadata)}
                          for d in RepositoriesReader(str(folder / part)).run()
                          if d.metadata.get(keys.LANGUAGE) in ANALYZED]
    return documents


def measure(documents_file: Path, output: Path, batch_size: int) -> None:
    """One side: run the block over the documents, CPU per analyzer, verdicts per file."""
    from datatrove.data import Document

    import codecurate
    from codecurate import metadata as keys
    from codecurate.filters.analysis import StaticAnalysisFilter

    documents = [Document(text=d["text"], id=d["id"], metadata=d["metadata"])
                 for d in pickle.loads(documents_file.read_bytes())]
    block = StaticAnalysisFilter(batch_size=batch_size)
    spent: dict[str, float] = {}

    def charged(name, method):
        def call(*args, **kwargs):
            start = cpu_seconds()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + cpu_seconds() - start
        return call

    for analyzer in block.analyzers:
        analyzer.analyze = charged(analyzer.name, analyzer.analyze)
        if hasattr(analyzer, "close"):
            analyzer.close = charged(analyzer.name, analyzer.close)
    start = cpu_seconds()
    verdicts = []
    for first in range(0, len(documents), batch_size):
        verdicts += block.filter_batch(documents[first:first + batch_size])
    for analyzer in block.analyzers:
        if hasattr(analyzer, "close"):
            analyzer.close()
    total = cpu_seconds() - start
    megabytes: dict[str, float] = {}
    files: dict[str, int] = {}
    for analyzer in block.analyzers:
        mine = [d for d in documents if d.metadata.get(keys.LANGUAGE) in analyzer.languages]
        megabytes[analyzer.name] = sum(len(d.text.encode("utf-8", "replace")) for d in mine) / 1e6
        files[analyzer.name] = len(mine)
    fields = (keys.ANALYSIS_DEFECTS, keys.ANALYSIS_DEFECTS_PER_KLOC, keys.ANALYSIS_RULES, keys.ANALYSIS_ERROR)
    judged = {d.id: [True if v is True else list(v), [_TEMPORARY.sub("<tmp>", m) if isinstance(m, str) else m
                                                      for m in (d.metadata.get(f) for f in fields)]]
              for d, v in zip(documents, verdicts)}
    output.write_text(json.dumps({"codecurate": codecurate.__file__, "cpu": spent, "total": total,
                                  "megabytes": megabytes, "files": files, "verdicts": judged}))


def run_side(checkout: Path, documents_file: Path, batch_size: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = Path(handle.name)
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    done = subprocess.run([sys.executable, __file__, "--measure", str(documents_file), "--output", str(output),
                           "--batch-size", str(batch_size)], env=env, stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run with {checkout} failed:\n{done.stderr[-3000:]}")
    result = json.loads(output.read_text())
    output.unlink()
    if not result["codecurate"].startswith(str(checkout / "src")):
        raise SystemExit(f"expected codecurate from {checkout}/src, the run imported {result['codecurate']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=16.0, help="multi-language corpus size (C/C++, Go, "
                        "Java, JavaScript/TypeScript in equal shares)")
    parser.add_argument("--python-megabytes", type=float, default=4.0, help="Python from installed distributions")
    parser.add_argument("--corpus", type=Path, help="where the corpus is built (reused when complete)")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code before the change (git worktree)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--json", type=Path, help="write both sides' numbers here")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.output, args.batch_size)
        return

    corpus = args.corpus or Path(tempfile.gettempdir()) / f"codecurate-static-analysis-{args.megabytes:g}MB"
    build_corpus(corpus, args.megabytes, args.python_megabytes)
    documents_file = corpus / "documents.pickle"
    documents_file.write_bytes(pickle.dumps(load_documents(corpus)))
    sides = {}
    if args.baseline:
        sides["before"] = run_side(args.baseline.resolve(), documents_file, args.batch_size)
    sides["after"] = run_side(HERE.parent, documents_file, args.batch_size)

    after = sides["after"]
    header = "".join(f" {side + ' CPU s':>13} {side + ' MB/CPU s':>16}" for side in sides)
    print(f"{'analyzer':<10} {'files':>6} {'MB':>7}{header}" + ("  speed-up" if len(sides) > 1 else ""))
    for name in after["cpu"]:
        row = f"{name:<10} {after['files'][name]:>6} {after['megabytes'][name]:>7.2f}"
        for side in sides.values():
            seconds = side["cpu"].get(name, 0.0)
            row += f" {seconds:>13.2f} {side['megabytes'][name] / seconds if seconds else 0.0:>16.3f}"
        if len(sides) > 1 and after["cpu"].get(name):
            row += f"  {sides['before']['cpu'][name] / after['cpu'][name]:>7.2f}x"
        print(row)
    megabytes = sum(after["megabytes"].values())
    row = f"{'all':<10} {sum(after['files'].values()):>6} {megabytes:>7.2f}"
    for side in sides.values():
        row += f" {side['total']:>13.2f} {megabytes / side['total']:>16.3f}"
    if len(sides) > 1:
        row += f"  {sides['before']['total'] / after['total']:>7.2f}x"
    print(row)
    if args.json:
        args.json.write_text(json.dumps({side: {k: v for k, v in result.items() if k != "verdicts"}
                                         for side, result in sides.items()}, indent=2))
    if "before" in sides:
        before = sides["before"]["verdicts"]
        differ = sorted(key for key in set(before) | set(after["verdicts"])
                        if before.get(key) != after["verdicts"].get(key))
        racy = [key for key in differ if _only_racy(before.get(key), after["verdicts"].get(key))]
        differ = [key for key in differ if key not in racy]
        dropped = sum(1 for verdict, _ in after["verdicts"].values() if verdict is not True)
        print(f"verdicts: {len(after['verdicts'])} files, {dropped} dropped; {len(differ)} differ before/after"
              + (f" ({len(racy)} more differ only in which type error go vet printed first)" if racy else ""))
        for key in differ[:20]:
            print(f"  {key}: before {before.get(key)} after {after['verdicts'].get(key)}")
        if differ:
            raise SystemExit(1)


_GO_TYPE_ERROR = re.compile(r"(go_vet: go vet could not type-check its package: ).*", re.S)


def _only_racy(before: list | None, after: list | None) -> bool:
    """Whether two files' results differ only in the type error quoted for a package go vet could
    not type-check: go vet checks a package and its test variant in parallel and the first to fail
    is quoted, so the quoted line can change from run to run (before and after alike)."""
    if before is None or after is None:
        return False
    def cut(result):
        verdict, (defects, per_kloc, rules, error) = result
        return verdict, defects, per_kloc, rules, _GO_TYPE_ERROR.sub(r"\1<first error>", error or "")
    return cut(before) == cut(after)


if __name__ == "__main__":
    main()
