"""`aria action`: the review inside a GitHub Actions job on `pull_request`, with `GITHUB_TOKEN`.

Same reading, same engine, same sticky comment and check run as the App, plus a SARIF file for
`github/codeql-action/upload-sarif` and the review in the job summary. A fork's pull request
gets a read-only token: posting then fails with 403, and the findings go out as workflow
annotations instead (the job log and the PR's "Files changed" tab still show them).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from github import Auth
from github.GithubException import GithubException

from bot.config import ConfigError
from bot.decision.model import Decision
from bot.deliver.client import make_github
from bot.deliver.pipeline import ReviewOptions, decide, fail_on, publish, read_pull
from bot.deliver.settings import GitHubSettings
from bot.exitcodes import FINDINGS, OK, USAGE
from bot.findings import Severity, Status
from bot.render import render

log = logging.getLogger(__name__)
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
_COMMAND = {Severity.error: "error", Severity.warning: "warning", Severity.note: "notice"}


@dataclass(frozen=True, slots=True)
class ActionEnv:
    token: str
    event_name: str
    event_path: Path
    repository: str
    api_url: str
    step_summary: Path | None

    @classmethod
    def read(cls, env: Mapping[str, str]) -> ActionEnv:
        missing = [k for k in ("GITHUB_TOKEN", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY")
                   if not env.get(k)]
        if missing:
            raise ValueError(f"not inside a GitHub Actions job? missing {', '.join(missing)}")
        summary = env.get("GITHUB_STEP_SUMMARY")
        return cls(env["GITHUB_TOKEN"], env.get("GITHUB_EVENT_NAME", ""),
                   Path(env["GITHUB_EVENT_PATH"]), env["GITHUB_REPOSITORY"],
                   env.get("GITHUB_API_URL", "https://api.github.com"),
                   Path(summary) if summary else None)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_annotations(decision: Decision, out: TextIO) -> None:
    """`::error file=…,line=…::…` lines: the runner turns them into annotations."""
    for f in decision.active(Status.new, Status.unchanged, Status.present):
        props = f"file={_escape_property(f.location.path)}"
        if f.location.line:
            props += f",line={f.location.line}"
        props += f",title={_escape_property(f'{f.rule_id}: {f.title}')}"
        out.write(f"::{_COMMAND[f.severity]} {props}::{_escape_data(f.message)}\n")


def run_action(env: ActionEnv, settings: GitHubSettings, sarif: Path | None,
               out: TextIO = sys.stdout) -> int:
    event = json.loads(env.event_path.read_text(encoding="utf-8"))
    if env.event_name not in PR_EVENTS or "pull_request" not in event:
        out.write(f"aria: nothing to do for a {env.event_name or 'non-PR'} event; "
                  "run this action on pull_request.\n")
        return OK
    gh = make_github(settings.model_copy(update={"github_api_url": env.api_url.rstrip("/")}),
                     Auth.Token(env.token))
    repo = gh.get_repo(env.repository)
    pr = repo.get_pull(event["pull_request"]["number"])
    options = ReviewOptions(fail_on=settings.fail_on, review_comments=settings.review_comments,
                            max_files=settings.max_files, max_bytes=settings.max_file_bytes)
    inputs = read_pull(repo, pr, options)
    try:
        decision, config = decide(pr, inputs)
    except ConfigError as exc:
        out.write(f"::error title=Invalid .aria.yml::{_escape_data(str(exc))}\n")
        return USAGE
    gate = fail_on(config, settings.fail_on)
    if sarif is not None:
        sarif.parent.mkdir(parents=True, exist_ok=True)
        sarif.write_text(render(decision, "sarif"), encoding="utf-8")
    if env.step_summary is not None:
        with env.step_summary.open("a", encoding="utf-8") as fh:
            fh.write(render(decision, "markdown"))
    if inputs.changed:
        try:
            publish(repo, pr, decision, inputs, gate, options, prior=None)
        except GithubException as exc:
            if exc.status != 403:
                raise
            out.write("aria: the token cannot post (a fork's pull request gets a read-only "
                      "token); reporting as workflow annotations instead.\n")
            workflow_annotations(decision, out)
    return FINDINGS if decision.fails(gate) else OK
