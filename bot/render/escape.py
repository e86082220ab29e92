"""Neutralise text that came from a repository before it goes into Markdown we post.

Object names, paths and parser messages are attacker-controlled in a PR: they must not open
HTML, links, images, mentions or code spans in the comment.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_MAX = 300


def md_text(value: object, limit: int = _MAX) -> str:
    """Plain text safe anywhere in Markdown: escaped, no HTML, no mentions, one line."""
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _escaped(text)


def code_text(value: object, limit: int = _MAX) -> str:
    """Text for inside a `code span`: no backticks or newlines can close it early."""
    text = " ".join(str(value).split()).replace("`", "'")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


_CODE_SPAN = re.compile(r"`([^`]*)`")


def _escaped(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u200b", _MD_SPECIAL.sub(r"\\\1", text))


def prose_text(value: object) -> str:
    """A language model's prose on one line: escaped like `md_text`, its `code` spans kept."""
    text = " ".join(str(value).split())
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [_escaped(text[last:m.start()]), f"`{code_text(m.group(1))}`"]
        last = m.end()
    out.append(_escaped(text[last:]))
    return "".join(out)
