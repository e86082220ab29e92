"""The App's job kinds: a pull request's review, `/aria` commands, a check run's re-run, and
forgetting repositories the App lost. `register` puts them on the process's `Handlers`.

GitHub's answers that no retry changes (no access, gone, refused) make a job fail at once; a
rate limit longer than a request may wait schedules a retry at its reset.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from github import Github
from github.GithubException import GithubException, RateLimitExceededExceedsMaxWait
from github.PullRequest import PullRequest
from github.Repository import Repository

from bot.catalog import load_catalog
from bot.config import ConfigError, load_config_bytes
from bot.deliver.adr import deliver_adr
from bot.deliver.audit import audit_commit
from bot.deliver.check_runs import publish_check_run
from bot.deliver.client import AppClients
from bot.deliver.commands import HELP, Command, may_run, parse, refusal
from bot.deliver.fetch import base_config
from bot.deliver.pipeline import (
    ReviewOptions,
    decide,
    fail_on,
    read_pull,
    review_pull_request,
)
from bot.deliver.settings import AppSettings
from bot.jobs.handlers import Handlers, Result
from bot.jobs.payloads import CommandJob, ForgetJob, RerunJob, ReviewJob
from bot.jobs.queue import PermanentError, RetryLater
from bot.jobs.wiring import open_database
from bot.render.adr import render_adr
from bot.render.escape import code, md_text
from bot.render.explain import explain_rule
from bot.service.settings import ServeSettings
from bot.state.probe_history import ProbeHistory
from bot.state.refusals import CommandRefusals
from bot.state.reviews import ReviewRecord, ReviewStore

log = logging.getLogger(__name__)

# GitHub answers that no retry changes: no access, gone, or refused as invalid.
_PERMANENT_STATUS = frozenset({401, 403, 404, 410, 422})
J = TypeVar("J", ReviewJob, CommandJob, RerunJob, ForgetJob)


@dataclass
class Runtime:
    """What the App's jobs act with: its settings, GitHub clients and the review store."""

    settings: AppSettings
    clients: AppClients
    reviews: ReviewStore

    @classmethod
    def from_settings(cls, settings: ServeSettings) -> Runtime:
        return cls(settings, AppClients.for_app(settings), ReviewStore(open_database(settings)))

    def options(self, force: bool = False, installation: int | None = None) -> ReviewOptions:
        s = self.settings
        return ReviewOptions(fail_on=s.fail_on, review_comments=s.review_comments,
                             max_files=s.max_files, max_bytes=s.max_file_bytes, force=force,
                             installation=str(installation or "local"),
                             history=ProbeHistory(self.reviews.engine))


def register(handlers: Handlers, rt: Runtime) -> None:
    def on_github(work: Callable[[Runtime, J], Result]) -> Callable[[J], Result]:
        return functools.partial(_calling_github, work, rt)

    give_up = functools.partial(report_give_up, rt)
    handlers.register("review", on_github(_review_job), give_up)
    handlers.register("command", on_github(_command), give_up)
    handlers.register("rerun", on_github(_rerun), give_up)
    handlers.register("forget", on_github(_forget))


def run_job(payload: dict[str, Any], runtime: Runtime) -> Result:
    """One of the App's jobs, run here (the load bench times a review this way)."""
    handlers = Handlers()
    register(handlers, runtime)
    return handlers.run(payload)


def _calling_github(work: Callable[[Runtime, J], Result], rt: Runtime, job: J) -> Result:
    try:
        return work(rt, job)
    except RateLimitExceededExceedsMaxWait as exc:
        wait = exc.wait or 0.0
        raise RetryLater(f"GitHub rate limit: retry in {wait:.0f} s", wait) from exc
    except GithubException as exc:
        if exc.status in _PERMANENT_STATUS:
            raise PermanentError(f"GitHub answered {exc.status}: {_message(exc)}") from exc
        raise


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message", ""))[:200]


def _review_job(rt: Runtime, job: ReviewJob) -> Result:
    return _review(rt, job.installation_id, job.repo, job.pr_number, job.force)


def _review(rt: Runtime, installation_id: int, repo: str, number: int,
            force: bool) -> Result:
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


def _rerun(rt: Runtime, job: RerunJob) -> Result:
    number = rt.reviews.pr_for_head(job.repo, job.head_sha)
    if number is None:
        return {"status": "unknown head", "head_sha": job.head_sha}
    return _review(rt, job.installation_id, job.repo, number, force=True)


def _forget(rt: Runtime, job: ForgetJob) -> Result:
    return {"status": "forgotten", "reviews": rt.reviews.forget(job.repos)}


def _command(rt: Runtime, job: CommandJob) -> Result:
    command = parse(job.body)
    if command is None:
        return {"status": "no command"}
    gh = rt.clients.for_installation(job.installation_id)
    repo = gh.get_repo(job.repo)
    issue = repo.get_issue(job.pr_number)
    if not may_run(repo, job.author):
        window = rt.settings.command_refusal_window
        if not CommandRefusals(rt.reviews.engine, window).first_in_window(
                job.repo, job.pr_number, job.author):
            return {"status": "refused quietly", "command": command.verb}
        issue.create_comment(refusal(window))
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


def report_give_up(rt: Runtime, job: ReviewJob | CommandJob | RerunJob, error: str,
                   attempts: int) -> None:
    """A review that will not be retried fails its check run: never a silent drop."""
    gh = rt.clients.for_installation(job.installation_id)
    repo = gh.get_repo(job.repo)
    head_sha = job.head_sha if isinstance(job, RerunJob) else \
        repo.get_pull(job.pr_number).head.sha
    publish_check_run(
        repo, head_sha=head_sha, conclusion="failure", title="Aria could not finish",
        summary=f"The job failed after {attempts} attempt{'s' if attempts != 1 else ''}: "
                f"{md_text(error, 1000)}\n\n"
                "Re-run this check, or comment `/aria review`, to try again.")
