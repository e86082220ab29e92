"""The dead-letter table: jobs no retry will finish, with their last error, for people to act on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from bot.state.db import session
from bot.state.tables import DeadLetter


class DeadLetters:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, job_id: int, kind: str, payload: dict[str, Any], error: str,
            attempts: int) -> None:
        try:
            with session(self.engine) as s:
                s.add(DeadLetter(job_id=job_id, kind=kind, payload=payload, error=error[:4000],
                                 attempts=attempts))
        except IntegrityError:
            return  # recorded already by a worker that gave up on the same job

    def all(self) -> list[DeadLetter]:
        with session(self.engine) as s:
            rows = list(s.scalars(select(DeadLetter).order_by(DeadLetter.id)))
            s.expunge_all()
            return rows
