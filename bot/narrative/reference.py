"""What a sentence leans on beyond itself: the point before it, or another statement's subject.

A point is one sentence, but it may list several statements side by side: it is split at `;`
and at a comma followed by `and`, `but`, `or`, `while` or `whereas`, never inside `code` or a
quoted title. Each statement restates one cited item (see `guard.py`), so a statement cannot
put one item's figure, summary or status on another's subject.

A point *leans back* when its opening holds a pronoun or an anaphor standing for something said
before it (`It survives …`, `That option …`, `The same grant …`) or a connective relating it to
what came before (`However, …`, `As a result, …`, `But …`); it then stands or falls with the
point before it. A statement after the first of its point *borrows* from the one before it when
its opening holds such a pronoun or anaphor, or a connective of consequence (`so`, `therefore`),
or when it opens on what may be a finite verb, with no subject of its own (`…, and costs the
lowest`, `…, and needs operational discipline`), or
leaves out its predicate (`…, and “B” does too`, `…, and the minimum is as well`): a reader
gives it the subject or the predicate of the statement before, so it must restate the same
item.
Connectives that only list (`also`, `however`) do not make a statement borrow; a point with no
subject or predicate of its own leans back like one opening on a pronoun. A set phrase of
reformulation set off by a comma (`In other words,`, `That is,`) is a discourse marker like
`In short,`: the words after it are the opening.
"""

from __future__ import annotations

import re
from itertools import takewhile

from bot.narrative.claims import CUES, DEMONSTRATIVES, FINITE, OBJECT_START, clauses, is_cue
from bot.narrative.words import (
    DISCOURSE,
    GRAMMATICAL,
    META,
    WORDING,
    Token,
    tokenize,
    word_set,
)

# Connectives that set what follows beside what came before, and ones that derive it from it.
_LISTING = word_set("""
    also however instead otherwise likewise similarly moreover furthermore additionally besides
    nevertheless nonetheless conversely alternatively meanwhile
""")
_CONSEQUENCE = word_set("therefore thus hence consequently accordingly")
_LISTING_PHRASES = (("in", "contrast"), ("by", "contrast"))
_CONSEQUENCE_PHRASES = (("as", "a", "result"), ("in", "turn"))
# Set phrases of reformulation that hold a pronoun or `other`; `That is the cheapest option`
# has no comma after `is` and still points back.
_REFORMULATIONS = tuple(tuple(p.split()) for p in (
    "in other words", "that is", "that is to say", "to put it another way", "put another way",
    "in other terms"))
# Words that stand for something named before them wherever they open a sentence.
_ANAPHORS = word_set("same other former latter previous previously aforementioned such")
# Conjunctions and adverbs that relate a sentence to the one before only as its first word.
_LISTING_OPENERS = word_set("and but or nor yet still plus")
_CONSEQUENCE_OPENERS = word_set("so then")
# What a demonstrative may name without pointing back: the change under review itself, and the
# decision point a part is about (`Aria recommends “…” for this point`).
_SELF = word_set("change review pull pr repository tree point decision")
# Pronouns that stand for something outside their clause wherever they are in it (`In a
# ClusterRole it reaches …`), and ones that stand for what their clause named before them.
_PERSONAL = word_set("it itself they them themselves he him she")
_POSSESSIVE = word_set("its their theirs whose which who whom his her")
# Adverbs a statement may open on before its verb (`…, and also needs …`).
_ADVERBS = _LISTING | DISCOURSE | word_set("also too even only still then just never always")
# Particles that end a clause whose predicate is another's (`is too`, `as well`, `either`).
_ELLIPSIS = word_set("too either also likewise similarly well")
_JOINTS = re.compile(r";\s*|,\s+(?:and|but|or|while|whereas)\b\s*", re.IGNORECASE)


def statements(text: str) -> list[str]:
    """The statements a sentence lists, without the joints between them."""
    prose = _outside_spans(text)
    out, last = [], 0
    for joint in _JOINTS.finditer(text):
        if prose[joint.start()]:
            out.append(text[last:joint.start()])
            last = joint.end()
    out.append(text[last:])
    return [s for s in out if s.strip()]


def leans_back(text: str) -> bool:
    """The point's meaning leans on the point before it (see the module's docstring)."""
    words = _opening(text)
    if not words:
        return False
    announces = _announces(text)
    if announces and words[-1].text in DEMONSTRATIVES:
        words = words[:-1]  # `… means this: …` points forward, to what the colon introduces
    return bool(words) and (
        words[0].text in _LISTING_OPENERS | _CONSEQUENCE_OPENERS or _lacks_subject(words)
        or (_elided(words) and not announces)
        or _has(words, _LISTING | _CONSEQUENCE, _LISTING_PHRASES + _CONSEQUENCE_PHRASES)
        or _refers(words))


def _announces(text: str) -> bool:
    """The opening clause ends on a colon, which introduces what completes it (`the cost is:
    …`, `… means this: …`): nothing in it is left to the sentence before."""
    for t in _unmarked(tokenize(text)):
        if t.kind == "break":
            return t.text == ":"
        if t.comma and not t.quoted:
            return False
    return False


