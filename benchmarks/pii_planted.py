"""Planted secrets: per file type, how many planted values survive PII redaction (goal: none).

The planted repository (``tests/pii/planted.py``) has 22 files of 20 types, each with an email, a
public IP address, an AWS key id, a GitHub token, a password and/or a private-key block written as
that format writes them; its folder name carries an email and one path an IP address. The recipe's
PII stage (``scope: code``) runs on each file; the table gives the scope it used, the values planted
and those left in the text, the path, the repository name or the id.

    python benchmarks/pii_planted.py [--scope code|whole]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pii.planted import REPOSITORY, write_planted_repository  # noqa: E402

from codecurate import documents as keys  # noqa: E402
from codecurate.pii.redact import PIIRedactor  # noqa: E402
from codecurate.pii.scope import scope_ranges  # noqa: E402
from codecurate.readers.repositories import RepositoriesReader  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scope", default="code", choices=("code", "whole"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        planted = write_planted_repository(Path(folder))
        block = PIIRedactor(scope=args.scope, urls=True)
        rows, total, left = [], 0, 0
        for document in RepositoriesReader(folder).run(None, 0, 1):
            path, language = document.metadata[keys.PATH], document.metadata.get(keys.LANGUAGE)
            scanned = "whole" if args.scope == "whole" or scope_ranges(document, 5.0) is None else "code"
            block.filter(document)
            record = json.dumps({"id": document.id, "text": document.text, "metadata": document.metadata})
            survived = [v for v in planted[path] if v in record] + ([REPOSITORY] if REPOSITORY in record else [])
            rows.append((path, language or "(none)", scanned, len(planted[path]), len(survived)))
            total, left = total + len(planted[path]), left + len(survived)
    print("| file | language | scanned | values planted | survived |\n|---|---|---|---|---|")
    for row in sorted(rows):
        print("| " + " | ".join(map(str, row)) + " |")
    print(f"| **all {len(rows)} files** | | | **{total}** | **{left}** |")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
