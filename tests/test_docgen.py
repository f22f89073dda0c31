"""The docs' generated parts agree with the code: the metadata keys page with codecurate/metadata.py,
the aiXcoder recipe's segment count with its plan, the command reference with the parser."""

from pathlib import Path

import pytest

from codecurate import metadata
from codecurate.docgen import PARTS, generated_pages, metadata_keys, replace_part

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_generated_part_of_the_docs_is_as_the_code_writes_it():
    stale = [str(path) for path, text in generated_pages(DOCS).items() if path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `python -m codecurate.docgen` to update {stale}"


def test_the_metadata_page_names_every_key_of_metadata_py():
    table = metadata_keys()
    keys = {
        value
        for name, value in vars(metadata).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("KIND_")
    }
    missing = [key for key in sorted(keys) if f"| `{key}` |" not in table]
    assert not missing
    for key in (
        "objective",
        "fim_mode",
        "fim_middle",
        "order_strategy",
        "pii_counts",
        "quality_score",
        "comment_ratio",
        "analysis_weighted_defects_per_kloc",
    ):  # missing from the page written by hand
        assert f"| `{key}` |" in table
    assert "| `code` |" not in table  # KIND's values are not keys


def test_a_page_without_its_markers_is_refused():
    with pytest.raises(ValueError, match="no <!-- generated: metadata-keys -->"):
        replace_part("# a page\n", "metadata-keys", "x\n", block=True)
    assert set(PARTS) == {"metadata-keys", "aixcoder-segments", "cli-help"}
