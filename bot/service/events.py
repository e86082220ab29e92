"""Which webhook deliveries become jobs. Pure: no I/O, so the endpoint can answer at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.deliver.check_runs import CHECK_NAME
from bot.jobs.payloads import CommandJob, ForgetJob, RerunJob, ReviewJob, pr_key
from bot.jobs.queue import JobSpec

REVIEW_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
COMMAND_PREFIX = "/aria"


@dataclass(frozen=True, slots=True)
class Route:
    job: JobSpec | None = None
    cancel_key: str | None = None  # queued reviews under this key are no longer wanted
    reason: str = ""


def route(event: str, payload: dict[str, Any], *, review_drafts: bool = False) -> Route:
    handler = _HANDLERS.get(event)
    if handler is None:
        return Route(reason=f"event {event!r} not handled")
    return handler(payload, review_drafts)


def _installation(payload: dict[str, Any]) -> int | None:
    inst = payload.get("installation") or {}
    return inst.get("id") if isinstance(inst.get("id"), int) else None


def _pull_request(payload: dict[str, Any], review_drafts: bool) -> Route:
    action = payload.get("action")
    pr = payload["pull_request"]
    repo = payload["repository"]["full_name"]
    key = pr_key(repo, pr["number"])
    if action == "closed" or (action == "converted_to_draft" and not review_drafts):
        return Route(cancel_key=key, reason=f"pull request {action}")
    if action not in REVIEW_ACTIONS:
        return Route(reason=f"pull_request.{action} not reviewed")
    if pr.get("state") != "open":
        return Route(reason="pull request not open")
    if pr.get("draft") and not review_drafts:
        return Route(reason="draft pull request")
    installation = _installation(payload)
    if installation is None:
        return Route(reason="no installation in payload")
    job = ReviewJob(installation_id=installation, repo=repo, pr_number=pr["number"])
    return Route(job=JobSpec.of(job, key))


def _issue_comment(payload: dict[str, Any], _drafts: bool) -> Route:
    if payload.get("action") != "created":
        return Route(reason="comment not new")
    issue = payload["issue"]
    comment = payload["comment"]
    if "pull_request" not in issue:
        return Route(reason="comment not on a pull request")
    body = (comment.get("body") or "").lstrip()
    if not body.lower().startswith(COMMAND_PREFIX):
        return Route(reason="no command")
    # Bots (Aria itself included) never drive Aria: no loops, no bot-to-bot escalation.
    if comment["user"].get("type") == "Bot" or payload["sender"].get("type") == "Bot":
        return Route(reason="comment by a bot")
    installation = _installation(payload)
    if installation is None:
        return Route(reason="no installation in payload")
    repo = payload["repository"]["full_name"]
    job = CommandJob(installation_id=installation, repo=repo, pr_number=issue["number"],
                     author=comment["user"]["login"], body=body)
    return Route(job=JobSpec.of(job, pr_key(repo, issue["number"])))


def _check_run(payload: dict[str, Any], _drafts: bool) -> Route:
    run = payload["check_run"]
    if payload.get("action") != "rerequested" or run.get("name") != CHECK_NAME:
        return Route(reason="not a re-run of Aria's check")
    installation = _installation(payload)
    if installation is None:
        return Route(reason="no installation in payload")
    repo = payload["repository"]["full_name"]
    prs = run.get("pull_requests") or []
    if prs:
        number = prs[0]["number"]
        review = ReviewJob(installation_id=installation, repo=repo, pr_number=number, force=True)
        return Route(job=JobSpec.of(review, pr_key(repo, number)))
    rerun = RerunJob(installation_id=installation, repo=repo, head_sha=run["head_sha"])
    return Route(job=JobSpec.of(rerun, f"sha:{repo}@{run['head_sha']}"))


def _forget(repos: list[dict[str, Any]], why: str) -> Route:
    names = sorted(r["full_name"] for r in repos if "full_name" in r)
    if not names:
        return Route(reason=f"{why}: no repositories named")
    return Route(job=JobSpec.of(ForgetJob(repos=names), "forget"))


def _installation_event(payload: dict[str, Any], _drafts: bool) -> Route:
    if payload.get("action") == "deleted":
        return _forget(payload.get("repositories") or [], "installation deleted")
    return Route(reason=f"installation.{payload.get('action')} needs no work")


def _installation_repositories(payload: dict[str, Any], _drafts: bool) -> Route:
    if payload.get("action") == "removed":
        return _forget(payload.get("repositories_removed") or [], "repositories removed")
    return Route(reason="repositories added: reviewed on their next pull request")


def _ping(_payload: dict[str, Any], _drafts: bool) -> Route:
    return Route(reason="pong")


_HANDLERS = {
    "pull_request": _pull_request,
    "issue_comment": _issue_comment,
    "check_run": _check_run,
    "installation": _installation_event,
    "installation_repositories": _installation_repositories,
    "ping": _ping,
}
HANDLED_EVENTS = frozenset(_HANDLERS)
