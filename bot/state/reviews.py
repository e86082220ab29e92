"""What Aria last posted on each pull request (the `reviews` table)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, delete, select

from bot.state.db import rowcount, session
from bot.state.tables import Review


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    head_sha: str
    comment_id: int | None
    check_run_id: int | None
    fingerprint: str
    inline_fingerprints: tuple[str, ...]


class ReviewStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, repo: str, pr_number: int) -> ReviewRecord | None:
        with session(self.engine) as s:
            row = s.scalar(select(Review).where(Review.repo == repo,
                                                Review.pr_number == pr_number))
            if row is None:
                return None
            return ReviewRecord(row.head_sha, row.comment_id, row.check_run_id,
                                row.findings_fingerprint, tuple(row.inline_fingerprints or ()))

    def save(self, repo: str, pr_number: int, record: ReviewRecord) -> None:
        with session(self.engine) as s:
            row = s.scalar(select(Review).where(Review.repo == repo,
                                                Review.pr_number == pr_number))
            if row is None:
                row = Review(repo=repo, pr_number=pr_number)
                s.add(row)
            row.head_sha = record.head_sha
            row.comment_id = record.comment_id
            row.check_run_id = record.check_run_id
            row.findings_fingerprint = record.fingerprint
            row.inline_fingerprints = list(record.inline_fingerprints)

    def pr_for_head(self, repo: str, head_sha: str) -> int | None:
        with session(self.engine) as s:
            return s.scalar(select(Review.pr_number).where(Review.repo == repo,
                                                           Review.head_sha == head_sha))

    def forget(self, repos: list[str]) -> int:
        with session(self.engine) as s:
            return rowcount(s.execute(delete(Review).where(Review.repo.in_(repos))))
