"""Recipe files: read, overridden, and validated before anything runs.

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

The file as written is the pydantic model ``RecipeFile``; each block's (and the executor's)
parameters are checked against its own ``__init__`` (``codecurate.recipe.parameters``), then the block
is built once, which runs its own checks. Every problem found is reported at once, each with its key
path and the line it stands on (``codecurate.recipe.yaml_lines``); ``--set`` is
``codecurate.recipe.overrides``, ``--input`` ``codecurate.recipe.inputs``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from codecurate.core.registry import BlockKind, block_kind, get_block, is_import_path
from codecurate.core.run_warnings import input_problems
from codecurate.recipe.overrides import apply_override
from codecurate.recipe.parameters import parameter_problems, signature_params
from codecurate.recipe.paths import normalise_params, normalise_paths
from codecurate.recipe.problems import KeyPath, Problem, RecipeError, format_path, validation_problems
from codecurate.recipe.yaml_lines import line_of, load_yaml

EXECUTOR_TYPES = ("local", "slurm", "ray")
#: executor keys codecurate reads itself (not passed to datatrove): ``wait`` (slurm): seconds to wait
#: for the submitted jobs to finish, then write the summary (0: submit and return)
CODECURATE_EXECUTOR_KEYS = ("wait",)
#: tasks of one segment, at most
MAX_TASKS = 1_000_000
#: workers of one executor, at most
MAX_WORKERS = 100_000
#: a stage id: a simple name, usable as a folder name
_STAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _workers(value: int) -> int:
    if value == -1 or 1 <= value <= MAX_WORKERS:
        return value
    raise ValueError("must be -1 (one per CPU) or >= 1" if value < 1 else f"must be <= {MAX_WORKERS}")


#: the sizes of a run, bounded whichever executor takes them (in place of its signature's plain int)
EXECUTOR_LIMITS = {
    "tasks": Annotated[int, Field(ge=1, le=MAX_TASKS)],
    "workers": Annotated[int, AfterValidator(_workers)],
    "cpus_per_task": Annotated[int, Field(ge=1, le=10_000)],
}


def _stage_id(value: str) -> str:
    if _STAGE_ID.fullmatch(value) and value.strip(".") != "":
        return value
    raise ValueError("expected a simple name (letters, digits, '_', '-', '.'; not only dots)")


def _reader(name: str) -> str:
    if block_kind(_block_class(name)) is not BlockKind.READER:
        raise ValueError(f"{name!r} is not a reader; inputs take readers")
    return name


def _step(name: str) -> str:
    if block_kind(_block_class(name)) is BlockKind.READER:
        raise ValueError(f"{name!r} is a reader; put it under inputs")
    return name


def _block_class(name: str) -> type:
    try:
        return get_block(name)
    except KeyError as error:
        raise ValueError(error.args[0]) from None


class Executor(BaseModel):
    """``executor``: which one runs the recipe; its other keys are its class's parameters."""

    model_config = ConfigDict(extra="allow", strict=True)
    type: Literal[EXECUTOR_TYPES] = "local"
    wait: float | None = None


class Entry(BaseModel):
    """One input or stage: the block, its stage id (default: the block's name), its parameters."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: Annotated[str, AfterValidator(_stage_id)] = None  # type: ignore[assignment]
    params: dict[str, Any] | None = None


class Input(Entry):
    reader: Annotated[str, AfterValidator(_reader)] = Field(
        description="the name of a registered reader or package.module:ClassName"
    )


class Stage(Entry):
    block: Annotated[str, AfterValidator(_step)] = Field(
        description="the name of a registered block or package.module:ClassName"
    )


class RecipeFile(BaseModel):
    """A recipe file as written (what ``validate`` checks first)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(min_length=1, description="a non-empty string naming the recipe")
    description: str = ""
    seed: int = 0
    output: str = Field(min_length=1, description="the output folder (a path string)")
    executor: Executor | None = None
    inputs: list[Input] = Field(min_length=1, description="a list of {reader: NAME, params: {...}}")
    stages: list[Stage] = Field(default_factory=list)


#: what a missing key is, said when it is required
_REQUIRED = {
    key: f.description
    for model in (RecipeFile, Input, Stage)
    for key, f in model.model_fields.items()
    if f.is_required()
}


def _unknown(path: KeyPath) -> str:
    if len(path) == 1:
        return f"unknown key {path[0]!r}; known keys: {', '.join(RecipeFile.model_fields)}"
    name_key = "reader" if path[0] == "inputs" else "block"
    return f"unknown key {path[-1]!r}; an entry has {name_key}, id, params"


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
    """The executor class of ``executor.type``: datatrove's, with codecurate's local, Slurm and Ray fixes
    (``codecurate.recipe.local``, ``codecurate.recipe.slurm``, ``codecurate.recipe.ray_executor``)."""
    if kind == "local":
        from codecurate.recipe.local import LocalExecutor

        return LocalExecutor
    if kind == "slurm":
        from codecurate.recipe.slurm import SlurmExecutor

        return SlurmExecutor
    from codecurate.recipe.ray_executor import RayExecutor

    return RayExecutor


