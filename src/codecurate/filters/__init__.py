"""Filters that drop documents with a named reason: license, quality, trivial and long files, syntax, content rules."""
