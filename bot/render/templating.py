"""The Jinja2 environment every Markdown renderer shares."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot import __version__
from bot.render.escape import code_text, md_text, prose_text
from bot.resources import data_dir


def _cell(value: object) -> str:
    """A table cell: one line, no pipe that would split the row."""
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(data_dir("templates"))),
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False,
                      keep_trailing_newline=True, autoescape=False)
    env.filters.update(md=md_text, code=code_text, cell=_cell, prose=prose_text)
    env.globals["version"] = __version__
    return env
