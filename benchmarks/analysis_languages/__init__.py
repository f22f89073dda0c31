"""Per-language corpora of real, maintained code and planted defects for ``analysis_oracle.py``.

Each module holds one language (or one analyzer's languages) and names:

- ``LANGUAGE``: codecurate's language name (``"Java"``), or ``LANGUAGES`` for several;
- ``INSTALL``: the commands that put its corpus on this machine (apt, npm, pip download);
- ``corpus(rng, limit, split)``: ``(repository, path, text)`` of real files, ``split`` ``"dev"``
  (the packages the rules were written against) or ``"heldout"`` (packages never looked at while
  writing them);
- ``PLANTS``: kind of defect -> a small realistic snippet holding it;
- ``plant(host_text, snippet)``: the host file with the snippet put where it is valid code, or None.
"""
