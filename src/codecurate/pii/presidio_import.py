"""Import presidio-analyzer without the deep-learning stacks it loads for engines codecurate does
not use.

``import presidio_analyzer`` imports its Hugging Face token pipeline (``transformers``, which pulls
in ``torch``) and probes ``torch`` for a GPU, whichever engine is built: 9 of its 11 seconds on the
project's machine, paid by every process that redacts. codecurate's engine is presidio's no-op NLP
engine with regex recognizers, and its own Hugging Face recognizer (``codecurate.pii.ner``) imports
``transformers`` itself. So, when no NER model is asked for, presidio is imported with those two
packages hidden: its optional-import fallbacks take over (no transformers engine, CPU device), and
the packages stay importable for everything after. (spaCy's thinc, when first imported here,
records ``torch`` as absent for the process; a spaCy pipeline that needs torch is an NER model, and
an NER model imports presidio whole.)
"""

from __future__ import annotations

import sys

#: the packages presidio imports only for its transformers engine and its GPU probe
HEAVY_OPTIONAL = ("transformers", "torch")


def import_presidio(light: bool = True) -> None:
    """Import ``presidio_analyzer`` once; ``light``: without ``HEAVY_OPTIONAL`` (those not yet
    imported are hidden during the import and restored after it)."""
    if "presidio_analyzer" in sys.modules:
        return
    hidden = [name for name in HEAVY_OPTIONAL if light and name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # makes ``import name`` raise ImportError
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
