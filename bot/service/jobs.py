"""`run_job(payload) -> result`: the work behind a webhook, as one plain function.

The embedded worker calls it with its `Runtime`; a distributed task queue can wrap it as a
task, and then it builds the runtime from the environment once per process.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from github import Github
from github.GithubException import GithubException, RateLimitExceededExceedsMaxWait
from github.PullRequest import PullRequest
from github.Repository import Repository
from pydantic import ValidationError

from bot.catalog import load_catalog
from bot.config import ConfigError, load_config_bytes
from bot.deliver.adr import deliver_adr
from bot.deliver.audit import audit_commit
from bot.deliver.check_runs import publish_check_run
from bot.deliver.client import AppClients
from bot.deliver.commands import HELP, REFUSAL, Command, may_run, parse
from bot.deliver.fetch import base_config
from bot.deliver.pipeline import (
    ReviewOptions,
    decide,
    fail_on,
    read_pull,
    review_pull_request,
)
from bot.render.adr import render_adr
from bot.render.escape import code, md_text
from bot.render.explain import explain_rule
from bot.service.payloads import PAYLOAD, CommandJob, ForgetJob, RerunJob, ReviewJob
from bot.service.settings import ServeSettings
from bot.state.db import make_engine
from bot.state.probe_history import ProbeHistory
from bot.state.queue import ClaimedJob, PermanentError, RetryLater
from bot.state.reviews import ReviewRecord, ReviewStore

log = logging.getLogger(__name__)

# GitHub answers that no retry changes: no access, gone, or refused as invalid.
_PERMANENT_STATUS = frozenset({401, 403, 404, 410, 422})


@dataclass
class Runtime:
    settings: ServeSettings
    clients: AppClients
    reviews: ReviewStore

    @staticmethod
    def clients_for(settings: ServeSettings) -> AppClients:
        return AppClients(settings, settings.app_id, settings.private_key_pem())

    @classmethod
    def from_settings(cls, settings: ServeSettings) -> Runtime:
        assert settings.database_url is not None  # filled in by the settings validator
        return cls(settings, cls.clients_for(settings),
                   ReviewStore(make_engine(settings.database_url)))

    def options(self, force: bool = False, installation: int | None = None) -> ReviewOptions:
        s = self.settings
        return ReviewOptions(fail_on=s.fail_on, review_comments=s.review_comments,
                             max_files=s.max_files, max_bytes=s.max_file_bytes, force=force,
                             installation=str(installation or "local"),
                             history=ProbeHistory(self.reviews.engine))


@functools.cache
def _default_runtime() -> Runtime:
    return Runtime.from_settings(ServeSettings())


def run_job(job_payload: dict[str, Any], runtime: Runtime | None = None) -> dict[str, Any]:
    rt = runtime or _default_runtime()
    try:
        job = PAYLOAD.validate_python(job_payload)
    except ValidationError as exc:
        raise PermanentError(f"malformed job payload ({exc.error_count()} error(s))") from None
    try:
        if isinstance(job, ReviewJob):
            return _review(rt, job.installation_id, job.repo, job.pr_number, job.force)
        if isinstance(job, CommandJob):
            return _command(rt, job)
        if isinstance(job, RerunJob):
            return _rerun(rt, job)
        return _forget(rt, job)
    except RateLimitExceededExceedsMaxWait as exc:
        raise RetryLater(f"GitHub rate limit: retry in {exc.wait:.0f} s", exc.wait) from exc
    except GithubException as exc:
        if exc.status in _PERMANENT_STATUS:
            raise PermanentError(f"GitHub answered {exc.status}: {_message(exc)}") from exc
        raise


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message", ""))[:200]


def _review(rt: Runtime, installation_id: int, repo: str, number: int,
            force: bool) -> dict[str, Any]:
    gh = rt.clients.for_installation(installation_id)
    outcome = review_pull_request(gh, repo, number, rt.options(force, installation_id),
                                  rt.reviews.get(repo, number))
    if outcome.status in ("reviewed", "nothing", "config_error"):
        rt.reviews.save(repo, number, ReviewRecord(
            outcome.head_sha, outcome.comment_id, outcome.check_run_id, outcome.fingerprint,
            tuple(outcome.inline_fingerprints)))
    log.info("%s#%d at %s: %s (%s, comment %s)", repo, number, outcome.head_sha[:12],
             outcome.status, outcome.conclusion, outcome.comment_action)
    return {"status": outcome.status, "head_sha": outcome.head_sha,
            "conclusion": outcome.conclusion, "comment_id": outcome.comment_id,
            "comment": outcome.comment_action, "check_run_id": outcome.check_run_id}


def _rerun(rt: Runtime, job: RerunJob) -> dict[str, Any]:
    number = rt.reviews.pr_for_head(job.repo, job.head_sha)
    if number is None:
        return {"status": "unknown head", "head_sha": job.head_sha}
    return _review(rt, job.installation_id, job.repo, number, force=True)


def _forget(rt: Runtime, job: ForgetJob) -> dict[str, Any]:
    return {"status": "forgotten", "reviews": rt.reviews.forget(job.repos)}


def _command(rt: Runtime, job: CommandJob) -> dict[str, Any]:
    command = parse(job.body)
    if command is None:
        return {"status": "no command"}
    gh = rt.clients.for_installation(job.installation_id)
    repo = gh.get_repo(job.repo)
    issue = repo.get_issue(job.pr_number)
    if not may_run(repo, job.author):
        issue.create_comment(REFUSAL)
        return {"status": "refused", "command": command.verb}
    if command.verb == "review":
        return _review(rt, job.installation_id, job.repo, job.pr_number, force=True)
    reply = _reply(rt, gh, repo, job.pr_number, command, job.installation_id)
    issue.create_comment(reply)
    return {"status": "answered", "command": command.verb}


def _reply(rt: Runtime, gh: Github, repo: Repository, number: int, command: Command,
           installation_id: int) -> str:
    if command.problem:
        return f"{command.problem}\n\n{HELP}"
    if command.verb == "explain":
        rule = load_catalog().get(command.arg)
        if rule is None:
            return f"Aria has no rule {code(command.arg, 64)}.\n\n{HELP}"
        return explain_rule(rule)
    if command.verb == "help":
        return HELP
    pr = repo.get_pull(number)
    try:
        if command.verb == "adr":
            return _adr(rt, repo, pr, command.arg, installation_id)
        return _audit(rt, repo, pr)
    except ConfigError as exc:
        return f"The base branch's `.aria.yml` cannot be used: {md_text(exc, 2000)}"


def _adr(rt: Runtime, repo: Repository, pr: PullRequest, title: str,
         installation_id: int) -> str:
    options = rt.options(installation=installation_id)
    decision, _config = decide(pr, read_pull(repo, pr, options), options)
    decision = decision.model_copy(update={"title": title or pr.title or decision.title,
                                           "mode": "adr"})
    return deliver_adr(repo, pr, decision, render_adr(decision)).reply


def _audit(rt: Runtime, repo: Repository, pr: PullRequest) -> str:
    config = load_config_bytes(*base_config(repo, pr.base.sha, rt.settings.max_file_bytes))
    run = audit_commit(repo, pr.head.sha, config, fail_on(config, rt.settings.fail_on),
                       max_files=rt.settings.max_files, max_bytes=rt.settings.max_file_bytes)
    return (f"🔎 Repository audit at `{pr.head.sha[:12]}`: **{run.conclusion}** — "
            f"see the [`aria audit` check run]({run.html_url}).")


def report_give_up(rt: Runtime, job: ClaimedJob, error: str) -> None:
    """A review that will not be retried fails its check run: never a silent drop."""
    payload = job.payload
    if payload.get("kind") not in ("review", "command", "rerun"):
        return
    gh = rt.clients.for_installation(payload["installation_id"])
    repo = gh.get_repo(payload["repo"])
    head_sha = payload.get("head_sha") or repo.get_pull(payload["pr_number"]).head.sha
    publish_check_run(
        repo, head_sha=head_sha, conclusion="failure", title="Aria could not finish",
        summary=f"The job failed after {job.attempts} attempt(s): {md_text(error, 1000)}\n\n"
                "Re-run this check, or comment `/aria review`, to try again.")
