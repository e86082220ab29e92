"""An `aria worker` process for the tests, with a chosen job handler.

    python tests/scale/worker_main.py real|record|fail|slow-first OUT_FILE

real: the production handler (reviews against the emulator); fail: always raises;
record: append "<job key> <pid>" to OUT_FILE per run; slow-first: the production handler,
but the first attempt of every job writes "<pid>" to OUT_FILE and hangs (so the test can
SIGKILL this process mid-review).
Settings come from the environment, as for `aria worker`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from bot.cli.worker import WorkerSettings, run_worker


def _append(path: Path, line: str) -> None:
    # O_APPEND: lines of two processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def main() -> None:
    mode, out = sys.argv[1], Path(sys.argv[2])
    settings = WorkerSettings()
    handler = None
    if mode == "record":
        def handler(payload: dict[str, Any]) -> dict[str, Any]:
            time.sleep(0.005)  # some work, so both processes get a share
            _append(out, f"{payload['repo']}#{payload['pr_number']} {os.getpid()}")
            return {"status": "recorded"}
    elif mode == "fail":
        def handler(payload: dict[str, Any]) -> dict[str, Any]:
            raise RuntimeError(f"cannot review {payload['repo']}#{payload['pr_number']}")
    elif mode == "slow-first":
        from bot.cli.processes import job_handlers
        from bot.deliver.client import AppClients
        from bot.jobs.wiring import open_database

        real = job_handlers(settings, AppClients.for_app(settings),
                            open_database(settings)).run

        def handler(payload: dict[str, Any]) -> dict[str, Any]:
            if not out.exists():
                _append(out, str(os.getpid()))
                time.sleep(600)  # killed here
            return real(payload)
    run_worker(settings, concurrency=1, handler=handler,
               loglevel=os.environ.get("TEST_LOGLEVEL", "WARNING"))


if __name__ == "__main__":
    main()
