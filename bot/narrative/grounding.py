"""What a sentence may mention: the numbers and names in a decision model's evidence.

Numbers are compared by value, so `1,000`, `1000` and `1k` are one number, and `98%` matches a
`0.98` read from a config. Names (identifiers, paths, rule ids, model names, proper nouns) are
looked up as whole tokens in the evidence text, so `model-load` does not pass on the strength of
`model-loader`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from bot.decision.model import Decision
from bot.findings import Location

_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)(?P<mul>[kKMB](?![A-Za-z]))?")
_MULTIPLIER = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1e3, "million": 1e6,
    "billion": 1e9, "dozen": 12, "half": 0.5, "halve": 0.5, "halves": 0.5, "halved": 0.5,
    "twice": 2, "double": 2, "doubles": 2, "doubled": 2, "triple": 3, "triples": 3,
    "tripled": 3, "quadruple": 4,
}
_WRAP = "()[]{}\"'“”‘’,;:!?*_…"
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "cf"}
_INITIAL_AFTER = (".", ":", "!", "?", "✅", "—", "–", "-")
_GENERIC = ("PR", "CI", "ADR", "SLO", "GPU", "CPU")  # words any review may use


@dataclass(frozen=True)
class Token:
    kind: str  # "number" or "name"
    text: str
    value: float = 0.0
    percent: bool = False


def _numbers_in(text: str, percent: bool) -> Iterator[Token]:
    for m in _NUMBER.finditer(text):
        value = float(m.group("num").replace(",", "")) * _MULTIPLIER.get(m.group("mul") or "", 1)
        yield Token("number", m.group(0), value, percent)


def _name_shaped(word: str, initial: bool) -> bool:
    if any(c.isdigit() for c in word) or any(c in word[1:-1] for c in "/._:@-"):
        return True
    if len(word) > 1 and (word.isupper() or any(c.isupper() for c in word[1:])):
        return True  # GPU, ClusterRole, vLLM
    return word[:1].isupper() and not initial  # a proper noun mid-sentence: Llama, Azure


def tokens(text: str) -> Iterator[Token]:
    """The numbers and names a sentence mentions, outside `code` spans (checked whole)."""
    words = text.replace("**", " ").split()
    for i, raw in enumerate(words):
        word = raw.strip(_WRAP).removesuffix("'s").removesuffix("’s").rstrip(".").strip(_WRAP)
        if not word or word.lower() in _ABBREVIATIONS:
            continue
        initial = i == 0 or words[i - 1].endswith(_INITIAL_AFTER)
        body = word.lstrip("$€£~≈+-")  # a price or an approximate figure is still a number
        if body[:1].isdigit() or (body[:1] == "." and body[1:2].isdigit()):
            yield from _numbers_in(body, "%" in body or _next_is(words, i, "percent"))
        elif word.lower() in _WORDS and not (word.lower() == "one" and _next_is(words, i, "of")):
            yield Token("number", word, _WORDS[word.lower()])
        elif any(c.isalpha() for c in word) and _name_shaped(word, initial):
            yield Token("name", word)


def _next_is(words: list[str], i: int, expected: str) -> bool:
    return i + 1 < len(words) and words[i + 1].strip(_WRAP).lower() == expected


def _key(value: float) -> float:
    return round(value, 6)


@dataclass(frozen=True)
class Grounding:
    """The evidence of one decision: every number and name a written part may mention."""

    numbers: frozenset[float]
    measured: frozenset[float]
    text: str  # lower-cased evidence text, where names are looked up
    vocabulary: str  # the rule catalog's own prose: domain words, never figures

    @classmethod
    def of(cls, decision: Decision) -> Grounding:
        texts, values, measured = _evidence(decision)
        numbers = {_key(v) for v in values}
        for text in texts:
            for t in tokens(text):
                if t.kind == "number":  # `25%` read from a config also grounds `0.25`
                    numbers.update({_key(t.value), _key(t.value / 100)} if t.percent
                                   else {_key(t.value)})
        return cls(frozenset(numbers), frozenset(_key(v) for v in measured),
                   "\n".join(texts).lower(), _catalog_vocabulary())

    def knows_number(self, token: Token, measured_only: bool = False) -> bool:
        pool = self.measured if measured_only else self.numbers
        candidates = {token.value}
        if token.percent:
            candidates.add(token.value / 100)
        return any(_key(c) in pool for c in candidates)

    def knows_name(self, name: str) -> bool:
        needle = name.lower()
        variants = {needle, needle.removesuffix("s")} if len(needle) > 3 else {needle}
        return any(_has_token(haystack, v) for v in variants
                   for haystack in (self.text, self.vocabulary))

    def knows_phrase(self, phrase: str) -> bool:
        """A `code` span: the whole phrase must be quoted from the evidence."""
        return _has_token(self.text, " ".join(phrase.split()).lower())


def _has_token(haystack: str, needle: str) -> bool:
    if not needle:
        return True
    pattern = r"(?<![a-z0-9_-])" + re.escape(needle) + r"(?![a-z0-9_-])"
    return re.search(pattern, haystack) is not None


def _evidence(decision: Decision) -> tuple[list[str], list[float], list[float]]:
    """Texts and numeric values of the decision's evidence.

    Line numbers count only as part of `path:line`, so a bare `82` is not grounded by a line 82;
    the title (a PR author's words) and the date are not evidence.
    """
    texts = [decision.recommendation, decision.context, *decision.consequences,
             *decision.next_steps, *decision.notes, *(a.text for a in decision.assumptions),
             decision.base or "", decision.head or ""]
    values: list[float] = [decision.files_reviewed, decision.counts.total,
                           decision.counts.suppressed, *decision.counts.by_severity.values(),
                           *decision.counts.by_status.values(),
                           *decision.counts.by_family.values()]
    for f in decision.findings:
        texts += [f.rule_id, f.title, f.message, f.subject, f.detail, _where(f.location)]
        for e in f.evidence:
            texts += [e.label, str(e.value), e.unit or "", _where(e.location)]
            values += _loose_numbers(e.value)
    for p in decision.decision_points:
        texts += [p.rule_id, p.title, p.question, p.why, *map(_where, p.locations)]
        for o in p.options:
            texts += [o.title, o.summary, o.cost, o.latency, o.complexity, o.risk]
    for r in decision.risks:
        texts += [r.kind, r.text, _where(r.location)]
    for fig in decision.figures:
        texts += [fig.label, str(fig.value), fig.unit or "", fig.source]
        values += _loose_numbers(fig.value)
    measured: list[float] = []
    for leaf in _leaves([m.model_dump(mode="json") for m in decision.measurements]):
        texts.append(str(leaf))
        measured += _loose_numbers(leaf)
    return texts, values + measured, measured


def _where(location: Location | None) -> str:
    return str(location) if location else ""


def _loose_numbers(value: object) -> list[float]:
    """Numbers in a value read from a file, also inside flags like `--x=0.98`."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)] if math.isfinite(value) else []
    return [t.value for t in _numbers_in(str(value), False)]


def _leaves(node: object) -> Iterator[object]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from _leaves(v)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _leaves(v)
    else:
        yield node


@lru_cache(maxsize=1)
def _catalog_vocabulary() -> str:
    """Domain words (`PodDisruptionBudget`, `scale-out`, `KEDA`) from Aria's own rule packs.

    Only names are looked up here: numbers in the catalog are not evidence for this decision.
    """
    from bot.catalog import load_catalog
    parts: list[str] = []
    for rule in load_catalog():
        parts += [rule.title, rule.why, *rule.next_steps]
        for o in rule.options:
            parts += [o.title, o.summary, *o.tradeoffs.model_dump().values()]
    return "\n".join(str(p) for p in [*parts, *_GENERIC]).lower()
