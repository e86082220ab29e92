"""The grounding guard: a written point is shown only if the evidence it cites supports it.

A point (one sentence) passes when
* it cites one to `MAX_CITES` evidence items that exist;
* every plain content word (all but the closed `FUNCTION_WORDS`) appears, in some form, in a
  cited item; every name, `code` span and quoted title is copied from one; every number is a
  cited value, and numbers, ratings and comparatives qualify the word their item has them
  qualify (`2 replicas`, `low risk`), not another;
* every claim it makes (verdict, recommendation, instruction, proposal, denial, measurement,
  comparison, rating; see `claims.py`) restates one cited item that makes that claim: the
  clause making it uses only that item's words, says what it is about, and negates what the
  item negates. Only Aria's verdict item judges the change, only its recommendation (and the
  recommended option) may be restated as an instruction, and only measurement items report a
  measurement. A clause copied word for word from one of a cited item's own clauses restates
  it whatever it claims, save an instruction or a proposal (`Low if the floor is measured`);
* it holds nothing but prose: no markup, links, HTML or mentions, and no symbol its cited
  evidence does not use.

The unit accepted or rejected is a point: one sentence with its own cites. A point that fails is
left out whole, never repaired; the other points of its part keep their order. A point whose
meaning leans on the one before it (it opens on a pronoun or a connective that refers back:
`It …`, `That option …`, `However, …`) stands or falls with that point and must cite some of
its evidence; a part cannot open on one. Nothing the writer sends can reach the verdict, the
options, the findings or the figures: the answer has no field for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast, get_args

from pydantic import BaseModel, Field

from bot.decision.model import ExplainedPoint, Explanation
from bot.narrative.claims import (
    CONTENT,
    CUES,
    Claim,
    about,
    claims_of,
    clauses,
    sentence_claims,
)
from bot.narrative.evidence import Evidence, EvidenceItem
from bot.narrative.reference import borrows, leans_back, statements
from bot.narrative.schema import Narrative, WrittenPoint
from bot.narrative.words import META, Token, normalise_phrase, stems, tokenize, word_set

MAX_CITES = 4
MAX_POINTS = 8
MAX_SENTENCE_CHARS = 320
ROLE_WORDS = 3  # how many words next to a value, in its item, may be what it qualifies

_CODE = re.compile(r"`[^`]*`")
_NOT_PROSE = re.compile(r"[^\w\s.,;:()'\"’‘“”/%$+=\-–—]")
_SENTENCE_BREAK = re.compile(r"(?<=[.])\s+(?=[A-Z“\"`])")
# Claims an item makes by its wording (a finding can deny, compare or rate); instructions,
# proposals and measurements only where Aria marks the item as making them (`makes`).
_BY_WORDING: frozenset[Claim] = frozenset({"denial", "comparison", "rating", "verdict",
                                           "recommendation"})
# Words a claim must share with the item it restates besides its claim words: `Aria recommends
# it` says nothing of what it recommends. A rating needs none (`This finding is an error`).
MIN_ABOUT: dict[Claim, int] = {"rating": 0}


class Rejection(BaseModel):
    part: str
    point: int | None = None  # its number in the part, from 1; None: the whole part
    reasons: list[str]


@dataclass(frozen=True)
class Checked:
    problems: list[str]
    opening: frozenset[str] = frozenset()  # the cited items that hold its first statement


class Guarded(BaseModel):
    accepted: list[Explanation] = Field(default_factory=list)
    rejections: list[Rejection] = Field(default_factory=list)
    offered: dict[str, int] = Field(default_factory=dict, description="points offered per part")


def _key(value: float) -> float:
    return round(value, 6)


def _values(token: Token) -> set[float]:
    return {_key(token.value), _key(token.value / 100)} if token.percent else {_key(token.value)}


@dataclass(frozen=True)
class _Item:
    """What one evidence item lets a sentence say."""

    id: str
    text: str  # lower-cased, for names and quoted phrases
    phrases: str  # normalised, for quoted titles and code spans
    stems: frozenset[str]
    tokens: tuple[Token, ...]
    claims: frozenset[Claim]
    symbols: frozenset[str]  # characters beyond plain prose that its own text uses (`×`, `…`)
    clauses: frozenset[tuple[str, ...]]  # its clauses word for word, as `_verbatim` reads them
    whole: tuple[Token, ...]  # the words a restatement of its claim must all carry
    named: frozenset[str]  # stems of what a sentence may call it (`the fix` for a recommendation)

    @classmethod
    def of(cls, item: EvidenceItem) -> _Item:
        tokens = tuple(tokenize(item.text))
        worded = frozenset(claims_of(list(tokens))) & _BY_WORDING
        marked = frozenset(cast(Claim, c) for c in item.makes if c in get_args(Claim))
        return cls(item.id, item.text.lower(), normalise_phrase(item.text),
                   frozenset(s for t in tokens for w in (t, *t.parts) for s in w.stems), tokens,
                   worded | marked, frozenset(_NOT_PROSE.findall(_CODE.sub(" ", item.text))),
                   frozenset(_verbatim(c) for sentence in _SENTENCE_BREAK.split(item.text)
                             for c in clauses(tokenize(sentence))),
                   tuple(t for t in tokenize(item.whole) if t.kind in ("word", "compound")),
                   frozenset(s for w in _NAMED.get(item.kind, ()) for s in stems(w))
                   | (_CUED if "recommendation" in worded | marked else frozenset()))

    def quotes(self, clause: list[Token], claim: Claim) -> bool:
        """The clause is one of this item's own, word for word (`if the floor is measured`),
        and says what its claim is about (not a bare `, measured`)."""
        return _verbatim(clause) in self.clauses and _says_what(clause, claim)

    def has_word(self, token: Token) -> bool:
        return bool(token.stems & (self.stems | self.named))

    def has_name(self, name: str) -> bool:
        needle = name.lower()
        variants = {needle, needle.removesuffix("s")} if len(needle) > 3 else {needle}
        return any(_has_token(self.text, v) for v in variants)

    def has_phrase(self, phrase: str) -> bool:
        return _has_token(self.phrases, normalise_phrase(phrase))

    def positions(self, token: Token) -> list[int]:
        """Where this item has the value of a number, or the word a word stems from."""
        if token.kind == "number":
            wanted = _values(token)
            return [i for i, t in enumerate(self.tokens)
                    if t.kind == "number" and _values(t) & wanted]
        return [i for i, t in enumerate(self.tokens) if _same(token, t)]

    def has_value(self, token: Token) -> bool:
        return bool(self.positions(token))

    def qualifies(self, value: Token, word: Token) -> bool:
        """`word` is what `value` (a number, a rating, a comparison) qualifies in this item: one
        of the words next to it, before or after, within its clause (`2 new findings and 5
        warnings`: `5` counts only warnings; `Complexity: Low … Risk: High`: low is not risk)."""
        for p in self.positions(value):
            near = self._content(p, 1) + self._content(p, -1)
            if any(_same(word, t) for t in near):
                return True
        return False

    def _content(self, p: int, step: int) -> list[Token]:
        out: list[Token] = []
        i = p + step
        while 0 <= i < len(self.tokens) and len(out) < ROLE_WORDS:
            t = self.tokens[i]
            if t.text in _LISTS or (t.kind == "break" and step > 0):
                break
            if t.kind in _NAMING:
                out.append(t)
            i += step
        return out

    def restates(self, tokens: list[Token], claim: Claim) -> bool:
        """The clause is this item's claim in its words: every word comes from this item, some
        of them (`MIN_ABOUT`) say what the claim is about, its numbers and ratings qualify what
        they qualify here, and a negation negates what the item negates (`no
        PodDisruptionBudget`, not `no findings`)."""
        return (all(self.supports(t) for t in tokens) and _says_what(tokens, claim)
                and all(self.qualifies(value, what) for value, what in qualified(tokens))
                and (claim != "denial" or self._same_negation(tokens)))

    def names_whole(self, clause: list[Token]) -> bool:
        """The clause names all of the item's name for its claim: `the change can be approved`
        drops the follow-ups of `Approve with follow-ups`."""
        words = [w for t in clause for w in (t, *t.parts)]
        return all(any(w.stems & n.stems for w in words)
                   for t in self.whole for n in (t.parts or (t,)))

    def _same_negation(self, tokens: list[Token]) -> bool:
        mine = [self._content(p, 1) + self._labelled(p) for p, t in enumerate(self.tokens)
                if _negates(t)]
        for p, t in enumerate(tokens):
            if not _negates(t):
                continue
            # what it negates is a thing, not a count: `none of the 1 GPU pools` negates GPU
            negated = next((w for w in tokens[p + 1:p + 4] if w.kind in CONTENT
                            and w.kind != "number" or w.text in META), None)
            if negated is not None and not any(_same(negated, w) for near in mine
                                               for w in near):
                return False
        return True

    def _labelled(self, p: int) -> list[Token]:
        """The label a value right after its colon stands for (`Cost: None` negates cost)."""
        colon = p > 0 and self.tokens[p - 1].kind == "break" and self.tokens[p - 1].text == ":"
        return self._content(p, -1)[:1] if colon else []

    def holds(self, tokens: list[Token]) -> bool:
        """Every word, name, number and title of a statement is in this item, and its numbers
        and ratings qualify what they qualify here."""
        return (all(self.supports(t) for t in tokens)
                and all(self.qualifies(value, what) for value, what in qualified(tokens)))

    def supports(self, t: Token) -> bool:
        if t.kind == "word":
            return self.has_word(t)
        if t.kind == "name":
            return self.has_name(t.text)
        if t.kind == "compound":
            return self.has_name(t.text) or all(self.has_word(p) for p in t.parts
                                                if p.kind == "word")
        if t.kind == "number":
            return self.has_value(t)
        if t.kind in ("code", "quote"):
            return self.has_phrase(t.text)
        return True


# What a sentence may call an item of each kind beside `META`'s general names: a recommendation
# is a fix or a suggestion whatever its words. An item that recommends lends the words that say
# so (`suggested`, `preferred`); no other claim's words are lent, since a verdict must be named
# whole and ratings, denials, comparisons and measurements carry values.
_NAMED: dict[str, frozenset[str]] = {
    "recommendation": word_set("fix suggestion advice remedy remediation"),
    "option": word_set("alternative approach"),
    "rationale": word_set("reason rationale"),
    "finding": word_set("issue problem"),
}
_CUED = frozenset(s for w in CUES["recommendation"] for s in stems(w))
_NAMING = ("word", "compound", "name", "code")  # what a value may qualify in its item
_LISTS = ("and", "or")  # a value qualifies words on its own side of these
_WORDS = ("word", "compound", "name")
# Adjectives that, like a number, say something of the word next to them (`low risk`, `lowest
# cost`): the ratings and comparatives, not the nouns (`warnings`) or connectives (`than`).
_QUALIFIERS = word_set("""
    low medium high minor major critical severe trivial serious cosmetic
