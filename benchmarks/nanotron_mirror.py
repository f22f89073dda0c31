"""Compare codecurate's typed mirror of nanotron's config classes with a nanotron checkout.

nanotron's ``src/nanotron/config/*.py`` are read as source (``ast``; nothing of nanotron is imported, so
neither torch nor CUDA is needed). For every class the mirror has, it prints the differences in

- fields: missing, extra, order, type (both written in one notation: ``Optional[X]`` is ``X | None``,
  ``List`` is ``list``; the types the mirror keeps as strings on purpose, torch dtypes, enums and
  paths, are listed once, not as differences), defaults (compared as values where both are literals);
- checks: the attributes that the ``if``/``assert`` tests of nanotron's ``__post_init__`` read, against
  those the mirror's ``__post_init__`` and ``_check_*``/``_read_*`` helpers read (and ``nanotron_data``'s
  reading of the folders, for the class nanotron reads them in: ``DATA_CHECKS``); and the ``raise``/
  ``assert`` count of each side;

then the classes nanotron has and the mirror leaves out, and the asserts of ``run_train.py``'s Nanoset
branch (the pre-training checks ``check_training_data`` mirrors). Exit status 1 when a field or default
differs other than as the mirror says it does (``KNOWN``), else 0.

    python benchmarks/nanotron_mirror.py /path/to/nanotron [--commit SHA]
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

from codecurate.training import nanotron_data, nanotron_mirror

CONFIG_FILES = ("config.py", "models_config.py", "parallelism_config.py", "utils_config.py")
# nanotron types the mirror keeps as the strings nanotron's loader accepts (module docstring of the mirror)
AS_STRINGS = {"torch.dtype", "PipelineEngine", "TensorParallelLinearMode", "InitScalingMethod", "Path", "xPath",
              "RecomputeGranularity", "AttentionImplementation"}
# differences the mirror makes on purpose (its module docstring): (class, field) -> why
KNOWN = {
    ("ModelArgs", "model_config"): "scope: Llama models only",
    ("DataArgs", "dataset"): "scope: Nanoset data (or null, nanotron's dummy data) only",
    ("Config", "lighteval"): "scope: accepted as null only",
    ("Config", "s3_upload"): "scope: accepted as null only",
    ("NanosetDatasetsArgs", "dataset_folder"): "extension: the older {folder: weight} mapping is accepted",
}
# checks nanotron makes in a class's __post_init__ by reading files, which the mirror makes in nanotron_data (called
# explicitly): class -> [(function, {parameter: the expression it stands for, rooted at the class's self})]
DATA_CHECKS = {
    "NanosetDatasetsArgs": [("read_metadata", {"dataset": "self"})],
    "Config": [("_check_read", {"config": "self", "dataset": "self.data_stages[0].data.dataset"})],
}
# classes the mirror leaves out on purpose (its docstring's scope)
OUT_OF_SCOPE = {"BenchArgs", "PretrainDatasetsArgs", "SFTDatasetsArgs", "S3UploadArgs", "GenerationArgs",
                "MoEConfig", "Qwen2Config", "Starcoder2Config"}


@dataclasses.dataclass
class Field:
    name: str
    annotation: str
    default: str | None  # source text, None when required


@dataclasses.dataclass
class ClassInfo:
    name: str
    fields: list[Field]
    checked: set[str]  # attributes the checks' tests read
    raises: int  # raise and assert statements


class _TypeNotation(ast.NodeTransformer):
    """``Optional[X]`` -> ``X | None``, ``Union[A, B]`` -> ``A | B``, ``List``/``Dict`` -> ``list``/``dict``."""

    def visit_Subscript(self, node: ast.Subscript):
        self.generic_visit(node)
        name = ast.unparse(node.value)
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name in ("Optional", "typing.Optional"):
            args.append(ast.Constant(None))
            name = "Union"
        if name in ("Union", "typing.Union"):
            result = args[0]
            for arg in args[1:]:
                result = ast.BinOp(result, ast.BitOr(), arg)
            return result
        if name in ("List", "Dict", "Tuple"):
            node.value = ast.Name(name.lower())
        return node


def normalize(annotation: str) -> str:
    """One notation for a type, members of a union sorted."""
    tree = _TypeNotation().visit(ast.parse(annotation, mode="eval"))
    text = ast.unparse(tree)

    def members(node) -> list[str]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return members(node.left) + members(node.right)
        return [ast.unparse(node)]

    parsed = ast.parse(text, mode="eval").body
    return " | ".join(sorted(set(members(parsed)))) if isinstance(parsed, ast.BinOp) else text


def _chain(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """``self.a[i].b`` (or a local name bound to such a chain) as ``a[].b``; None when not rooted at self."""
    if isinstance(node, ast.BoolOp):  # `self.x or ()`
        node = node.values[0]
    parts = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        parts.append("." + node.attr if isinstance(node, ast.Attribute) else "[]")
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    root = "" if node.id == "self" else aliases.get(node.id)
    if root is None:
        return None
    return (root + "".join(reversed(parts))).lstrip(".") or None


def _attributes_tested(nodes: list[ast.stmt]) -> tuple[set[str], int]:
    """Attributes of ``self`` read by the tests of ``if``/``assert`` statements (through local names, loop
    variables and helper parameters bound to them too; methods called on them left out), and how many
    ``raise``/``assert`` statements there are."""
    checked: set[str] = set()
    raises = 0
    aliases: dict[str, str] = {}
    helpers = {n.name: n for n in nodes if isinstance(n, ast.FunctionDef)}
    for _ in range(3):  # bindings feed each other
        for node in (n for stmt in nodes for n in ast.walk(stmt)):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                chain = _chain(node.value, aliases)
                if chain:
                    aliases[node.targets[0].id] = chain
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                chain = _chain(node.iter, aliases)
                if chain:
                    aliases[node.target.id] = chain + "[]"
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"
                    and node.func.attr in helpers):
                params = [a.arg for a in helpers[node.func.attr].args.args[1:]]
                for param, arg in zip(params, node.args):
                    chain = _chain(arg, aliases)
                    if chain:
                        aliases[param] = chain
    for node in (n for stmt in nodes for n in ast.walk(stmt)):
        if isinstance(node, (ast.Raise, ast.Assert)):
            raises += 1
        test = node.test if isinstance(node, (ast.If, ast.Assert, ast.IfExp)) else None
        if test is None:
            continue
        methods = {id(c.func) for c in ast.walk(test) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)}
        for sub in ast.walk(test):
            if isinstance(sub, (ast.Attribute, ast.Name)):
                chain = _chain(sub.value if id(sub) in methods else sub, aliases)
                if chain:
                    checked.add(chain.replace("[]", ""))
    # keep the longest chains: a.b.c says more than a.b
    return {c for c in checked if not any(o.startswith(c + ".") for o in checked)}, raises


def nanotron_classes(checkout: Path) -> dict[str, ClassInfo]:
    classes = {}
    for name in CONFIG_FILES:
        tree = ast.parse((checkout / "src" / "nanotron" / "config" / name).read_text(encoding="utf-8"))
        constants = {t.id: ast.unparse(n.value) for n in tree.body if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or not any("dataclass" in ast.unparse(d)
                                                             for d in node.decorator_list):
                continue
            fields = []
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    default = ast.unparse(stmt.value) if stmt.value is not None else None
                    fields.append(Field(stmt.target.id, normalize(ast.unparse(stmt.annotation)),
                                        constants.get(default, default)))
            post_init = [s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__post_init__"]
            checked, raises = _attributes_tested(post_init)
            classes[node.name] = ClassInfo(node.name, fields, checked, raises)
    return classes


def mirror_classes() -> dict[str, ClassInfo]:
    classes = {}
    for name, cls in vars(nanotron_mirror).items():
        if not (inspect.isclass(cls) and dataclasses.is_dataclass(cls) and cls.__module__ == nanotron_mirror.__name__):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        body = tree.body[0].body
        fields = []
        for stmt in body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                default = None if stmt.value is None else ast.unparse(stmt.value)
                if default and default.startswith("field("):  # field(default=X, metadata=...)
                    call = stmt.value
                    default = next((ast.unparse(k.value) for k in call.keywords if k.arg == "default"), None)
                fields.append(Field(stmt.target.id, normalize(ast.unparse(stmt.annotation)), default))
        methods = [s for s in body if isinstance(s, ast.FunctionDef)
                   and (s.name == "__post_init__" or s.name.startswith(("_check", "_read")))]
        methods += [_as_method(function, bound) for function, bound in DATA_CHECKS.get(name, ())]
        checked, raises = _attributes_tested(methods)
        classes[name] = ClassInfo(name, fields, checked, raises)
    return classes


class _Bind(ast.NodeTransformer):
    """Replaces parameter names by the expressions they stand for."""

    def __init__(self, bound: dict[str, str]):
        self.bound = {name: ast.parse(expression, mode="eval").body for name, expression in bound.items()}

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.bound.get(node.id, node)


def _as_method(function: str, bound: dict[str, str]) -> ast.FunctionDef:
    """A ``nanotron_data`` function as if it were a method of the class it checks."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(nanotron_data, function))))
    return _Bind(bound).visit(tree).body[0]


