"""Ruby: ``require``, ``require_relative``, ``load`` and ``autoload`` resolved to the repository's files.

``require 'a/b'`` is looked up as Ruby's load path would find it: ``a/b.rb`` under the repository's
top or under a ``lib/`` folder (a gem's layout, ``lib/<name>/...``; ``spec/`` and ``test/`` too, as
test runners add them), the nearest match in the folder tree winning. ``require_relative 'x'``
resolves beside the file, and so do paths built from ``__FILE__``/``__dir__``
(``File.expand_path('../x', __FILE__)``, ``File.join(__dir__, 'x')``). ``autoload :Name, 'path'``
is a ``require``; ``autoload :Name`` alone (ActiveSupport's form) is the path of the enclosing
modules and the name in snake case (``module ActiveSupport; autoload :Cache`` -> ``active_support/cache``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, nearest, node_text

LANGUAGES = ("Ruby",)
_QUERIES = {"ruby": "(call method: (identifier) @method arguments: (argument_list) @arguments)"}
_METHODS = ("require", "require_relative", "load", "autoload", "require_dependency")
_ROOTS = ("lib", "spec", "test")
_STRING = re.compile(r"""(['"])([^'"#{}]*?)\1""")


def snake_case(name: str) -> str:
    """``ActiveSupport`` -> ``active_support``, ``HTTPClient`` -> ``http_client``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()


def _nesting(node) -> list[str]:
    names = []
    parent = node.parent
    while parent is not None:
        if parent.type in ("module", "class"):
            name = parent.child_by_field_name("name")
            if name is not None:
                names[:0] = [snake_case(part) for part in node_text(name).split("::") if part]
        parent = parent.parent
    return names


def required_paths(method: str, arguments, importer: str) -> tuple[str, list[str]]:
    """``("relative" | "load path", [paths])`` of one call, paths without ``.rb``."""
    text = node_text(arguments)
    strings = [m.group(2) for m in _STRING.finditer(text)]
    here = posixpath.dirname(importer)
    if method == "autoload":
        if not strings:
            symbol = re.search(r":(\w+)", text)
            return "load path", ["/".join([*_nesting(arguments), snake_case(symbol.group(1))])] if symbol else []
        return "load path", strings[-1:]
    if not strings:
        return "load path", []
    if method == "require_relative":
        return "relative", [posixpath.normpath(posixpath.join(here, "/".join(strings)))]
    if "__FILE__" in text or "__dir__" in text:
        base = importer if "expand_path" in text and "__FILE__" in text and "dirname" not in text else here
        return "relative", [posixpath.normpath(posixpath.join(base, *strings))]
    if len(strings) != 1 or re.sub(r"[\s()]", "", _STRING.sub("", text)):
        return "load path", []  # a computed path
    return "load path", [strings[0]]


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    ruby = files.with_languages(LANGUAGES)
    by_name: dict[str, list[int]] = {}
    for i in ruby:
        by_name.setdefault(posixpath.basename(files.paths[i]), []).append(i)
    for i in ruby:
        nodes = captures(files.documents[i], _QUERIES)
        methods = {(n.parent.start_byte, n.parent.end_byte): node_text(n) for n in nodes.get("method", [])
                   if n.parent is not None and n.parent.child_by_field_name("receiver") is None}
        targets: set[int] = set()
        for arguments in nodes.get("arguments", []):
            call = arguments.parent
            method = methods.get((call.start_byte, call.end_byte)) if call is not None else None
            if method not in _METHODS:
                continue
            kind, paths = required_paths(method, arguments, files.paths[i])
            for path in paths:
                path = path if path.endswith(".rb") else path + ".rb"
                if kind == "relative":
                    target = files.by_path.get(path)
                else:
                    suffix = "/" + path
                    matches = [j for j in by_name.get(posixpath.basename(path), []) if files.paths[j] == path or (
                        files.paths[j].endswith(suffix)
                        and posixpath.basename(files.paths[j][: -len(suffix)]) in _ROOTS)]
                    target = nearest(matches, files, i)
                if target is not None and target != i:
                    targets.add(target)
        yield from ((i, j) for j in sorted(targets))
