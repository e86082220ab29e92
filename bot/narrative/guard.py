"""The grounding guard: what a language model wrote reaches a review only if it is grounded.

A part (the recommendation, the context, the consequences, the options of one decision) passes
only when every number and name in it is in the decision's evidence, every claim of measurement
cites a measured figure, it carries no markup that could change the comment's format, and it
keeps the decision's verdict and recommended options. Structure is compared with the decision
model, never taken from the answer: titles and `recommended` flags the writer echoes are checked
against the model, and only prose is ever copied into it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from bot.decision.model import Decision, DecisionPoint
from bot.narrative.grounding import Grounding, tokens
from bot.narrative.prompt import relevant_findings, verdict_of
from bot.narrative.schema import Narrative, PointProse

LIMITS = {"recommendation": 1500, "context": 1500, "summary": 500, "consequence": 400}
MAX_CONSEQUENCES = 5

_CODE = re.compile(r"`([^`]*)`")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MARKUP = (
    (re.compile(r"<\s*[A-Za-z!/?]"), "HTML"),
    (re.compile(r"\]\(|!\[|\]\["), "a link or image"),
    (re.compile(r"https?://|www\.", re.I), "a URL"),
    (re.compile(r"```|~~~"), "a code fence"),
    (re.compile(r"^\s*(?:[#>|]|[-*+] |\d+[.)] )"), "block markup at the start"),
)
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_MEASURED = re.compile(
    r"\b(?:was|were|is|are|we|been|when)\s+(?:measured|observed|benchmarked|profiled)\b"
    r"|\bmeasured\s+(?:at|to be|as)\b"
    r"|\b(?:measurements?|benchmarks?|load[- ]tests?|probes?|profiling|tests?)\s+(?:shows?|showed|"
    r"shown|found|finds?|confirm(?:s|ed)?|indicat(?:es?|ed)|measured|recorded|report(?:s|ed)?)\b",
    re.I)
_APPROVAL = re.compile(
    r"\b(?:approv(?:e|es|ed|ing|al)|lgtm|looks good to me|(?:safe|ready|good|fine|ok) to merge|"
    r"can be merged|merge (?:it|this|as is)|no changes? (?:is |are )?(?:needed|required))\b", re.I)
_BLOCKING = re.compile(
    r"\b(?:request(?:s|ed|ing)? changes|do not merge|don'?t merge|must not be merged|"
    r"block(?:s|ed|ing)? (?:the |this )?merge)\b", re.I)
_DENIAL = re.compile(r"\b(?:no|zero|without) (?:new )?(?:findings?|issues?|problems?|risks?|"
                     r"errors?|warnings?)\b(?!-)", re.I)
_UNRECOMMENDED = re.compile(r"\bnot (?:recommended|advised)\b", re.I)
_RECOMMENDED = re.compile(r"(?<!not )\b(?:recommended|preferred|best (?:option|choice))\b", re.I)


class Rejection(BaseModel):
    part: str
    reasons: list[str]


class Guarded(BaseModel):
    """The parts that passed (None: use the deterministic text) and why the others did not."""

    recommendation: str | None = None
    context: str | None = None
    consequences: list[str] | None = None
    summaries: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="rule id -> option title -> summary")
    rejections: list[Rejection] = Field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _same(a: str, b: str) -> bool:
    return _norm(a).casefold() == _norm(b).casefold()


def _contains(text: str, phrase: str) -> bool:
    return _norm(phrase).casefold() in _norm(text).casefold()


class _Checker:
    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.grounding = Grounding.of(decision)
        verdict = verdict_of(decision.recommendation) or ""
        self.verdict = verdict
        self.stance = ("block" if verdict.startswith(("Request changes", "Act on")) else
                       "approve" if verdict.startswith(("Approve", "Compliant", "No error"))
                       else None)
        self.has_findings = bool(relevant_findings(decision))
        options = [o for p in decision.decision_points for o in p.options]
        self.chosen = [o.title for o in options if o.recommended]
        self.others = [o.title for o in options
                       if not o.recommended and o.title not in self.chosen]

    def problems(self, text: str, limit: int, allowed_ticks: int = 0) -> list[str]:
        """Why `text` may not be shown; empty when it may."""
        if not text:
            return ["empty"]
        if len(text) > limit:
            return [f"longer than {limit} characters"]
        out = [what for pattern, what in _MARKUP if pattern.search(text)]
        if text.count("`") % 2 or text.count("**") % 2:
            out.append("unbalanced `code` or **bold** markers")
        plain = _CODE.sub(" ", text)
        if _MENTION.search(plain):
            out.append("an @-mention")
        out += [f"`{code}` is not quoted from the evidence" for code in _CODE.findall(text)
                if not self.grounding.knows_phrase(code)]
        for sentence in _SENTENCE_END.split(plain):
            out += self._sentence(sentence)
        if text.count("✅") > allowed_ticks:
            out.append("marks an option ✅ that the decision does not")
        # on the text outside `code`: a quoted object name is not a stance
        if self.stance == "block" and _APPROVAL.search(plain):
            out.append(f"approves a change whose verdict is {self.verdict!r}")
        if self.stance == "approve" and _BLOCKING.search(plain):
            out.append(f"blocks a change whose verdict is {self.verdict!r}")
        if self.has_findings and _DENIAL.search(plain):
            out.append("denies findings the decision has")
        return out

    def _sentence(self, sentence: str) -> list[str]:
        out: list[str] = []
        found = list(tokens(sentence))
        for t in found:
            if t.kind == "number" and not self.grounding.knows_number(t):
                out.append(f"number {t.text!r} is not in the evidence")
            elif t.kind == "name" and not self.grounding.knows_name(t.text):
                out.append(f"name {t.text!r} is not in the evidence")
        if _MEASURED.search(sentence) and not any(
                t.kind == "number" and self.grounding.knows_number(t, measured_only=True)
                for t in found):
            out.append("claims a measurement and cites none that exists")
        if "✅" in sentence and (not any(_contains(sentence, c) for c in self.chosen)
                                 or any(_contains(sentence, o) for o in self.others)):
            out.append("✅ on an option the decision does not recommend")
        return out

    def recommendation(self, text: str) -> list[str]:
        original = self.decision.recommendation
        out = self.problems(text, LIMITS["recommendation"], original.count("✅"))
        if self.verdict and not text.startswith(f"**{self.verdict}**"):
            out.append(f"does not lead with the verdict **{self.verdict}**")
        out += [f"drops the recommended option {title!r}" for title in self.chosen
                if _contains(original, title) and not _contains(text, title)]
        return out

    def point(self, point: DecisionPoint, prose: PointProse) -> tuple[dict[str, str], list[str]]:
        """Summaries that pass for one decision; any mismatch with the model rejects them all."""
        summaries: dict[str, str] = {}
        out: list[str] = []
        for written in prose.options:
            option = next((o for o in point.options if _same(o.title, written.title)), None)
            if option is None:
                out.append(f"names an option the decision does not have: {written.title!r}")
                continue
            if written.recommended != option.recommended:
                out.append(f"changes whether {option.title!r} is recommended")
                continue
            text = _norm(written.summary)
            problems = self.problems(text, LIMITS["summary"])
            stance = _UNRECOMMENDED if option.recommended else _RECOMMENDED
            if stance.search(text):
                problems.append(f"contradicts the recommendation on {option.title!r}")
            out += problems
            summaries[option.title] = text
        return ({} if out else summaries), out


def guard(decision: Decision, narrative: Narrative) -> Guarded:
    check = _Checker(decision)
    result = Guarded()

    def judge(part: str, problems: list[str]) -> bool:
        if problems:
            result.rejections.append(Rejection(part=part, reasons=problems))
        return not problems

    text = _norm(narrative.recommendation)
    if decision.recommendation and judge("recommendation", check.recommendation(text)):
        result.recommendation = text
    text = _norm(narrative.context)
    if decision.context and judge("context", check.problems(text, LIMITS["context"])):
        result.context = text
    items = [_norm(c) for c in narrative.consequences]
    if decision.consequences:
        problems = [p for c in items for p in check.problems(c, LIMITS["consequence"])]
        if not items or len(items) > MAX_CONSEQUENCES:
            problems.append(f"needs one to {MAX_CONSEQUENCES} consequences")
        if judge("consequences", problems):
            result.consequences = items
    points = {p.rule_id: p for p in decision.decision_points}
    for prose in narrative.decision_points:
        point = points.pop(prose.rule_id, None)  # pop: a repeated rule id is not used twice
        if point is None:
            # the answer's rule id is not repeated: part names end up in the review's notes
            judge("options of an unknown decision", [f"{prose.rule_id!r} is not a decision"])
            continue
        summaries, problems = check.point(point, prose)
        if judge(f"options of {point.rule_id}", problems) and summaries:
            result.summaries[point.rule_id] = summaries
    return result
