"""Recipes: a YAML file names inputs, output, seed, executor and ordered stages; this package
validates it, assembles datatrove pipelines from it and runs them."""
