"""The PR comment / terminal review in Markdown."""

from __future__ import annotations

import re

from bot.decision.model import Decision
from bot.findings import Finding, Severity, Status
from bot.render.escape import code, md_text
from bot.render.probe import render_probe_markdown
from bot.render.templating import environment

REVIEW_MARKER = "<!-- aria:review -->"
MAX_FINDINGS_PER_SEVERITY = 25
MAX_CHANGES = 12  # rows of the "What this change does" table; the JSON holds them all
MAX_UNREVIEWED = 10  # files named at the head of the review; every one is a finding below too


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_markdown(decision: Decision) -> str:
    active = [f for f in decision.findings if f.suppressed is None]
    if decision.mode == "review":
        relevant = [f for f in active if f.status is Status.new]
    else:
        relevant = [f for f in active if f.status.in_head]
    text = environment().get_template("review.md.j2").render(
        d=decision, marker=REVIEW_MARKER, relevant=relevant,
        new=[f for f in active if f.status is Status.new],
        fixed=[f for f in active if f.status is Status.fixed],
        unchanged=[f for f in active if f.status is Status.unchanged],
        superseded=_superseded(active),
        # A file no rule saw heads the review: what it holds was not judged at all.
        unreviewed=[f for f in active if f.family == "ingest" and f.status.in_head],
        measurements=[render_probe_markdown(m) for m in decision.measurements],
        max_findings=MAX_FINDINGS_PER_SEVERITY, max_changes=MAX_CHANGES,
        max_unreviewed=MAX_UNREVIEWED)
    return _tidy(text)


def _superseded(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Superseded base findings by the fingerprint of the head finding shown above them."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        if f.status is Status.superseded and f.superseded_by:
            out.setdefault(f.superseded_by, []).append(f)
    return out


def render_compact(decision: Decision, check_run_url: str | None = None) -> str:
    """The comment cut to what must survive GitHub's size limit."""
    errors = [f for f in decision.gating if f.severity is Severity.error]
    lines = [REVIEW_MARKER, f"## 🏗️ Aria review — {md_text(decision.title)}", "",
             md_text(decision.recommendation), ""]
    if errors:
        lines.append(f"**❌ New error-level findings ({len(errors)})**")
        lines += [f"- {code(f.rule_id)} {md_text(f.message)} — {code(f.location)}"
                  for f in errors[:40]]
        if len(errors) > 40:
            lines.append(f"- … and {len(errors) - 40} more")
        lines.append("")
    if decision.next_steps:
        lines.append("### Next Steps")
        lines += [f"{i}. {md_text(s)}" for i, s in enumerate(decision.next_steps, 1)]
        lines.append("")
    where = f"[the `aria` check run]({check_run_url})" if check_run_url else "the `aria` check run"
    lines.append(f"<sub>The full review did not fit in a comment: see {where} for every finding, "
                 "option table and figure.</sub>")
    return "\n".join(lines) + "\n"
