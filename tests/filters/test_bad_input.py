"""Bad input through the file-level cleaning chain: each file gets its reason, the run goes on."""

import time

from codecurate.recipe.run import run_recipe
from codecurate.recipe.schema import validate
from tests.conftest import read_jsonl_gz, write


def test_bad_files_get_reasons_and_the_run_goes_on(tmp_path):
    repo = tmp_path / "repos" / "bad"
    write(repo / "blob.bin", bytes(range(256)) * 64)
    write(repo / "latin1.py", "x = 'caf\xe9'\n".encode("latin-1"))
    write(repo / "one_line.py", "a" * (50 * 1024 * 1024))
    write(repo / "many_lines.py", "x = 1\n" * 1_000_000)
    write(repo / "ok.py", "def ok():\n    return 1\n")
    recipe = validate({
        "name": "bad", "output": str(tmp_path / "out"), "executor": {"type": "local", "tasks": 1, "workers": 1},
        "inputs": [{"reader": "repositories",
                    "params": {"data_folder": str(tmp_path / "repos"), "max_file_bytes": 64 * 1024 * 1024}}],
        "stages": [{"block": "trivial_files"}, {"block": "long_files"}, {"block": "content_rules"}],
    })
    start = time.perf_counter()
    summary = run_recipe(recipe)
    elapsed = time.perf_counter() - start
    reasons = {}
    for stage in ("trivial_files", "long_files", "content_rules"):
        for part in sorted((tmp_path / "out" / "excluded" / stage).glob("*.jsonl.gz")):
            for record in read_jsonl_gz(part):
                reasons[record["metadata"]["path"]] = record["metadata"]["filter_reason"]
    assert reasons == {
        "blob.bin": "binary",
        "latin1.py": "undecodable",
        "one_line.py": "too_large",
        "many_lines.py": "too_large",  # 6 MB: the size rule comes first
    }
    kept = [r["metadata"]["path"] for r in read_jsonl_gz(tmp_path / "out" / "documents" / "00000.jsonl.gz")]
    assert kept == ["ok.py"]
    assert summary["complete"] and all(s["balanced"] for s in summary["stages"])
    assert elapsed < 120  # a guard against hangs, not a speed measurement (benchmarks/ has those)


def test_many_short_lines_below_the_size_limit(tmp_path):
    from codecurate.filters.long_files import LongFilesFilter
    from tests.conftest import make_doc, verdict

    assert verdict(LongFilesFilter(), make_doc("x\n" * 400_000)) == "too_many_lines"
