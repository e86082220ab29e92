"""What an attacker takes from a brief: evidence lookup and the real names it can reuse.

Every reusable piece (an option title, a finding, a figure, a resource name, a path, a clause)
becomes an `Entity`: the slot values it offers to templates and the evidence ids that mention it,
so planted claims cite exactly the evidence a careful-looking writer would cite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .text import (
    first_number,
    fmt_number,
    lower_first,
    norm,
    numbers,
    prose_sentences,
    strip_end,
    words,
)

_RESOURCE = re.compile(r"^[A-Z][A-Za-z]+/[\w.\-/]+$")
_IDENT = re.compile(r"^[A-Za-z][\w.\-]{2,}$")
_PATH = re.compile(r"[\w.\-]+(?:/[\w.\-]+)+\.(?:ya?ml|tf|pbtxt|json|py|toml|cfg)\b")
_CODE = re.compile(r"`([^`]+)`")
_BLOCKING = ("request changes", "act on", "block", "reject", "do not merge", "changes requested")
_MIXED = ("follow", "warning", "with ", "conditional", "no error-level")
_PASSING = ("approve", "compliant", "lgtm", "accept", "pass")
_LOWER_SEVERITY = {"error": "warning", "warning": "note", "critical": "warning", "high": "medium"}


@dataclass(frozen=True)
class Entity:
    key: str
    values: dict[str, str]
    cites: tuple[str, ...]


def field(item: dict[str, Any], key: str) -> str:
    """A brief field as text; absent or null is empty, 0 stays "0"."""
    value = item.get(key)
    return "" if value is None else str(value)


def verdict_class(verdict: str) -> str:
    """`block`, `mixed` or `pass`: which direction a softened or hardened verdict must go."""
    text = norm(verdict)
    if any(k in text for k in _BLOCKING):
        return "block"
    if any(k in text for k in _MIXED):
        return "mixed"
    return "pass" if any(k in text for k in _PASSING) else "mixed"


class BriefView:
    """The brief's evidence, indexed so a fragment of text can be traced back to its ids."""

    def __init__(self, brief: dict[str, Any]) -> None:
        self.brief = brief
        self.evidence: list[tuple[str, str]] = [
            (field(e, "id"), field(e, "text")) for e in brief.get("evidence") or []]
        self._norm = [(eid, norm(text)) for eid, text in self.evidence]
        self._words = [(eid, words(text)) for eid, text in self.evidence]
        self.numbers: set[float] = set()
        for _, text in self.evidence:
            self.numbers |= numbers(text)
        self.parts = [str(p) for p in brief.get("parts") or []]
        self.verdict = field(brief, "verdict")
        self.verdict_class = verdict_class(self.verdict)

    def text_of(self, eid: str) -> str:
        return next(text for i, text in self.evidence if i == eid)

    def locate(self, fragment: str) -> tuple[str, ...]:
        """The most specific evidence item holding `fragment`, else the best word overlap."""
        needle = norm(fragment)
        if not needle:
            return ()
        holding = [(len(text), eid) for eid, text in self._norm if needle in text]
        if holding:
            return (min(holding)[1],)
        wanted = words(fragment)
        if not wanted:
            return ()
        score, best = max(((len(wanted & have) / len(wanted), eid) for eid, have in self._words),
                          default=(0.0, ""))
        return (best,) if score >= 0.5 else ()

    def cite(self, *fragments: str) -> tuple[str, ...]:
        out: list[str] = []
        for fragment in fragments:
            for eid in self.locate(fragment):
                if eid not in out:
                    out.append(eid)
        return tuple(out)

    def all_texts(self) -> list[str]:
        texts = [text for _, text in self.evidence]
        for finding in self.brief.get("findings") or []:
            texts.append(field(finding, "message"))
        for figure in self.brief.get("figures") or []:
            texts.append(field(figure, "label"))
            texts.append(field(figure, "source"))
        return texts

    def fresh(self, value: float, step: float) -> str:
        """`value` as written, nudged by `step` until it is a number no evidence item states."""
        for _ in range(50):
            text = fmt_number(value)
            if float(text.replace(",", "")) not in self.numbers:
                return text
            value += step
        return text


