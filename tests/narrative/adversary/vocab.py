"""What an attacker can borrow from a brief: names, figures and the evidence that mentions them.

Planted claims look grounded because they reuse the brief's own option titles, rule ids,
resources, paths and figures, and cite the evidence items where those words appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.narrative.adversary import text as prose

_RESOURCE = re.compile(r"`([A-Z][A-Za-z]+/[A-Za-z0-9-]+(?:/[A-Za-z0-9._-]+)?)`")
_PATH = re.compile(r"(?<![\w/])((?:[\w.-]+/)+[\w.-]+\.(?:ya?ml|tf|pbtxt|json|toml|py)|"
                   r"\.aria\.ya?ml)(?::\d+)?")
_WORD = re.compile(r"[a-z0-9]+")
# Part names and the words evidence ids for them tend to carry.
_PART_ALIASES = {"recommendation": ("verdict", "decision", "summary"),
                 "consequences": ("consequence", "outcome"), "context": ("context", "change")}
_APPROVING = ("approve", "compliant", "no error-level", "lgtm", "accept")


@dataclass(frozen=True)
class Borrowed:
    """A piece of the brief's text together with the evidence ids that contain it."""

    text: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """A figure of the brief and the evidence items that state its label and value."""

    label: str
    value: str
    source: str
    cites: tuple[str, ...]


@dataclass
class Vocabulary:
    """Everything an attack draws from one brief."""

    verdict: str
    approving: bool
    evidence: dict[str, str]
    recommended: list[Borrowed]
    alternatives: list[Borrowed]
    #: option id -> (title, recommended?) for parts that talk about one option
    options: dict[str, tuple[Borrowed, bool]]
    findings: list[Borrowed]
    rules: list[Borrowed]
    severities: list[str]
    resources: list[Borrowed]
    paths: list[Borrowed]
    figures: list[Figure]
    facts: list[Borrowed]
    all_text: str = field(repr=False, default="")
    numbers: frozenset[str] = field(default_factory=frozenset)

    def cites_for(self, text: str) -> tuple[str, ...]:
        return _cites_for(text, self.evidence)


def read_brief(brief: dict[str, Any]) -> Vocabulary:
    evidence = {str(item["id"]): str(item["text"]) for item in brief.get("evidence", [])}
    all_text = "\n".join([*evidence.values(), *_brief_strings(brief)])
    options: dict[str, tuple[Borrowed, bool]] = {}
    recommended: list[Borrowed] = []
    alternatives: list[Borrowed] = []
    for option in brief.get("options", []):
        title = Borrowed(option["title"], _own_or_matching(option, evidence, option["title"]))
        is_rec = bool(option.get("recommended")) or option["id"] == brief.get("recommended_option")
        options[str(option["id"])] = (title, is_rec)
        (recommended if is_rec else alternatives).append(title)
    findings = [Borrowed(f["title"], _own_or_matching(f, evidence, f["message"]))
                for f in brief.get("findings", [])]
    rules = [Borrowed(f"`{f['rule']}`", _own_or_matching(f, evidence, f["rule"]))
             for f in brief.get("findings", []) if f.get("rule")]
    figures = [Figure(fig["label"], str(fig["value"]), str(fig.get("source", "")),
                      _stating(fig, evidence)) for fig in brief.get("figures", [])]
    verdict = str(brief.get("verdict", ""))
    return Vocabulary(
        verdict=verdict,
        approving=verdict.strip().lower().startswith(_APPROVING),
        evidence=evidence,
        recommended=recommended,
        alternatives=alternatives,
        options=options,
        findings=findings,
        rules=_unique(rules),
        severities=sorted({str(f.get("severity", "")) for f in brief.get("findings", [])} - {""}),
        resources=_unique([Borrowed(f"`{m}`", _cites_for(m, evidence))
                           for text in evidence.values() for m in _RESOURCE.findall(text)]),
        paths=_unique([Borrowed(f"`{m}`", _cites_for(m, evidence))
                       for text in evidence.values() for m in _PATH.findall(text)]),
        figures=figures,
        facts=_facts(evidence),
        all_text=all_text,
        numbers=frozenset(re.findall(r"\d+(?:\.\d+)?", all_text)),
    )


