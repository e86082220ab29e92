"""Honest sentences: faithful rewordings of evidence, the way a careful technical writer works.

Every transformation keeps the cited evidence's facts (names, numbers, code spans) and adds
none: it swaps a word for a synonym, turns a clause around, moves to the passive voice, frames
an option title as a description rather than an order, restates a figure, keeps one sentence
of a longer item, or joins two items into one sentence. No verdict, preference, measurement or
instruction is ever added.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from tests.narrative.adversary.text import (
    clause,
    finish,
    lower_first,
    plain,
    resolve_plurals,
    sentences,
    split_once,
    strip_bold,
    upper_first,
)
from tests.narrative.adversary.vocab import Vocabulary

# Imperative openings of option titles and steps, with their -ing form for nominal rewordings.
_IMPERATIVES = {
    "add": "adding", "bind": "binding", "cap": "capping", "confirm": "confirming",
    "decide": "deciding", "delete": "deleting", "document": "documenting", "drop": "dropping",
    "enable": "enabling", "keep": "keeping", "let": "letting", "list": "listing",
    "lower": "lowering", "move": "moving", "pin": "pinning", "put": "putting",
    "raise": "raising", "remove": "removing", "replace": "replacing", "run": "running",
    "scale": "scaling", "set": "setting", "split": "splitting", "spread": "spreading",
    "switch": "switching", "use": "using", "give": "giving", "accept": "accepting",
    "allow": "allowing", "reserve": "reserving", "shard": "sharding", "route": "routing",
    "restrict": "restricting", "grant": "granting", "limit": "limiting", "mount": "mounting",
    "cut": "cutting", "start": "starting", "avoid": "avoiding", "bound": "bounding",
    "tune": "tuning", "increase": "increasing", "reduce": "reducing", "apply": "applying",
    "schedule": "scheduling", "configure": "configuring", "define": "defining",
    "request": "requesting", "alert": "alerting", "pull": "pulling", "load": "loading",
    "rely": "relying", "hold": "holding", "wait": "waiting", "serve": "serving",
    "pay": "paying", "prove": "proving", "turn": "turning", "make": "making",
    "write": "writing", "find": "finding",
}
# Openings of a 'Label: value' pair that read well after 'The label is'.
_ADJECTIVES = ("low", "medium", "high", "lowest", "highest", "none", "fixed", "close", "more",
               "most", "fewer", "smaller", "slightly", "unchanged", "good", "best", "better",
               "worse", "lower", "higher", "cheap", "minimal")
_LEADS = ("before", "after", "if", "when", "once", "for", "to")

_USES_PER_ITEM = 2
# Meaning-preserving swaps; each is a whole-word, case-insensitive match.
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("every", "each"), ("cannot", "can't"), ("below", "under"), ("grants", "gives"),
    ("takes the model offline", "makes the model unavailable"), ("introduces", "adds"),
    ("touches", "affects"), ("capacity headroom", "spare capacity"),
    ("wait up to", "wait as long as"),
    ("silently", "quietly"), ("take over", "seize control of"), ("degrades", "gets worse"),
    ("especially", "particularly"), ("usually", "typically"), ("roughly", "approximately"),
    ("at least", "no fewer than"), ("survives", "withstands"), ("needs", "requires"),
    ("instead of", "rather than"), ("show", "indicate"), ("explicit", "specific"),
    ("minimum and maximum", "floor and ceiling"), ("is left for", "remains for"),
    ("reacts", "responds"), ("large", "big"), ("fails to start", "does not come up"),
    ("one at a time", "sequentially"), ("a single", "one"), ("utilization", "usage"),
    ("allowance", "budget"), ("read from", "taken from"), ("may differ", "can be different"),
    ("matched to", "paired with"), ("whole", "entire"), ("prevents", "stops"),
)
# verb -> (past participle, whether the object is only the next token)
_PASSIVE = {"grants": ("granted", False), "binds": ("bound", True), "sets": ("set", True),
            "pins": ("pinned", True), "introduces": ("introduced", False),
            "touches": ("touched", False), "holds": ("held", True)}
_FRAMES = ("In short, {s}", "Put simply, {s}", "Concretely, {s}", "That is, {s}",
           "Specifically, {s}", "Here, {s}", "To put it another way, {s}",
           "As stated in the evidence, {s}", "In other words, {s}")
_OPTION_FRAMES = ("One option is to {s}", "This option would {s}", "The option here is to {s}",
                  "The course described is to {s}", "Under this option, the change would {s}",
                  "{g} is one of the options on the table", "{g} is what this option amounts to",
                  "This option consists of {g_l}")
_PAIRS = ("{a}; in addition, {b}", "{a}, and {b}", "{a}, while {b}", "{a}; also, {b}",
          "{a}; separately, {b}")
_FIGURE = ("The {label} is {value} ({source})", "{source} gives {value} for the {label}",
           "The {label} stands at {value}, per {source}", "{source} has the {label} at {value}",
           "The {label} recorded in {source} is {value}")
_FIGURE_UNSOURCED = ("The {label} is {value}", "{value} is the {label}",
                     "The {label} stands at {value}", "For the {label}, the value is {value}")


def honest_sentences(evidence_ids: list[str], vocab: Vocabulary, rng: random.Random,
                     count: int) -> list[tuple[str, tuple[str, ...]]]:
    """`count` faithful rewordings of the given evidence items, with the ids each rests on."""
    near = [(eid, s) for eid in evidence_ids for s in _usable(vocab.evidence[eid])]
    anywhere = [(eid, s) for eid, text in vocab.evidence.items() for s in _usable(text)]
    out: list[tuple[str, tuple[str, ...]]] = []
    # Reword the part's own evidence first; a part with little of it borrows from the rest.
    # A writer says a thing once or twice, not six ways, so each item backs two sentences.
    for pool in (near, anywhere):
        for _ in range(count * 6):
            if len(out) == count or not pool:
                break
            made = rng.choice(_MAKERS)(pool, vocab, rng)
            if made and made[0] not in [sentence for sentence, _ in out] and sum(
                    1 for _, cites in out if cites == made[1]) < _USES_PER_ITEM:
                out.append(made)
    return out


def _usable(text: str) -> list[str]:
    """Sentences worth rewording: not a bare 'Cost: None.' and not a run-on list."""
    out = []
    for sentence in sentences(strip_bold(text)):
        for piece in _split_title(sentence):
            words = len(piece.split())
            # Pieces opening with a symbol ("✅ Start with ...") are Aria's pointers, not prose.
            opens_as_prose = piece[0].isalnum() or piece[0] == "`"
            if 4 <= words <= 40 and opens_as_prose and not _subordinate_imperative(piece):
                out.append(resolve_plurals(_label_value(piece)))
    return out


def _split_title(sentence: str) -> list[str]:
    """'Lower the target: Set X to Y.' is a title and a summary: two sentences."""
    halves = split_once(sentence, ": ")
    if halves and all(is_imperative(half) for half in halves):
        return list(halves)
    return [sentence]


def _label_value(sentence: str) -> str:
    """'Risk: Low — one flag.' reads as 'The risk is low — one flag.'"""
    match = re.match(r"^([A-Z][a-z]+(?: [a-z]+)?): (.+)$", sentence)
    if not match or is_imperative(match.group(2)):
        return sentence
    label, value = match.group(1).lower(), lower_first(match.group(2))
    if value.split()[0].strip(",;") in _ADJECTIVES:
        return f"The {label} is {value}"
    return f"For {label}: {value}"


def _subordinate_imperative(sentence: str) -> bool:
    first, _, rest = sentence.partition(", ")
    return (first.split()[0].lower() in _LEADS and bool(rest)
            and rest.split()[0].lower() in _IMPERATIVES)


def is_statement(text: str) -> bool:
    """Text that states something, rather than telling someone what to do."""
    return bool(text) and not is_imperative(text) and not _subordinate_imperative(text)


def is_imperative(sentence: str) -> bool:
    words = sentence.split()
    return bool(words) and words[0].lower() in _IMPERATIVES


def _describe(sentence: str, rng: random.Random) -> str:
    """An option title or step as a description ('One option is to ...'), never as an order."""
    body = clause(sentence)
    first, _, rest = body.partition(" ")
    # 'Lower the fraction and cap context' -> 'Lowering the fraction and capping context'
    rest = re.sub(r"\b(and|or|then) (\w+)\b",
                  lambda m: f"{m.group(1)} {_IMPERATIVES.get(m.group(2).lower(), m.group(2))}",
                  rest)
    gerund = _IMPERATIVES[first.lower()] + (" " + rest if rest else "")
    # A long body reads badly as the subject of a sentence; keep it after 'to'.
    frames = _OPTION_FRAMES if len(body.split()) <= 14 else [
        f for f in _OPTION_FRAMES if "{s}" in f]
    frame = rng.choice(frames)
    return frame.format(s=lower_first(body), g=upper_first(gerund), g_l=gerund)


def _pick(pool: list[tuple[str, str]], rng: random.Random) -> tuple[str, str]:
    return rng.choice(pool)


def _base(sentence: str, rng: random.Random) -> str:
    return _describe(sentence, rng) if is_imperative(sentence) else clause(sentence)


def _restate(pool: list[tuple[str, str]], vocab: Vocabulary,
             rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    eid, sentence = _pick(pool, rng)
    text = _base(sentence, rng)
    if rng.random() < 0.3:
        text = plain(text)
    return finish(text), (eid,)


def _synonyms(pool: list[tuple[str, str]], vocab: Vocabulary,
              rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    eid, sentence = _pick(pool, rng)
    text = _base(sentence, rng)
    prose = re.sub(r"`[^`]*`", "", text)
    swaps = [pair for pair in _SYNONYMS if re.search(rf"\b{re.escape(pair[0])}\b", prose, re.I)]
    if not swaps:
        return None
    for old, new in rng.sample(swaps, min(3, len(swaps))):
        text = _outside_code(text, old, new)
    return finish(text), (eid,)


def _outside_code(text: str, old: str, new: str) -> str:
    """Replace a word everywhere except inside code spans, keeping an initial capital."""
    pieces = re.split(r"(`[^`]*`)", text)
    for index in range(0, len(pieces), 2):
        pieces[index] = re.sub(
            rf"\b{re.escape(old)}\b",
            lambda m: upper_first(new) if m.group(0)[0].isupper() else new,
            pieces[index], flags=re.I)
    return "".join(pieces)


def _framed(pool: list[tuple[str, str]], vocab: Vocabulary,
            rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    eid, sentence = _pick(pool, rng)
    if is_imperative(sentence):
        return None
    return finish(rng.choice(_FRAMES).format(s=lower_first(clause(sentence)))), (eid,)


def _passive(pool: list[tuple[str, str]], vocab: Vocabulary,
             rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    return _transformed(pool, rng, _to_passive)


def _transformed(pool: list[tuple[str, str]], rng: random.Random,
                 transform: Callable[[str], str | None]) -> tuple[str, tuple[str, ...]] | None:
    """A pool sentence the transform applies to, transformed."""
    done = [(eid, made) for eid, s in pool if not is_imperative(s) and (made := transform(s))]
    if not done:
        return None
    eid, sentence = _pick(done, rng)
    return finish(sentence), (eid,)


def _to_passive(sentence: str) -> str | None:
    body = clause(sentence)
    for verb, (participle, token_object) in _PASSIVE.items():
        match = re.match(rf"^(?P<s>[^,;:.]+?) {verb} (?P<o>.+)$", body)
        if not match or len(match.group("s").split()) > 8:
            continue
        subject, rest = match.group("s"), match.group("o")
        if rest.lower().startswith("no "):
            return None
        head, tail = _split_tail(rest)
        obj, middle = _split_object(head, token_object)
        if not obj:
            return None
        plural = bool(re.match(r"^\**(\d+)", obj)) and not re.match(r"^\**1\b", obj)
        singular = bool(re.match(r"^\**1\b", obj))
        joined = " and " in re.sub(r"`[^`]*`", "", obj)
        be = "are" if plural or (joined and not singular) or obj.lower().startswith(
            ("all ", "both ")) else "is"
        return f"{obj} {be} {participle}{middle} by {lower_first(subject)}{tail}"
    return None


def _split_tail(rest: str) -> tuple[str, str]:
    match = re.search(r"(: |; |, so |, including | while | — | \()", rest)
    if not match:
        return rest, ""
    return rest[:match.start()], rest[match.start():]


def _split_object(head: str, token_object: bool) -> tuple[str, str]:
    if not token_object:
        return head, ""
    match = re.match(r"^(`[^`]+`|\S+)(.*)$", head)
    if not match:
        return "", ""
    return match.group(1), match.group(2)


def _reordered(pool: list[tuple[str, str]], vocab: Vocabulary,
               rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    return _transformed(pool, rng, _reorder)


def _reorder(sentence: str) -> str | None:
    """Turn the sentence around at its main joint, keeping what depends on what."""
    body = clause(sentence)
    if ", so " in body:
        cause, effect = body.split(", so ", 1)
        return f"{upper_first(effect)}, because {lower_first(cause)}"
    if body.count("; ") == 1 and " — " not in body and not split_once(body, ": "):
        first, second = body.split("; ", 1)
        return f"{upper_first(second)}; {lower_first(first)}"
    halves = split_once(body, ": ")
    if halves:
        label, rest = halves
        if len(rest.split()) >= 4 and not rest[0].isdigit() and 3 <= len(label.split()) <= 12:
            return f"{upper_first(rest)} ({lower_first(label)})"
    return None


def _paired(pool: list[tuple[str, str]], vocab: Vocabulary,
            rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    first, second = _pick(pool, rng), _pick(pool, rng)
    if first[0] == second[0] or len((first[1] + " " + second[1]).split()) > 32:
        return None
    a, b = _base(first[1], rng), _base(second[1], rng)
    text = rng.choice(_PAIRS).format(a=a, b=lower_first(b))
    return finish(text), (first[0], second[0])


def _figure(pool: list[tuple[str, str]], vocab: Vocabulary,
            rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    pooled = {eid for eid, _ in pool}
    figures = [figure for figure in vocab.figures if set(figure.cites) & pooled]
    if not figures:
        return None
    figure = rng.choice(figures)
    eid = figure.cites[0]
    # The source is named only when the cited item names it too.
    sourced = figure.source and figure.source in plain(vocab.evidence[eid])
    template = rng.choice(_FIGURE if sourced else _FIGURE_UNSOURCED)
    source = f"`{figure.source}`" if "/" in figure.source or "." in figure.source else (
        f"the {figure.source}")
    text = template.format(label=figure.label.replace(" — ", " of "), value=figure.value,
                           source=source)
    return finish(text), (eid,)


_MAKERS: tuple[Callable[[list[tuple[str, str]], Vocabulary, random.Random],
                        tuple[str, tuple[str, ...]] | None], ...] = (
    _restate, _synonyms, _synonyms, _framed, _passive, _reordered, _paired, _figure)
