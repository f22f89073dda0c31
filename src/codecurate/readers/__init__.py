"""Readers: one datatrove ``Document`` per source file or article.

- ``InstalledPackagesReader`` (``installed_packages``): the Python distributions of this environment.
- ``RepositoriesReader`` (``repositories``): a folder of repositories on disk.
- ``TheStackReader`` (``the_stack``): The Stack v1.2 style parquet.
- ``HuggingFaceReader`` (``huggingface``): a Hugging Face dataset (``save_to_disk`` folder, data files, hub).
- ``ArticlesReader`` (``articles``): natural-language articles from jsonl/parquet.
- ``DocumentsReader`` (``documents``): codecurate's own document files.
"""

from codecurate.readers.articles import ArticlesReader
from codecurate.readers.documents import DocumentsReader
from codecurate.readers.huggingface import HuggingFaceReader
from codecurate.readers.installed import InstalledPackagesReader
from codecurate.readers.repositories import RepositoriesReader
from codecurate.readers.the_stack import TheStackReader

__all__ = [
    "ArticlesReader",
    "DocumentsReader",
    "HuggingFaceReader",
    "InstalledPackagesReader",
    "RepositoriesReader",
    "TheStackReader",
]
