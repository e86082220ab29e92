"""The GitHub rate limit each installation had left, shared by every worker.

After each job a worker records what GitHub said the installation has left
(`X-RateLimit-Remaining`/`-Reset`). Before starting a job every worker reads the same row, so when
an installation is near its limit they all hold its jobs until the reset, together.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from bot.state.db import rowcount, session
from bot.state.tables import RateBudget


class RateBudgets:
    def __init__(self, engine: Engine, reserve: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.reserve = reserve
        self.clock = clock

    def wait_seconds(self, installation_id: int) -> float:
        """0 when the installation may run now; else seconds until its limit resets."""
        with session(self.engine) as s:
            row = s.get(RateBudget, installation_id)
            if row is None or row.remaining > self.reserve:
                return 0.0
            wait = row.reset_at - self.clock()
        if wait <= 0:
            return 0.0
        # Jitter: the held jobs of every worker must not all hit GitHub in the same second.
        return wait + random.uniform(0.5, 3.0)

    def observe(self, installation_id: int, remaining: int, limit: int, reset_at: float) -> None:
        values = {"remaining": remaining, "limit": limit, "reset_at": reset_at,
                  "observed_at": self.clock()}
        # Portable upsert: update, and insert when there was nothing to update. A concurrent
        # insert by another worker wins the race; its figure is as fresh as ours.
        with session(self.engine) as s:
            if rowcount(s.execute(update(RateBudget)
                                  .where(RateBudget.installation_id == installation_id)
                                  .values(values))):
                return
        try:
            with session(self.engine) as s:
                s.add(RateBudget(installation_id=installation_id, **values))
        except IntegrityError:
            return

    def snapshot(self) -> dict[int, int]:
        with session(self.engine) as s:
            return dict(s.execute(select(RateBudget.installation_id, RateBudget.remaining)).all())
