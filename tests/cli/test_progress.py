"""The one progress display (audits, organisation audits): a rich bar redrawn in place on a
terminal, one plain line per change in a log."""

from __future__ import annotations

import io

from bot.cli.console import console_for
from bot.cli.progress import ProgressDisplay


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_change() -> None:
    log = io.StringIO()
    with ProgressDisplay("repositories", console_for(log)) as display:
        for done in (0, 0, 1, 3):
            display.show(done, 3, " (0 failed)")
        display.show(3, 3, " (1 failed)")
    assert log.getvalue().splitlines() == [
        "0/3 repositories (0 failed)", "1/3 repositories (0 failed)",
        "3/3 repositories (0 failed)", "3/3 repositories (1 failed)"]


def test_a_terminal_gets_a_bar_redrawn_in_place() -> None:
    screen = Terminal()
    with ProgressDisplay("files", console_for(screen, "always")) as display:
        for done in range(0, 41, 8):
            display.show(done, 40)
    out = screen.getvalue()
    assert "40/40" in out and "files" in out and "━" in out  # rich's bar, complete
    assert "\r" in out or "\x1b[" in out  # redrawn, not appended line by line
    assert "0/40 files\n" not in out
