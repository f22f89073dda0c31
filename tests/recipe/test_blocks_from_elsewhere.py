"""Blocks from elsewhere in recipes: a datatrove step named by its import path, and a block of
another package registered through the ``codecurate.blocks`` entry points of a distribution
installed for the test (a ``*.dist-info`` folder on ``sys.path``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from codecurate.core import registry
from codecurate.core.registry import BUILTIN_MODULES, ENTRY_POINT_GROUP, available, get_block
from codecurate.readers import RepositoriesReader
from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import RecipeError, validate
from tests.conftest import read_all, read_jsonl_gz, write

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
from codecurate.core import CodecurateFilter


class MaxChars(CodecurateFilter):
    """Drop documents longer than ``limit`` characters (``too_long``)."""

    name = "max_chars"

    def __init__(self, limit: int = 100, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.limit = limit

    def filter(self, document):
        return len(document.text) <= self.limit or (False, "too_long")
'''


def install(site: Path, name: str, entry_points: str, modules: dict[str, str]) -> None:
    """A distribution as pip leaves it in site-packages: its modules and its ``.dist-info``."""
    for module, source in modules.items():
        write(site / f"{module}.py", source)
    dist_info = site / f"{name.replace('-', '_')}-0.1.dist-info"
    write(dist_info / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    write(dist_info / "entry_points.txt", f"[{ENTRY_POINT_GROUP}]\n{entry_points}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site folder on ``sys.path`` and a registry that loads the entry points again (codecurate's
    own blocks stay; whatever the test registers is forgotten after it)."""
    folder = tmp_path / "site"
    folder.mkdir()
    available()
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_loaded", False)
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for module in set(sys.modules) - before:
        if module.startswith("ccplugin"):
            del sys.modules[module]


def test_a_datatrove_filter_and_an_entry_point_block_run_in_a_recipe(tmp_path, repo_root, site):
    install(site, "ccplugin-demo", "max_chars = ccplugin_demo:MaxChars", {"ccplugin_demo": PLUGIN})
    assert get_block("max_chars").__module__ == "ccplugin_demo"
    out = tmp_path / "out"
    recipe = validate({
        "name": "elsewhere",
        "output": str(out),
        "executor": {"type": "local", "tasks": 2, "workers": 1},
        "inputs": [{"reader": "repositories", "params": {"data_folder": str(repo_root)}}],
        "stages": [
            {"block": "datatrove.pipeline.filters:RegexFilter", "params": {"regex_exp": "def "}},
            {"block": "max_chars", "params": {"limit": 40}},
        ],
    })
    assert [s.stage_id for s in recipe.stages] == ["RegexFilter", "max_chars"]
    summary = run_recipe(recipe)

    documents = read_all(RepositoriesReader(str(repo_root)))
    regex_dropped = [d for d in documents if "def " in d.text]
    too_long = [d for d in documents if "def " not in d.text and len(d.text) > 40]
    assert regex_dropped and too_long
    written = sorted(r["id"] for p in (out / "documents").glob("*.gz") for r in read_jsonl_gz(p))
    assert written == sorted(d.id for d in documents if d not in regex_dropped and d not in too_long)

    stages = {s["stage"]: s for s in summary["stages"]}
    regex, plugin = stages["RegexFilter"], stages["max_chars"]
    assert regex["pass_through"] and "pass_through" not in plugin
    assert (regex["documents_in"], regex["kept"]) == (len(documents), len(documents) - len(regex_dropped))
    assert regex["dropped"] == {"RegexFilter": {"documents": len(regex_dropped),
                                                "bytes": sum(len(d.text.encode()) for d in regex_dropped)}}
    assert regex["counters"]["dropped"] == len(regex_dropped)  # datatrove's own count, beside ours
    assert plugin["dropped"]["too_long"]["documents"] == len(too_long)
    assert all(s["balanced"] for s in stages.values())
    excluded = {stage: sorted((r["id"], r["metadata"]["filter_reason"], r["metadata"]["excluded_by"])
                              for p in (out / "excluded" / stage).glob("*.gz") for r in read_jsonl_gz(p))
                for stage in ("RegexFilter", "max_chars")}
    assert excluded["RegexFilter"] == sorted((d.id, "RegexFilter", "RegexFilter") for d in regex_dropped)
    assert excluded["max_chars"] == sorted((d.id, "too_long", "max_chars") for d in too_long)
    assert json.loads((out / "plan.json").read_text())["pass_through"] == ["RegexFilter"]


