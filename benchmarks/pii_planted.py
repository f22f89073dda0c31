"""Planted secrets: per file type, how many planted values survive PII redaction (goal: none).

The planted repository (``tests/pii/planted.py``) has 22 files of 20 types, each with an email, a
public IP address, an AWS key id, a GitHub token, a password and/or a private-key block written as
that format writes them; its folder name carries an email and one path an IP address. Then the
forms of issue 32, one file per form and language (second table: survivors / pieces planted): a
private key one line comment per line in 20 languages' comment forms, an AWS key id and a GitHub
token split across string concatenations in 15 languages, passwords and a key in Markdown inline
code and code blocks, passwords and keys as SQL ``INSERT`` values (column list, ``CREATE TABLE``,
name/value rows, a password's shape). The recipe's
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

from tests.pii.planted import FORMS, REPOSITORY, write_planted_repository  # noqa: E402

from codecurate import metadata as keys  # noqa: E402
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
    forms = {path: key for key, (path, _) in FORMS.items()}
    print("| file | language | scanned | values planted | survived |\n|---|---|---|---|---|")
    for row in sorted(rows):
        if row[0] not in forms:
            print("| " + " | ".join(map(str, row)) + " |")
    print(f"| **all {len(rows) - len(forms)} files** | | | **{sum(r[3] for r in rows if r[0] not in forms)}** | "
          f"**{sum(r[4] for r in rows if r[0] not in forms)}** |")
    # the forms of issue 32: survivors / pieces planted, per language and form
    names = list(dict.fromkeys(form for form, _ in FORMS))
    cells = {forms[row[0]]: row for row in rows if row[0] in forms}
    print("\n| language | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    for language in sorted({language for _, language in FORMS}):
        line = [f"{cells[(f, language)][4]}/{cells[(f, language)][3]} ({cells[(f, language)][2]})"
                if (f, language) in cells else "" for f in names]
        print(f"| {language} | " + " | ".join(line) + " |")
    totals = [f"**{sum(cells[k][4] for k in cells if k[0] == f)}/{sum(cells[k][3] for k in cells if k[0] == f)}**"
              for f in names]
    print(f"| **all** ({len(cells)} files) | " + " | ".join(totals) + " |")
    print(f"\nsurvived: {left} of {total} values and pieces planted in {len(rows)} files")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
