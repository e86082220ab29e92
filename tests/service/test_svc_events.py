"""Which deliveries become which jobs (real payloads from GitHub's examples)."""

from __future__ import annotations

import copy

from emulator.pytest_fixtures import webhook

from bot.service.events import route

OPENED = webhook("pull_request_opened.payload.json")


def test_review_actions_become_review_jobs() -> None:
    for action in ("opened", "synchronize", "reopened", "ready_for_review"):
        r = route("pull_request", dict(OPENED, action=action))
        assert r.job is not None and r.job.kind == "review"
        assert r.job.payload == {"kind": "review", "installation_id": 1,
                                 "repo": "Codertocat/Hello-World", "pr_number": 2,
                                 "force": False}
        assert r.job.concurrency_key == "pr:Codertocat/Hello-World#2"


def test_drafts_are_skipped_unless_configured() -> None:
    draft = copy.deepcopy(OPENED)
    draft["pull_request"]["draft"] = True
    assert route("pull_request", draft).job is None
    assert route("pull_request", draft, review_drafts=True).job is not None


def test_closing_cancels_queued_reviews() -> None:
    r = route("pull_request", webhook("pull_request_closed.payload.json"))
    assert r.job is None and r.cancel_key == "pr:Codertocat/Hello-World#2"


def _comment(body: str, user_type: str = "User") -> dict:
    payload = webhook("issue_comment_created.on-pull-request.atlantis.json")
    payload["comment"]["body"] = body
    payload["comment"]["user"]["type"] = user_type
    payload["installation"] = {"id": 9}
    return payload


def test_aria_comments_on_pull_requests_become_command_jobs() -> None:
    r = route("issue_comment", _comment("  /aria adr Use KServe"))
    assert r.job is not None and r.job.kind == "command"
    assert r.job.payload["author"] == "runatlantis"
    assert r.job.payload["repo"] == "runatlantis/atlantis-tests"
    assert r.job.concurrency_key == "pr:runatlantis/atlantis-tests#1"
    assert route("issue_comment", _comment("looks good")).job is None
    assert route("issue_comment", _comment("/aria review", "Bot")).job is None
    plain_issue = _comment("/aria review")
    del plain_issue["issue"]["pull_request"]
    assert route("issue_comment", plain_issue).job is None


def test_rerequested_aria_check_runs_are_rerun() -> None:
    payload = webhook("check_run_rerequested.payload.json")
    assert route("check_run", payload).job is None  # another app's check
    payload["check_run"]["name"] = "aria"
    r = route("check_run", payload)
    # GitHub's example names no pull request (as for a fork): find it by head SHA.
    assert r.job is not None and r.job.kind == "rerun"
    assert r.job.payload["head_sha"] == payload["check_run"]["head_sha"]
    payload["check_run"]["pull_requests"] = [{"number": 7}]
    r = route("check_run", payload)
    assert r.job.kind == "review" and r.job.payload["force"] is True


def test_lost_repositories_are_forgotten_and_other_events_ignored() -> None:
    r = route("installation_repositories",
              webhook("installation_repositories_removed.payload.json"))
    assert r.job is not None and r.job.kind == "forget" and r.job.payload["repos"]
    assert route("ping", {}).job is None
    assert route("star", {}).reason == "event 'star' not handled"
