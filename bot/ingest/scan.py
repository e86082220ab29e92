"""A cheap scanner that bounds nesting before any parser sees a file's text.

Deep nesting is the one input whose cost is not linear in its size: a parser that recurses
(ruamel.yaml's C composer, lark, protobuf's text format, a tree walker) spends a stack frame
per level, and a C frame cannot be caught when it overflows — a YAML flow list nested 30,000
deep (60 KB) killed Aria with SIGSEGV. This scanner runs with regular expressions in time
linear in the text and refuses nesting deeper than MAX_NESTING, counted over-generously:
every bracket outside quotes and comments opens or closes a level, and a line of compact YAML
indicators (`- - - x`) counts one level per indicator.
"""

from __future__ import annotations

import re
from enum import StrEnum

# Levels. Of the real files in ../shared/corpus, the deepest YAML nests 35 levels (argo-cd's
# CRD schemas in install.yaml), the deepest Terraform 20 brackets, the deepest pbtxt 6.
MAX_NESTING = 200


class Syntax(StrEnum):
    yaml = "yaml"
    hcl = "hcl"
    pbtxt = "pbtxt"
    json = "json"  # webhook payloads: Python's json recurses once per level


_BRACKETS = {Syntax.yaml: "[]{}", Syntax.hcl: "[]{}()", Syntax.pbtxt: "[]{}<>",
             Syntax.json: "[]{}"}  # open, close
# Quoted text and comments, where brackets mean nothing. An unterminated quote runs to the end
# of the text (`\Z`), as it does for the parser, which keeps every pattern linear in the text.
_SKIP = {
    Syntax.yaml: re.compile(
        r"""(?<![^\s\[\]{},:])(?:"(?:[^"\\]|\\.)*+(?:"|\Z)|'(?:[^']|'')*+(?:'|\Z))"""
        r"""|(?:^|(?<=[ \t]))\#[^\n]*""", re.MULTILINE | re.DOTALL),
    Syntax.hcl: re.compile(
        r"""\"(?:[^"\\\n]|\\.)*+(?:"|$)|(?:\#|//)[^\n]*|/\*.*?(?:\*/|\Z)""",
        re.MULTILINE | re.DOTALL),
    Syntax.pbtxt: re.compile(
        r"""\"(?:[^"\\\n]|\\.)*+(?:"|$)|'(?:[^'\\\n]|\\.)*+(?:'|$)|\#[^\n]*""",
        re.MULTILINE | re.DOTALL),
    Syntax.json: re.compile(r"""\"(?:[^"\\]|\\.)*+(?:"|\Z)""", re.DOTALL),
}
_BRACKET = {syntax: re.compile("[" + re.escape(pairs) + "]") for syntax, pairs in _BRACKETS.items()}
_COMPACT_CHAIN = re.compile(rf"^[ \t]*+(?:[-?][ \t]++){{{MAX_NESTING + 1}}}", re.MULTILINE)


def _blank_keeping_lines(match: re.Match[str]) -> str:
    return "\n" * match.group().count("\n")


def nesting_problem(text: str, syntax: Syntax) -> tuple[str, int] | None:
    """(reason, line) when `text` may nest deeper than MAX_NESTING levels, else None."""
    reason = f"nesting deeper than {MAX_NESTING} levels"
    if syntax is Syntax.yaml:
        chain = _COMPACT_CHAIN.search(text)
        if chain is not None:
            return reason, text.count("\n", 0, chain.start()) + 1
    openers = _BRACKETS[syntax][::2]
    if sum(text.count(c) for c in openers) <= MAX_NESTING:
        return None  # cannot nest deeper: the common case costs a few C-speed counts
    outside = _SKIP[syntax].sub(_blank_keeping_lines, text)
    found = _BRACKET[syntax].finditer(outside)
    depth = 0
    for match in found:
        if match.group() in openers:
            depth += 1
            if depth > MAX_NESTING:
                return reason, outside.count("\n", 0, match.start()) + 1
        elif depth:
            depth -= 1
    return None
