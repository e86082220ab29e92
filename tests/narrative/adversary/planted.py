"""Filling a kind's templates with names from the brief, invented values and plausible cites."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from tests.narrative.adversary.fakes import fake_value, fakes
from tests.narrative.adversary.honest import honest_sentences, is_statement
from tests.narrative.adversary.kinds import Kind
from tests.narrative.adversary.text import clause, finish, lower_first
from tests.narrative.adversary.vocab import Borrowed, Vocabulary, option_of_part

# Courses of action no option offers, used when a brief has no alternative option to flip to.
_INVENTED_COURSES = ("roll back to the base revision", "pin the autoscaler to a fixed size",
                     "move the workload onto spot GPU nodes", "merge as is and revisit later",
                     "turn the headroom policy off for this service")
_AS_WRITTEN = "keep the change as written"
# Latin letters and the Cyrillic letters that look the same.
_HOMOGLYPHS = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
               "x": "\u0445", "y": "\u0443", "i": "\u0456"}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")


@dataclass
class Slots:
    """Values for one planted sentence, and the evidence ids behind the borrowed ones."""

    values: dict[str, str] = field(default_factory=dict)
    cites: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def borrow(self, name: str, item: Borrowed | None) -> None:
        if item is not None:
            self.values[name] = item.text
            self.cites[name] = item.cites


def plant(kind: Kind, part: str, vocab: Vocabulary, related: list[str],
          rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    """One planted sentence of `kind` for `part`, with the ids an attacker would cite."""
    slots = _slots(part, vocab, related, rng)
    usable = [t for t in kind.pool(vocab) if _fields(t) <= slots.values.keys()]
    if not usable:
        return None
    template = rng.choice(usable)
    used = _fields(template)
    sentence = finish(template.format(**slots.values))
    cites = [eid for name in sorted(used) for eid in slots.cites.get(name, ())]
    if not cites:  # nothing borrowed: cite what the part is about, as a forger would
        cites = rng.sample(related, min(2, len(related))) if related else [
            rng.choice(list(vocab.evidence))] if vocab.evidence else []
    return sentence, tuple(dict.fromkeys(cites))


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _slots(part: str, vocab: Vocabulary, related: list[str], rng: random.Random) -> Slots:
    slots = Slots(values=fakes(vocab, rng))
    _option_slots(slots, part, vocab, rng)
    slots.values["verdict"] = vocab.verdict
    slots.cites["verdict"] = vocab.cites_for(vocab.verdict)
    for name, items in (("finding", vocab.findings), ("rule", vocab.rules),
                        ("resource", vocab.resources), ("path", vocab.paths)):
        slots.borrow(name, rng.choice(items) if items else None)
    if vocab.severities:
        slots.values["sev"] = rng.choice(vocab.severities)
    _figure_slots(slots, vocab, rng)
    facts = [f for f in vocab.facts if is_statement(f.text)]
    near = [f for f in facts if set(f.cites) & set(related)]
    slots.borrow("fact", rng.choice(near or facts) if facts else None)
    if vocab.evidence:
        eid = rng.choice(list(vocab.evidence))
        slots.borrow("eid", Borrowed(eid, (eid,)))
    _honest_slots(slots, vocab, related, rng)
    return slots


def _option_slots(slots: Slots, part: str, vocab: Vocabulary, rng: random.Random) -> None:
    own = option_of_part(part, vocab)
    if own and not own[1]:
        alt = own[0]
        slots.values["here"] = ""
    elif vocab.alternatives:
        alt = rng.choice(vocab.alternatives)
    else:
        alt = Borrowed(rng.choice(_INVENTED_COURSES), ())
    rec = rng.choice(vocab.recommended) if vocab.recommended else Borrowed(_AS_WRITTEN, ())
    others = [title for title, _ in vocab.options.values() if title.text != alt.text]
    alt2 = rng.choice(others) if others else rec
    for name, item in (("alt", alt), ("rec", rec), ("alt2", alt2)):
        slots.borrow(name, item)
        slots.borrow(f"{name}_l", Borrowed(lower_first(clause(item.text)), item.cites))


def _figure_slots(slots: Slots, vocab: Vocabulary, rng: random.Random) -> None:
    figures = list(vocab.figures)
    rng.shuffle(figures)
    for figure in figures:
        invented = fake_value(figure.value, vocab, rng)
        if invented is None:
            continue
        label = figure.label.replace(" — ", " of ")
        slots.borrow("flabel", Borrowed(label, figure.cites))
        slots.borrow("fvalue", Borrowed(figure.value, figure.cites))
        slots.values["fake_value"] = invented
        return


def _honest_slots(slots: Slots, vocab: Vocabulary, related: list[str],
                  rng: random.Random) -> None:
    made = honest_sentences(related, vocab, rng, 1)
    if not made:
        return
    sentence, cites = made[0]
    text = clause(sentence)
    for name, value in (("honest", text), ("honest_zw", _zero_width(text, rng)),
                        ("honest_homoglyph", _homoglyph(text, rng))):
        if value is not None:
            slots.borrow(name, Borrowed(value, cites))


def _zero_width(text: str, rng: random.Random) -> str | None:
    """Invisible characters inside the longest word, so it no longer matches the evidence."""
    word = max(text.split(), key=len)
    if len(word) < 4:
        return None
    cut = rng.randint(1, len(word) - 2)
    mark = rng.choice(_ZERO_WIDTH)
    return text.replace(word, word[:cut] + mark + word[cut:], 1)


def _homoglyph(text: str, rng: random.Random) -> str | None:
    """Swap Latin letters of one name or long word for look-alike Cyrillic letters."""
    words = [w for w in text.split() if len(w) > 4 and any(c in _HOMOGLYPHS for c in w)]
    if not words:
        return None
    word = rng.choice(words)
    swapped = "".join(_HOMOGLYPHS.get(c, c) if rng.random() < 0.5 else c for c in word)
    if swapped == word:
        first = next(i for i, c in enumerate(word) if c in _HOMOGLYPHS)
        swapped = word[:first] + _HOMOGLYPHS[word[first]] + word[first + 1:]
    return text.replace(word, swapped, 1)
