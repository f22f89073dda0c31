"""PHP: namespaces, ``use`` and the class names a file references, resolved to the files declaring
them; ``require``/``include`` of literal paths.

A file's classes, interfaces, traits, enums and functions live in its namespace. A name resolves
as PHP resolves it: ``\\A\\B`` as written, ``A\\B`` through a ``use`` alias for ``A`` or else
inside the current namespace, an unqualified ``B`` through an alias or the current namespace.
A fully qualified name that no file declares is looked up the way an autoloader would: PSR-4 and
PSR-0 prefixes of the repository's ``composer.json`` (when it is among the documents), else the
file whose path ends with the name's last segments (``A/B/C.php`` for ``A\\B\\C``, two at least).
``require``, ``include`` (and ``_once``) of a literal path, of ``__DIR__ . '/x.php'`` or of
``dirname(__DIR__) . '/x.php'`` resolve beside the file, then from the repository's top.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from codecurate.samplers.imports.common import RepositoryFiles, captures, nearest, node_text

LANGUAGES = ("PHP",)
_DECLARATIONS = ("class_declaration", "interface_declaration", "trait_declaration", "enum_declaration",
                 "function_definition")
_INCLUDES = ("require_expression", "require_once_expression", "include_expression", "include_once_expression")
_QUERIES = {"php": f"""
(namespace_definition name: (namespace_name) @namespace)
(namespace_use_declaration) @use
[{' '.join(f'({kind} name: (name) @type)' for kind in _DECLARATIONS)}]
(qualified_name) @qualified
(name) @name
[{' '.join(f'({kind})' for kind in _INCLUDES)}] @include
"""}
_NOT_REFERENCES = {"qualified_name", "namespace_name", "namespace_use_clause", "namespace_definition",
                   "variable_name", "method_declaration", "property_element", "const_element", *_DECLARATIONS}
_STRING = re.compile(r"""(['"])([^'"]*?)\1""")
_DIRNAME = re.compile(r"dirname\s*\(\s*(__DIR__|__FILE__)\s*(?:,\s*(\d+)\s*)?\)")


def _clean(name: str) -> str:
    return "".join(name.split()).strip("\\").lower()


def use_clauses(text: str) -> list[tuple[str, str]]:
    """``(fully qualified name, alias)`` of a ``use`` declaration:
    ``use A\\{B, C as D}`` -> ``(a\\b, b)``, ``(a\\c, d)``; names lower-cased (PHP's are case-insensitive)."""
    text = " ".join(re.sub(r"/\*.*?\*/|//[^\n]*|#[^\n]*", " ", text, flags=re.S).split())
    text = re.sub(r"^use\s+(?:function\s+|const\s+)?", "", text).rstrip("; ")
    head, brace, group = text.partition("{")
    parts = group.rstrip("} ").split(",") if brace else text.split(",")
    prefix = _clean(head) + "\\" if brace else ""
    found = []
    for part in parts:
        part = re.sub(r"^\s*(?:function|const)\s+", "", part)
        pieces = re.split(r"\s+as\s+", part.strip(), maxsplit=1)
        name = prefix + _clean(pieces[0])
        if name.strip("\\"):
            alias = pieces[1].strip() if len(pieces) > 1 else name.rsplit("\\", 1)[-1]
            found.append((name.strip("\\"), alias.lower()))
    return found


def _autoload(files: RepositoryFiles) -> list[tuple[str, str, bool]]:
    """``(namespace prefix, folder, psr0)`` from the repository's ``composer.json`` documents."""
    found = []
    for i, path in enumerate(files.paths):
        if posixpath.basename(path) != "composer.json":
            continue
        try:
            manifest = json.loads(files.documents[i].text or "")
        except ValueError:
            continue
        base = posixpath.dirname(path)
        for section in ("autoload", "autoload-dev"):
            table = manifest.get(section) if isinstance(manifest, dict) else None
            for kind in ("psr-4", "psr-0"):
                mapping = table.get(kind, {}) if isinstance(table, dict) else {}
                for prefix, folders in (mapping.items() if isinstance(mapping, dict) else ()):
                    for folder in [folders] if isinstance(folders, str) else folders or []:
                        if isinstance(folder, str):
                            found.append((_clean(prefix), posixpath.normpath(posixpath.join(base, folder)),
                                          kind == "psr-0"))
    return sorted(found, key=lambda item: -len(item[0]))


class _Autoloader:
    """A fully qualified class name -> the file an autoloader would load."""

    def __init__(self, files: RepositoryFiles):
        self.files = files
        self.prefixes = _autoload(files)
        self.lower = {}
        for i, path in enumerate(files.paths):
            if files.language(i) in LANGUAGES:
                self.lower.setdefault(path.lower(), i)

    def __call__(self, name: str, source: int) -> int | None:
        for prefix, folder, psr0 in self.prefixes:
            if name == prefix or name.startswith(prefix + "\\") or not prefix:
                rest = name if psr0 else name[len(prefix):].strip("\\")
                path = posixpath.normpath(posixpath.join(folder, rest.replace("\\", "/") + ".php")).lower()
                if path in self.lower:
                    return self.lower[path]
        segments = name.split("\\")
        if self.prefixes or len(segments) < 2:
            return None
        for length in range(len(segments), 1, -1):
            suffix = "/".join(segments[-length:]) + ".php"
            matches = [i for path, i in self.lower.items() if path == suffix or path.endswith("/" + suffix)]
            if matches:
                return nearest(matches, self.files, source)
        return None


def include_path(text: str, importer: str) -> list[str]:
    """Where a ``require``/``include`` expression's path may be, most likely first (nothing when the
    path is computed from anything but ``__DIR__``, ``__FILE__`` and string literals)."""
    strings = [m.group(2) for m in _STRING.finditer(text)]
    if len(strings) != 1 or "$" in text:
        return []
    literal, here = strings[0], posixpath.dirname(importer)
    dirname = _DIRNAME.search(text)
    if dirname:
        for _ in range(int(dirname.group(2) or 1) - (dirname.group(1) == "__FILE__")):
            here = posixpath.dirname(here)
        return [posixpath.normpath(here + "/" + literal.lstrip("/"))]
    if "__DIR__" in text or "__FILE__" in text:
        return [posixpath.normpath(here + "/" + literal.lstrip("/"))]
    if re.sub(r"^(?:require|include)(?:_once)?|[\s()]", "", _STRING.sub("", text)):
        return []  # a path made by a function or a constant
    return [posixpath.normpath(posixpath.join(here, literal)), posixpath.normpath(literal.lstrip("/"))]


def edges(files: RepositoryFiles) -> Iterator[tuple[int, int]]:
    php = files.with_languages(LANGUAGES)
    if not php:
        return
    declared: dict[str, set[int]] = {}
    facts = {}
    for i in php:
        nodes = captures(files.documents[i], _QUERIES)
        namespaces = sorted((n.start_byte, _clean(node_text(n))) for n in nodes.get("namespace", []))
        facts[i] = (namespaces, nodes)
        for node in nodes.get("type", []):
            declared.setdefault(_namespace_at(namespaces, node.start_byte) + _clean(node_text(node)), set()).add(i)
    autoload = _Autoloader(files)
    for i in php:
        namespaces, nodes = facts[i]
        targets: set[int] = set()
        for name, explicit in _references(namespaces, nodes):
            if name in declared:
                targets.update(declared[name])
            elif explicit and (target := autoload(name, i)) is not None:
                targets.add(target)
        for node in nodes.get("include", []):
            for path in include_path(node_text(node), files.paths[i]):
                if path in files.by_path:
                    targets.add(files.by_path[path])
                    break
        targets.discard(i)
        yield from ((i, j) for j in sorted(targets))


def _references(namespaces: list[tuple[int, str]], nodes: dict) -> Iterator[tuple[str, bool]]:
    """``(fully qualified name, explicit)`` of each name a file imports or uses; explicit: written
    with a namespace (``use`` or a qualified name), so an autoloader may be asked for it."""
    aliases: dict[str, str] = {}
    for node in nodes.get("use", []):
        for name, alias in use_clauses(node_text(node)):
            aliases[alias] = name
            yield name, True
    for node in nodes.get("qualified", []):
        if node.parent is not None and node.parent.type in ("namespace_use_clause", "namespace_use_declaration"):
            continue
        text, here = "".join(node_text(node).split()), _namespace_at(namespaces, node.start_byte)
        name = _clean(text)
        if text.lower().startswith("namespace\\"):
            name = here + name.removeprefix("namespace\\")
        elif not text.startswith("\\"):
            first, _, rest = name.partition("\\")
            name = f"{aliases[first]}\\{rest}" if first in aliases else here + name
        yield name, True
    for node in nodes.get("name", []):
        if node.parent is None or node.parent.type in _NOT_REFERENCES:
            continue
        name = node_text(node).lower()
        yield aliases.get(name) or _namespace_at(namespaces, node.start_byte) + name, False


def _namespace_at(namespaces: list[tuple[int, str]], position: int) -> str:
    """The namespace (``a\\b\\``, or ``""`` for the global one) in force at a byte of the file."""
    current = ""
    for start, name in namespaces:
        if start > position:
            break
        current = name + "\\" if name else ""
    return current