def _value(source: str | None):
    if source is None:
        return "<required>"
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def _mirrored_type(annotation: str) -> str:
    """nanotron's type with the kinds the mirror keeps as strings written as ``str``."""
    parts = [("str" if part in AS_STRINGS else part) for part in annotation.split(" | ")]
    return " | ".join(sorted(set(parts)))


def compare_fields(ours: ClassInfo, theirs: ClassInfo) -> list[tuple[str, str]]:
    out = []
    mine = {f.name: f for f in ours.fields}
    nano = {f.name: f for f in theirs.fields}
    for name in nano.keys() - mine.keys():
        out.append((name, f"field {name}: in nanotron ({nano[name].annotation} = {nano[name].default}), "
                           "not in the mirror"))
    for name in mine.keys() - nano.keys():
        out.append((name, f"field {name}: in the mirror, not in nanotron"))
    common = [n for n in nano if n in mine]
    if common != [n for n in mine if n in nano]:
        out.append(("", f"field order differs: nanotron {common}, mirror {[n for n in mine if n in nano]}"))
    for name in common:
        a, b = nano[name], mine[name]
        if _mirrored_type(a.annotation) != b.annotation:
            out.append((name, f"field {name}: type {a.annotation!r} in nanotron, {b.annotation!r} in the mirror"))
        va, vb = _value(a.default), _value(b.default)
        if va != vb and not (isinstance(va, str) and isinstance(vb, str) and va.split(".")[-1] == vb):
            out.append((name, f"field {name}: default {a.default} in nanotron, {b.default} in the mirror"))
    return out


