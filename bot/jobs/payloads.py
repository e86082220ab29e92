"""Job payloads, one model per job kind, in one typed union.

A job carries the few fields it needs, cut out of the webhook (or the audit's fan-out) at the
door. It never keeps the whole (up to 25 MB) webhook body; what it needs beyond these fields it
reads from the API when it runs, so it acts on the pull request as it is then.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter


class ReviewJob(BaseModel):
    kind: Literal["review"] = "review"
    installation_id: int
    repo: str
    pr_number: int
    # A re-run asked for by a person posts again even when nothing changed.
    force: bool = False


class CommandJob(BaseModel):
    kind: Literal["command"] = "command"
    installation_id: int
    repo: str
    pr_number: int
    author: str
    body: str


class RerunJob(BaseModel):
    """"Re-run" on Aria's check run whose event names no pull request (a fork's head):
    the job finds the pull request from the head SHA it last reviewed."""

    kind: Literal["rerun"] = "rerun"
    installation_id: int
    repo: str
    head_sha: str


class ForgetJob(BaseModel):
    """The App lost access to these repositories: drop what it remembers about them."""

    kind: Literal["forget"] = "forget"
    repos: list[str]


class OrgAuditJob(BaseModel):
    """One repository of an organisation audit: audit its default branch, store the result."""

    kind: Literal["org_audit"] = "org_audit"
    run_id: int
    installation_id: int
    repo: str
    ref: str


Job = ReviewJob | CommandJob | RerunJob | ForgetJob | OrgAuditJob
JobKind = Literal["review", "command", "rerun", "forget", "org_audit"]
PAYLOAD: TypeAdapter[Job] = TypeAdapter(Annotated[Job, Field(discriminator="kind")])


def pr_key(repo: str, pr_number: int) -> str:
    """Concurrency key: jobs on one pull request run one at a time, in order."""
    return f"pr:{repo}#{pr_number}"
