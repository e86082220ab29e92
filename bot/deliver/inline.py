"""Review comments on changed lines for new error-level findings (optional).

GitHub refuses a line comment outside the diff, so a finding is commented only when its line
is an added or context line of the file's patch; the rest stay in the check run. One review
call carries them all (a call per comment trips the secondary rate limits).
"""

from __future__ import annotations

import re

from github.PullRequest import PullRequest, ReviewComment
from github.Repository import Repository

from bot.deliver.fetch import ChangedFile
from bot.findings import Finding
from bot.render.escape import md_text

MAX_INLINE = 30
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def commentable_lines(patch: str | None) -> set[int]:
    """Head-side line numbers a review comment may point at in this patch."""
    lines: set[int] = set()
    line = 0
    for row in (patch or "").splitlines():
        m = _HUNK.match(row)
        if m:
            line = int(m.group(1))
            continue
        if row.startswith("-") or line == 0:
            continue
        if not row.startswith("\\"):  # "\ No newline at end of file"
            lines.add(line)
            line += 1
    return lines


def inline_body(f: Finding) -> str:
    """A finding's review comment: its stored text, escaped once for Markdown here."""
    return f"**{md_text(f.rule_id)}** {md_text(f.title)}\n\n{md_text(f.message, 2000)}"


def post_inline_comments(repo: Repository, pr: PullRequest, head_sha: str,
                         findings: list[Finding],
                         changed: list[ChangedFile], already: set[str]) -> list[str]:
    """Post what is new; return the fingerprints now commented."""
    lines = {f.path: commentable_lines(f.patch) for f in changed}
    comments: list[ReviewComment] = []
    posted: list[str] = []
    for f in findings:
        line = f.location.line
        if f.fingerprint in already or line is None or line not in lines.get(f.location.path, ()):
            continue
        comments.append({"path": f.location.path, "line": line, "side": "RIGHT",
                         "body": inline_body(f)})
        posted.append(f.fingerprint)
        if len(comments) == MAX_INLINE:
            break
    if comments:
        # A lazy Commit: PyGithub wants the object, the request only needs its SHA.
        pr.create_review(commit=repo.get_commit(head_sha), event="COMMENT",
                         body="Aria: new error-level findings on changed lines.",
                         comments=comments)
    return posted
