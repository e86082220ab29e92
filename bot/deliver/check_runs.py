"""The `aria` check run: conclusion, summary, and line annotations in batches of 50."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from github.CheckRun import CheckRun
from github.Repository import Repository

from bot.findings import Finding, Severity
from bot.render.escape import plain_text

CHECK_NAME = "aria"
MAX_OUTPUT = 65_535  # characters of output.summary and of output.text
ANNOTATIONS_PER_REQUEST = 50
_LEVEL = {Severity.error: "failure", Severity.warning: "warning", Severity.note: "notice"}


def clip(text: str, limit: int = MAX_OUTPUT) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n… cut to fit GitHub's limit."
    return text[: limit - len(note)] + note


def annotations_for(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """One annotation per finding given (callers pass the gating ones: in a review, what the
    PR introduces, so old debt does not bury the change's own problems)."""
    out = []
    for f in findings:
        line = f.location.line or 1
        out.append({
            "path": f.location.path,
            "start_line": line,
            "end_line": line,
            "annotation_level": _LEVEL[f.severity],
            "title": plain_text(f"{f.rule_id}: {f.title}", 255),
            "message": plain_text(f.message, 64_000) or f.title,
        })
    return out


def publish_check_run(repo: Repository, *, head_sha: str, conclusion: str, title: str,
                      summary: str, text: str = "", annotations: Iterable[dict[str, Any]] = (),
                      name: str = CHECK_NAME) -> CheckRun:
    """Create a completed check run; annotations past the first 50 go in PATCHes (appended)."""
    annotations = list(annotations)
    output: dict[str, Any] = {"title": plain_text(title, 255), "summary": clip(summary)}
    if text:
        output["text"] = clip(text)
    first, rest = annotations[:ANNOTATIONS_PER_REQUEST], annotations[ANNOTATIONS_PER_REQUEST:]
    run = repo.create_check_run(name=name, head_sha=head_sha, status="completed",
                                conclusion=conclusion, output={**output, "annotations": first})
    for i in range(0, len(rest), ANNOTATIONS_PER_REQUEST):
        batch = rest[i:i + ANNOTATIONS_PER_REQUEST]
        run.edit(output={**output, "annotations": batch})
    return run
