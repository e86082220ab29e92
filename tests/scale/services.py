"""The real services the scale-out tests use, and how to reach them (or why they are skipped)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

PG_ADMIN_URL = os.environ.get("ARIA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ARIA_TEST_REDIS", "redis://127.0.0.1:6379/12")
AMQP_URL = os.environ.get("ARIA_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pg_cluster_version() -> str | None:
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path(
        "/etc/postgresql").is_dir() else []
    return versions[-1] if versions else None


def restart_postgres() -> None:
    version = pg_cluster_version()
    assert version is not None, "no PostgreSQL cluster configuration in /etc/postgresql"
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, timeout=60, capture_output=True)


def wait_reachable(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not reachable(host, port):
        if time.monotonic() > deadline:
            raise AssertionError(f"{host}:{port} not back in {timeout:.0f} s")
        time.sleep(0.2)


def ensure_postgres_running() -> None:
    """Whatever a test did to the cluster, leave it running."""
    if reachable("127.0.0.1", 5432):
        return
    version = pg_cluster_version()
    if version is not None:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       check=False, timeout=60, capture_output=True)
    wait_reachable("127.0.0.1", 5432)
