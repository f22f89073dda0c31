"""Licence filters: the repository's licence (``repository``: licence files, package manifests
(``manifests``), README sections (``readme``)) and each file's own notice (``files``), with the
detection cache they share (``cache``)."""
