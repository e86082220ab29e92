"""Where a command's report goes: `--output/-o FILE`, or stdout."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO


def add_output_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")


def emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def output_stream(output: str | None) -> TextIO | nullcontext[TextIO]:
    """A stream for renderers that print: the file (closed after), or stdout (left open)."""
    return open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout)
