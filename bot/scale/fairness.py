"""Per-installation fairness and the shared GitHub rate-limit budget.

Fairness: each installation's jobs go to one of `shards` queues, and workers consume all of them
round-robin (Kombu rotates the queues it polls). A burst from one installation fills one queue;
the next job of every other installation is taken within one rotation, however long that queue.

Budget: after each job a worker records what GitHub said the installation has left
(`X-RateLimit-Remaining`/`-Reset`). Before starting a job every worker reads the same row, so when
an installation is near its limit they all hold its jobs until the reset, together.
"""

from __future__ import annotations

import random
import threading
import time
import zlib
from collections.abc import Callable

from github import Github
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from bot.deliver.client import AppClients
from bot.deliver.settings import GitHubSettings
from bot.state.db import session
from bot.state.tables import RateBudget

QUEUE_PREFIX = "aria.q"


def queue_names(shards: int) -> list[str]:
    return [f"{QUEUE_PREFIX}{i}" for i in range(shards)]


def shard_queue(installation_id: int | None, shards: int) -> str:
    # crc32, not hash(): the same installation must land on the same queue in every process.
    key = str(installation_id or 0).encode()
    return f"{QUEUE_PREFIX}{zlib.crc32(key) % shards}"


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
            if s.execute(update(RateBudget).where(RateBudget.installation_id == installation_id)
                         .values(values)).rowcount:
                return
        try:
            with session(self.engine) as s:
                s.add(RateBudget(installation_id=installation_id, **values))
        except IntegrityError:
            return

    def snapshot(self) -> dict[int, int]:
        with session(self.engine) as s:
            return dict(s.execute(select(RateBudget.installation_id, RateBudget.remaining)).all())


class ObservedClients(AppClients):
    """`AppClients` that remember the clients a job made, to read their rate-limit headers."""

    def __init__(self, settings: GitHubSettings, app_id: str, private_key: str) -> None:
        super().__init__(settings, app_id, private_key)
        self._made = threading.local()

    def for_installation(self, installation_id: int) -> Github:
        gh = super().for_installation(installation_id)
        self.made().append((installation_id, gh))
        return gh

    def made(self) -> list[tuple[int, Github]]:
        if not hasattr(self._made, "clients"):
            self._made.clients = []
        return self._made.clients

    def record(self, budgets: RateBudgets) -> None:
        """Store the last rate-limit figures each client of this job saw, then forget them."""
        for installation_id, gh in self.made():
            remaining, limit = gh.requester.rate_limiting
            if limit >= 0:  # -1: the client made no request
                budgets.observe(installation_id, remaining, limit,
                                float(gh.requester.rate_limiting_resettime))
        self.made().clear()
