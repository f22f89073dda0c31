"""PII detection for code with presidio-analyzer and redaction into the six special tokens."""
