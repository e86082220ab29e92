"""Engine set-up and schema migration (Alembic, run at start-up by every process).

Web and worker processes start together (see `deploy/`), each migrating first: the migration
runs under a database lock, so one process upgrades and the others then find the schema current.
A database server that does not answer for a moment (starting with them, or restarting) is
waited for by `when_reachable`, so a restart neither kills a starting process nor loses the
outcome of a job that just finished.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock held while migrating ("ARIA" in ASCII): any number fits, one is used.
MIGRATION_LOCK_KEY = 0x41524941
# SQLite has one writer; a thread that finds it busy sleeps in growing steps (1, 2, 5, 10 ms…)
# before it looks again, which puts those sleeps on the webhook's answer. Threads of this
# process queue on a lock instead and are woken the moment the writer is done.
_WRITE_LOCKS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
# Pauses between tries while the database does not answer: doubling from the first, never more
# than the last, so a database that is back is used again within a second.
FIRST_PAUSE_SECONDS = 0.1
MAX_PAUSE_SECONDS = 1.0


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    _WRITE_LOCKS[engine] = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, open transactions (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer; NORMAL: a commit survives a process crash
        # (only a power cut can lose the last commits), which is what "a restart loses no
        # accepted job" needs, at a fraction of FULL's fsync cost.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front: a deferred transaction that upgrades to a write after
        # another writer committed fails at once with SQLITE_BUSY instead of waiting. A
        # migration asks for an exclusive one (see `_migration_transaction`).
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _writer(engine: Engine) -> AbstractContextManager[object]:
    return _WRITE_LOCKS.get(engine) or nullcontext()


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has one
    return int(key[0])


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (the result of one is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    with _writer(engine), engine.begin() as conn:
        yield conn


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    with _writer(engine), Session(engine) as s, s.begin():
        yield s


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that only one process holds at a time: a transaction-scoped advisory lock
    on PostgreSQL (DDL is transactional there), an exclusive transaction on SQLite."""
    backend = engine.dialect.name
    if backend == "sqlite":
        with engine.connect() as conn:
            conn.execution_options(sqlite_begin="EXCLUSIVE")
            with conn.begin():
                yield conn
        return
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        yield conn


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision, one process at a time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migration_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def when_reachable(work: Callable[[], T], *, within: float, what: str,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> T:
    """`work`, tried again while the database does not answer (OperationalError: refused,
    shutting down, starting up), until `within` seconds have passed; then its last error.
    `work` must be safe to repeat: a try whose answer was lost may have committed."""
    deadline = clock() + within
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            return work()
        except OperationalError as exc:
            if clock() + pause > deadline:
                raise
            log.warning("%s: database unreachable, trying again in %.1f s: %s",
                        what, pause, exc.orig or exc)
        sleep(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)
