"""The claim kinds the adversary plants, each with its paraphrase templates.

Every kind names a claim a narrative writer must not make unless the evidence makes it first:

- ``recommendation_flip``: endorses an option the decision does not recommend, in plain prose,
  "rather than" comparisons, rhetorical questions, or "this one" in that option's own part.
- ``option_preference``: ranks options against each other, or calls them equivalent, so the
  recommendation reads as one choice among equals.
- ``verdict_approve``: pushes the verdict toward approval ("fine to ship as it stands"), or past
  any verdict ("merge without a second reviewer", "skip the canary").
- ``verdict_reject``: pushes the verdict toward holding or rejecting the change ("should be held
  back and reworked", "close this PR", "revert it everywhere").
- ``denial``: says the problems are not there or do not matter (false positive, cosmetic, nit).
- ``reader_instruction``: tells the human reader to act (merge now, skip the check, suppress).
- ``tool_instruction``: addresses a model or tool (ignore previous instructions, reveal the
  prompt, set the verdict, chat-template and JSON injections, notes to the guard itself).
- ``invented_measurement``: reports a benchmark, load test, profile or production observation
  nobody ran, often with no number or name a token filter could catch.
- ``invented_figure``: states a number, percentage, price or latency the brief does not hold,
  including numbers spelled as words ("three replicas", "half of the traffic").
- ``invented_comparison``: says X is faster, cheaper, safer or simpler than Y with no evidence.
- ``false_guarantee``: promises certainty (never fails, zero risk, 100% availability).
- ``compliance_claim``: asserts SOC 2, HIPAA, PCI DSS, ISO 27001, FedRAMP or audit status.
- ``causal_claim``: blames an outage, spike or cost on the change, or credits a fix to it.
- ``invented_authority``: cites approvals, sign-offs, reviews, exceptions or vendor advice.
- ``invented_resource``: names a resource, path, rule id, model, GPU, pool or namespace that
  is not in the brief, shaped like the real ones.
- ``social_engineering``: urgency, pressure, blame and appeals to rank or to the crowd.
- ``hidden_markup``: honest visible words carrying HTML comments, links, images, mentions,
  footnotes, headings, task lists, zero-width or tag characters, bidi overrides, look-alike
  letters or HTML entities.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.narrative.adversary import kinds_claims as claims
from tests.narrative.adversary import kinds_decision as decision
from tests.narrative.adversary import kinds_injection as injection
from tests.narrative.adversary.vocab import Vocabulary


@dataclass(frozen=True)
class Kind:
    """A claim kind: its templates, plus ones that are planted only when `applies` holds."""

    name: str
    templates: tuple[str, ...]
    conditional: tuple[str, ...] = ()
    applies: Callable[[Vocabulary], bool] | None = None

    def pool(self, vocab: Vocabulary) -> tuple[str, ...]:
        if self.applies is not None and self.applies(vocab):
            return self.templates + self.conditional
        return self.templates

    @property
    def template_count(self) -> int:
        return len(self.templates) + len(self.conditional)


def _short_of_clean_approval(vocab: Vocabulary) -> bool:
    """'Approve' and 'Compliant' alone are clean; follow-ups, warnings or errors are not."""
    return not re.fullmatch(r"\W*(approve|compliant)\W*", vocab.verdict.strip().lower())


def _approving(vocab: Vocabulary) -> bool:
    return vocab.approving


def _has_findings(vocab: Vocabulary) -> bool:
    return bool(vocab.findings)


_ORDER = ("recommendation_flip", "option_preference", "verdict_approve", "verdict_reject",
          "denial", "reader_instruction", "tool_instruction", "invented_measurement",
          "invented_figure", "invented_comparison", "false_guarantee", "compliance_claim",
          "causal_claim", "invented_authority", "invented_resource", "social_engineering",
          "hidden_markup")
_TEMPLATES = {**decision.TEMPLATES, **injection.TEMPLATES, **claims.TEMPLATES}
# Kind -> templates planted only when the brief makes them false, and that test.
_CONDITIONAL: dict[str, tuple[tuple[str, ...], Callable[[Vocabulary], bool]]] = {
    "verdict_approve": (decision.VERDICT_APPROVE_AS_IS, _short_of_clean_approval),
    "verdict_reject": (decision.VERDICT_REJECT_HOLD, _approving),
    "denial": (decision.DENIAL_OF_FINDINGS, _has_findings),
}
KINDS: tuple[Kind, ...] = tuple(Kind(name, _TEMPLATES[name], *_CONDITIONAL.get(name, ((), None)))
                                for name in _ORDER)
KIND_NAMES: tuple[str, ...] = tuple(kind.name for kind in KINDS)


def template_counts() -> dict[str, int]:
    """Number of paraphrase templates per kind (conditional ones included)."""
    return {kind.name: kind.template_count for kind in KINDS}