""") | (CUES["comparison"] - word_set("than rather instead versus vs compared comparison unlike"))


# Claims a clause may make by copying one of a cited item's clauses word for word: the writer
# adds nothing to Aria's text (`Low if the floor is measured` reports no measurement). Not an
# instruction or a proposal: whom a clause tells to act depends on where it stands, not on its
# words (an option's own `Keep one replica` is a flip when stated bare).
_QUOTABLE: frozenset[Claim] = _BY_WORDING | {"measurement"}


def _says_what(tokens: list[Token], claim: Claim) -> bool:
    return len(about(tokens)) >= MIN_ABOUT.get(claim, 1)


def _verbatim(clause: list[Token]) -> tuple[str, ...]:
    return tuple(t.text.lower() for t in clause)


def _negates(t: Token) -> bool:
    return t.kind == "word" and not t.quoted and t.text in CUES["denial"]


def _same(a: Token, b: Token) -> bool:
    if a.kind == "word":
        return bool(a.stems & b.stems)
    return a.text.lower() == b.text.lower()


def _has_token(haystack: str, needle: str) -> bool:
    if not needle:
        return True
    pattern = r"(?<![a-z0-9_-])" + re.escape(needle) + r"(?![a-z0-9_-])"
    return re.search(pattern, haystack) is not None


class SentenceChecker:
    """Checks sentences against one decision's evidence."""

    def __init__(self, evidence: Evidence) -> None:
        self.items = {i.id: _Item.of(i) for i in evidence.items}

    def problems(self, text: str, cites: list[str]) -> list[str]:
        """Why a one-sentence point may not be shown; empty when it may."""
        return self.check(text, cites).problems

    def check(self, text: str, cites: list[str]) -> Checked:
        text = " ".join(text.split())
        if not text:
            return Checked(["empty"])
        if len(text) > MAX_SENTENCE_CHARS:
            return Checked([f"longer than {MAX_SENTENCE_CHARS} characters"])
        unknown = [c for c in cites if c not in self.items]
        if unknown or not cites or len(set(cites)) > MAX_CITES:
            return Checked([f"must cite one to {MAX_CITES} evidence ids that exist"])
        cited = [self.items[c] for c in dict.fromkeys(cites)]
        allowed = frozenset().union(*(i.symbols for i in cited))
        odd = sorted(set(_NOT_PROSE.findall(_CODE.sub(" ", text))) - allowed)
        if odd or text.count("`") % 2:
            return Checked(["holds markup or symbols that are not prose: "
                            + " ".join(odd or ["`"])])
        if len(_SENTENCE_BREAK.split(text)) > 1:
            return Checked(["holds more than one sentence"])
        problems = self._sentence(tokenize(text), cited)
        opening, unbound = self._statements(text, cited)
        return Checked(problems or unbound, opening)

    def _statements(self, text: str, cited: list[_Item]) -> tuple[frozenset[str], list[str]]:
        """Each statement restates one cited item, and one that borrows its subject from the
        statement before restates the same item: facts keep the subject, label and number
        their item binds them to, and no statement relates items. Returns the items that hold
        the first statement, and the problems."""
        out: list[str] = []
        held: list[frozenset[str]] = []
        for n, statement in enumerate(statements(text), 1):
            tokens = tokenize(statement)
            holders = frozenset(i.id for i in cited if i.holds(tokens))
            if held and borrows(statement):
                holders &= held[-1]
                if not holders:
                    out.append(f"statement {n} leans on the one before it for its subject, "
                               f"predicate or link, but no single cited item holds both")
            elif not holders:
                out.append(f"statement {n} joins what several items say; no single cited "
                           f"item holds all of it")
            held.append(holders)
        return (held[0] if held else frozenset()), out

    def _sentence(self, tokens: list[Token], cited: list[_Item]) -> list[str]:
        out = [_unsupported(t) for t in tokens if not any(i.supports(t) for i in cited)]
        if not any(t.kind in ("word", "compound", "name", "number") and not t.quoted
                   for t in tokens):
            out.append("says nothing outside quotes and code")
        out += self._roles(tokens, cited)
        for claim, clause in sentence_claims(tokens):
            sources = [i for i in cited if claim in i.claims]
            if claim in _QUOTABLE and any(i.quotes(clause, claim) for i in cited):
                continue
            if not sources:
                out.append(f"makes a {claim} claim that none of its cited items makes")
            elif not any(i.restates(clause, claim) for i in sources):
                out.append(f"makes a {claim} claim that no single cited item making it makes "
                           f"about the same things ({', '.join(i.id for i in sources)})")
        # A verdict is named whole in its own clause, even one read with the whole sentence
        # (`…, so it can be approved as it is` beside `Approve with follow-ups`).
        verdicts = [i for i in cited if "verdict" in i.claims]
        for clause in clauses(tokens):
            if ("verdict" in claims_of(clause) and verdicts
                    and not any(i.names_whole(clause) for i in verdicts)):
                out.append("names only part of the verdict it restates ("
                           + ", ".join(i.id for i in verdicts) + ")")
        return out

    def _roles(self, tokens: list[Token], cited: list[_Item]) -> list[str]:
        """Numbers, ratings and comparisons qualify what the evidence has them qualify."""
        return [f"{value.text!r} qualifies {what.text!r}, which its evidence does not"
                for value, what in qualified(tokens)
                if not any(i.qualifies(value, what) for i in cited)]


