"""Dependency edges per language on small repositories written in each language's idioms."""

import os
import random

import networkx as nx
import pytest

from codecurate import metadata as keys
from codecurate.languages import language_for_path
from codecurate.samplers.file_orders import dependency_order
from codecurate.samplers.imports import RESOLVED_LANGUAGES, dependency_graph, import_graph
from codecurate.samplers.imports.rust import expand_use
from tests.conftest import make_doc

pytest.importorskip("tree_sitter_language_pack")


def edges_of(repo: dict[str, str]) -> set[tuple[str, str]]:
    docs = [make_doc(text, path, repo="o/r", **{keys.LANGUAGE: language_for_path(path)}) for path, text in repo.items()]
    graph = dependency_graph(docs)
    assert sorted(graph.nodes) == list(range(len(docs)))
    light = import_graph(docs)  # the ordering stage's graph: the same, neighbours in the same order
    assert list(light.nodes) == list(graph.nodes) and light.edges == list(graph.edges)
    assert all(list(light.predecessors(n)) == list(graph.predecessors(n)) for n in graph.nodes)
    if nx.is_directed_acyclic_graph(graph):  # every test repository's callees come before their callers
        paths = [d.metadata[keys.PATH] for d in docs]
        for seed in range(5):
            position = {n: p for p, n in enumerate(dependency_order(graph, paths, random.Random(seed)))}
            assert all(position[b] < position[a] for a, b in graph.edges)
    return {(docs[a].metadata[keys.PATH], docs[b].metadata[keys.PATH]) for a, b in graph.edges}


def test_every_language_of_the_issue_is_resolved():
    assert {"Python", "Java", "JavaScript", "TypeScript", "TSX", "C", "C++", "Go", "C#", "Rust"} <= RESOLVED_LANGUAGES


def test_python_suffixes_only_from_source_roots():
    repo = {
        "pkg/__init__.py": "",
        "pkg/compat/__init__.py": "",
        "pkg/compat/sys.py": "X = 1\n",
        "pkg/main.py": ("import sys\nimport xxhash\nfrom pkg.compat import sys as csys\n"
                        "from pkg.\\\n    util import f\n"),
        "pkg/util.py": "",
        "pkg/hashes/xxhash.py": "",  # a folder without __init__.py inside a package is no source root
        "src/tool/__init__.py": "",
        "src/tool/core.py": "import tool.util\n",
        "src/tool/util.py": "",
    }
    assert edges_of(repo) == {
        ("pkg/main.py", "pkg/compat/__init__.py"),
        ("pkg/main.py", "pkg/compat/sys.py"),
        ("pkg/main.py", "pkg/util.py"),
        ("src/tool/core.py", "src/tool/util.py"),
    }


def test_a_repository_that_is_itself_a_package():
    repo = {"__init__.py": "from .core import run\n", "core.py": "from . import util\n", "util.py": "X = 1\n"}
    assert edges_of(repo) == {("__init__.py", "core.py"), ("core.py", "__init__.py"), ("core.py", "util.py")}


def test_java_imports_wildcards_static_and_same_package():
    repo = {
        "src/main/java/com/acme/app/Main.java": (
            "package com.acme.app;\nimport com.acme.util.Strings;\nimport com.acme.model.*;\n"
            "import static com.acme.util.Numbers.twice;\nimport java.util.List;\n"
            "public class Main { Config c; List<User> users; int n = twice(1); String s = Strings.trim(\"a\"); }\n"),
        "src/main/java/com/acme/app/Config.java": "package com.acme.app;\npublic class Config {}\n",
        "src/main/java/com/acme/app/Unused.java": "package com.acme.app;\nclass Unused {}\n",
        "src/main/java/com/acme/util/Strings.java": "package com.acme.util;\npublic final class Strings {}\n",
        "src/main/java/com/acme/util/Numbers.java": "package com.acme.util;\npublic final class Numbers {}\n",
        "src/main/java/com/acme/model/User.java": "package com.acme.model;\npublic record User(String name) {}\n",
        "src/main/java/com/acme/model/Order.java": "package com.acme.model;\npublic class Order { User buyer; }\n",
    }
    main = "src/main/java/com/acme/app/Main.java"
    assert edges_of(repo) == {
        (main, "src/main/java/com/acme/app/Config.java"),
        (main, "src/main/java/com/acme/util/Strings.java"),
        (main, "src/main/java/com/acme/util/Numbers.java"),
        (main, "src/main/java/com/acme/model/User.java"),
        ("src/main/java/com/acme/model/Order.java", "src/main/java/com/acme/model/User.java"),
    }


