"""Kept for ``codecurate.cli``'s import only, until cli.py imports these from where they live (issue 33): the
mirror of nanotron's config classes is ``nanotron_mirror``, its loader ``nanotron_loader``, the data checks
``nanotron_data``."""

from codecurate.training.nanotron_data import validate_training_config
from codecurate.training.nanotron_mirror import ConfigError

__all__ = ["ConfigError", "validate_training_config"]
