"""Background duties of a worker process, each at its own interval, on one thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Maintenance:
    def __init__(self, duties: list[tuple[float, Callable[[], object]]]) -> None:
        """`duties`: (interval seconds, function) pairs."""
        self.duties = duties
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="aria-maintenance", daemon=True)

    def start(self) -> Maintenance:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        step = min(interval for interval, _fn in self.duties)
        elapsed = {i: 0.0 for i in range(len(self.duties))}
        while not self._stop.wait(step):
            for i, (interval, fn) in enumerate(self.duties):
                elapsed[i] += step
                if elapsed[i] + 1e-9 < interval:
                    continue
                elapsed[i] = 0.0
                try:
                    fn()
                except Exception:  # the database may be restarting: try again next round
                    log.exception("maintenance duty %s failed", getattr(fn, "__name__", fn))