def test_javascript_and_typescript_specifiers():
    repo = {
        "src/index.ts": ("import { a } from './lib/a';\nimport type { B } from './lib/b.js';\n"
                         "export * from './lib';\nimport React from 'react';\nimport x from '@/util/x';\n"),
        "src/lib/a.ts": "export const a = 1;\n",
        "src/lib/b.ts": "export type B = number;\n",
        "src/lib/index.ts": "export {};\n",
        "src/util/x.tsx": "export default 1;\n",
        "src/App.jsx": "const m = require('./lib/a');\nconst lazy = import('./util/x');\n",
        "scripts/build.mjs": "import '../src/index.ts';\nimport fs from 'node:fs';\n",
    }
    assert edges_of(repo) == {
        ("src/index.ts", "src/lib/a.ts"),
        ("src/index.ts", "src/lib/b.ts"),
        ("src/index.ts", "src/lib/index.ts"),
        ("src/index.ts", "src/util/x.tsx"),
        ("src/App.jsx", "src/lib/a.ts"),
        ("src/App.jsx", "src/util/x.tsx"),
        ("scripts/build.mjs", "src/index.ts"),
    }


def test_javascript_calls_pair_each_argument_with_its_own_function():
    # many calls, only some of them require/import: each argument goes with its own call's function
    lines = []
    for i in range(40):
        lines.append(f"log('./mod{i}');" if i % 3 else f"const m{i} = require('./mod{i}');")
        lines.append(f"foo(bar('./mod{i}'), import('./mod{(i + 1) % 40}'));")
    repo = {"main.js": "\n".join(lines) + "\n", **{f"mod{i}.js": "module.exports = 1;\n" for i in range(40)}}
    expected = {("main.js", f"mod{i}.js") for i in range(40) if i % 3 == 0} | \
        {("main.js", f"mod{(i + 1) % 40}.js") for i in range(40)}
    assert edges_of(repo) == expected
    assert edges_of(dict(reversed(list(repo.items())))) == expected  # the same whatever the file order


def test_import_edges_are_the_same_under_any_hash_seed(tmp_path):
    """Every language's test of this module (each asserts its exact edges) passes under three hash
    seeds, and a repository mixing the languages gives the same edges under each."""
    import inspect
    import subprocess
    import sys

    names = [name for name, f in sorted(globals().items()) if name.startswith("test_") and callable(f)
             and not inspect.signature(f).parameters]
    assert len(names) >= 10
    script = ("import tests.samplers.test_imports as t\n"
              f"for name in {names!r}:\n    getattr(t, name)()\n"
              "repo = {'a.js': 'require(\"./b\"); f(\"./c\"); import(\"./c\");', 'b.js': 'x', 'c.js': 'y',\n"
              "        'p/__init__.py': '', 'p/m.py': 'from . import n', 'p/n.py': 'import p.m',\n"
              "        'src/m.c': '#include \"u.h\"\\n', 'src/u.h': 'int u(void);\\n',\n"
              "        'A.java': 'package q; import q.B; class A { B b; }', 'B.java': 'package q; class B {}',\n"
              "        'g/a.go': 'package g\\nfunc A() { B() }\\n', 'g/b.go': 'package g\\nfunc B() {}\\n',\n"
              "        'src/lib.rs': 'mod x;\\nuse crate::x::f;\\n', 'src/x.rs': 'pub fn f() {}\\n',\n"
              "        'N.cs': 'namespace N { class C { D d; } }', 'D.cs': 'namespace N { class D {} }'}\n"
              "print(sorted(t.edges_of(repo)))\n")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)}).stdout
               for seed in (0, 1, 2)}
    assert len(outputs) == 1
    edges = outputs.pop()
    for pair in (("a.js", "b.js"), ("src/m.c", "src/u.h"), ("A.java", "B.java"), ("g/a.go", "g/b.go"),
                 ("src/lib.rs", "src/x.rs"), ("N.cs", "D.cs"), ("p/m.py", "p/n.py")):
        assert str(pair) in edges, pair


def test_c_and_cpp_includes():
    repo = {
        "src/main.c": '#include <stdio.h>\n#include "util.h"\n#include "net/socket.h"\nint main(void){return 0;}\n',
        "src/util.h": "int util(void);\n",
        "src/util.c": '#include "util.h"\nint util(void){return 1;}\n',
        "include/net/socket.h": "#include <net/config.h>\n",
        "include/net/config.h": "#define N 1\n",
        "lib/a/config.h": "#define A 1\n",
        "lib/a/widget.cpp": '#include "config.h"\n#include <vector>\n',
    }
    assert edges_of(repo) == {
        ("src/main.c", "src/util.h"),
        ("src/main.c", "include/net/socket.h"),
        ("src/util.c", "src/util.h"),
        ("include/net/socket.h", "include/net/config.h"),
        ("lib/a/widget.cpp", "lib/a/config.h"),
    }


