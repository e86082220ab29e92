"""What the benches share: measured child processes, the corpus, keys, ports, the scale-out
services (PostgreSQL, Redis, Celery workers), and percentiles. Only 127.0.0.1 is contacted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prerequisites import need
from shared_corpus import find_corpus

ROOT = Path(__file__).resolve().parents[1]
ARIA = str(Path(sys.executable).with_name("aria"))
PG_ADMIN = os.environ.get("ARIA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Database 13: the benches purge their broker queues, which must not be those of a test suite
# (database 12, tests/scale/services.py) running beside them.
REDIS = os.environ.get("ARIA_BENCH_REDIS", "redis://127.0.0.1:6379/13")


@dataclass(frozen=True)
class Run:
    """One finished child process: wall seconds, CPU seconds (user + system, its reaped
    children included) and the peak RSS of the largest of them, in MB."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    code: int


def measured(cmd: list[str], ok: tuple[int, ...] = (0, 1), **popen: Any) -> Run:
    """Run `cmd` to the end (output discarded unless `popen` says otherwise) and measure it."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **popen)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise AssertionError(f"{' '.join(cmd[:3])} … exited with {code}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def corpus() -> Path:
    """The shared corpus of real public manifests (`ARIA_SHARED_DIR=/work/shared`)."""
    found = find_corpus()
    need(found is not None, "no shared corpus: set ARIA_SHARED_DIR to the directory holding "
                            "corpus/")
    assert found is not None
    return found


def bench_rounds(default: int) -> int:
    """Rounds of a long bench: `ARIA_BENCH_ROUNDS` overrides the bench's default."""
    return int(os.environ.get("ARIA_BENCH_ROUNDS", default))


def pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait(predicate: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        time.sleep(0.1)


def answers_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a live process and every live descendant, with the children each has
    reaped (Linux /proc; clock ticks)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # it ended meanwhile
    return total


# --- scale-out services ---------------------------------------------------------------------

def services_up() -> None:
    from scale.services import reachable
    need(reachable("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432")
    need(reachable("127.0.0.1", 6379), "Redis on 127.0.0.1:6379")


def database() -> tuple[str, Any]:
    """A fresh PostgreSQL database: its URL, and the handle `drop` takes."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool
    name = f"aria_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return url, (admin, name)


def drop(handle: Any) -> None:
    from sqlalchemy import text
    admin, name = handle
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def purge_broker() -> None:
    from bot.jobs.celery_app import make_celery
    from bot.jobs.settings import JobSettings
    app = make_celery(JobSettings(broker_url=REDIS))
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)


def workers_ready(count: int) -> None:
    from bot.jobs.celery_app import make_celery
    from bot.jobs.settings import JobSettings
    app = make_celery(JobSettings(broker_url=REDIS))
    wait(lambda: len(app.control.ping(timeout=0.5) or []) >= count, 60, "workers ready")


def app_env(**settings: str) -> dict[str, str]:
    """The environment of an App process: this one's without operator settings, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]), **settings)
    return env


def stop(children: list[subprocess.Popen[Any]]) -> None:
    """Kill the children this bench started, by PID."""
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait(10)

