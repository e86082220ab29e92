"""`/aria` refusals, one per user and pull request per window, shared by every worker.

A user without write access who comments `/aria …` again and again would otherwise make the App
post a refusal each time (a spam cannon pointed at the pull request, paid from the
installation's API budget).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from bot.state.db import rowcount, session
from bot.state.tables import CommandRefusal


class CommandRefusals:
    def __init__(self, engine: Engine, window: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.window = window
        self.clock = clock

    def first_in_window(self, repo: str, number: int, login: str) -> bool:
        """Record a refusal; True when this user got none on this pull request in the window.

        Both statements are conditional: of two workers refusing the same user at once, one
        inserts (or moves the window on) and answers, the other stays silent.
        """
        now = self.clock()
        try:
            with session(self.engine) as s:
                s.add(CommandRefusal(repo=repo, pr_number=number, login=login, refused_at=now))
            return True
        except IntegrityError:
            pass
        with session(self.engine) as s:
            return rowcount(s.execute(
                update(CommandRefusal)
                .where(CommandRefusal.repo == repo, CommandRefusal.pr_number == number,
                       CommandRefusal.login == login,
                       CommandRefusal.refused_at <= now - self.window)
                .values(refused_at=now))) == 1
