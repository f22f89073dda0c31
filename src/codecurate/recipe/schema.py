"""Recipe files: YAML loading with line numbers, overrides, and validation before anything runs.

A recipe::

    name: aixcoder7b
    seed: 1234
    output: output/aixcoder7b
    executor: {type: local, tasks: 2}
    inputs:
      - reader: installed_packages
        params: {}
    stages:
      - block: group_by_repository
        id: group
        params: {buckets: 4}

Every problem found is reported at once, each with its key path and the line it stands on.
"""

from __future__ import annotations

import copy
import inspect
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codecurate.core.folders import missing_filesystem
from codecurate.core.registry import BlockKind, block_kind, get_block, is_import_path
from codecurate.core.run_warnings import input_problems

EXECUTOR_TYPES = ("local", "slurm", "ray")
TOP_LEVEL_KEYS = ("name", "description", "seed", "output", "executor", "inputs", "stages")
#: executor keys codecurate reads itself (not passed to datatrove): ``wait`` (slurm): seconds to wait
#: for the submitted jobs to finish, then write the summary (0: submit and return)
CODECURATE_EXECUTOR_KEYS = ("wait",)
#: Constructor parameters the engine sets itself; a recipe may not give them.
ENGINE_PARAMS = frozenset({"self", "exclusion_writer", "pipeline", "logging_dir", "depends", "adapter"})

KeyPath = tuple[str | int, ...]


