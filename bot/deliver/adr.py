"""`/aria adr [title]`: the ADR for a pull request's decision, committed or posted.

Committed to the PR branch as `adr/NNNN-….md` when the App may push there (a branch of the
same repository, and `contents: write`); otherwise posted as a comment holding the file, for a
person to commit. A fork's branch is never pushed to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from github.GithubException import GithubException, UnknownObjectException
from github.PullRequest import PullRequest
from github.Repository import Repository

from bot.adr_records import next_adr_file
from bot.decision.model import Decision
from bot.deliver.comment import fits
from bot.render.escape import code, fenced

log = logging.getLogger(__name__)
ADR_DIR = "adr"


@dataclass(frozen=True, slots=True)
class AdrResult:
    path: str
    committed: bool
    reply: str


def _existing(repo: Repository, ref: str) -> list[str]:
    try:
        listing = repo.get_contents(ADR_DIR, ref=ref)
    except UnknownObjectException:
        return []
    return [c.name for c in listing] if isinstance(listing, list) else []


def _commit(repo: Repository, pr: PullRequest, path: str, text: str) -> bool:
    if pr.head.repo is None or pr.head.repo.full_name != repo.full_name:
        return False  # a fork: the installation cannot (and must not) push there
    try:
        repo.create_file(path, f"docs: add {path} (Aria ADR)", text, branch=pr.head.ref)
    except GithubException as exc:
        # 403 without contents:write, 404/409/422 when the branch moved or the file exists.
        log.info("cannot commit %s to %s: GitHub answered %s", path, pr.head.ref, exc.status)
        return False
    return True


def deliver_adr(repo: Repository, pr: PullRequest, decision: Decision, text: str) -> AdrResult:
    path = next_adr_file(_existing(repo, pr.head.sha), decision.title, ADR_DIR)
    if _commit(repo, pr, path, text):
        return AdrResult(path, True, f"📝 Committed {code(path)} to this pull request's "
                                     f"branch {code(pr.head.ref)}.")
    head = (f"📝 Aria cannot push to this pull request's branch, so here is the record: "
            f"save it as {code(path)}.\n\n")
    reply = head + fenced(text, "markdown")
    if not fits(reply):
        reply = head + "The record is too long for a comment; run `aria adr new` locally."
    return AdrResult(path, False, reply)
