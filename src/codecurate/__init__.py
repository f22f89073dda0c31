"""codecurate: curate source-code repositories and text into training data for code LLMs.

Blocks are datatrove pipeline steps; recipes (YAML) chain them; ``codecurate run`` executes a recipe
locally, on Slurm or on Ray. Importing this package stays cheap: heavy dependencies are imported by
the blocks that need them.
"""

__version__ = "0.1.0"
