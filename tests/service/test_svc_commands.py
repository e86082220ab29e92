"""`/aria` commands end to end: permissions, replies, ADR commits, audits, failures."""

from __future__ import annotations

import pytest
from emulator import BOT_LOGIN, GitHubEmulator
from emulator.pytest_fixtures import LiveServer, run_server, wait_for, webhook
from emulator.samples import ONE_REPLICA

from bot.cli.processes import build_service
from bot.service.settings import ServeSettings

REPO = "runatlantis/atlantis-tests"


def _comment(body: str, author: str = "maintainer") -> dict:
    payload = webhook("issue_comment_created.on-pull-request.atlantis.json")
    payload["comment"]["body"] = body
    payload["comment"]["user"]["login"] = author
    payload["installation"] = {"id": 4}
    return payload


def _setup(emulator: GitHubEmulator, **pull: object) -> None:
    emulator.add_pull(REPO, 1, {"README.md": b"x\n"},
                      {"README.md": b"x\n", "deploy/triton.yaml": ONE_REPLICA}, **pull)
    emulator.set_permission(REPO, "maintainer", "write")


def _run(live: LiveServer, body: str, author: str = "maintainer", done: int = 1) -> None:
    assert live.post("issue_comment", _comment(body, author)).status_code == 202
    wait_for(lambda: sum(live.service.queue.counts().get(s, 0) for s in ("done", "failed"))
             >= done)


def _replies(emulator: GitHubEmulator) -> list[str]:
    return [c["body"] for c in emulator.comments_on(REPO, 1) if c["login"] == BOT_LOGIN]


def test_read_only_users_are_politely_refused(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup(emulator)
    _run(live, "/aria review", author="drive-by")
    (reply,) = _replies(emulator)
    assert reply.startswith("Sorry") and "write access" in reply
    assert emulator.check_runs_on(REPO) == []
    assert emulator.recorded("GET", r"/collaborators/drive-by/permission$")


def test_refusals_are_one_per_user_and_pull_request(live: LiveServer,
                                                    emulator: GitHubEmulator) -> None:
    """A drive-by user spamming `/aria` is told once, and told that the rest get no reply."""
    _setup(emulator)
    for n in range(1, 6):
        _run(live, f"/aria review {n}", author="drive-by", done=n)
    _run(live, "/aria help", author="another", done=6)
    replies = _replies(emulator)
    assert len(replies) == 2
    assert all(r.startswith("Sorry") for r in replies)
    assert "Further commands from you on this pull request get no reply for 60 minutes" \
        in replies[0]
    _run(live, "/aria help", done=7)  # a maintainer is still answered
    assert len(_replies(emulator)) == 3


def test_review_command_reruns_the_review(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup(emulator)
    _run(live, "/aria review")
    _run(live, "/aria review", done=2)
    assert len(emulator.check_runs_on(REPO)) == 2  # forced: a fresh check run each time
    assert len(_replies(emulator)) == 1  # still one sticky comment


def test_explain_answers_and_never_echoes_hostile_text(live: LiveServer,
                                                       emulator: GitHubEmulator) -> None:
    _setup(emulator)
    _run(live, "/aria explain spof001")
    _run(live, "/aria explain <img src=x onerror=alert(1)> @octo-org/admins", done=2)
    _run(live, "/aria explain NOPE999", done=3)
    explained, problem, unknown = _replies(emulator)
    assert "SPOF001" in explained
    assert "<img" not in problem and "@octo-org" not in problem and "/aria explain" in problem
    assert "`NOPE999`" in unknown


def test_adr_is_committed_to_a_same_repository_branch(live: LiveServer,
                                                      emulator: GitHubEmulator) -> None:
    _setup(emulator)
    _run(live, "/aria adr Use KServe for serving")
    files = emulator.files_at(REPO, "feature-1")
    assert "adr/0001-use-kserve-for-serving.md" in files
    assert b"# Use KServe for serving" in files["adr/0001-use-kserve-for-serving.md"]
    (reply,) = _replies(emulator)
    assert "Committed `adr/0001-use-kserve-for-serving.md`" in reply


def test_adr_for_a_fork_is_posted_not_pushed(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup(emulator, head_repo="contributor/atlantis-tests")
    _run(live, "/aria adr")
    assert emulator.recorded("PUT") == []
    (reply,) = _replies(emulator)
    assert "cannot push" in reply and "```markdown" in reply and "adr/0001-" in reply


def test_audit_posts_an_audit_check_run(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup(emulator)
    _run(live, "/aria audit")
    (run,) = emulator.check_runs_on(REPO)
    assert run["name"] == "aria audit" and run["conclusion"] == "failure"
    assert any(a["path"] == "deploy/triton.yaml" for a in run["annotations"])
    (reply,) = _replies(emulator)
    assert "aria audit" in reply and "/runs/" in reply


@pytest.fixture
def fragile(settings: ServeSettings):  # type: ignore[no-untyped-def]
    yield from run_server(build_service(
        settings.model_copy(update={"job_max_attempts": 2, "github_retries": 0}),
        poll_interval=0.05))


def test_a_review_that_keeps_failing_ends_in_a_failed_check_run(
        fragile: LiveServer, emulator: GitHubEmulator) -> None:
    emulator.add_pull("Codertocat/Hello-World", 2, {}, {"k8s/a.yaml": ONE_REPLICA})
    emulator.fail("GET", r"/pulls/2/files$", 500, times=99)
    fragile.service.queue.retry_base_seconds = 0.05  # type: ignore[attr-defined]
    assert fragile.post("pull_request",
                        webhook("pull_request_opened.payload.json")).status_code == 202
    wait_for(lambda: fragile.service.queue.counts().get("failed") == 1)
    wait_for(lambda: emulator.check_runs_on("Codertocat/Hello-World"))
    (run,) = emulator.check_runs_on("Codertocat/Hello-World")
    assert run["conclusion"] == "failure" and run["output"]["title"] == "Aria could not finish"
    assert run["output"]["summary"].startswith("The job failed after 2 attempts:")  # the maximum
    assert len(emulator.recorded("GET", r"/pulls/2/files$")) == 2  # one per attempt
