"""The syntax filter against real compilers, and on corrupted real files.

1. Every Python file of the installed packages: our verdict against ``ast.parse``; every JSON file:
   against ``json.loads``. Agreement rate and every disagreement, grouped by class.
2. Real files of Python, Java, JavaScript, C, C++ and Go found on this machine that the filter
   accepts, corrupted three ways (truncated mid-token, a closing bracket removed, the last closing
   line deleted): the share the filter rejects, per language and corruption.

    python benchmarks/syntax_agreement.py [--per-language 300] > /tmp/syntax.md
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

from datatrove.data import Document

from codecurate import metadata as keys
from codecurate.filters.syntax.filter import SyntaxFilter
from codecurate.parsing import parse_source
from codecurate.readers import InstalledPackagesReader

SEARCH = [Path(sys.prefix), Path("/usr/share"), Path("/usr/lib"), Path("/usr/include"), Path("/usr/local")]
EXTENSIONS = {"Python": (".py",), "Java": (".java",), "JavaScript": (".js",), "C": (".c",),
              "C++": (".cc", ".cpp", ".hpp"), "Go": (".go",)}


def verdict(block: SyntaxFilter, text: str, language: str) -> bool:
    document = Document(text=text, id=str(hash(text)), metadata={keys.LANGUAGE: language, keys.KIND: "code"})
    return block.filter(document) is True


def python_and_json(block: SyntaxFilter) -> None:
    reader = InstalledPackagesReader(articles=False, languages=["Python", "JSON"])
    counts: Counter = Counter()
    disagreements: Counter = Counter()
    examples: dict[str, str] = {}
    for doc in reader.run():
        language = doc.metadata[keys.LANGUAGE]
        if doc.metadata.get(keys.DECODE_ERROR) or len(doc.text) > 1_000_000:
            continue
        if language == "Python":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(doc.text)
                reference = True
            except (SyntaxError, ValueError):
                reference = False
        else:
            try:
                json.loads(doc.text)
                reference = True
            except ValueError:
                reference = False
        ours = verdict(block, doc.text, language)
        counts[(language, reference, ours)] += 1
        if reference != ours:
            kind = f"{language}: {'valid' if reference else 'invalid'} for the compiler, " \
                   f"{'accepted' if ours else 'rejected'} by tree-sitter"
            disagreements[kind] += 1
            if reference:
                tree = parse_source(doc.text.encode(), block_grammar(language)).tree
                first = first_error(tree.root_node)
                kind_detail = f"{kind} (first error at `{first}`)"
                examples.setdefault(kind_detail, doc.id)
            else:
                examples.setdefault(kind, doc.id)
    for language in ("Python", "JSON"):
        total = sum(v for (lang, _, _), v in counts.items() if lang == language)
        agree = sum(v for (lang, ref, ours), v in counts.items() if lang == language and ref == ours)
        valid = sum(v for (lang, ref, _), v in counts.items() if lang == language and ref)
        valid_agree = counts[(language, True, True)]
        print(f"- {language}: {total} files, agreement {agree / max(1, total):.2%}; on files the compiler "
              f"accepts: {valid_agree}/{valid} = {valid_agree / max(1, valid):.2%}")
    print("\n| disagreement | files | example |\n|---|---|---|")
    for kind, example in sorted(examples.items()):
        base = kind.split(" (first error")[0]
        print(f"| {kind} | {disagreements[base]} | {example} |")


def python_valid(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
        return True
    except (SyntaxError, ValueError):
        return False


def block_grammar(language: str) -> str:
    return {"Python": "python", "JSON": "json"}[language]


def first_error(root) -> str:
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.is_error or node.is_missing:
            return f"{node.type} line {node.start_point[0] + 1}: {node.text[:40]!r}"
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return "?"


def find_files(language: str, limit: int) -> list[Path]:
    found: list[Path] = []
    for root in SEARCH:
        if not root.is_dir():
            continue
        for extension in EXTENSIONS[language]:
            for path in root.rglob(f"*{extension}"):
                if path.is_file() and 200 < path.stat().st_size < 200_000:
                    found.append(path)
    found = sorted(set(found))
    random.Random(0).shuffle(found)
    return found[: limit * 3]


def corrupt(text: str, how: str, rng: random.Random) -> str | None:
    if how == "truncated mid-token":
        tokens = [m for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]{3,}", text)]
        if not tokens:
            return None
        token = tokens[rng.randrange(len(tokens) // 2, len(tokens))] if len(tokens) > 1 else tokens[0]
        return text[: token.start() + 2]
    if how == "closing bracket removed":
        positions = [i for i, ch in enumerate(text) if ch in ")]}"]
        if not positions:
            return None
        i = rng.choice(positions)
        return text[:i] + text[i + 1 :]
    lines = text.rstrip("\n").split("\n")
    closing = [i for i, line in enumerate(lines) if line.strip() in ("}", "};", ")", "]", "});", "end")]
    if not closing:
        return None
    del lines[closing[-1]]
    return "\n".join(lines) + "\n"


def corrupted(block: SyntaxFilter, per_language: int) -> None:
    rng = random.Random(1)
    hows = ("truncated mid-token", "closing bracket removed", "last closing line deleted")
    print("\n| language | files | " + " | ".join(hows) + " |\n|---|---|" + "---|" * len(hows))
    for language in EXTENSIONS:
        originals = []
        for path in find_files(language, per_language):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if verdict(block, text, language):
                originals.append(text)
            if len(originals) >= per_language:
                break
        cells = []
        for how in hows:
            variants = [v for v in (corrupt(t, how, rng) for t in originals) if v is not None]
            rejected = sum(1 for v in variants if not verdict(block, v, language))
            cell = f"{rejected}/{len(variants)} = {rejected / len(variants):.1%}" if variants else "-"
            if language == "Python" and variants:
                compiler = sum(1 for v in variants if not python_valid(v))
                cell += f" (ast.parse: {compiler / len(variants):.1%})"
            cells.append(cell)
        print(f"| {language} | {len(originals)} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=300)
    args = parser.parse_args()
    block = SyntaxFilter(timeout_seconds=10)
    python_and_json(block)
    corrupted(block, args.per_language)


if __name__ == "__main__":
    main()
