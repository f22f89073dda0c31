"""The jsonl codecs: gzip at level 6 without a time stamp, zstd at level 3, both read back by any
reader from the suffix."""

from __future__ import annotations

import gzip
import time

import zstandard
from datatrove.data import Document

from codecurate.readers.documents import DocumentsReader
from codecurate.writers import DocumentsWriter


def _write(folder, compression):
    documents = [Document(text=f"def f{k}():\n    return {k}\n" * 50, id=str(k), metadata={"path": f"{k}.py"})
                 for k in range(20)]
    list(DocumentsWriter(str(folder), compression=compression).run(iter(documents)))
    return documents


def test_gzip_is_level_6_deterministic_and_readable(tmp_path):
    documents = _write(tmp_path / "a", "gzip")
    time.sleep(1.1)  # a time stamp in the header would differ now
    _write(tmp_path / "b", "gzip")
    first, second = (tmp_path / "a" / "00000.jsonl.gz").read_bytes(), (tmp_path / "b" / "00000.jsonl.gz").read_bytes()
    assert first == second
    assert first[4:8] == b"\0\0\0\0"  # MTIME
    assert first[8] == 0  # XFL: 2 would say level 9 (fsspec's gzip), 4 level 1
    assert gzip.decompress(first).count(b"\n") == len(documents)
    assert [d.text for d in DocumentsReader(str(tmp_path / "a")).run()] == [d.text for d in documents]


def test_zstd_is_readable_by_zstandard_and_the_reader(tmp_path):
    documents = _write(tmp_path, "zstd")
    data = (tmp_path / "00000.jsonl.zst").read_bytes()
    assert zstandard.ZstdDecompressor().stream_reader(data).read().count(b"\n") == len(documents)
    assert [d.id for d in DocumentsReader(str(tmp_path)).run()] == [d.id for d in documents]
