"""A recipe's YAML read with the line every key stands on, so that a problem can name its line."""

from __future__ import annotations

from typing import Any

import yaml

from codecurate.recipe.problems import KeyPath, RecipeError

#: YAML aliases a recipe may use (an alias bomb expands a few lines into billions of nodes)
MAX_YAML_ALIASES = 64


def load_yaml(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML; return the data and the (1-based) line of every key path in it."""
    try:
        aliases = sum(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader))
        if aliases > MAX_YAML_ALIASES:  # expanded, a few lines of aliases make an enormous recipe
            raise RecipeError(
                source, [((), None, f"{aliases} YAML aliases (*name); a recipe may use at most {MAX_YAML_ALIASES}")]
            )
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


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, or of the nearest key above it that the file has (a missing key: its
    mapping's line)."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)
