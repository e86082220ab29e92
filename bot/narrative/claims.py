"""The kinds of claim a sentence can make beyond describing what its evidence describes.

A description may combine its evidence; a claim may not. A sentence that judges the change
(verdict), prefers an option (recommendation), tells someone what to do (instruction), denies
(denial), reports a measurement, compares, or rates severity or status must restate a claim that
one of its cited items makes (see `guard.py`).

Each kind is recognised by closed grammatical classes (negators, modals, second-person pronouns,
comparative forms) plus the few evaluative words of each kind. That is enough because the guard
first requires every content word to come from the cited evidence: a claim worded outside the
evidence's own vocabulary fails on that alone, so these lists only need the claim words Aria's
evidence itself can contain (its rule catalog and decision templates).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from bot.narrative.words import FUNCTION_WORDS, Token, tokenize, word_set

Claim = Literal["verdict", "recommendation", "instruction", "denial", "measurement",
                "comparison", "rating"]

CUES: dict[Claim, frozenset[str]] = {
    "denial": word_set("""
        not no never none nothing nobody nowhere neither nor without lack lacks lacking absent
    """),
    "comparison": word_set("""
        than more less fewer fewest most least better best worse worst rather instead versus vs
        compared comparison unlike superior inferior outperform outperforms cheaper cheapest
        costlier faster fastest slower slowest lower lowest higher highest safer safest smaller
        smallest larger largest bigger biggest greater greatest longer longest shorter shortest
        simpler simplest easier easiest harder hardest stronger strongest weaker weakest riskier
        riskiest heavier lighter quicker wider narrower tighter looser broader
    """),
    "recommendation": word_set("""
        recommend recommends recommended recommending recommendation recommendations prefer prefers
        preferred preferring preferable preference advise advises advised advisable suggest
        suggests suggested suggestion favour favours favoured favor favors favored choose chooses
        chose chosen choice pick picks picked opt opts opted ideal optimal wise should ought must
    """),
    "verdict": word_set("""
        approve approves approved approving approval lgtm merge merges merged merging mergeable
        ship ships shipped shipping shippable reject rejects rejected rejection verdict safe safely
        fine ready ok okay acceptable harmless good
    """),
    "rating": word_set("""
        error errors warning warnings note notes critical severe severity minor major trivial low
        medium high serious cosmetic nit fixed fixes resolved unchanged existing preexisting
        already
    """),
    "measurement": word_set("""
        test tests tested testing measure measured measures measuring measurement measurements
        benchmark benchmarks benchmarked benchmarking profile profiled profiling observe observed
        observation observations confirm confirms confirmed confirming verify verified verifies
        show shows showed shown found saw seen reported recorded demonstrate demonstrates
        demonstrated proved proven reveal reveals revealed indicate indicates indicated experiment
        experiments
    """),
}
SECOND_PERSON = word_set("""
    you your yours yourself yourselves please
""")
# Words between a clause's start and its verb that do not make it a statement: `Then run …`.
_LEADING = word_set("""
    then so now just simply first next finally also and but therefore always immediately kindly
""")
# What an imperative's object starts with: `Keep one replica`, `Drain every node`.
_OBJECT_START = word_set("""
    the a an this these those it them every each all any some its their our your my his her no both
    nothing everything
""")
_FINITE = word_set("""
    is are was were has have had does did can could may might will would shall must should
""")


@lru_cache(maxsize=1)
def imperative_verbs() -> frozenset[str]:
    """Verbs Aria's rule catalog starts its instructions with (`Run at`, `Keep one`, `Scale to`).

    A first word counts when its object follows at once (a determiner, number, `code`, or a
    preposition), so noun-led titles (`Gateway API …`, `Replica count …`) add nothing.
    """
    from bot.checks.catalog import load_catalog
    texts: list[str] = []
    for rule in load_catalog():
        texts += [*rule.next_steps, *(o.title for o in rule.options)]
        for o in rule.options:
            texts += o.summary.split(". ")
    out = set()
    for text in texts:
        tokens = [t for t in tokenize(text) if t.kind != "break"]
        if len(tokens) < 2 or tokens[0].kind != "word" or _inflected(tokens[0].text):
            continue
        if tokens[1].text in _OBJECT_START or tokens[1].kind in ("number", "code", "function"):
            out.add(tokens[0].text)
    return frozenset(out - {w for cues in CUES.values() for w in cues})


def _inflected(word: str) -> bool:
    return word.endswith(("ing", "ed", "s", "ly"))


def claims_of(tokens: list[Token]) -> set[Claim]:
    """Kinds of claim in a sentence; quoted titles and code spans are names, not claims."""
    found: set[Claim] = set()
    words = [w for t in tokens if not t.quoted
             for w in (t.parts if t.kind == "compound" else (t,))
             if w.kind in ("word", "function")]
    for i, t in enumerate(words):
        after_at = i > 0 and words[i - 1].text == "at"  # `at least two` is a count
        for kind, cues in CUES.items():
            if t.text in cues and not (after_at and t.text in ("least", "most")):
                found.add(kind)
        if t.text in SECOND_PERSON:
            found.add("instruction")
        if t.text == "changes" and i > 0 and words[i - 1].text.startswith("request"):
            found.add("verdict")
    if _imperative(tokens):
        found.add("instruction")
    return found


def _imperative(tokens: list[Token]) -> bool:
    """A clause that starts with a verb and no subject: `Keep one replica`, `Skip this check`."""
    starts = [0] + [i + 1 for i, t in enumerate(tokens) if t.kind == "break"]
    for start in starts:
        clause = [t for t in tokens[start:] if not t.quoted or t.kind == "quote"]
        while clause and clause[0].text in _LEADING:
            clause = clause[1:]
        if len(clause) >= 2 and _verb_first(clause[0], clause[1]):
            return True
    return False


def _verb_first(first: Token, second: Token) -> bool:
    if first.kind != "word" and first.text not in ("do", "never"):
        return False
    if first.text in ("do", "never", "let"):
        return second.text in ("not", "us") or second.kind == "word"
    if second.kind == "break" or second.text in _FINITE:
        return False
    if first.text in imperative_verbs() and not (second.kind == "word"
                                                 and second.text.endswith("s")):
        return True
    bare = not _inflected(first.text)
    takes_object = second.text in _OBJECT_START or second.kind in ("number", "code", "quote",
                                                                   "name")
    return bare and takes_object and first.text not in FUNCTION_WORDS