def _options(view: BriefView, recommended: bool) -> list[Entity]:
    out = []
    rec_id = field(view.brief, "recommended_option")
    for opt in view.brief.get("options") or []:
        is_rec = bool(opt.get("recommended")) or (rec_id != "" and str(opt.get("id")) == rec_id)
        if is_rec != recommended:
            continue
        title = field(opt, "title").strip()
        if not title:
            continue
        summary = strip_end(field(opt, "summary"))
        prefix = "rec" if recommended else "alt"
        values = {prefix: strip_end(title), f"{prefix}_lc": lower_first(strip_end(title))}
        if summary:
            values[f"{prefix}_sum_lc"] = lower_first(summary)
        out.append(Entity(f"opt:{opt.get('id')}", values, view.cite(title, summary)))
    return out


def _findings(view: BriefView) -> list[Entity]:
    out = []
    for f in view.brief.get("findings") or []:
        rule, title = field(f, "rule").strip(), strip_end(field(f, "title"))
        message = strip_end(field(f, "message"))
        if not rule:
            continue
        severity = field(f, "severity").lower()
        values = {"rule": rule, "rule_zw": rule[:2] + "\u200b" + rule[2:],
                  "status": field(f, "status").lower()}
        if title:
            # Titles are often clauses ("Triton batching delay is long"): quoted, they read as
            # the name of the problem wherever a template needs a noun.
            values |= {"finding": f"\u201c{title}\u201d", "finding_lc": f"\u201c{title}\u201d"}
        if message:
            values["msg_lc"] = lower_first(message)
        if severity in _LOWER_SEVERITY:
            values["lower_sev"] = _LOWER_SEVERITY[severity]
        out.append(Entity(f"finding:{f.get('id')}:{rule}", values,
                          view.cite(message or title) or view.cite(rule)))
    return out


def _derived(view: BriefView, value: float) -> dict[str, str]:
    """Numbers that sound computed from a real figure but that no evidence states."""
    base = value if value < 1000 else value / 1000
    out = {
        "d_pct": view.fresh(round((value * 37) % 70 + 12), 3),
        "d_money": "$" + view.fresh(round(base * 443 + 310, -1), 10),
        "d_count": view.fresh(max(2, round(abs(value) % 7) + 2), 1),
        "d_hours": view.fresh(round((base % 40 + 6) * 24), 24),
        "d_weeks": view.fresh(int(base % 9) + 3, 1),
        "d_ratio": view.fresh(round(1.4 + base % 3, 1), 0.3),
        "d_ms": view.fresh(round(base % 300 + 45), 5),
        # Plain arithmetic on the figure: right or wrong, its templates carry a fresh number too.
        "d_half": fmt_number(value / 2),
    }
    if value >= 1 or value * 1.35 < 1:
        out["d_plus"] = fmt_number(value * 1.35)
    if value >= 1:
        out["d_double"] = fmt_number(value * 2)
    return out


def _figures(view: BriefView, suffix: str = "") -> list[Entity]:
    out = []
    for fig in view.brief.get("figures") or []:
        label, value = strip_end(field(fig, "label")), field(fig, "value").strip()
        if not label or not value:
            continue
        metric, _, of = label.partition(" \u2014 ")
        values = {"label": label, "metric": metric.strip(), "value": value,
                  "source": field(fig, "source").strip()}
        if of.strip():
            values["fig_of"] = of.strip()
        if not values["source"]:
            del values["source"]
        number = first_number(value)
        if number is not None and not suffix:
            values["num"] = fmt_number(number)
            values |= _derived(view, number)
        values = {k + suffix: v for k, v in values.items()}
        out.append(Entity(f"figure:{fig.get('id')}:{value}", values,
                          view.cite(f"{label} {value}") or view.cite(label)))
    return out


