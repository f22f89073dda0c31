"""Python code the interpreter refuses for its own limits, though tree-sitter parses it.

CPython's tokenizer allows 200 nested brackets and 100 levels of indentation, its parser a bounded
stack of nested expressions, and its compiler 20 statically nested blocks (``for``, ``while``,
``try``, ``with``); beyond them ``compile()`` raises "too many nested parentheses", "too many levels
of indentation", "too many statically nested blocks", or runs out of recursion. tree-sitter has
none of these limits, so a file 10,000 brackets deep passes it, and the model would learn code no
interpreter accepts.

``compile()`` costs about 7 MB per second, so it runs only where a cheap scan (about 50 MB per
second, compiles included) sees a file near a limit: brackets 100 deep, a line indented 80 columns or more, a run of
50 unary operators. Only the limits' own errors drop a file: any other ``SyntaxError`` (syntax newer
than the running Python, an error tree-sitter tolerated) is left to the syntax policy.
"""

from __future__ import annotations

import re
import warnings

#: the scan's thresholds: half CPython's limits or less, so ``compile()`` confirms every file near them
BRACKET_DEPTH = 100
INDENT_COLUMNS = 80
UNARY_RUN = 50

_BRACKET = re.compile(r"[()\[\]{}]")
_DEEP_INDENT = re.compile(rf"^[ \t]{{{INDENT_COLUMNS},}}\S", re.M)
#: runs of unary operators (one pattern each: an alternation is scanned many times slower)
_UNARY_RUNS = (re.compile(rf"[-+~](?:[ \t]*[-+~]){{{UNARY_RUN - 1}}}"),
               re.compile(rf"not\s+(?:not\s+){{{UNARY_RUN - 1}}}"),
               re.compile(rf"await\s+(?:await\s+){{{UNARY_RUN - 1}}}"))
#: the messages of CPython's limits (3.8 to 3.13)
LIMIT_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too many statically nested blocks",
                  "too many nested blocks", "too complex", "parser stack overflow", "maximum recursion depth")


def near_limits(text: str) -> bool:
    """Whether ``text`` comes near one of CPython's nesting limits (a cheap over-estimate)."""
    if _DEEP_INDENT.search(text) or any(run.search(text) for run in _UNARY_RUNS):
        return True
    depth = 0
    for match in _BRACKET.finditer(text):
        if match.group() in "([{":
            depth += 1
            if depth >= BRACKET_DEPTH:
                return True
        elif depth:
            depth -= 1
    return False


def limit_exceeded(text: str) -> str | None:
    """CPython's message when compiling ``text`` exceeds one of its nesting limits, else ``None``
    (also ``None`` for any other syntax error: those are the syntax policy's to judge)."""
    if not near_limits(text):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            compile(text, "<codecurate>", "exec", dont_inherit=True)
    except RecursionError:
        return "maximum recursion depth exceeded during compilation"
    except MemoryError:
        return "parser stack overflow"
    except (SyntaxError, ValueError) as error:
        message = str(getattr(error, "msg", error))
        return message if any(limit in message for limit in LIMIT_MESSAGES) else None
    return None
