"""Aria's stored text: plain sentences, with repository values quoted verbatim as code spans.

Messages, notes, decision questions and figure labels are stored plain: JSON carries them as
written, with no Markdown or HTML escapes. Where a sentence names a value from the repository
(an object, a path, a folder), `quote` puts the value, byte for byte, in a CommonMark code span
whose backtick fence is longer than any run inside it, so a reader (and the renderers in
`bot.render.escape`, the one place that escapes for an output) can tell the value from Aria's
own words. A value containing backticks or newlines stays exactly what the repository wrote.
"""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")


def fence_for(text: str) -> str:
    """A backtick run longer than any inside `text`: it cannot close early."""
    if "`" not in text:  # most values: no run to measure
        return "`"
    return "`" * (max((len(m) for m in _BACKTICKS.findall(text)), default=0) + 1)


def quote(value: object) -> str:
    """`value` verbatim in a code span, padded where CommonMark would otherwise read its edges
    differently (a backtick at an edge, or a space at both). An empty value reads as a space."""
    text = str(value) or " "
    fence = fence_for(text)
    edges = text[0] + text[-1]
    pad = " " if "`" in edges or (edges == "  " and text.strip(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def segments(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is_code, content) by CommonMark's code-span rule: a backtick run opens
    a span closed by the next run of the same length; a run with no partner is literal text.
    `quote(v)` reads back as exactly one code segment holding `v`."""
    out: list[tuple[bool, str]] = []
    plain, pos = "", 0
    while (m := _BACKTICKS.search(text, pos)) is not None:
        closing = next((c for c in _BACKTICKS.finditer(text, m.end())
                        if len(c.group()) == len(m.group())), None)
        if closing is None:
            plain += text[pos:m.end()]
            pos = m.end()
            continue
        plain += text[pos:m.start()]
        if plain:
            out.append((False, plain))
            plain = ""
        inner = text[m.end():closing.start()]
        if len(inner) > 1 and inner[0] == inner[-1] == " " and inner.strip(" "):
            inner = inner[1:-1]
        out.append((True, inner))
        pos = closing.end()
    plain += text[pos:]
    if plain:
        out.append((False, plain))
    return out
