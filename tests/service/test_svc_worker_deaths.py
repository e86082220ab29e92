"""A job whose worker dies twice on the same input is given up with a failed check run that
says why, never a crash loop; the reported attempt count is the attempts that ran."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.pytest_fixtures import LiveServer, wait_for, webhook
from emulator.server import GitHubEmulator

from bot.jobs.broker import BrokerJobQueue
from bot.jobs.queue import ClaimedJob, JobSpec, SqlJobQueue
from bot.jobs.runner import JobRunner
from bot.state.db import make_engine, migrate
from bot.state.deadletters import DeadLetters
from tests.service.test_svc_queue import Clock, _job


def _runner(q: SqlJobQueue, ran: list[dict[str, Any]],
            given_up: list[tuple[int, str]]) -> JobRunner:
    def handle(payload: dict[str, Any]) -> dict[str, Any]:
        ran.append(payload)
        return {"ok": True}

    def give_up(job: ClaimedJob, error: str) -> None:
        given_up.append((job.attempts, error))

    return JobRunner(q, handle, dead=DeadLetters(q.engine), give_up=give_up)


def _queue(tmp_path: Path, clock: Clock, **kw: Any) -> SqlJobQueue:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    migrate(engine)
    return SqlJobQueue(engine, clock=clock, lease_seconds=60, **kw)


def _die(q: SqlJobQueue, clock: Clock) -> None:
    """A worker claims the job and is killed: its lease lapses unrenewed."""
    assert q.claim("doomed") is not None
    clock.now += 61


def test_a_second_worker_death_on_the_same_job_gives_it_up(tmp_path: Path) -> None:
    clock = Clock()
    q = _queue(tmp_path, clock, max_attempts=5)
    job_id = q.enqueue(_job())
    ran: list[dict[str, Any]] = []
    given_up: list[tuple[int, str]] = []
    _die(q, clock)
    _die(q, clock)
    claimed = q.claim("w")
    assert claimed is not None and claimed.lost_workers == 2
    assert _runner(q, ran, given_up).run(claimed, "w").status == "dead"
    assert ran == []  # not run a third time
    assert given_up == [(2, "the worker running it died during 2 of 2 attempts "
                            "(killed, or out of memory, on this input)")]
    assert [(d.job_id, d.attempts) for d in DeadLetters(q.engine).all()] == [(job_id, 2)]
    assert q.counts() == {"failed": 1}


def test_one_worker_death_is_retried(tmp_path: Path) -> None:
    clock = Clock()
    q = _queue(tmp_path, clock, max_attempts=5)
    q.enqueue(_job())
    ran: list[dict[str, Any]] = []
    given_up: list[tuple[int, str]] = []
    _die(q, clock)
    claimed = q.claim("w")
    assert claimed is not None and claimed.lost_workers == 1
    assert _runner(q, ran, given_up).run(claimed, "w").status == "done"
    assert ran == [{"n": 1}] and given_up == []


def test_the_give_up_counts_the_attempts_that_ran_not_the_claim_that_gave_up(
        tmp_path: Path) -> None:
    clock = Clock()
    q = _queue(tmp_path, clock, max_attempts=1)
    q.enqueue(_job())
    given_up: list[tuple[int, str]] = []
    _die(q, clock)
    claimed = q.claim("w")
    assert claimed is not None and claimed.attempts == 2  # the claim itself counts in the row
    _runner(q, [], given_up).run(claimed, "w")
    assert given_up == [(1, "the worker running it died during 1 of 1 attempts "
                            "(killed, or out of memory, on this input)")]


def test_the_broker_sweep_counts_the_death_it_republishes(tmp_path: Path) -> None:
    clock = Clock()
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    migrate(engine)
    published: list[int] = []
    q = BrokerJobQueue(engine, clock=clock, lease_seconds=60, shards=1,
                    publish=lambda job_id, queue, countdown: published.append(job_id))
    job_id = q.enqueue(JobSpec(kind="review", payload={"n": 1}, concurrency_key="k"))
    for _ in range(2):
        claimed = q.claim_job(job_id, "doomed")
        assert isinstance(claimed, ClaimedJob)
        clock.now += 61
        assert q.sweep(stale_after=3600) == 1  # the lapsed job goes back to the broker
    again = q.claim_job(job_id, "w")
    assert isinstance(again, ClaimedJob) and again.lost_workers == 2


def test_a_job_given_up_fails_its_check_run_saying_why(
        live: LiveServer, emulator: GitHubEmulator) -> None:
    """Through the App: two workers died on this review; the next claim posts the failure."""
    emulator.add_pull("Codertocat/Hello-World", 2, {}, {"k8s/a.yaml": b"kind: ConfigMap\n"})
    q = live.service.queue
    assert isinstance(q, SqlJobQueue)
    worker = live.service.worker
    assert worker is not None
    worker.stop()  # the workers below are "killed" by hand
    clock = Clock()
    q.clock, q.lease_seconds = clock, 60
    assert live.post("pull_request",
                     webhook("pull_request_opened.payload.json")).status_code == 202
    _die(q, clock)
    _die(q, clock)
    worker.start()
    worker.wake()
    wait_for(lambda: emulator.check_runs_on("Codertocat/Hello-World"))
    (run,) = emulator.check_runs_on("Codertocat/Hello-World")
    assert run["conclusion"] == "failure" and run["output"]["title"] == "Aria could not finish"
    assert run["output"]["summary"].startswith(
        "The job failed after 2 attempts: the worker running it died during 2 of 2 attempts")
