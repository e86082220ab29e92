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

from bot.scale.settings import ScaleOptions
from bot.scale.worker import run_worker
from bot.service.settings import ServeSettings


def _append(path: Path, line: str) -> None:
    # O_APPEND: lines of two processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def main() -> None:
    mode, out = sys.argv[1], Path(sys.argv[2])
    settings, options = ServeSettings(), ScaleOptions()
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
        from bot.orgaudit.store import AuditStore
        from bot.scale.handlers import make_handler
        from bot.service.jobs import Runtime
        from bot.state.db import make_engine
        from bot.state.reviews import ReviewStore

        assert settings.database_url is not None
        engine = make_engine(settings.database_url)
        real = make_handler(Runtime(settings, Runtime.clients_for(settings),
                                    ReviewStore(engine)), AuditStore(engine))

        def handler(payload: dict[str, Any]) -> dict[str, Any]:
            if not out.exists():
                _append(out, str(os.getpid()))
                time.sleep(600)  # killed here
            return real(payload)
    run_worker(settings, options, concurrency=1, handler=handler,
               loglevel=os.environ.get("TEST_LOGLEVEL", "WARNING"))


if __name__ == "__main__":
    main()
