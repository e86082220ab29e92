"""The one progress display: a bar on stderr, redrawn in place on a terminal, one line per
change elsewhere (a CI log)."""

from __future__ import annotations

import sys

WIDTH = 30


class ProgressBar:
    def __init__(self, unit: str, tty: bool | None = None) -> None:
        self.unit = unit
        self.tty = sys.stderr.isatty() if tty is None else tty

    def show(self, done: int, total: int, note: str = "") -> None:
        filled = int(WIDTH * done / total) if total else WIDTH
        line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} {self.unit}{note}"
        sys.stderr.write(f"\r{line}" if self.tty else f"{line}\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
