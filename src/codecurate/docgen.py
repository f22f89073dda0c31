"""The parts of docs/ that the code knows better than a person: written from the code, checked by a
test (``tests/test_docgen.py``), rewritten with ``python -m codecurate.docgen [DOCS_FOLDER]``.

A generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->`` in a
page; ``PARTS`` maps each name to its page and the function that writes it:

- ``metadata-keys`` (documents.md): every metadata key of ``codecurate.metadata``, from its
  constants and their ``#:`` comments, section by section;
- ``aixcoder-segments`` (recipes.md): how many segments the aiXcoder recipe plans, joined and not;
- ``cli-help`` (recipes.md): ``codecurate --help`` and each command's.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path

from codecurate import metadata

MARK = "<!-- generated: {name} -->"
END = "<!-- end generated: {name} -->"


def _key_groups(source: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """``(section, [(constant, key, comment)])`` of ``metadata.py``: sections from its ``# --- name ---``
    lines, each constant's comment the ``#:`` lines before its group of assignments."""
    tree = ast.parse(source)
    lines = source.splitlines()
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []
    comment: list[str] = []
    group_head: str | None = None  # the first constant of the current group
    last_line = 0
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue
        name, value = node.targets[0].id, node.value.value
        between = lines[last_line : node.lineno - 1]
        last_line = node.end_lineno or node.lineno
        heading = next((re.sub(r"^# -+ | -+$", "", line).strip() for line in between if line.startswith("# ---")), None)
        if heading or not sections:
            sections.append((heading or "keys", []))
        described = [line.strip()[2:].strip() for line in between if line.strip().startswith("#:")]
        if described:
            comment, group_head = described, name
        elif between and any(line.strip() for line in between):
            comment, group_head = [], name
        head_name = group_head or name
        if name == f"{head_name}_{value.upper()}":
            continue  # a value of the key before (KIND_CODE = "code" of KIND): its comment names it
        sections[-1][1].append((name, value, " ".join(comment)))
    return [(title, keys) for title, keys in sections if keys]


def metadata_keys() -> str:
    """The metadata keys of ``codecurate.metadata`` as Markdown tables, one per section of the module."""
    source = Path(metadata.__file__).read_text(encoding="utf-8")
    out = []
    for title, keys in _key_groups(source):
        out += [f"**{title[:1].upper()}{title[1:]}**", "", "| constant | key | meaning |", "|---|---|---|"]
        previous = None
        for name, value, comment in keys:
            meaning = comment.replace("``", "`").replace("|", "\\|") if comment != previous else "(as above)"
            out.append(f"| `{name}` | `{value}` | {meaning} |")
            previous = comment
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def aixcoder_segments() -> str:
    """``N segments instead of M`` for the aiXcoder recipe (joined passes, every pass its own)."""
    from codecurate.recipe.plan import build_plan
    from codecurate.recipe.schema import load_recipe

    recipe = load_recipe(Path(__file__).resolve().parents[2] / "recipes" / "aixcoder7b" / "recipe.yaml")
    joined, apart = len(build_plan(recipe).segments), len(build_plan(recipe, join_passes=False).segments)
    return f"{joined} segments instead of {apart}"


def cli_help() -> str:
    """``codecurate --help`` and every command's help, as the parser prints them (80 columns)."""
    import argparse
    import os

    from codecurate.cli import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        parser = build_parser()
        texts = [parser.format_help()]
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        texts += [sub.format_help() for sub in commands.choices.values()]
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return "```text\n" + "\n".join(text.rstrip() + "\n" for text in texts) + "```\n"


#: name -> (page in docs/, whether the part is a block of lines or inline text, its writer)
PARTS: dict[str, tuple[str, bool, Callable[[], str]]] = {
    "metadata-keys": ("documents.md", True, metadata_keys),
    "aixcoder-segments": ("recipes.md", False, aixcoder_segments),
    "cli-help": ("recipes.md", True, cli_help),
}


def replace_part(page: str, name: str, text: str, block: bool) -> str:
    """``page`` with the part ``name`` replaced by ``text``; ``ValueError`` when its markers are missing."""
    start, end = MARK.format(name=name), END.format(name=name)
    if start not in page or end not in page:
        raise ValueError(f"no {start} ... {end} in the page")
    head, _, rest = page.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{text}{end}{tail}" if block else f"{head}{start}{text}{end}{tail}"


def generated_pages(docs: Path) -> dict[Path, str]:
    """Every page holding a generated part, as it should read."""
    pages: dict[Path, str] = {}
    for name, (page, block, writer) in PARTS.items():
        path = docs / page
        pages[path] = replace_part(pages.get(path) or path.read_text(encoding="utf-8"), name, writer(), block)
    return pages


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated parts of the docs folder (default: the repository's ``docs/``)."""
    args = sys.argv[1:] if argv is None else argv
    docs = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "docs"
    for path, text in generated_pages(docs).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
