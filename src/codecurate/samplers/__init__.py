"""Repository grouping and the file orderers of the aiXcoder paper (Algorithm 1)."""