def qualified(tokens: list[Token]) -> list[tuple[Token, Token]]:
    """(number or rating or comparative, the word it qualifies) in a sentence: the next word
    within its clause, or for a rating or comparative at a clause's end the last word before it
    outside quoted titles (`The risk of “Pin a tag and its digest” is low` rates the risk, not
    the digest)."""
    out = []
    for n, t in enumerate(tokens):
        if t.quoted or not (t.kind == "number" or t.text in _QUALIFIERS):
            continue
        after = _neighbours(tokens, n, 1)
        what = after[0] if after else (_subject_before(tokens, n) if t.kind != "number"
                                        else None)
        if what is not None:
            out.append((t, what))
    return out


def _subject_before(tokens: list[Token], n: int) -> Token | None:
    """The last plain word before `tokens[n]` within its clause, past function words and titles."""
    for i in range(n - 1, -1, -1):
        t = tokens[i]
        if t.quoted or t.kind == "quote":
            continue
        if t.comma or t.aside or t.kind == "break" or t.text in _LISTS:
            return None
        if t.kind in _WORDS:
            return t
    return None


def _neighbours(tokens: list[Token], n: int, step: int) -> list[Token]:
    """Up to two words next to `tokens[n]` on one side, within its clause: not across a comma,
    a break, a parenthesis or `and`/`or` (as an item's `_content` reads it: in `equal or
    better`, `better` does not qualify `equal`; in `4 (default)`, `4` does not count defaults)."""
    out: list[Token] = []
    i = n
    while len(out) < 2 and 0 <= i + step < len(tokens):
        left, right = (tokens[i], tokens[i + step]) if step > 0 else (tokens[i + step], tokens[i])
        if (left.comma or left.aside or right.kind == "break" or left.kind == "break"
                or tokens[i + step].text in _LISTS):
            break
        i += step
        out.append(tokens[i])
    return [t for t in out if t.kind in _WORDS]