def test_an_entry_point_module_registers_its_blocks(site):
    module = "from codecurate.core import register\n" + PLUGIN.replace("class MaxChars",
                                                                        '@register("longest")\nclass MaxChars')
    install(site, "ccplugin-module", "anything = ccplugin_module", {"ccplugin_module": module})
    assert "longest" in available() and "anything" not in available()
    assert get_block("longest").__module__ == "ccplugin_module"


def test_a_broken_or_clashing_entry_point_warns_and_the_rest_loads(site):
    install(site, "ccplugin-broken", "gone = ccplugin_missing:Nothing\ntrivial_files = ccplugin_clash:MaxChars",
            {"ccplugin_clash": PLUGIN})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = available()
    messages = " ".join(str(w.message) for w in caught)
    assert "gone = ccplugin_missing:Nothing (ccplugin-broken) not loaded: ModuleNotFoundError" in messages
    assert "'trivial_files' is already registered" in messages
    assert "gone" not in names and get_block("trivial_files").__module__ == "codecurate.filters.trivial"


def _recipe_with(stage: dict) -> dict:
    return {"name": "x", "output": "out", "inputs": [{"reader": "documents", "params": {"data_folder": "."}}],
            "stages": [stage]}


@pytest.mark.parametrize(("stage", "message"), [
    ({"block": "datatrove.pipeline.filters:RegexFilter", "params": {"regex": "x"}},
     "unknown parameter 'regex' for 'datatrove.pipeline.filters:RegexFilter'; known: regex_exp"),
    ({"block": "datatrove.pipeline.filters:RegexFilter", "params": {"regex_exp": 3}}, "expected str, got 3"),
    ({"block": "datatrove.pipeline.filters:RegexFilter"}, "missing required parameter 'regex_exp'"),
    ({"block": "datatrove.pipeline.filters:RegexFilter", "params": {"regex_exp": "("}}, "error: missing )"),
    ({"block": "collections:OrderedDict"}, "'collections:OrderedDict' is not a datatrove PipelineStep class"),
    ({"block": "no_such_package.filters:Filter"}, "cannot import 'no_such_package.filters'"),
    ({"block": "datatrove.pipeline.filters:NoSuchFilter"}, "has no 'NoSuchFilter'"),
    ({"block": "datatrove.pipeline.readers:JsonlReader", "params": {"data_folder": "."}}, "is a reader; put it under"),
])
def test_an_import_path_is_validated_like_our_blocks(stage, message):
    with pytest.raises(RecipeError) as error:
        validate(_recipe_with(stage))
    assert message in str(error.value)


def test_the_builtin_modules_are_listed_once_and_cover_every_registering_module():
    """codecurate's own block modules are listed in BUILTIN_MODULES only (not again as entry points),
    and importing them registers every block: each module of the package that uses ``@register`` is
    imported by them (fresh interpreter)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    assert not [value for value in declared.values() if value.startswith("codecurate")]
    package = Path(registry.__file__).parents[1]
    registering = sorted(
        ".".join(("codecurate", *path.relative_to(package).with_suffix("").parts)).removesuffix(".__init__")
        for path in package.rglob("*.py") if re.search(r"^@register\(", path.read_text(), re.MULTILINE))
    assert registering, "no module registers a block: the scan is wrong"
    script = (f"import importlib, json, sys\nfor name in {list(BUILTIN_MODULES)!r}: importlib.import_module(name)\n"
              f"print(json.dumps([m for m in {registering!r} if m not in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(package.parent)})
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_builtin_blocks_are_found_without_entry_point_metadata():
    """An install whose metadata predates the entry points (an editable install) still finds every
    block of codecurate (fresh interpreter: the block modules must not be imported yet)."""
    script = (
        "import json, importlib.metadata as m\n"
        "real = m.entry_points\n"
        f"m.entry_points = lambda **kw: [] if kw.get('group') == {ENTRY_POINT_GROUP!r} else real(**kw)\n"
        "from codecurate.core.registry import available\n"
        "print(json.dumps(available()))\n"
    )
    src = str(Path(registry.__file__).parents[2])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": src})
    names = json.loads(done.stdout.strip().splitlines()[-1])
    assert names == available() and {"installed_packages", "exact_dedup", "tokenized_shards"} <= set(names)