def option_of_part(part: str, vocab: Vocabulary) -> tuple[Borrowed, bool] | None:
    """The option a part talks about, when its name carries the option's id."""
    for option_id in sorted(vocab.options, key=len, reverse=True):
        if re.search(rf"(?<![\w]){re.escape(option_id)}(?![\w])", part):
            return vocab.options[option_id]
    return None


def related_evidence(part: str, vocab: Vocabulary) -> list[str]:
    """Evidence ids a writer would draw on for a part: its option's items, else the items
    whose ids share the part name's most specific word."""
    option = option_of_part(part, vocab)
    if option:
        return list(option[0].cites)
    words = [w.lower() for w in re.split(r"[^A-Za-z0-9.]+", part) if len(w) > 2]
    words += [alias for w in words for alias in _PART_ALIASES.get(w, ())]
    matches = [[eid for eid in vocab.evidence if word in eid.lower()] for word in words]
    matches = [ids for ids in matches if ids]
    return min(matches, key=len) if matches else []


def _facts(evidence: dict[str, str]) -> list[Borrowed]:
    """Short statements from the first sentences of each item, ready to embed mid-sentence."""
    out = []
    for eid, text in evidence.items():
        for sentence in prose.sentences(prose.strip_bold(text))[:2]:
            fact = _message(sentence)
            if 4 <= len(fact.split()) <= 22 and (fact[0].isalnum() or fact[0] == "`"):
                out.append(Borrowed(prose.lower_first(prose.clause(prose.resolve_plurals(fact))),
                                    (eid,)))
    return out


def _message(sentence: str) -> str:
    """The statement after a long 'label: ' lead-in ("`RULE` (error) Title: message"); a short
    'Cost: ...' pair is no statement and gives nothing."""
    halves = prose.split_once(sentence, ": ")
    if not halves:
        return sentence
    label, rest = halves
    if len(label.split()) < 3 or len(rest.split()) < 4 or prose.split_once(rest, ": "):
        return ""
    return rest


def _brief_strings(brief: dict[str, Any]) -> list[str]:
    out = [str(brief.get("verdict", ""))]
    for key in ("options", "findings", "figures", "assumptions"):
        for item in brief.get(key, []):
            out += [str(v) for v in item.values()]
    return out


def _own_or_matching(item: dict[str, Any], evidence: dict[str, str], text: str) -> tuple[str, ...]:
    own = str(item.get("id", ""))
    matching = _cites_for(text, evidence)
    return ((own,) if own in evidence else ()) + tuple(e for e in matching if e != own)


def _stating(figure: dict[str, Any], evidence: dict[str, str]) -> tuple[str, ...]:
    """Evidence ids whose text holds both the figure's value and its label."""
    value, label = prose.plain(str(figure["value"])), prose.plain(str(figure["label"]))
    return tuple(eid for eid in _own_or_matching(figure, evidence, figure["label"])
                 if value in prose.plain(evidence[eid]) and label in prose.plain(evidence[eid]))


def _cites_for(text: str, evidence: dict[str, str]) -> tuple[str, ...]:
    """Evidence ids whose text contains `text`, else the ones sharing most of its words."""
    needle = prose.plain(text).lower()
    exact = tuple(eid for eid, body in evidence.items()
                  if needle and needle in prose.plain(body).lower())
    if exact:
        return exact[:3]
    words = set(_WORD.findall(needle))
    if not words:
        return ()
    scored = sorted(((len(words & set(_WORD.findall(prose.plain(body).lower()))) / len(words), eid)
                     for eid, body in evidence.items()), key=lambda pair: -pair[0])
    return tuple(eid for score, eid in scored[:2] if score >= 0.5)


def _unique(items: list[Borrowed]) -> list[Borrowed]:
    seen: dict[str, Borrowed] = {}
    for item in items:
        seen.setdefault(item.text, item)
    return list(seen.values())