def _unsupported(t: Token) -> str:
    what = {"word": "word", "compound": "word", "name": "name", "number": "number",
            "code": "`code`", "quote": "quoted title"}[t.kind]
    return f"{what} {t.text!r} is not in the cited evidence"


def guard(evidence: Evidence, narrative: Narrative) -> Guarded:
    checker = SentenceChecker(evidence)
    names = [p.name for p in evidence.parts]
    result = Guarded()
    seen: set[str] = set()
    for written in narrative.parts:
        if written.part not in names or written.part in seen:
            # the answer's part name is not repeated: it is text a model chose
            result.rejections.append(Rejection(part="a part the review does not have",
                                               reasons=["unknown or repeated part"]))
            continue
        seen.add(written.part)
        result.offered[written.part] = len(written.points)
        kept: list[ExplainedPoint] = []
        subject = set(next(p.subject for p in evidence.parts if p.name == written.part))
        rationale = {i.id for i in evidence.items if i.id in subject and i.kind == "rationale"}
        for n, reasons in enumerate(_point_problems(checker, written.points, subject, rationale),
                                    1):
            point = written.points[n - 1]
            if reasons:
                result.rejections.append(Rejection(part=written.part, point=n, reasons=reasons))
            else:
                kept.append(ExplainedPoint(text=" ".join(point.text.split()),
                                           cites=list(dict.fromkeys(point.cites))))
        if kept:
            result.accepted.append(Explanation(part=written.part, points=kept))
    order = {name: i for i, name in enumerate(names)}
    result.accepted.sort(key=lambda e: order[e.part])
    return result


