"""presidio is imported without transformers and torch when no NER model is asked for, and the
redactor finds the same PII either way."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
from datatrove.data import Document
from codecurate.pii.presidio_import import import_presidio
import_presidio(light={light})
from codecurate.pii.redact import PIIRedactor
text = ('import os\\n# maintainer: Jane Roe <jane.roe@corp-mail.net>\\n'
        'HOST = "151.101.7.69"\\npassword = "hunter2-Xq9"\\n')
found = PIIRedactor().find(Document(text=text, id="a.py", metadata={{"path": "a.py", "language": "Python"}}))
heavy = [name for name in ("transformers", "torch") if name in sys.modules]
import torch  # still importable afterwards
print(json.dumps({{"found": found, "heavy": heavy}}))
"""


def _run(light: bool) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(light=light)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_light_import_leaves_out_transformers_and_torch_and_finds_the_same():
    light, whole = _run(True), _run(False)
    assert light["heavy"] == []
    assert "transformers" in whole["heavy"]  # what the light import saves
    assert light["found"] == whole["found"]
    assert {kind for _, _, kind in light["found"]} >= {"EMAIL", "NAME", "IP_ADDRESS", "PASSWORD"}
