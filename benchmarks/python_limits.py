"""Python files CPython refuses for its nesting limits: the syntax stage against ``compile()``.

Real files: every ``.py`` file of the installed distributions and the standard library (up to
``--limit``); each is compiled, and the stage's verdict (``codecurate.filters.syntax.python_limits``) must
agree: no real file dropped that compiles, none kept that ``compile()`` refuses for a limit.
Mutants: real files with one nested construct appended, below and above each limit (brackets 150
and 250 deep, 10,000 deep spread over 400 lines; 19 and 21 nested loops; 99 and 101 indentation
levels; 40 and 5,000 unary minus), judged the same way.

    python benchmarks/python_limits.py [--limit 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import sysconfig
import time
import warnings
from collections import Counter
from pathlib import Path

from codecurate.filters.syntax.python_limits import LIMIT_MESSAGES, limit_exceeded, near_limits


def compile_verdict(text: str) -> str | None:
    """``compile()``'s own answer: the limit it hit, or ``None`` (compiles, or another error)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<benchmark>", "exec", dont_inherit=True)
    except RecursionError:
        return "recursion"
    except MemoryError:
        return "memory"
    except (SyntaxError, ValueError) as error:
        message = str(getattr(error, "msg", error))
        return message if any(limit in message for limit in LIMIT_MESSAGES) else None
    return None


def nested_loops(depth: int) -> str:
    return "\n" + "".join("    " * i + f"for i{i} in range(2):\n" for i in range(depth)) + "    " * depth + "pass\n"


def indented(depth: int) -> str:
    return "\n" + "".join(" " * i + "if True:\n" for i in range(depth)) + " " * depth + "pass\n"


def brackets(depth: int, per_line: int | None = None) -> str:
    opening = "(" * depth
    if per_line:
        opening = "\n".join(opening[i:i + per_line] for i in range(0, depth, per_line))
    return f"\nvalue = {opening}1{')' * depth}\n"


MUTANTS = {
    "brackets 150": brackets(150), "brackets 250": brackets(250), "brackets 10000 over 400 lines": brackets(10000, 25),
    "loops 19": nested_loops(19), "loops 21": nested_loops(21),
    "indent 99": indented(99), "indent 101": indented(101),
    "unary 40": "\nvalue = " + "-" * 40 + "1\n", "unary 5000": "\nvalue = " + "-" * 5000 + "1\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    roots = [Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["stdlib"])]
    files = sorted({p for root in roots for p in root.rglob("*.py")})
    random.Random(args.seed).shuffle(files)
    texts = []
    for path in files:
        if len(texts) >= args.limit:
            break
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
    counts: Counter = Counter()
    start = time.process_time()
    near = sum(near_limits(text) for text in texts)
    verdicts = [limit_exceeded(text) for text in texts]
    stage_seconds = time.process_time() - start
    start = time.process_time()
    for text, verdict in zip(texts, verdicts):
        ours, theirs = verdict is not None, compile_verdict(text) is not None
        counts["real", ours, theirs] += 1
    seconds = time.process_time() - start
    megabytes = sum(len(t.encode("utf-8", "replace")) for t in texts) / 1e6
    hosts = texts[: max(1, args.limit // 20)]
    for name, tail in MUTANTS.items():
        for text in hosts:
            mutant = text + tail
            counts[name, limit_exceeded(mutant) is not None, compile_verdict(mutant) is not None] += 1
    print(f"Python {sys.version.split()[0]}: {len(texts)} real files, {megabytes:.1f} MB "
          f"({seconds:.1f} CPU s with compile() on every file); {len(hosts)} hosts per mutant")
    print(f"the stage's check: {near} files near a limit compiled, {stage_seconds:.2f} CPU s "
          f"({megabytes / max(stage_seconds, 1e-9):.0f} MB per CPU s)")
    print("| files | compile() refuses for a limit | the stage drops | agree |")
    print("|---|---|---|---|")
    for name in ["real", *MUTANTS]:
        rows = {k[1:]: v for k, v in counts.items() if k[0] == name}
        total = sum(rows.values())
        refused = sum(v for (ours, theirs), v in rows.items() if theirs)
        dropped = sum(v for (ours, theirs), v in rows.items() if ours)
        agree = sum(v for (ours, theirs), v in rows.items() if ours == theirs)
        print(f"| {name} | {refused}/{total} | {dropped}/{total} | {agree}/{total} |")


if __name__ == "__main__":
    main()