def borrows(text: str) -> bool:
    """A statement after the first of its point takes what it is about from the one before."""
    words = _opening(text)
    return bool(words) and (
        words[0].text in _CONSEQUENCE_OPENERS or _may_open_on_verb(words)
        or _elided(words)
        or _has(words, _CONSEQUENCE, _CONSEQUENCE_PHRASES) or _refers(words))


def _opening(text: str) -> list[Token]:
    """The words up to the first clause break, conjunction or parenthesis, after a marker of
    reformulation (`In other words, …`)."""
    prose = _outside_spans(text)
    cut = next((i for i, ch in enumerate(text) if ch == "(" and prose[i]), len(text))
    found = clauses(_unmarked(tokenize(text[:cut])))
    return [w for t in (found[0] if found else []) if not t.quoted for w in (t.parts or (t,))]


def _unmarked(tokens: list[Token]) -> list[Token]:
    """A sentence without the set phrase of reformulation it opens on, set off by a comma. Its
    pronoun or `other` stands for nothing, as `In short, …` and `Put simply, …` (whose words
    are discourse markers) lean on nothing: what follows is read as the opening."""
    for marker in _REFORMULATIONS:
        n = len(marker)
        if tuple(t.text for t in tokens[:n]) == marker and tokens[n - 1].comma:
            return tokens[n:]
    if (len(tokens) > 2 and tokens[0].text == "in" and tokens[1].kind == "function"
            and tokens[2].text in WORDING and tokens[2].comma):  # `In plain words,`
        return tokens[3:]
    return tokens


def _has(words: list[Token], connectives: frozenset[str],
         phrases: tuple[tuple[str, ...], ...]) -> bool:
    texts = [w.text for w in words]
    return (any(w in connectives and texts[i + 1:i + 2] != ["of"]  # not `instead of`
                for i, w in enumerate(texts))
            or any(tuple(texts[i:i + len(p)]) == p for p in phrases for i in range(len(texts))))


def _refers(words: list[Token]) -> bool:
    """A pronoun or anaphor in the opening stands for something said before it. A possessive
    or relative pronoun after the opening's own words stands for them (`An autoscaler whose
    floor equals its ceiling`), and `this change` names the change under review."""
    named = [w.kind != "function" or w.text in META for w in words]  # a noun, name, value …
    for i, w in enumerate(words):
        after = words[i + 1].text if i + 1 < len(words) else None
        relative = w.text == "that" and i > 0 and named[i - 1]  # `the option that keeps`
        if (w.text in _ANAPHORS or w.text in _PERSONAL
                or w.text in _POSSESSIVE and not any(named[:i])
                or w.text in DEMONSTRATIVES and after not in _SELF and not relative):
            return True
    return False


def _lacks_subject(words: list[Token]) -> bool:
    """A point opens on a finite verb, its subject left to the point before (`Is low risk`,
    `Costs the lowest`, `Needs operational discipline`): a word that may be a verb, then what
    may be its object. `Requests are …` and `Objects without …` have a subject."""
    second = words[1] if len(words) > 1 else None
    return words[0].text in FINITE or _may_be_verb(words[0]) and second is not None and (
        second.text in OBJECT_START or second.kind in ("number", "code", "quote")
        or second.text in CUES["comparison"] or second.kind == "word" and not is_cue(second))


def _may_open_on_verb(words: list[Token]) -> bool:
    """A statement after another opens on what may be a finite verb (`…, and needs operational
    discipline`): joined to a statement, a plural noun there (`…, and replicas survive …`) is
    read as leaning too, since nothing tells the two apart."""
    lead = next((w for w in words if not _adverb(w)), words[0])  # `…, and also needs …`
    return lead.text in FINITE or _may_be_verb(lead)


def _adverb(word: Token) -> bool:
    return word.text in _ADVERBS or word.text.endswith("ly")


def _may_be_verb(word: Token) -> bool:
    return (word.kind == "word" and word.text.endswith("s")
            and not word.text.endswith(("ss", "us", "is")))


def _elided(opening: list[Token]) -> bool:
    """Its predicate is left to the sentence before: its opening clause names something, then
    ends on an auxiliary or a particle of ellipsis (`the minimum is too`, `“B” does as well`,
    `… is not`)."""
    trailing = list(takewhile(lambda t: t.text in GRAMMATICAL | _ELLIPSIS | CUES["denial"],
                              reversed(opening)))
    named = any(t.kind != "function" for t in opening[:len(opening) - len(trailing)])
    return named and any(t.text in _ELLIPSIS or t.text in FINITE for t in trailing)


def _outside_spans(text: str) -> list[bool]:
    """For each character, whether it is prose rather than inside `code` or a quoted title."""
    out: list[bool] = []
    in_code = in_title = False
    for ch in text:
        if ch == "`":
            in_code = not in_code
        elif ch in "“”" and not in_code:
            in_title = ch == "“"
        out.append(not (in_code or in_title) and ch not in "`“”")
    return out
