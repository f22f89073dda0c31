import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codecurate import metadata as keys
from codecurate.readers import ArticlesReader, DocumentsReader, TheStackReader


def stack_table(rows):
    return pa.Table.from_pylist(rows)


STACK_ROWS = [
    {"hexsha": "a1", "content": "print(1)\n", "max_stars_repo_name": "o/r1", "max_stars_repo_path": "a.py",
     "max_stars_repo_licenses": ["MIT"], "max_stars_count": 10, "lang": "Python", "size": 9},
    {"hexsha": "b2", "content": "", "max_stars_repo_name": "o/r2", "max_stars_repo_path": "src/x.js",
     "max_stars_repo_licenses": ["MIT", "Apache-2.0"], "max_stars_count": None, "lang": "JavaScript", "size": 0},
    {"hexsha": "c3", "content": "int main(){}\n", "max_stars_repo_name": "o/r1", "max_stars_repo_path": "m.c",
     "max_stars_repo_licenses": [], "max_stars_count": 10, "lang": "C", "size": 13},
]


def test_the_stack_columns_map_to_metadata(tmp_path):
    pq.write_table(stack_table(STACK_ROWS), tmp_path / "part-0.parquet")
    reader = TheStackReader(str(tmp_path))
    docs = list(reader.run())
    assert [d.id for d in docs] == ["a1", "b2", "c3"]
    first, empty, third = (d.metadata for d in docs)
    assert (first[keys.REPO], first[keys.PATH], first[keys.LICENSE], first[keys.STARS], first[keys.LANGUAGE]) == (
        "o/r1", "a.py", "MIT", 10, "Python")
    assert empty[keys.LICENSE] == "Apache-2.0 AND MIT"
    assert empty[keys.STARS] is None
    assert docs[1].text == ""  # kept, not silently skipped
    assert third[keys.LICENSE] is None and third[keys.LICENSE_SOURCE] is None
    assert reader.stats.stats["in"].total == reader.stats.stats["kept"].total == 3


def test_the_stack_missing_content_column_is_named(tmp_path):
    pq.write_table(pa.Table.from_pylist([{"text": "x"}]), tmp_path / "p.parquet")
    with pytest.raises(KeyError, match="no column 'content'"):
        list(TheStackReader(str(tmp_path)).run())


def test_articles_from_jsonl_gz_and_parquet(tmp_path):
    with gzip.open(tmp_path / "a.jsonl.gz", "wt") as f:
        f.write(json.dumps({"id": "doc-1", "body": "An article."}) + "\n\n")
        f.write(json.dumps({"body": "Another one."}) + "\n")
    pq.write_table(pa.Table.from_pylist([{"id": "p-1", "body": "From parquet."}]), tmp_path / "b.parquet")
    (tmp_path / "ignored.txt").write_text("not an article file")
    docs = list(ArticlesReader(str(tmp_path), text_key="body").run())
    assert [d.text for d in docs] == ["An article.", "Another one.", "From parquet."]
    assert docs[0].id == "doc-1" and docs[1].id.endswith("a.jsonl.gz/1")
    assert {d.metadata[keys.KIND] for d in docs} == {keys.KIND_TEXT}


def test_articles_errors_name_file_and_line(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\n{oops\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: invalid JSON"):
        list(ArticlesReader(str(tmp_path)).run())
    (tmp_path / "bad.jsonl").write_text('{"body": "no text key"}\n')
    with pytest.raises(KeyError, match="no field 'text'"):
        list(ArticlesReader(str(tmp_path)).run())


def test_documents_round_trip(tmp_path):
    from datatrove.data import Document

    from codecurate.writers import DocumentsWriter

    originals = [Document(text="", id="r/empty", metadata={keys.REPO: "r", keys.STARS: None}),
                 Document(text="x = 1\n", id="r/a.py", metadata={keys.REPO: "r", keys.LANGUAGE: "Python"})]
    list(DocumentsWriter(str(tmp_path)).run(iter(originals), rank=3))
    assert (tmp_path / "00003.jsonl.gz").is_file()
    back = list(DocumentsReader(str(tmp_path)).run())
    assert [(d.id, d.text, d.metadata) for d in back] == [(d.id, d.text, d.metadata) for d in originals]