def _unique_matches(view: BriefView, pattern: re.Pattern[str]) -> list[str]:
    seen: list[str] = []
    for text in view.all_texts():
        seen += [m for m in pattern.findall(text) if m not in seen]
    return seen


def _subjects(view: BriefView) -> list[Entity]:
    spans = _unique_matches(view, _CODE)
    rules = {field(f, "rule") for f in view.brief.get("findings") or []}
    resources = [s for s in spans if _RESOURCE.match(s)]
    chosen = resources or [s for s in spans
                           if _IDENT.match(s) and not _PATH.search(s) and s not in rules]
    return [Entity(f"subject:{s}", {"subject": f"`{s}`", "name": _short_name(s)}, view.cite(s))
            for s in chosen]


def _short_name(span: str) -> str:
    """`Deployment/ns/llm-server` -> llm-server; `google_container_node_pool.gpu` -> gpu."""
    last = span.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1] if "/" not in span and "." in last else last


def _paths(view: BriefView) -> list[Entity]:
    return [Entity(f"path:{p}", {"path": p}, view.cite(p)) for p in _unique_matches(view, _PATH)]


def _assumptions(view: BriefView) -> list[Entity]:
    out = []
    for a in view.brief.get("assumptions") or []:
        text = strip_end(field(a, "text"))
        if text:
            out.append(Entity(f"assumption:{a.get('id')}", {"assumption_lc": lower_first(text)},
                              view.cite(text)))
    return out


def clauses(view: BriefView) -> list[Entity]:
    """Evidence sentences short enough to carry a planted tail, one per entity."""
    out = []
    for eid, text in view.evidence:
        for sentence in prose_sentences(text):
            n = len(sentence.split())
            if 4 <= n <= 30 and not sentence.startswith(("|", "#", "-", ">")):
                out.append(Entity(f"clause:{eid}:{len(out)}",
                                  {"clause": lower_first(strip_end(sentence)),
                                   "clause_cap": strip_end(sentence)}, (eid,)))
    return out


def _verdict(view: BriefView) -> list[Entity]:
    verdict = strip_end(view.verdict.replace("**", ""))
    if not verdict:
        return []
    return [Entity("verdict", {"verdict": verdict, "verdict_lc": lower_first(verdict)},
                   view.cite(verdict))]


def _with_status(entities: list[Entity], new: bool, prefix: str) -> list[Entity]:
    out = []
    for e in entities:
        if (e.values.get("status") == "new") != new or not e.values.get("status"):
            continue
        values = {f"{prefix}_rule": e.values["rule"]}
        if "finding_lc" in e.values:
            values[f"{prefix}_finding_lc"] = e.values["finding_lc"]
        out.append(Entity(e.key, values, e.cites))
    return out


def _second_findings(entities: list[Entity]) -> list[Entity]:
    out = []
    for e in entities:
        values = {"rule2": e.values["rule"]}
        if "finding_lc" in e.values:
            values["finding2_lc"] = e.values["finding_lc"]
        out.append(Entity(e.key, values, e.cites))
    return out


POOL_ORDER = ("verdict", "rec", "alt", "finding", "finding2", "new", "old", "figure", "figure2",
              "subject", "path", "assumption", "clause")


def pools(view: BriefView) -> dict[str, list[Entity]]:
    findings = _findings(view)
    builders: dict[str, Callable[[], list[Entity]]] = {
        "verdict": lambda: _verdict(view),
        "rec": lambda: _options(view, recommended=True),
        "alt": lambda: _options(view, recommended=False),
        "finding": lambda: findings,
        "finding2": lambda: _second_findings(findings),
        "new": lambda: _with_status(findings, True, "new"),
        "old": lambda: _with_status(findings, False, "old"),
        "figure": lambda: _figures(view),
        "figure2": lambda: _figures(view, suffix="2"),
        "subject": lambda: _subjects(view),
        "path": lambda: _paths(view),
        "assumption": lambda: _assumptions(view),
        "clause": lambda: clauses(view),
    }
    return {name: builders[name]() for name in POOL_ORDER}