def run_train_asserts(checkout: Path) -> list[str]:
    """The asserts of ``run_train.py``'s Nanoset branch, one line each."""
    source = (checkout / "run_train.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "NanosetDatasetsArgs" in ast.unparse(node.test):
            found += [ast.unparse(n.test) for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Assert)]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("nanotron", type=Path, help="a nanotron checkout (its src/nanotron/config and run_train.py)")
    parser.add_argument("--commit", help="the checkout's commit, when it is no git work tree")
    args = parser.parse_args()
    commit = args.commit
    if commit is None:
        done = subprocess.run(["git", "-C", str(args.nanotron), "rev-parse", "HEAD"], capture_output=True, text=True)
        commit = done.stdout.strip() if done.returncode == 0 else "unknown"
    print(f"nanotron {commit} at {args.nanotron}; the mirror follows {nanotron_mirror.NANOTRON_COMMIT}")
    print(f"types the mirror keeps as strings: {', '.join(sorted(AS_STRINGS))}\n")
    theirs, ours = nanotron_classes(args.nanotron), mirror_classes()
    field_differences = 0
    for name, mine in ours.items():
        if name not in theirs:
            print(f"{name}: in the mirror, not in nanotron")
            field_differences += 1
            continue
        nano = theirs[name]
        differences = compare_fields(mine, nano)
        unexpected = [(f, line) for f, line in differences if (name, f) not in KNOWN]
        field_differences += len(unexpected)
        only_nano, only_mine = sorted(nano.checked - mine.checked), sorted(mine.checked - nano.checked)
        status = "same fields and defaults" if not unexpected else f"{len(unexpected)} field differences"
        print(f"{name}: {status}; checks: nanotron {nano.raises} raise/assert, mirror {mine.raises}")
        for f, line in differences:
            print(f"  - {line}" + (f" (known: {KNOWN[name, f]})" if (name, f) in KNOWN else ""))
        if only_nano:
            print(f"  - checks read in nanotron only: {', '.join(only_nano)}")
        if only_mine:
            print(f"  - checks read in the mirror only: {', '.join(only_mine)}")
    left = sorted(set(theirs) - set(ours))
    print(f"\nnanotron classes not mirrored: {', '.join(left) or 'none'}")
    unexpected = sorted(set(left) - OUT_OF_SCOPE)
    if unexpected:
        print(f"  not in the mirror's stated scope: {', '.join(unexpected)}")
    print("\nrun_train.py, Nanoset branch (mirrored by check_training_data):")
    for line in run_train_asserts(args.nanotron):
        print(f"  assert {line}")
    print(f"\n{field_differences} field/default differences")
    return 1 if field_differences else 0


if __name__ == "__main__":
    sys.exit(main())
