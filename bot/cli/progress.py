"""The one progress display, for audits and organisation audits: a `rich` bar on stderr,
redrawn in place on a terminal; elsewhere (a CI log) one plain line per change."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class ProgressDisplay:
    """Use as a context manager; `show(done, total, note)` reports where the work stands."""

    def __init__(self, unit: str, console: Console) -> None:
        self.unit = unit
        self.console = console
        self._last: tuple[int, int, str] | None = None
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if console.is_interactive and console.file.isatty():  # not a pipe `--color always` styles
            self._bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                                 MofNCompleteColumn(), TextColumn(unit, markup=False),
                                 TextColumn("{task.fields[note]}", markup=False),
                                 TimeElapsedColumn(), console=console)
            self._task = self._bar.add_task("aria", total=None, note="")

    def __enter__(self) -> ProgressDisplay:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def show(self, done: int, total: int, note: str = "") -> None:
        if (done, total, note) == self._last:
            return
        self._last = (done, total, note)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total, note=note)
        else:
            self.console.print(f"{done}/{total} {self.unit}{note}")
