"""CPU seconds of PII redaction's ``find`` (triggers, views, parse, presidio) on a real-code corpus.

The files of ``benchmarks/pii_real.py``'s corpus (``~/.cache/codecurate/corpora/pii``, a split), read
once, then ``PIIRedactor(scope="code").find`` on each, ``--repeat`` times; prints the CPU seconds of
this process for the reading and for each pass (the engine built and warmed up before), the
megabytes and the findings; ``--dump`` writes every finding (file, start, end, type, value), one JSON
line each, to compare two versions one for one. Runs against whatever ``codecurate`` is imported, so that older sources
(``git archive REV src``, on ``PYTHONPATH``) are measured the same way.

    python benchmarks/pii_find_cost.py [--split dev|heldout] [--repeat 2] [--dump FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from codecurate import metadata as keys
from codecurate.pii.redact import PIIRedactor
from codecurate.readers.repositories import RepositoriesReader

ROOT = Path(os.environ.get("CODECURATE_PII_CORPUS", str(Path.home() / ".cache/codecurate/corpora/pii")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "heldout"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dump", help="write every finding of the last pass here (JSON lines)")
    args = parser.parse_args()
    started = time.process_time()
    documents = [
        d for d in RepositoriesReader(str(ROOT / args.split)).run(None, 0, 1) if not d.metadata.get(keys.DECODE_ERROR)
    ]
    read = time.process_time() - started
    megabytes = sum(len(d.text.encode()) for d in documents) / 1e6
    redactor = PIIRedactor(scope="code")
    redactor.engine()
    passes = []
    for _ in range(args.repeat):
        started = time.process_time()
        findings = [redactor.find(d) or [] for d in documents]
        passes.append(time.process_time() - started)
    found = sum(map(len, findings))
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as dump:
            for document, spans in zip(documents, findings):
                path = f"{document.metadata.get(keys.REPO)}/{document.metadata.get(keys.PATH)}"
                for start, end, entity in spans:
                    record = {
                        "file": path,
                        "start": start,
                        "end": end,
                        "type": entity,
                        "value": document.text[start:end],
                    }
                    dump.write(json.dumps(record) + "\n")
    print(
        f"{args.split}: {len(documents)} files, {megabytes:.1f} MB, read in {read:.1f} CPU s; find: "
        f"{', '.join(f'{p:.1f}' for p in passes)} CPU s (min {min(passes):.1f}); {found} findings"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
