"""Python import resolution: our tree-sitter graph against CPython's ``ast`` plus the package layout.

For every installed distribution (one repository each), the reference edges come from ``ast``
(``Import``/``ImportFrom`` with their level) resolved by exact module names: in site-packages a
file's module name is its path with ``/`` as ``.``. Ours: ``codecurate.samplers.imports``
(tree-sitter, suffix-aware, as a repository of unknown layout needs). Prints recall and precision.

    python benchmarks/import_resolution.py
"""

from __future__ import annotations

import ast
import warnings

from codecurate import metadata as keys
from codecurate.readers import InstalledPackagesReader
from codecurate.samplers.imports import dependency_graph, python_module_names


def reference_edges(files) -> set[tuple[int, int]]:
    module_of: dict[str, int] = {}
    # the package layout: a module's .py file stands for it, its .pyi stub only when there is no .py
    for i in sorted(range(len(files)), key=lambda i: (files[i].metadata[keys.PATH].endswith(".pyi"),
                                                       files[i].metadata[keys.PATH])):
        module_of.setdefault(python_module_names(files[i].metadata[keys.PATH])[0], i)
    edges = set()
    for i, f in enumerate(files):
        path = f.metadata[keys.PATH]
        package = python_module_names(path)[0].split(".")
        if not path.endswith("__init__.py"):
            package = package[:-1]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(f.text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
                    base = ".".join([*anchor, node.module] if node.module else anchor)
                else:
                    base = node.module or ""
                targets = [base] + [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
            for target in targets:
                j = module_of.get(target)
                if j is not None and j != i:
                    edges.add((i, j))
    return edges


def main() -> None:
    reader = InstalledPackagesReader(articles=False, languages=["Python"])
    ours_total = ref_total = common_total = 0
    worst = []
    for name in reader.list_repositories():
        repo = reader.open_repository(name)
        files = [d for d in reader._read_repository(repo, None, 0) if not d.metadata.get(keys.DECODE_ERROR)]
        if not files:
            continue
        ours = set(dependency_graph(files).edges)
        reference = reference_edges(files)
        common = ours & reference
        ours_total += len(ours)
        ref_total += len(reference)
        common_total += len(common)
        if ours != reference:
            worst.append((len(ours ^ reference), name, len(ours - reference), len(reference - ours)))
    print(f"edges: reference {ref_total}, ours {ours_total}, both {common_total}; "
          f"recall {common_total / max(1, ref_total):.4f}, precision {common_total / max(1, ours_total):.4f}")
    print("| distribution | only ours | only reference |\n|---|---|---|")
    for _, name, only_ours, only_ref in sorted(worst, reverse=True)[:10]:
        print(f"| {name} | {only_ours} | {only_ref} |")


if __name__ == "__main__":
    main()
