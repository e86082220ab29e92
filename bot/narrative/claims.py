"""The kinds of claim a sentence can make beyond describing what its evidence describes.

A description may combine its evidence; a claim may not. A clause that judges the change
(verdict), prefers an option (recommendation), tells someone what to do (instruction), says what
an option proposes in its own imperative (proposal: `The option “…”: keep one replica`), denies
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

from bot.narrative.words import (
    DISCOURSE,
    GRAMMATICAL,
    META,
    NEGATORS,
    Token,
    tokenize,
    word_set,
)

Claim = Literal["verdict", "recommendation", "instruction", "proposal", "denial",
                "measurement", "comparison", "rating"]

CUES: dict[Claim, frozenset[str]] = {
    "denial": (NEGATORS - {"non"}) | word_set("""
        nothing nobody nowhere neither without lack lacks lacking absent
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
        found saw seen reported recorded demonstrate demonstrates demonstrated proved proven
        reveal reveals revealed experiment experiments
    """),
}
CONTENT = ("word", "compound", "name", "number", "code", "quote")
SECOND_PERSON = word_set("""
    you your yours yourself yourselves please
""")
# Words between a clause's start and its verb that do not make it a statement: `Then run …`.
_LEADING = word_set("""
    then so now just simply first next finally also and but therefore always immediately kindly
""")
# What an imperative's object starts with: `Keep one replica`, `Drain every node`.
OBJECT_START = word_set("""
    the a an this these those it them every each all any some its their our your my his her no both
    nothing everything
""")
# Words that cannot be the verb an imperative starts with (`Without a probe …`, `Near 1.0 …`).
_NOT_VERBS = (GRAMMATICAL - {"do"}) | DISCOURSE | (CUES["denial"] - {"never"}) | {"why", "how"}
PRONOUNS = word_set("""
    it its itself this that these those they them their theirs themselves which who whom whose
    he him his she her
""")
DEMONSTRATIVES = word_set("this that these those")
# Words that start a new clause within a sentence.
_JOINS = word_set("""
    and but or so because since while whereas although though which where when if unless
""")
FINITE = word_set("""
    is are was were has have had does did can could may might will would shall must should
