"""Tokenizer training, sequence packing and tokenized shard writing."""