def test_go_packages_and_same_package_references():
    repo = {
        "cmd/app/main.go": ('package main\n\nimport (\n\t"fmt"\n\tu "github.com/acme/tool/internal/util"\n'
                            '\t_ "github.com/acme/tool/internal/plugins"\n)\n\n'
                            'func main() { fmt.Println(u.Join(helper())) }\n'),
        "cmd/app/helper.go": "package main\n\nfunc helper() string { return \"x\" }\n",
        "internal/util/join.go": "package util\n\nfunc Join(s string) string { return s + sep }\n",
        "internal/util/consts.go": "package util\n\nconst sep = \",\"\n",
        "internal/util/split.go": "package util\n\nfunc Split(s string) []string { return nil }\n",
        "internal/plugins/register.go": "package plugins\n\nfunc init() {}\n",
    }
    assert edges_of(repo) == {
        ("cmd/app/main.go", "cmd/app/helper.go"),
        ("cmd/app/main.go", "internal/util/join.go"),
        ("cmd/app/main.go", "internal/plugins/register.go"),
        ("internal/util/join.go", "internal/util/consts.go"),
    }


def test_csharp_namespaces_and_usings():
    repo = {
        "App/Program.cs": ("using System;\nusing Acme.Data;\nusing static Acme.Util.Guard;\n"
                           "namespace Acme.App;\nclass Program { static void Main() { var r = new Repo(); "
                           "Settings s = null; NotNull(r); } }\n"),
        "App/Settings.cs": "namespace Acme.App { public class Settings {} }\n",
        "Core/Base.cs": "namespace Acme { public abstract class Entity {} }\n",
        "Data/Repo.cs": "namespace Acme.Data { public class Repo : Entity {} }\n",
        "Data/Other.cs": "namespace Acme.Data { public class Other {} }\n",
        "Util/Guard.cs": "namespace Acme.Util { public static class Guard {} }\n",
    }
    assert edges_of(repo) == {
        ("App/Program.cs", "App/Settings.cs"),
        ("App/Program.cs", "Data/Repo.cs"),
        ("App/Program.cs", "Util/Guard.cs"),
        ("Data/Repo.cs", "Core/Base.cs"),  # Entity is visible from the enclosing namespace Acme
    }


def test_rust_modules_uses_and_workspace_crates():
    repo = {
        "crates/core-lib/src/lib.rs": "pub mod parse;\nmod util;\npub use crate::parse::Parser;\n",
        "crates/core-lib/src/parse.rs": "use super::util::{trim, Config as C};\npub struct Parser;\n",
        "crates/core-lib/src/util/mod.rs": "pub mod text;\npub fn trim() {}\n",
        "crates/core-lib/src/util/text.rs": "pub fn f() { crate::parse::helper(); }\n",
        "crates/cli/src/main.rs": "use core_lib::parse::Parser;\nuse std::io;\nfn main() {}\n",
    }
    assert edges_of(repo) == {
        ("crates/core-lib/src/lib.rs", "crates/core-lib/src/parse.rs"),
        ("crates/core-lib/src/lib.rs", "crates/core-lib/src/util/mod.rs"),
        ("crates/core-lib/src/parse.rs", "crates/core-lib/src/util/mod.rs"),
        ("crates/core-lib/src/util/mod.rs", "crates/core-lib/src/util/text.rs"),
        ("crates/core-lib/src/util/text.rs", "crates/core-lib/src/parse.rs"),
        ("crates/cli/src/main.rs", "crates/core-lib/src/parse.rs"),
    }


def test_rust_use_trees_expand():
    assert expand_use("a::{b, c::{d as e, *}, self}") == [["a", "b"], ["a", "c", "d"], ["a", "c"], ["a"]]
    assert expand_use("std::io") == [["std", "io"]]
    assert expand_use("x::Y as Z") == [["x", "Y"]]


def test_a_file_that_does_not_parse_gets_no_edges_and_no_error():
    repo = {"a.go": "package \x00\x01 import (((", "b.rs": "use {{{{", "c.java": "import ;;;"}
    assert edges_of(repo) == set()


def test_a_files_imports_come_in_its_order_whatever_the_processs_string_hashing():
    """tree-sitter's captures came in an order that changed with PYTHONHASHSEED, and with it the order
    of a file's import edges (the documents' order_imports): two runs, or a rerun and a fresh run,
    wrote different documents."""
    import json
    import subprocess
    import sys

    probe = (
        "from datatrove.data import Document\n"
        "from codecurate.samplers.imports.python import python_imports\n"
        "text = 'from collections.abc import Generator\\nfrom enum import Enum, auto\\nfrom typing import Any\\n"
        "from ._exceptions import Failed, Cancelled\\nfrom ._synchronization import Event\\n'\n"
        "doc = Document(text=text, id='p/_futures.py', metadata={'path': 'p/_futures.py', 'language': 'Python'})\n"
        "print(json.dumps([module for module, _ in python_imports(doc)]))\n"
    )
    seen = set()
    for seed in ("1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", "import json\n" + probe], env=env, capture_output=True, text=True,
                             check=True).stdout
        seen.add(tuple(json.loads(out)))
    assert seen == {("collections.abc", "collections.abc.Generator", "enum", "enum.Enum", "enum.auto", "typing",
                     "typing.Any", "_exceptions", "_exceptions.Failed", "_exceptions.Cancelled", "_synchronization",
                     "_synchronization.Event")}