""")


@lru_cache(maxsize=1)
def imperative_verbs() -> frozenset[str]:
    """Verbs Aria's rule catalog starts its instructions with (`Run at`, `Keep one`, `Scale to`).

    A first word counts when its object follows at once (a determiner, number, `code`, or a
    preposition), so noun-led titles (`Gateway API …`, `Replica count …`) add nothing.
    """
    from bot.catalog import load_catalog
    texts: list[str] = []
    for rule in load_catalog():
        texts += [*(s.text for s in rule.next_steps), *(o.title for o in rule.options)]
        for o in rule.options:
            texts += o.summary.split(". ")
    out = set()
    for text in texts:
        tokens = [t for t in tokenize(text) if t.kind != "break"]
        if len(tokens) < 2 or tokens[0].kind != "word" or _inflected(tokens[0].text):
            continue
        if tokens[1].text in OBJECT_START or tokens[1].kind in ("number", "code") \
                or tokens[1].text in GRAMMATICAL:
            out.add(tokens[0].text)
    return frozenset(out - {w for cues in CUES.values() for w in cues})


def _inflected(word: str) -> bool:
    """An -ing or -ed ending counts only after a syllable: `bring` and `shed` are bare verbs."""
    for ending in ("ing", "ed"):
        if word.endswith(ending):
            return any(c in "aeiouy" for c in word[:-len(ending)])
    return word.endswith(("s", "ly"))


def claims_of(tokens: list[Token]) -> set[Claim]:
    """Kinds of claim the words of a text make; quoted titles and code spans are names."""
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
    return found


def sentence_claims(tokens: list[Token]) -> list[tuple[Claim, list[Token]]]:
    """Each claim of a sentence with the words that make it, to be restated from one item.

    A clause ends at `;`, `:`, a dash, a comma, or before a conjunction (`and`, `because`,
    `which` …), so a sentence may join claims of different items, one per clause. A clause
    that names its subject by a pronoun (`it is low risk`, `which is low risk`) is read with
    the whole sentence: what `it` is must come from the same item; one that names nothing of
    its own (`or better`) is read with the clause before it, or the first with the one after it
    (`The recommended option, “…”`).
    """
    out: list[tuple[Claim, list[Token]]] = []
    found = clauses(tokens)
    for n, clause in enumerate(found):
        read = clause
        if refers_back(clause):
            read = tokens
        elif n and not about(clause):  # `equal or better`: `or better` compares `equal`
            read = found[n - 1] + clause
        elif not about(clause) and len(found) > 1:  # `The recommended option, “…”, means …`
            read = clause + found[1]
        out += [(claim, read) for claim in sorted(claims_of(clause))]
    imperative = _imperative(tokens)
    if imperative is not None:
        start, clause = imperative
        out.append(("proposal" if _names_an_option(tokens[:start]) else "instruction", clause))
    return out


def clauses(tokens: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for t in tokens:
        if t.kind == "break" or (t.text in _JOINS and not t.quoted):
            out.append([])
            if t.kind == "break":
                continue
        out[-1].append(t)
        if t.comma and not t.quoted:
            out.append([])
    return [c for c in out if c]


def refers_back(tokens: list[Token]) -> bool:
    """A pronoun stands for something said elsewhere (`it`, `which`, `this is`, `this option`);
    `this change` names what it speaks of."""
    for i, t in enumerate(tokens):
        if t.text not in PRONOUNS or t.quoted:
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        names_it = (t.text in DEMONSTRATIVES and after is not None
                    and after.kind in ("word", "compound", "name", "code", "quote")
                    and after.text not in META)
        if not names_it:
            return True
    return False


def about(tokens: list[Token]) -> list[Token]:
    """The words that say what a clause's claims are about: its content, less claim cues and the
    review's furniture (`Aria recommends it` is about nothing)."""
    return [t for t in tokens if t.kind in CONTENT and not t.quoted and not is_cue(t)
            and t.text not in META]


def is_cue(token: Token) -> bool:
    return any(token.text in cues for cues in CUES.values()) or token.text in SECOND_PERSON


def _names_an_option(tokens: list[Token]) -> bool:
    """`The option “…”: keep one replica …` (or its summary: …) describes what an option
    proposes; it is no instruction."""
    return any(t.kind == "quote" or t.text in ("option", "options", "summary") for t in tokens)


def _imperative(tokens: list[Token]) -> tuple[int, list[Token]] | None:
    """Where a clause starts with a verb and no subject (`Keep one replica`), and that clause."""
    starts = [0] + [i + 1 for i, t in enumerate(tokens) if t.kind == "break"]
    for start in starts:
        end = next((i for i in range(start, len(tokens)) if tokens[i].kind == "break"),
                   len(tokens))
        clause = [t for t in tokens[start:end] if not t.quoted or t.kind == "quote"]
        while clause and clause[0].text in _LEADING:
            clause = clause[1:]
        if len(clause) >= 2 and _verb_first(clause[0], clause[1]):
            return start, tokens[start:end]
    return None


def _verb_first(first: Token, second: Token) -> bool:
    if first.kind not in ("word", "function") or first.comma or first.text in _NOT_VERBS:
        return False
    if first.text in ("do", "never"):
        return second.text in ("not", "us") or second.kind == "word"
    if first.text == "let":  # `Let the change go in`, `Let us merge`, `Let it ship`
        return second.text in ("us", *OBJECT_START) or second.kind == "word"
    if second.kind == "break" or second.text in FINITE:
        return False
    if first.text in imperative_verbs() and not (second.kind == "word"
                                                 and second.text.endswith("s")):
        return True
    bare = not _inflected(first.text)
    takes_object = second.text in OBJECT_START or second.kind in ("code", "quote")
    return bare and takes_object
