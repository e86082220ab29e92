"""The one Jinja2 environment every renderer shares (Markdown, MADR, the probe's 📊 section,
the organisation report), with the escaping filters of `bot.render.escape`.

Templates control their own whitespace (`{%-`/`-%}`): blocks are not trimmed. Autoescaping is
on for HTML templates (`*.html.j2`) only; Markdown templates escape with the filters.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import cache
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from bot import __version__
from bot.render.escape import code, html, md_text, table_cell, visible
from bot.resources import data_dir


def number(value: float | None, digits: int = 1) -> str:
    """A measured figure with thousands separators, or `n/a` when there is none."""
    return "n/a" if value is None else f"{value:,.{digits}f}"


class _CompiledTemplates(FileSystemBytecodeCache):
    """Templates compiled by an earlier run, in Jinja's per-user temporary directory (mode 0700,
    owner checked), keyed by template path, Aria version and this module's own bytes (the
    environment's options, such as `finalize`, are compiled into the code) and checked against
    the template's source: a one-shot `aria review` otherwise compiles the same templates again
    (about 60 ms of it, by cProfile). A cache that cannot be written is no cache, never an
    error."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> FileSystemBytecodeCache | None:
    try:
        options = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
        return _CompiledTemplates(pattern=f"__aria_{__version__}_{options}_%s.cache")
    except (RuntimeError, OSError):  # no safe temporary directory: compile every time
        return None


def _shown(value: object) -> object:
    """Every value a template prints: no hidden or direction-changing character survives, even
    where a template forgot a filter (the filters escape the rest)."""
    if isinstance(value, Markup):
        return Markup(visible(str(value)))
    return visible(value) if isinstance(value, str) else value


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(data_dir("templates"))),
                      bytecode_cache=_compiled_templates(), undefined=StrictUndefined,
                      trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",),
                                                   default_for_string=False),
                      finalize=_shown)
    env.filters.update(md=md_text, code=code, cell=table_cell, html=html)
    env.globals.update(version=__version__, number=number)
    return env
