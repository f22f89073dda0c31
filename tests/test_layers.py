"""The package's layers (docs/architecture.md): blocks never import the recipe engine, and no
module imports itself back through others."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

import codecurate
from codecurate.core.registry import BUILTIN_MODULES

PACKAGE = Path(codecurate.__file__).parent
#: the engine: reads recipes and runs blocks; nothing below it may import it
ENGINE = ("codecurate.recipe", "codecurate.cli", "codecurate.docgen")  # docgen writes docs from the cli and plans


def module_files() -> dict[str, tuple[Path, bool]]:
    """``module name -> (file, is a package)`` of every module of codecurate."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if package else parts)] = (path, package)
    return modules


def import_graph() -> nx.DiGraph:
    """Module -> the codecurate modules it imports (anywhere in the file: a deferred import inside a
    function is a dependency too). Importing a submodule is not counted as importing its package."""
    modules = module_files()
    graph = nx.DiGraph()
    for name, (path, package) in modules.items():
        graph.add_node(name)
        base = name if package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parent = base.split(".")[: len(base.split(".")) - node.level + 1]
                    module = ".".join([*parent, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                           for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def is_engine(module: str) -> bool:
    return any(module == e or module.startswith(e + ".") for e in ENGINE)


def test_no_import_cycle():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == []


def test_only_the_engine_imports_the_engine():
    graph = import_graph()
    wrong = sorted((a, b) for a, b in graph.edges if is_engine(b) and not is_engine(a))
    assert wrong == []
    # the core depends on nothing of codecurate but its own modules and the documents' keys
    core = sorted(b for a, b in graph.edges if a.startswith("codecurate.core")
                  and not b.startswith("codecurate.core") and b != "codecurate.metadata")
    assert core == []


def test_importing_a_block_module_does_not_import_the_engine():
    """Each block module, imported in a fresh interpreter, leaves ``codecurate.recipe`` unimported
    (checked after every module: the first one that brings the engine in is named)."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {list(BUILTIN_MODULES) + ['codecurate.core']!r}:\n"
        "    importlib.import_module(name)\n"
        "    if 'codecurate.recipe' in sys.modules or 'codecurate.cli' in sys.modules:\n"
        "        print(json.dumps(name)); break\n"
        "else:\n"
        "    print(json.dumps(None))\n"
    )
    path = os.pathsep.join(p for p in (str(PACKAGE.parent), os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": path}, timeout=300)
    assert json.loads(done.stdout.strip().splitlines()[-1]) is None


#: the families of blocks, one folder (or module) each
FAMILIES = ("readers", "writers", "filters", "dedup", "pii", "samplers", "fim", "tokens", "training")
#: imports of another family's module that remain, each with its reason (at most four): multi-pass
#: blocks read and write their passes through ``PlanContext`` (the engine's documents reader and
#: writer), and helpers two families share live at the top (``minhash``, ``tokenizer_files``...)
ACROSS_FAMILIES = {
    # the tokenizer reserves the FIM format's sentinel strings as single tokens: the format (fim)
    # defines them, the trainer (tokens) must know them; neither is a helper of the other
    ("codecurate.tokens.tokenizer_trainer", "codecurate.fim.formats"),
}


def family(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FAMILIES else None


def test_a_family_takes_no_new_helper_from_another():
    across = {(a, b) for a, b in import_graph().edges if family(a) and family(b) and family(a) != family(b)}
    assert across - ACROSS_FAMILIES == set(), "move the helper down (parsing, licenses, metadata...) instead"
    assert ACROSS_FAMILIES - across == set(), "an import that is gone: take it off the list"


def test_few_imports_cross_families():
    """Each remaining cross-family import is listed with its reason, and there are at most four."""
    assert len(ACROSS_FAMILIES) <= 4