def validate(data: Any, source: str = "recipe", lines: dict[KeyPath, int] | None = None) -> Recipe:
    """Check the whole recipe and build every block once; raise ``RecipeError`` listing all problems."""
    lines = lines or {}
    problems: list[Problem] = []

    def problem(path: KeyPath, message: str) -> None:
        problems.append((path, line_of(lines, path), message))

    if not isinstance(data, dict):
        raise RecipeError(source, [((), 1, f"a recipe is a mapping of keys, got {type(data).__name__}")])
    if isinstance(data.get("output"), str) and data["output"]:
        data["output"] = normalise_paths(data["output"], ("output",), problem)
    try:
        written = RecipeFile.model_validate(data)
    except ValidationError as error:
        written = None
        for path, message in validation_problems(
            error, data, (), missing=lambda path: f"required: {_REQUIRED.get(path[-1], 'a value')}", unknown=_unknown
        ):
            problem(path, message)
    executor = data.get("executor") or {"type": "local"}
    if isinstance(executor, dict) and executor.get("type", "local") in EXECUTOR_TYPES:
        _check_executor(executor, problem)
    inputs = _blocks(data, "inputs", "reader", problem, problems)
    stages = _blocks(data, "stages", "block", problem, problems)
    seen: dict[str, KeyPath] = {}
    for spec in [*inputs, *stages]:
        if spec.stage_id in seen:
            other = format_path(seen[spec.stage_id])
            problem((*spec.path, "id"), f"duplicate stage id {spec.stage_id!r} (also at {other})")
        seen[spec.stage_id] = spec.path

    if problems or written is None:
        raise RecipeError(source, problems)
    return Recipe(
        name=written.name,
        source=source,
        output=written.output,
        seed=written.seed,
        executor=dict(executor, type=executor.get("type", "local")),
        inputs=inputs,
        stages=stages,
        description=written.description,
        raw=copy.deepcopy(data),
    )


def _check_executor(executor: dict, problem) -> None:
    """The executor's parameters against its class (``RecipeFile`` checked ``type`` and ``wait``)."""
    kind = executor.get("type", "local")
    for key in CODECURATE_EXECUTOR_KEYS:
        if key in executor and kind != "slurm":
            problem(("executor", key), f"only the slurm executor takes {key!r}")
    normalise_params(executor, (), ("executor",), problem)
    params = {k: v for k, v in executor.items() if k not in ("type", *CODECURATE_EXECUTOR_KEYS)}
    if kind == "slurm":  # Slurm's own formats, checked before the types (a time YAML read as an int)
        from codecurate.recipe.slurm import partition_problem, time_problem

        if "time" in params and (message := time_problem(params["time"])):
            problem(("executor", "time"), message)
            params["time"] = str(params["time"])
        if isinstance(params.get("partition"), str) and (message := partition_problem(params["partition"])):
            problem(("executor", "partition"), message)
    for path, message in parameter_problems(
        _executor_class(kind), params, ("executor",), f"the {kind} executor", EXECUTOR_LIMITS
    ):
        problem(path, message)


def default_stage_id(name: str) -> str:
    """A stage's id when the recipe gives none: the block's name, or the class name of an import path
    (``datatrove.pipeline.filters:RegexFilter`` -> ``RegexFilter``)."""
    return name.rpartition(":")[2].rpartition(".")[2] if is_import_path(name) else name


def _blocks(data: dict, key: str, name_key: str, problem, problems: list[Problem]) -> list[BlockSpec]:
    """The well-formed entries of ``inputs`` or ``stages`` (``RecipeFile`` reported the others), their
    parameters checked and each block built once."""
    entries = data.get(key)
    specs = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        path: KeyPath = (key, index)
        shape = ((*path, name_key), (*path, "id"), (*path, "params"))  # reported by RecipeFile: not checked on
        if not isinstance(entry, dict) or any(where[: len(path) + 1] in shape for where, _, _ in problems):
            continue
        name = entry[name_key]
        cls = get_block(name)
        stage_id = entry.get("id", default_stage_id(name))
        params = entry.get("params") or {}
        before = len(problems)
        paths = (*getattr(cls, "path_params", ()), *getattr(cls, "path_or_name_params", ()))
        normalise_params(params, paths, (*path, "params"), problem)
        for where, message in parameter_problems(cls, params, (*path, "params"), repr(name)):
            problem(where, message)
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

            from codecurate.recipe.inputs import replace_code_input

            try:
                for note in replace_code_input(data, input_path):
                    logger.warning(note)
            except ValueError as error:
                raise RecipeError(source, [(("inputs",), None, str(error))]) from None
    return validate(data, source, lines)
