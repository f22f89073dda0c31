"""JSON with Comments on real files: every ``tsconfig*.json``, ``jsconfig.json``, ``.eslintrc.json``,
``.babelrc``, ``*.jsonc`` and ``.vscode/*.json`` under the given folders (default: Debian's node
packages in ``/usr/share/nodejs`` and the npm trees and tarballs other benchmarks installed), judged by the syntax
filter before (as JSON, by the tree-sitter JSON grammar: what it did when these files were "JSON") and
after (``codecurate.filters.syntax.jsonc``); and each file cut at two thirds (a truncated copy), which both
must drop. The JSON oracle (``json.loads``) is printed beside: how many of the files are not plain JSON.

    python benchmarks/jsonc.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.filters.syntax.filter import SyntaxFilter
from codecurate.languages import detect_language

DEFAULT_ROOTS = [Path("/usr/share/nodejs"), Path.home() / ".cache/codecurate/corpus",
                 Path.home() / ".cache/codecurate/corpora/detection/src", Path.home() / ".cache/codecurate/eslint",
                 Path.home() / ".cache/codecurate/syntax-oracle/npm-pack"]


def jsonc_files(roots: list[Path]) -> list[Path]:
    found = set()
    for root in roots:
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink() and detect_language(str(path), "") == "JSON with Comments":
                found.add(path.resolve())
    return sorted(found)


def kept(block: SyntaxFilter, text: str, language: str) -> bool:
    result = block.filter(Document(text=text, id="x", metadata={keys.LANGUAGE: language}))
    return result is True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="*", type=Path, default=DEFAULT_ROOTS)
    args = parser.parse_args()
    files = jsonc_files(args.roots)
    block = SyntaxFilter()
    counts = {"files": len(files), "not_json": 0, "before_dropped": 0, "after_dropped": 0,
              "cut_before_caught": 0, "cut_after_caught": 0}
    after_dropped = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            json.loads(text)
        except ValueError:
            counts["not_json"] += 1
        counts["before_dropped"] += not kept(block, text, "JSON")
        if not kept(block, text, "JSON with Comments"):
            counts["after_dropped"] += 1
            after_dropped.append(path)
        cut = text[: len(text) * 2 // 3]
        counts["cut_before_caught"] += not kept(block, cut, "JSON")
        counts["cut_after_caught"] += not kept(block, cut, "JSON with Comments")
    n = max(1, len(files))
    print("| files | not plain JSON (json.loads) | dropped before (JSON grammar) | dropped after (JSONC judge) "
          "| truncated copies caught before | after |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(files)} | {counts['not_json']} | {counts['before_dropped']} ({counts['before_dropped'] / n:.1%}) | "
          f"{counts['after_dropped']} ({counts['after_dropped'] / n:.1%}) | {counts['cut_before_caught']} | "
          f"{counts['cut_after_caught']} |")
    for path in after_dropped:
        print("  dropped after:", path)


if __name__ == "__main__":
    main()
