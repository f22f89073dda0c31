"""What a stage tells the person who ran it: the warnings a block contributes to the run's summary.

A block class may define ``run_warnings(cls, params, stage) -> list[str]``, a classmethod: ``params``
are the stage's parameters (the recipe's values over the ``__init__`` defaults), ``stage`` its entry
of the run summary (``documents_in``, ``kept``, ``dropped`` by reason, ``counters``, and
``objective_shares`` for the objectives), or ``None`` when only the recipe is known (``codecurate
validate``). Each string is one warning, written for a person: what is degraded or wrong, and the
parameter that changes it. The engine shows them in the console's and the report's warnings block;
it knows no block, only this protocol (``stage_warnings``).

A reader (or any block) may also define ``input_problems(cls, params) -> list[str]``: what in its
input would make the run fail or read nothing (a parquet without its text column, a folder that holds
no repository folder), found before anything runs; ``codecurate validate`` and ``run`` refuse the
recipe with them, as they refuse a wrong parameter (``input_problems``).
"""

from __future__ import annotations

import inspect
from typing import Any

#: the classmethod a block defines to contribute warnings
HOOK = "run_warnings"
#: the classmethod a block defines to check its input before a run
INPUT_HOOK = "input_problems"


def resolved_params(cls: type, params: dict | None) -> dict[str, Any]:
    """``params`` over the defaults of ``cls.__init__`` (a parameter without default and not given is
    left out)."""
    resolved = {}
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        signature = None
    for name, parameter in signature.parameters.items() if signature else ():
        if name != "self" and parameter.default is not inspect.Parameter.empty:
            resolved[name] = parameter.default
    resolved.update(params or {})
    return resolved


def stage_warnings(cls: type, params: dict | None, stage: dict | None) -> list[str]:
    """The warnings ``cls`` contributes for one stage; a hook that fails is itself a warning (it must
    not take the summary down)."""
    hook = getattr(cls, HOOK, None)
    if hook is None:
        return []
    try:
        return [str(message) for message in hook(resolved_params(cls, params), stage) or ()]
    except Exception as error:
        return [f"{cls.__name__}.{HOOK} failed: {type(error).__name__}: {error}"]


def input_problems(cls: type, params: dict | None) -> list[str]:
    """What ``cls`` finds wrong with its input before a run (empty when it checks nothing)."""
    hook = getattr(cls, INPUT_HOOK, None)
    return [] if hook is None else [str(message) for message in hook(resolved_params(cls, params)) or ()]
