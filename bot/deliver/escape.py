"""Hostile text in what the bot posts: user commands, PR titles, file names, file content.

Inline text goes through the renderer's escaping (`md_text`, `code_text`: no HTML, links,
images, mentions or code spans survive). Whole files go in a fenced block whose fence is longer
than any backtick run inside, so the content cannot close it and become Markdown.
"""

from __future__ import annotations

import re

from bot.render.escape import code_text, md_text

__all__ = ["code", "fenced", "md_text"]

_BACKTICKS = re.compile(r"`+")


def code(value: object, limit: int = 300) -> str:
    """An inline code span holding `value` as literal text."""
    return f"`{code_text(value, limit)}`"


def fenced(content: str, lang: str = "") -> str:
    longest = max((len(m) for m in _BACKTICKS.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = re.sub(r"[^A-Za-z0-9_+-]", "", lang)
    return f"{fence}{lang}\n{content.rstrip()}\n{fence}"
