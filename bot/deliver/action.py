"""`aria action`: Aria inside a GitHub Actions job, with `GITHUB_TOKEN`.

On `pull_request`: the review, with the same reading, engine, sticky comment and check run as
the App, plus a SARIF file for `github/codeql-action/upload-sarif` and the review in the job
summary. A fork's pull request gets a read-only token: posting then fails with 403, and the
findings go out as workflow annotations instead (the job log and the PR's "Files changed" tab
still show them).

On `schedule`, `push` and `workflow_dispatch`: a compliance audit of the repository as
`actions/checkout` left it in `GITHUB_WORKSPACE`, written as SARIF for code scanning and as the
job summary. Nothing is posted: code scanning keeps the alerts.
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

from bot.config import ConfigError, config_of
from bot.decision.model import Decision
from bot.deliver.client import make_github
from bot.deliver.pipeline import ReviewOptions, decide, fail_on, publish, read_pull
from bot.deliver.settings import GitHubSettings
from bot.engine import audit
from bot.exitcodes import FINDINGS, OK, USAGE
from bot.findings import Severity, Status
from bot.ingest.source import DirectorySource
from bot.render import render

log = logging.getLogger(__name__)
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
AUDIT_EVENTS = frozenset({"schedule", "push", "workflow_dispatch"})
_COMMAND = {Severity.error: "error", Severity.warning: "warning", Severity.note: "notice"}


@dataclass(frozen=True, slots=True)
class ActionEnv:
    token: str
    event_name: str
    event_path: Path
    repository: str
    api_url: str
    step_summary: Path | None
    workspace: Path | None = None
    sha: str = ""

    @classmethod
    def read(cls, env: Mapping[str, str]) -> ActionEnv:
        missing = [k for k in ("GITHUB_TOKEN", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY")
                   if not env.get(k)]
        if missing:
            raise ValueError(f"not inside a GitHub Actions job? missing {', '.join(missing)}")
        summary = env.get("GITHUB_STEP_SUMMARY")
        workspace = env.get("GITHUB_WORKSPACE")
        return cls(env["GITHUB_TOKEN"], env.get("GITHUB_EVENT_NAME", ""),
                   Path(env["GITHUB_EVENT_PATH"]), env["GITHUB_REPOSITORY"],
                   env.get("GITHUB_API_URL", "https://api.github.com"),
                   Path(summary) if summary else None,
                   Path(workspace) if workspace else None, env.get("GITHUB_SHA", ""))


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


def _write_outputs(decision: Decision, env: ActionEnv, sarif: Path | None) -> None:
    if sarif is not None:
        sarif.parent.mkdir(parents=True, exist_ok=True)
        sarif.write_text(render(decision, "sarif"), encoding="utf-8")
    if env.step_summary is not None:
        with env.step_summary.open("a", encoding="utf-8") as fh:
            fh.write(render(decision, "markdown"))


def run_action(env: ActionEnv, settings: GitHubSettings, sarif: Path | None,
               out: TextIO = sys.stdout) -> int:
    event = json.loads(env.event_path.read_text(encoding="utf-8"))
    if env.event_name in AUDIT_EVENTS:
        return audit_checkout(env, event, settings, sarif, out)
    if env.event_name not in PR_EVENTS or "pull_request" not in event:
        out.write(f"aria: nothing to do for a {env.event_name or 'non-PR'} event; run this "
                  f"action on pull_request, or on {', '.join(sorted(AUDIT_EVENTS))} to audit "
                  "the repository.\n")
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
    _write_outputs(decision, env, sarif)
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


def audit_checkout(env: ActionEnv, event: Mapping[str, object], settings: GitHubSettings,
                   sarif: Path | None, out: TextIO) -> int:
    """The compliance audit of `schedule`, `push` and `workflow_dispatch`: the checked-out
    repository, audited whole, with `.aria.yml` from the checkout."""
    if event.get("deleted") is True:  # a push that deletes a branch or tag leaves no tree
        out.write(f"aria: {event.get('ref')} was deleted; nothing to audit.\n")
        return OK
    workspace = env.workspace
    if workspace is None or not workspace.is_dir() or not any(workspace.iterdir()):
        out.write("::error title=No checkout::aria audits the repository that actions/checkout "
                  "puts in GITHUB_WORKSPACE; add `- uses: actions/checkout@v4` before this step."
                  "\n")
        return USAGE
    source = DirectorySource(workspace)
    source.label = f"{env.repository} at {env.sha[:12]}" if env.sha else env.repository
    try:
        config, found = config_of(source)
    except ConfigError as exc:
        out.write(f"::error title=Invalid .aria.yml::{_escape_data(str(exc))}\n")
        return USAGE
    decision = audit(source, config if found else None,
                     title=f"Audit of {source.label} on {env.event_name}", in_ci=True)
    _write_outputs(decision, env, sarif)
    gate = fail_on(config, settings.fail_on)
    counts = ", ".join(f"{decision.counts.by_severity.get(s.value, 0)} {s.value}"
                       for s in Severity)
    out.write(f"aria: audited {decision.files_reviewed} files of {source.label}: {counts}"
              f"{f'; SARIF in {sarif}' if sarif else ''}.\n")
    return FINDINGS if decision.fails(gate) else OK