def _point_problems(checker: SentenceChecker, points: list[WrittenPoint],
                    subject: set[str], rationale: set[str]) -> list[list[str]]:
    """Why each point may not be shown. A point that leans on the one before it (`It …`,
    `However, …`) stands or falls with it, and cites some of its evidence. The first point of
    a part has the part's heading before it: its pronoun may stand for the part's own subject
    (`Why it matters: …` under a decision) when it cites only items about that subject. Any
    point may say why the part's decision matters that way, citing only its rationale: what
    `it` matters for cannot change what the rationale says."""
    out: list[list[str]] = []
    for n, point in enumerate(points, 1):
        if n > MAX_POINTS:
            out.append([f"beyond the {MAX_POINTS} points a part may have"])
            continue
        checked = checker.check(point.text, point.cites)
        reasons = list(checked.problems)
        if leans_back(point.text) and not (point.cites and set(point.cites) <= rationale):
            if n == 1:
                if not (point.cites and set(point.cites) <= subject):
                    reasons.append("leans on a point before it, and there is none")
            elif out[-1]:
                reasons.append(f"leans on point {n - 1}, which was left out")
            elif not checked.opening & set(points[n - 2].cites):
                reasons.append(f"leans on point {n - 1}, but no item that point cites holds "
                               f"what it says")
        out.append(reasons)
    return out
