"""The render-time escaping boundary: every output escapes repository text here.

Object names, paths, parser messages, PR titles and comments are attacker-controlled: they must
not open HTML, links, images, mentions or code spans in what Aria posts or writes. Each function
makes text safe for one place in an output: plain Markdown text, an inline code span, a
Markdown table cell, a fenced block holding a whole file, and HTML (the organisation report).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")
_MAX = 300


def _one_line(value: object, limit: int) -> str:
    text = " ".join(str(value).split())
    return text[: limit - 1] + "…" if len(text) > limit else text


def md_text(value: object, limit: int = _MAX) -> str:
    """Plain text safe anywhere in Markdown: escaped, no HTML, no mentions, one line."""
    return _escaped(_one_line(value, limit))


def _escaped(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u200b", _MD_SPECIAL.sub(r"\\\1", text))


def code_text(value: object, limit: int = _MAX) -> str:
    """Text for inside a `code span`: no backticks or newlines can close it early."""
    return _one_line(str(value).replace("`", "'"), limit)


def code(value: object, limit: int = _MAX) -> str:
    """An inline code span holding `value` as literal text."""
    return f"`{code_text(value, limit)}`"


def table_cell(value: object) -> str:
    """A Markdown table cell: one line, no pipe that would split the row."""
    return " ".join(str(value).split()).replace("|", "\\|")


def fenced(content: str, lang: str = "") -> str:
    """A whole file in a fence longer than any backtick run inside, so it cannot close it."""
    longest = max((len(m) for m in _BACKTICKS.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = re.sub(r"[^A-Za-z0-9_+-]", "", lang)
    return f"{fence}{lang}\n{content.rstrip()}\n{fence}"


def html(value: object) -> Markup:
    """Text for HTML element content or a quoted attribute value: the escaping Jinja's
    autoescape applies to every value in an HTML template (`*.html.j2`)."""
    return escape(str(value))


_CODE_SPAN = re.compile(r"`([^`]*)`")


def prose_text(value: object) -> str:
    """A language model's prose on one line: escaped like `md_text`, its `code` spans kept."""
    text = " ".join(str(value).split())
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [_escaped(text[last:m.start()]), code(m.group(1))]
        last = m.end()
    out.append(_escaped(text[last:]))
    return "".join(out)


# C0 and C1 controls (ESC opens the sequences that move the cursor, retitle the window or open
# links), DEL, and the bidirectional overrides that reorder what a terminal shows.
_TERMINAL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: object, limit: int = _MAX) -> str:
    """Text for a terminal: one line, every control character shown as a visible escape."""
    return _TERMINAL_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", _one_line(value, limit))