class RecipeError(ValueError):
    """A recipe that cannot run. The message lists every problem with its key path and line."""

    def __init__(self, source: str, problems: list[tuple[KeyPath, int | None, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the recipe:"]
        for path, line, message in problems:
            where = f"line {line}, " if line else ""
            lines.append(f"  {where}{format_path(path) or '<top level>'}: {message}")
        super().__init__("\n".join(lines))


def format_path(path: KeyPath) -> str:
    """``("stages", 1, "params", "x")`` -> ``stages[1].params.x``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


#: YAML aliases a recipe may use (an alias bomb expands a few lines into billions of nodes)
MAX_YAML_ALIASES = 64
#: tasks of one segment, at most
MAX_TASKS = 1_000_000
#: a stage id: a simple name, usable as a folder name
_STAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: bounds of the numeric parameters that size a run, wherever they appear (executor or block)
PARAMETER_BOUNDS = {
    "buckets": (1, 1_000_000), "partitions": (1, 1_000_000),
    "merge_tasks": (1, 1_000_000), "vocab_size": (300, 10_000_000), "num_perm": (1, 100_000),
    "sequence_length": (1, 10_000_000), "cpus_per_task": (1, 10_000),
}


#: parameters holding paths, by name (besides a block's ``path_params``): normalised, and refused when
#: they climb out of a folder they name
PATH_PARAM = re.compile(r"(^|_)(folder|folders|dir|directory|file|files|path|paths|root)$|^(dataset|tokenizer)$")


def climbed_out_of(path: str) -> str | None:
    """The folder ``path`` names and then leaves with ``..`` (``a`` in ``a/../../b``), or ``None``.
    Leading ``..`` (``../data``) says where it goes and is not climbing out."""
    text = path.replace(os.sep, "/")
    seen: list[str] = []
    named = 0
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and named:
            return ("/" if text.startswith("/") else "") + "/".join(seen)
        seen.append(part)
        named += part != ".."
    return None


def normalise_paths(value: Any, where: KeyPath, problem) -> Any:
    """``value`` (a path, or a list or mapping of them) normalised (``os.path.normpath``: no ``.``, no
    doubled or trailing ``/``); a path that climbs out of a folder it names is reported to ``problem``
    and left as it is. URLs (``scheme://``) are left alone; one whose filesystem is not installed is
    reported, naming what to install."""
    if isinstance(value, list):
        return [normalise_paths(item, (*where, index), problem) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: normalise_paths(item, (*where, key), problem) for key, item in value.items()}
    if isinstance(value, str) and "://" in value:
        missing = missing_filesystem(value)
        if missing:
            problem(where, missing)
        return value
    if not isinstance(value, str) or not value:
        return value
    left = climbed_out_of(value)
    if left is not None:
        problem(where, f"{value!r} names {left!r} and climbs out of it with '..' (it means "
                       f"{os.path.normpath(value)!r}); write the path it means")
        return value
    return os.path.normpath(value)


def _normalise_params(params: dict, names, where: KeyPath, problem) -> None:
    """Normalise, in place, the values of ``params`` that are paths (``names``, or named like one)."""
    for key in list(params):
        if key in names or PATH_PARAM.search(key):
            params[key] = normalise_paths(params[key], (*where, key), problem)


def load_yaml(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML; return the data and the (1-based) line of every key path in it."""
    try:
        aliases = sum(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader))
        if aliases > MAX_YAML_ALIASES:  # expanded, a few lines of aliases make an enormous recipe
            raise RecipeError(source, [((), None, f"{aliases} YAML aliases (*name); a recipe may use at most "
                                                  f"{MAX_YAML_ALIASES}")])
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RecipeError(source, [((), line, f"not valid YAML: {getattr(error, 'problem', error)}")]) from None
    lines: dict[KeyPath, int] = {}

    def walk(current: yaml.Node | None, path: KeyPath) -> None:
        if current is None:
            return
        lines[path] = current.start_mark.line + 1
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                child = (*path, key_node.value)
                walk(value_node, child)
                lines[child] = key_node.start_mark.line + 1
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                walk(item, (*path, index))

    walk(node, ())
    return data, lines


def apply_override(data: dict, assignment: str) -> None:
    """Apply one ``--set dotted.key=value`` (value parsed as YAML) to the raw recipe ``data``.

    List items are addressed by index or, for ``stages`` and ``inputs``, by stage id / block name.
    """
    if "=" not in assignment:
        raise ValueError(f"--set {assignment!r}: expected dotted.key=value")
    dotted, raw_value = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else ""
    except yaml.YAMLError as error:
        raise ValueError(f"--set {assignment!r}: value is not valid YAML: {error}") from None
    parts = [p for p in dotted.strip().split(".") if p]
    if not parts:
        raise ValueError(f"--set {assignment!r}: empty key")
    target: Any = data
    for depth, part in enumerate(parts[:-1]):
        target = _step_into(target, part, parts[: depth + 1], assignment)
    last = parts[-1]
    if isinstance(target, list):
        target[_list_index(target, last, assignment)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise ValueError(f"--set {assignment!r}: {'.'.join(parts[:-1])} is not a mapping or list")


def _list_index(items: list, part: str, assignment: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if not -len(items) <= index < len(items):
            raise ValueError(f"--set {assignment!r}: index {index} out of range (list has {len(items)} items)")
        return index
    for index, item in enumerate(items):
        if isinstance(item, dict) and part in (item.get("id"), item.get("block"), item.get("reader")):
            return index
    raise ValueError(f"--set {assignment!r}: no list item with id, block or reader {part!r}")


def _step_into(target: Any, part: str, walked: list[str], assignment: str) -> Any:
    if isinstance(target, list):
        return target[_list_index(target, part, assignment)]
    if isinstance(target, dict):
        if target.get(part) is None:
            target[part] = {}
        return target[part]
    raise ValueError(f"--set {assignment!r}: {'.'.join(walked[:-1]) or 'recipe'} is not a mapping or list")


# ------------------------------------------------------------------------------------------------
# parameter type checking against constructor signatures


def type_name(annotation: Any) -> str:
    """Readable name of a type annotation for error messages."""
    if annotation is type(None):
        return "null"
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    if origin is not None:
        args = typing.get_args(annotation)
        names = {list: "list", dict: "mapping", tuple: "list", set: "list"}
        base = names.get(origin, getattr(origin, "__name__", str(origin)))
        return f"{base} of {type_name(args[-1])}" if args else base
    if annotation is dict:
        return "mapping"
    return getattr(annotation, "__name__", str(annotation))


def check_type(value: Any, annotation: Any) -> bool:
    """Whether a YAML ``value`` fits ``annotation`` (unknown annotations accept anything)."""
    if annotation in (Any, inspect.Parameter.empty):
        return True
    if annotation is type(None) or annotation is None:
        return value is None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(check_type(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if origin is typing.Annotated:
        return check_type(value, args[0])
    if origin in (list, tuple, set, typing.Sequence) or annotation in (list, tuple, set):
        if not isinstance(value, list):
            return False
        if origin is tuple and args and args[-1] is not Ellipsis:
            return len(args) == len(value) and all(check_type(v, a) for v, a in zip(value, args))
        item = args[0] if args else Any
        return all(check_type(v, item) for v in value)
    if origin in (dict, typing.Mapping) or annotation is dict:
        if not isinstance(value, dict):
            return False
        if len(args) == 2:
            return all(check_type(k, args[0]) and check_type(v, args[1]) for k, v in value.items())
        return True
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is Path:
        return isinstance(value, str)
    return True  # a class we cannot build from YAML (DataFolder, callables): leave it to the constructor


def signature_params(cls: type) -> dict[str, tuple[Any, Any]]:
    """``name -> (annotation, default)`` of the parameters a recipe may give to ``cls``."""
    init = cls.__init__
    try:
        hints = typing.get_type_hints(init, include_extras=True)
    except Exception:  # forward references we cannot resolve: check names only
        hints = {}
    params = {}
    for name, param in inspect.signature(init).parameters.items():
        if name in ENGINE_PARAMS or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        params[name] = (hints.get(name, inspect.Parameter.empty), param.default)
    return params


def check_params(
    cls: type, params: dict, path: KeyPath, line_of, problems: list, label: str
) -> None:
    """Append a problem for every unknown, missing or mistyped parameter of ``cls``."""
    known = signature_params(cls)
    for key, value in params.items():
        if key not in known:
            problems.append(
                ((*path, key), line_of((*path, key)),
                 f"unknown parameter {key!r} for {label}; known: {', '.join(known) or 'none'}")
            )
            continue
        annotation, _ = known[key]
        if not check_type(value, annotation):
            problems.append(
                ((*path, key), line_of((*path, key)),
                 f"expected {type_name(annotation)}, got {value!r} ({type(value).__name__})")
            )
        elif key in PARAMETER_BOUNDS and isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = PARAMETER_BOUNDS[key]
            if not low <= value <= high:
                problems.append(((*path, key), line_of((*path, key)), f"must be in [{low}, {high}], got {value!r}"))
        elif key == "workers" and isinstance(value, int) and not isinstance(value, bool) \
                and not (value == -1 or 1 <= value <= 100_000):
            problems.append(((*path, key), line_of((*path, key)), f"must be -1 (one per CPU) or >= 1, got {value}"))
    for key, (_, default) in known.items():
        if default is inspect.Parameter.empty and key not in params:
            problems.append(((*path, key), line_of(path), f"missing required parameter {key!r} for {label}"))


# ------------------------------------------------------------------------------------------------
# the validated recipe


@dataclass
class BlockSpec:
    """One input or stage of a validated recipe."""

    block: str
    stage_id: str
    params: dict
    cls: type
    path: KeyPath

    def build(self, seed: int | None = None) -> Any:
        """A fresh instance of the block with the recipe's parameters.

        A block with a ``seed`` parameter the recipe leaves unset gets the recipe's ``seed``.
        """
        params = copy.deepcopy(self.params)
        if seed is not None and "seed" not in params and "seed" in signature_params(self.cls):
            params["seed"] = seed
        return self.cls(**params)


@dataclass
class Recipe:
    """A validated recipe, ready to be planned."""

    name: str
    source: str
    output: str
    seed: int
    executor: dict
    inputs: list[BlockSpec]
    stages: list[BlockSpec]
    description: str = ""
    raw: dict = field(default_factory=dict)


def _executor_class(kind: str) -> type:
    """The executor class of ``executor.type``: datatrove's, with codecurate's local and Slurm fixes
    (``codecurate.recipe.local``, ``codecurate.recipe.executors``)."""
    if kind == "local":
        from codecurate.recipe.local import LocalExecutor

        return LocalExecutor
    if kind == "slurm":
        from codecurate.recipe.slurm import SlurmExecutor

        return SlurmExecutor
    from datatrove.executor.ray import RayPipelineExecutor

    return RayPipelineExecutor


def validate(data: Any, source: str = "recipe", lines: dict[KeyPath, int] | None = None) -> Recipe:
    """Check the whole recipe and build every block once; raise ``RecipeError`` listing all problems."""
    lines = lines or {}

    def line_of(path: KeyPath) -> int | None:
        while path and path not in lines:
            path = path[:-1]
        return lines.get(path)

    problems: list[tuple[KeyPath, int | None, str]] = []

    def problem(path: KeyPath, message: str) -> None:
        problems.append((path, line_of(path), message))

    if not isinstance(data, dict):
        raise RecipeError(source, [((), 1, f"a recipe is a mapping of keys, got {type(data).__name__}")])
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problem((key,), f"unknown key {key!r}; known keys: {', '.join(TOP_LEVEL_KEYS)}")

    name = data.get("name")
    if not isinstance(name, str) or not name:
        problem(("name",), "required: a non-empty string naming the recipe")
    output = data.get("output")
    if not isinstance(output, str) or not output:
        problem(("output",), "required: the output folder (a path string)")
    else:
        output = data["output"] = normalise_paths(output, ("output",), problem)
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        problem(("seed",), f"expected int, got {seed!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        problem(("description",), "expected a string")

    executor = data.get("executor") or {"type": "local"}
    if not isinstance(executor, dict):
        problem(("executor",), "expected a mapping with 'type' and the executor's parameters")
        executor = {"type": "local"}
    kind = executor.get("type", "local")
    if kind not in EXECUTOR_TYPES:
        problem(("executor", "type"), f"expected one of {', '.join(EXECUTOR_TYPES)}, got {kind!r}")
    else:
        executor_params = {k: v for k, v in executor.items() if k not in ("type", *CODECURATE_EXECUTOR_KEYS)}
        for key in CODECURATE_EXECUTOR_KEYS:
            if key in executor and kind != "slurm":
                problem(("executor", key), f"only the slurm executor takes {key!r}")
            elif key in executor and not isinstance(executor[key], (int, float)):
                problem(("executor", key), f"expected a number, got {executor[key]!r}")
        cls = _executor_class(kind)
        _normalise_params(executor, (), ("executor",), problem)
        executor_params = {k: v for k, v in executor.items() if k not in ("type", *CODECURATE_EXECUTOR_KEYS)}
        if kind == "slurm":  # Slurm's own formats, checked before the types (a time YAML read as an int)
            from codecurate.recipe.slurm import partition_problem, time_problem

            if "time" in executor_params and (message := time_problem(executor_params["time"])):
                problem(("executor", "time"), message)
                executor_params["time"] = str(executor_params["time"])
            if isinstance(executor_params.get("partition"), str) and \
                    (message := partition_problem(executor_params["partition"])):
                problem(("executor", "partition"), message)
        check_params(cls, executor_params, ("executor",), line_of, problems, f"the {kind} executor")
        tasks = executor_params.get("tasks", 1)
        if isinstance(tasks, int) and tasks < 1:
            problem(("executor", "tasks"), f"must be >= 1, got {tasks}")
        elif isinstance(tasks, int) and tasks > MAX_TASKS:
            problem(("executor", "tasks"), f"must be <= {MAX_TASKS}, got {tasks}")

    inputs = _blocks(data, "inputs", "reader", problem, problems, line_of, want_reader=True)
    stages = _blocks(data, "stages", "block", problem, problems, line_of, want_reader=False)
    if isinstance(data.get("inputs"), list) and not data["inputs"]:
        problem(("inputs",), "at least one input is required")
    seen: dict[str, KeyPath] = {}
    for spec in [*inputs, *stages]:
        if spec.stage_id in seen:
            other = format_path(seen[spec.stage_id])
            problem((*spec.path, "id"), f"duplicate stage id {spec.stage_id!r} (also at {other})")
        seen[spec.stage_id] = spec.path

    if problems:
        raise RecipeError(source, problems)
    return Recipe(
        name=name,
        source=source,
        output=output,
        seed=seed,
        executor=dict(executor, type=kind),
        inputs=inputs,
        stages=stages,
        description=description,
        raw=copy.deepcopy(data),
    )


def default_stage_id(name: str) -> str:
    """A stage's id when the recipe gives none: the block's name, or the class name of an import path
    (``datatrove.pipeline.filters:RegexFilter`` -> ``RegexFilter``)."""
    return name.rpartition(":")[2].rpartition(".")[2] if is_import_path(name) else name


def _blocks(data: dict, key: str, name_key: str, problem, problems, line_of, want_reader: bool) -> list[BlockSpec]:
    entries = data.get(key, [] if key == "stages" else None)
    if entries is None:
        problem((key,), f"required: a list of {{{name_key}: NAME, params: {{...}}}}")
        return []
    if not isinstance(entries, list):
        problem((key,), f"expected a list of {{{name_key}: NAME, params: {{...}}}}, got {type(entries).__name__}")
        return []
    specs = []
    for index, entry in enumerate(entries):
        path: KeyPath = (key, index)
        if not isinstance(entry, dict):
            problem(path, f"expected a mapping with {name_key!r}, got {entry!r}")
            continue
        allowed = (name_key, "id", "params")
        for extra in entry:
            if extra not in allowed:
                problem((*path, extra), f"unknown key {extra!r}; an entry has {', '.join(allowed)}")
        name = entry.get(name_key)
        if not isinstance(name, str):
            problem((*path, name_key), f"required: the name of a registered {'reader' if want_reader else 'block'} "
                    "or package.module:ClassName")
            continue
        try:
            cls = get_block(name)
        except KeyError as error:
            problem((*path, name_key), str(error.args[0]))
            continue
        kind = block_kind(cls)
        if want_reader and kind is not BlockKind.READER:
            problem((*path, name_key), f"{name!r} is not a reader; inputs take readers")
            continue
        if not want_reader and kind is BlockKind.READER:
            problem((*path, name_key), f"{name!r} is a reader; put it under inputs")
            continue
        stage_id = entry.get("id", default_stage_id(name))
        if not isinstance(stage_id, str) or not _STAGE_ID.fullmatch(stage_id) or stage_id.strip(".") == "":
            problem((*path, "id"), "expected a simple name (letters, digits, '_', '-', '.'; not only dots), "
                    f"got {stage_id!r}")
            continue
        params = entry.get("params") or {}
        if not isinstance(params, dict):
            problem((*path, "params"), f"expected a mapping of parameters, got {type(params).__name__}")
            continue
        before = len(problems)
        _normalise_params(params, getattr(cls, "path_params", ()), (*path, "params"), problem)
        check_params(cls, params, (*path, "params"), line_of, problems, f"{name!r}")
        for param in getattr(cls, "path_params", ()):
            value = params.get(param)
            if isinstance(value, str) and "://" not in value and not Path(value).exists():
                problem((*path, "params", param), f"path does not exist: {value}")
        spec = BlockSpec(name, stage_id, params, cls, path)
        if len(problems) == before:
            try:
                spec.build()
            except Exception as error:  # the block's own validation
                problem((*path, "params"), f"{type(error).__name__}: {error}")
                continue
            found = input_problems(cls, params)  # its input, read before anything runs
            for message in found:
                problem((*path, "params"), message)
            if found:
                continue
        specs.append(spec)
    return specs


def input_entry(path: str) -> dict:
    """The recipe input for ``--input PATH``: The Stack parquet, a Hugging Face ``save_to_disk``
    folder, or a folder of repositories."""
    from codecurate.readers.huggingface import is_saved_dataset

    if "://" in path:
        return _url_input_entry(path)
    location = Path(path)
    if location.is_file() and location.suffix == ".parquet":
        return {"reader": "the_stack", "params": {"data_folder": str(location.parent), "glob_pattern": location.name}}
    if is_saved_dataset(location):
        return {"reader": "huggingface", "params": {"dataset": str(location)}}
    if location.is_dir():
        if next(location.rglob("*.parquet"), None) is not None:
            return {"reader": "the_stack", "params": {"data_folder": str(location)}}
        return {"reader": "repositories", "params": {"data_folder": str(location)}}
    raise ValueError(f"--input {path}: not a folder of repositories, parquet files nor a saved dataset "
                     "(does it exist?)")


def _url_input_entry(url: str) -> dict:
    """``input_entry`` for a URL (``s3://bucket/stack``), as for a local path: parquet files or a folder
    of them, a saved dataset, else a folder of repositories (read through fsspec)."""
    from codecurate.core.folders import datafolder
    from codecurate.readers.huggingface import is_saved_dataset_at

    missing = missing_filesystem(url)
    if missing:
        raise ValueError(f"--input {missing}")
    if url.endswith(".parquet"):
        folder, _, name = url.rstrip("/").rpartition("/")
        return {"reader": "the_stack", "params": {"data_folder": folder, "glob_pattern": name}}
    folder = datafolder(url)
    if not folder.isdir(""):
        raise ValueError(f"--input {url}: not a folder of repositories, parquet files nor a saved dataset "
                         "(does it exist?)")
    if is_saved_dataset_at(url):
        return {"reader": "huggingface", "params": {"dataset": url}}
    if folder.list_files(glob_pattern="**/*.parquet"):
        return {"reader": "the_stack", "params": {"data_folder": url}}
    return {"reader": "repositories", "params": {"data_folder": url}}


def replace_code_input(data: dict, path: str) -> list[str]:
    """Replace the recipe's code inputs (readers that provide code) with the one for ``path``.

    ``--input`` changes where the code is read, nothing else: the first code input's ``id`` and its
    parameters that the new reader takes (``exclude``, ``max_file_bytes``, ``languages``...) are
    kept. Returns a note naming the parameters that could not be kept (the new reader has none such).
    """
    new = input_entry(path)
    kept, replaced = [], []
    for entry in data.get("inputs") or []:
        try:
            provides = getattr(get_block(entry["reader"]), "provides", None)
        except (KeyError, TypeError):
            provides = None
        (replaced if provides == "code" else kept).append(entry)
    data["inputs"] = [new, *kept]
    old = replaced[0] if replaced else None
    if not isinstance(old, dict) or not isinstance(old.get("params"), dict):
        return []
    if old.get("id") is not None:
        new["id"] = old["id"]
    cls = get_block(new["reader"])
    takes = set(signature_params(cls)) - set(getattr(cls, "path_params", ()))
    old_paths = set(getattr(get_block(old["reader"]), "path_params", ()))
    left = []
    for key, value in old["params"].items():
        if key in new["params"] or key in old_paths:  # where to read: what --input replaces
            continue
        if key in takes:
            new["params"][key] = copy.deepcopy(value)
        else:
            left.append(key)
    if not left:
        return []
    return [f"--input {path}: the {new['reader']} reader takes no {', '.join(left)}; the recipe's "
            f"{old['reader']} parameter(s) of that name are not applied"]


def load_recipe(
    path: str | Path,
    overrides: list[str] | None = None,
    output: str | None = None,
    input_path: str | None = None,
) -> Recipe:
    """Read, override (``--set``, ``--output``, ``--input``) and validate a recipe file."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RecipeError(source, [((), None, f"cannot read the recipe: {error.strerror or error}")]) from None
    data, lines = load_yaml(text, source)
    for assignment in overrides or []:
        if not isinstance(data, dict):
            break
        try:
            apply_override(data, assignment)
        except ValueError as error:
            raise RecipeError(source, [((), None, str(error))]) from None
    if isinstance(data, dict):
        if output is not None:
            data["output"] = output
        if input_path is not None:
            from datatrove.utils.logging import logger

            try:
                for note in replace_code_input(data, input_path):
                    logger.warning(note)
            except ValueError as error:
                raise RecipeError(source, [(("inputs",), None, str(error))]) from None
    return validate(data, source, lines)
