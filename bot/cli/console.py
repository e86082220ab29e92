"""The terminals Aria writes to: one `rich` console per stream, coloured by `--color` and
`NO_COLOR` (https://no-color.org), so the review view and the progress bars agree."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal, TextIO

if TYPE_CHECKING:
    from rich.console import Console

ColorMode = Literal["auto", "always", "never"]
COLOR_MODES: tuple[ColorMode, ...] = ("auto", "always", "never")


def console_for(stream: TextIO, color: ColorMode = "auto") -> Console:
    """`auto` styles a terminal, in colour unless `NO_COLOR` is set; `always` styles even a pipe
    or a file, in colour whatever `NO_COLOR` says; `never` writes plain text.

    Links (OSC 8 to `file://` targets) go out only where styles do, and not to a `dumb`
    terminal; their visible text is the plain `path:line`, so a terminal without them loses
    nothing. Strings are never read as rich markup: repository text stays text.
    """
    from rich.console import Console  # only commands that draw pay for importing rich
    if color == "never":
        return Console(file=stream, color_system=None, force_terminal=False, markup=False,
                       highlight=False, emoji=False)
    no_color = bool(os.environ.get("NO_COLOR")) if color == "auto" else False
    return Console(file=stream, force_terminal=True if color == "always" else None,
                   no_color=no_color, markup=False, highlight=False, emoji=False)
