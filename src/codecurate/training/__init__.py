"""Training configuration generation (Nanotron, Megatron) from the curated shards."""
