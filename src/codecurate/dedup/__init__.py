"""Exact and MinHash-LSH near deduplication as sharded datatrove stages."""
