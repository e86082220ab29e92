"""One pull-request review on GitHub: read, run the engine, post check run and sticky comment.

Shared by the App's worker and the Action. What was posted before (a `ReviewRecord` from the
App's database; none in the Action) only saves work: the sticky comment is found by its marker.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Literal

from github import Github
from github.PullRequest import PullRequest
from github.Repository import Repository

from bot.config import AriaConfig, ConfigError, load_config_bytes
from bot.decision.model import Decision
from bot.deliver.check_runs import annotations_for, publish_check_run
from bot.deliver.comment import fit_body, upsert_sticky
from bot.deliver.fetch import ReviewInputs, Skipped, changed_files, review_inputs
from bot.deliver.inline import post_inline_comments
from bot.engine import review
from bot.exitcodes import FailOn
from bot.findings import Severity
from bot.ingest.source import MemorySource
from bot.narrative import narrate
from bot.render import render
from bot.render.escape import code, md_text
from bot.render.markdown import REVIEW_MARKER, render_compact
from bot.state.probe_history import ProbeHistory
from bot.state.reviews import ReviewRecord

log = logging.getLogger(__name__)

NOTHING_TO_REVIEW = (f"{REVIEW_MARKER}\n### 🏗️ Aria review\n\nThis pull request no longer "
                     "changes any file Aria reviews (manifests, Terraform, serving configs, "
                     "`.aria.yml`).\n")


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    fail_on: FailOn = "error"  # operator default; a base-branch .aria.yml that sets it wins
    review_comments: bool = False
    max_files: int = 300
    max_bytes: int = 1_000_000
    force: bool = False
    installation: str = "local"  # whose daily language-model budget the narrative draws on
    history: ProbeHistory | None = None  # where measured latencies are kept and compared


@dataclass
class ReviewOutcome:
    status: Literal["reviewed", "unchanged", "nothing", "closed", "config_error"]
    head_sha: str
    comment_id: int | None = None
    check_run_id: int | None = None
    fingerprint: str = ""
    inline_fingerprints: list[str] = field(default_factory=list)
    conclusion: str | None = None
    decision: Decision | None = None
    comment_action: str | None = None


def fingerprint(decision: Decision, skipped: list[Skipped]) -> str:
    """Identity of what a review says: its findings (rule, object, status) and skipped files."""
    parts = sorted(f"{f.fingerprint}:{f.status}:{f.severity}:{bool(f.suppressed)}"
                   for f in decision.findings)
    parts += sorted(f"skip:{s.path}:{s.reason}" for s in skipped)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def fail_on(config: AriaConfig, default: FailOn) -> FailOn:
    """The base branch's `fail_on` when its .aria.yml sets one, else the operator's default."""
    return config.fail_on if "fail_on" in config.model_fields_set else default


def _skipped_section(skipped: list[Skipped]) -> str:
    if not skipped:
        return ""
    rows = "\n".join(f"- {code(s.path)}: {md_text(s.reason)}" for s in skipped[:50])
    more = f"\n- … and {len(skipped) - 50} more" if len(skipped) > 50 else ""
    return f"\n\n### Not reviewed\n{rows}{more}\n"


def _summary(decision: Decision, conclusion: str) -> str:
    counts = decision.counts.by_severity
    new = decision.counts.by_status.get("new", 0)
    return (f"**{conclusion}** — {new} new finding(s); "
            f"{counts.get('error', 0)} error, {counts.get('warning', 0)} warning, "
            f"{counts.get('note', 0)} note in total.\n\n{md_text(decision.recommendation)}")


def read_pull(repo: Repository, pr: PullRequest, options: ReviewOptions) -> ReviewInputs:
    return review_inputs(repo, changed_files(pr), pr.base.sha, pr.head.sha,
                         max_files=options.max_files, max_bytes=options.max_bytes)


def decide(pr: PullRequest, inputs: ReviewInputs,
           options: ReviewOptions | None = None) -> tuple[Decision, AriaConfig]:
    """The engine's decision on the change (raises ConfigError for a broken base .aria.yml).

    Measured models are compared with their history; with a language model configured by the
    operator, its prose passes the grounding guard.
    """
    options = options or ReviewOptions()
    config = load_config_bytes(inputs.config, inputs.config_name)
    decision = review(MemorySource(inputs.base, label=pr.base.sha[:12]),
                      MemorySource(inputs.head, label=pr.head.sha[:12]), config, title=pr.title,
                      in_ci=True)
    if options.history is not None and decision.measurements:
        repo = pr.base.repo.full_name
        for report in decision.measurements:
            line = options.history.summary(repo, report.model)
            if line:
                decision.notes.append(line)
        options.history.record(repo, decision.measurements)
    return narrate(decision, options.installation), config


def review_pull_request(gh: Github, repo_name: str, number: int, options: ReviewOptions,
                        prior: ReviewRecord | None = None) -> ReviewOutcome:
    repo = gh.get_repo(repo_name)
    pr = repo.get_pull(number)
    head_sha = pr.head.sha
    if pr.state != "open":
        return ReviewOutcome("closed", head_sha)
    if prior is not None and prior.head_sha == head_sha and not options.force:
        log.info("%s#%d: head %s already reviewed", repo_name, number, head_sha[:12])
        return ReviewOutcome("unchanged", head_sha, prior.comment_id, prior.check_run_id,
                             prior.fingerprint, list(prior.inline_fingerprints))
    inputs = read_pull(repo, pr, options)
    if not inputs.changed:
        return _nothing(repo, pr, head_sha, prior)
    try:
        decision, config = decide(pr, inputs, options)
    except ConfigError as exc:
        run = publish_check_run(
            repo, head_sha=head_sha, conclusion="failure", title="Invalid .aria.yml",
            summary=f"The base branch's `{inputs.config_name}` cannot be used, so the review "
                    f"did not run:\n\n{md_text(exc, 2000)}")
        return ReviewOutcome("config_error", head_sha, check_run_id=run.id, conclusion="failure")
    return publish(repo, pr, decision, inputs, fail_on(config, options.fail_on), options, prior)


def publish(repo: Repository, pr: PullRequest, decision: Decision, inputs: ReviewInputs,
            gate: FailOn, options: ReviewOptions, prior: ReviewRecord | None) -> ReviewOutcome:
    """Post the check run, then the sticky comment (which links the check run when cut)."""
    head_sha = pr.head.sha
    conclusion = "failure" if decision.fails(gate) else "success"
    full = render(decision, "markdown") + _skipped_section(inputs.skipped)
    run = publish_check_run(
        repo, head_sha=head_sha, conclusion=conclusion, title=decision.title,
        summary=_summary(decision, conclusion), text=full,
        annotations=annotations_for(decision.gating))
    body = fit_body(full, lambda: render_compact(decision, run.html_url), REVIEW_MARKER)
    comment = upsert_sticky(pr.as_issue(), body, REVIEW_MARKER,
                            prior.comment_id if prior else None)
    inline = list(prior.inline_fingerprints) if prior else []
    if options.review_comments:
        new_errors = [f for f in decision.gating if f.severity is Severity.error]
        inline += post_inline_comments(repo, pr, head_sha, new_errors, inputs.changed, set(inline))
    return ReviewOutcome("reviewed", head_sha, comment.id, run.id,
                         fingerprint(decision, inputs.skipped), inline, conclusion, decision,
                         comment.action)


def _nothing(repo: Repository, pr: PullRequest, head_sha: str,
             prior: ReviewRecord | None) -> ReviewOutcome:
    run = publish_check_run(repo, head_sha=head_sha, conclusion="neutral",
                            title="Nothing to review",
                            summary="No manifest, Terraform, serving config or `.aria.yml` "
                                    "changed in this pull request.")
    comment_id = None
    if prior is not None and prior.comment_id is not None:
        # An earlier push had findings; say they no longer apply instead of leaving them up.
        comment_id = upsert_sticky(pr.as_issue(), NOTHING_TO_REVIEW, REVIEW_MARKER,
                                   prior.comment_id).id
    return ReviewOutcome("nothing", head_sha, comment_id, run.id, conclusion="neutral")
