"""The work behind each job kind, registered by kind over the one typed union of payloads.

A payload is parsed once, into its kind's model, before its handler sees it; one that does not
parse, or whose kind has no handler in this process, can never succeed and fails at once. A
kind may also say what to do when one of its jobs is given up (a failed check run, a failed
audit row), so no job ends silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.jobs.payloads import PAYLOAD, Job, JobKind
from bot.jobs.queue import ClaimedJob, PermanentError

log = logging.getLogger(__name__)

J = TypeVar("J", bound=Job)
Result = dict[str, Any]
# What the runner calls: a raw payload in, a result out. Tests and benches may pass their own.
Handle = Callable[[dict[str, Any]], Result]


def parse(payload: dict[str, Any]) -> Job:
    try:
        return PAYLOAD.validate_python(payload)
    except ValidationError as exc:
        raise PermanentError(f"malformed job payload ({exc.error_count()} error(s))") from None


class Handlers:
    def __init__(self) -> None:
        self._run: dict[str, Callable[[Any], Result]] = {}
        self._give_up: dict[str, Callable[[Any, str, int], None]] = {}

    def register(self, kind: JobKind, run: Callable[[J], Result],
                 give_up: Callable[[J, str, int], None] | None = None) -> None:
        """`run(job)` does the work; `give_up(job, error, attempts)` reports a job no retry
        will finish."""
        if kind in self._run:
            raise ValueError(f"a handler for {kind!r} jobs is registered already")
        self._run[kind] = run
        if give_up is not None:
            self._give_up[kind] = give_up

    def run(self, payload: dict[str, Any]) -> Result:
        job = parse(payload)
        run = self._run.get(job.kind)
        if run is None:
            raise PermanentError(f"no handler for {job.kind!r} jobs in this process")
        return run(job)

    def give_up(self, job: ClaimedJob, error: str) -> None:
        try:
            parsed = parse(job.payload)
        except PermanentError:
            return  # a payload that never parsed has nothing to report on
        report = self._give_up.get(parsed.kind)
        if report is not None:
            report(parsed, error, job.attempts)
