"""The sticky comment: one per pull request, found by its hidden marker and edited in place.

Two writers can race (two deliveries, or a POST that GitHub stored before answering 5xx and
that the job then retried): after creating, the writer looks again, and when there is more than
one marked comment the oldest is kept and the others are deleted, so every writer converges on
the same single comment.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Literal

from github.GithubException import UnknownObjectException
from github.Issue import Issue
from github.IssueComment import IssueComment

MAX_CHARS = 65_536  # GitHub: "Body is too long (maximum is 65536 characters)"
MAX_BYTES = 200_000  # bodies under the character cap have still been refused above this


@dataclass(frozen=True, slots=True)
class CommentResult:
    id: int
    action: Literal["created", "updated", "unchanged"]
    url: str


def fits(body: str) -> bool:
    return len(body) <= MAX_CHARS and len(body.encode("utf-8")) <= MAX_BYTES


def fit_body(full: str, compact: Callable[[], str], marker: str) -> str:
    """The full body when GitHub takes it, else the compact one; always carrying the marker."""
    body = _marked(full, marker)
    if fits(body):
        return body
    body = _marked(compact(), marker)
    while not fits(body):  # a pathological compact body: cut it rather than fail to post
        body = body[: len(body) * 9 // 10]
    return body


def _marked(body: str, marker: str) -> str:
    return body if marker in body else f"{marker}\n{body}"


def _ours(comment: IssueComment, marker: str) -> bool:
    # Only a bot's comment counts: a person quoting the marker does not capture the review.
    return marker in (comment.body or "") and comment.user.type == "Bot"


def _marked_comments(issue: Issue, marker: str) -> list[IssueComment]:
    return sorted((c for c in issue.get_comments() if _ours(c, marker)), key=lambda c: c.id)


def _delete(comment: IssueComment) -> None:
    with suppress(UnknownObjectException):  # the other writer deleted it first
        comment.delete()


def _keep_first(found: list[IssueComment], body: str, created: bool) -> CommentResult:
    keep, extra = found[0], found[1:]
    for comment in extra:
        _delete(comment)
    if keep.body != body:
        keep.edit(body)
        return CommentResult(keep.id, "updated", keep.html_url)
    return CommentResult(keep.id, "created" if created else "unchanged", keep.html_url)


def upsert_sticky(issue: Issue, body: str, marker: str,
                  known_id: int | None = None) -> CommentResult:
    if known_id is not None:
        try:
            known = issue.get_comment(known_id)
            if _ours(known, marker):
                if known.body == body:
                    return CommentResult(known.id, "unchanged", known.html_url)
                known.edit(body)
                return CommentResult(known.id, "updated", known.html_url)
        except UnknownObjectException:
            pass  # deleted by someone: find or create below
    found = _marked_comments(issue, marker)
    if found:
        return _keep_first(found, body, created=False)
    mine = issue.create_comment(body)
    found = _marked_comments(issue, marker)
    if not found:  # the listing lags behind the create
        return CommentResult(mine.id, "created", mine.html_url)
    # A racing writer may already have deleted ours in favour of the oldest: keep that one.
    return _keep_first(found, body, created=found[0].id == mine.id)
