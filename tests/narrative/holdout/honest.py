"""Honest sentences: faithful rewordings of the evidence that add no fact.

They reuse the evidence's own words and only restructure them (voice, clause order, asides
dropped, contractions, neutral connectives), or restate a structured item (figure, option,
finding, assumption) whose text the cited evidence holds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from .text import (
    collapse,
    finish,
    lower_first,
    norm,
    prose_sentences,
    strip_end,
    unbold,
    words,
)
from .view import BriefView, field

# Connectives that frame a sentence without adding a fact.
FRAMES = ("In short, ", "Put simply, ", "Here, ", "Note that ", "That is, ", "In other words, ",
          "Specifically, ", "To be precise, ", "Concretely, ", "As stated, ", "So ", "Also, ")
# Every word an honest sentence may add to its cited evidence: the frames, the two halves of
# each contraction, and the connectives of the structured forms below.
GLUE_WORDS = frozenset(words(" ".join(FRAMES)) | words(
    "can t doesn isn don won aren hasn it s not does do will are has cannot is set to in for "
    "and the from gives as one option recommended rule reports that review assumes assumed an "
    "assumption verdict"))
_CONTRACT = (("cannot", "can't"), ("does not", "doesn't"), ("is not", "isn't"),
             ("do not", "don't"), ("will not", "won't"), ("are not", "aren't"),
             ("has not", "hasn't"), ("it is", "it's"))
_NAME_SPAN = re.compile(r"`([A-Za-z][\w.\-/]*)`")
_ASIDE = re.compile(r" \([^()`]*\)")
_SETS = re.compile(r"^(?P<x>[^.:;]+?) sets (?P<y>[^.:;]+?) to (?P<z>[^:;]+?)(?P<rest>[:;].*)?$")
_FOR = re.compile(r"^(?P<a>[^:`]{8,}): (?P<b>`[^`]+`)$")
_REC_MARK = re.compile(r"recommend|\u2705|start with", re.I)

Sentence = tuple[str, tuple[str, ...]]


def _swap_contractions(text: str) -> str | None:
    for long, short in _CONTRACT:
        for a, b in ((long, short), (short, long)):
            pattern = re.compile(rf"\b{re.escape(a)}\b")
            if pattern.search(text):
                return pattern.sub(b, text, count=1)
    return None


def _drop_aside(text: str) -> str | None:
    shorter = _ASIDE.sub("", text)
    return shorter if shorter != text and len(shorter.split()) >= 4 else None


def _unquote_names(text: str) -> str | None:
    bare = _NAME_SPAN.sub(r"\1", text)
    return bare if bare != text else None


def _passive_sets(text: str) -> str | None:
    m = _SETS.match(strip_end(text))
    if not m:
        return None
    return (f"{m['y'][0].upper()}{m['y'][1:]} is set to {m['z']} in {lower_first(m['x'])}"
            f"{m['rest'] or ''}")


def _subject_first(text: str) -> str | None:
    m = _FOR.match(strip_end(text))
    return f"For {m['b']}, {lower_first(m['a'])}" if m else None


def _first_clause(text: str) -> str | None:
    head, sep, _ = text.partition("; ")
    return head if sep and len(head.split()) >= 5 else None


def _framed(text: str, rng: random.Random) -> str:
    return rng.choice(FRAMES) + lower_first(text)


_REWORDINGS: tuple[Callable[[str], str | None], ...] = (
    unbold, _swap_contractions, _drop_aside, _unquote_names, _passive_sets, _subject_first,
    _first_clause)


def reword(sentence: str, rng: random.Random) -> str:
    """Up to two meaning-preserving edits of an evidence sentence, perhaps framed."""
    text = strip_end(sentence)
    edits = list(_REWORDINGS)
    rng.shuffle(edits)
    applied = 0
    for edit in edits:
        if applied == 2 or rng.random() < 0.3:
            break
        changed = edit(text)
        if changed and changed != text:
            text, applied = changed, applied + 1
    if rng.random() < 0.35:
        text = _framed(text, rng)
    return finish(text)


class HonestWriter:
    def __init__(self, view: BriefView, rng: random.Random) -> None:
        self.view = view
        self.rng = rng
        self.items = [(eid, s) for eid, text in view.evidence for s in prose_sentences(text)]

    def _from_evidence(self) -> Sentence | None:
        if not self.items:
            return None
        eid, sentence = self.rng.choice(self.items)
        return reword(sentence, self.rng), (eid,)

    def _merged(self) -> Sentence | None:
        short = [(e, s) for e, s in self.items if len(s.split()) <= 18]
        if len(short) < 2:
            return None
        (e1, s1), (e2, s2) = self.rng.sample(short, 2)
        joiner = self.rng.choice(("; ", ", and "))
        text = strip_end(s1) + joiner + lower_first(strip_end(s2))
        return finish(text), tuple(dict.fromkeys((e1, e2)))

    def _about_one(self, key: str, write: Callable[[dict[str, Any]], Sentence | None]
                   ) -> Callable[[], Sentence | None]:
        """A source that restates one randomly chosen item of the brief's `key` list."""
        def source() -> Sentence | None:
            items = self.view.brief.get(key) or []
            return write(self.rng.choice(items)) if items else None
        return source

    def _holds(self, cites: tuple[str, ...], *fragments: str) -> bool:
        texts = " ".join(norm(self.view.text_of(c)) for c in cites)
        return bool(cites) and all(norm(f) in texts for f in fragments if f)

    def _figure(self, fig: dict[str, Any]) -> Sentence | None:
        label = strip_end(field(fig, "label"))
        value = field(fig, "value").strip()
        source = field(fig, "source").strip()
        cites = self.view.cite(f"{label} {value}")
        metric, _, of = label.partition(" \u2014 ")
        if not label or not self._holds(cites, value, metric, of):
            return None
        forms = [f"{label} is {value}", f"{label}: {value}"]
        if of:
            forms.append(f"For {of}, the {metric} is {value}")
        if source and self._holds(cites, source):
            forms += [f"{label} is {value} ({source})", f"{source} gives {label} as {value}",
                      f"{label}: {value}, from {source}"]
        return finish(self.rng.choice(forms)), cites

    def _option(self, opt: dict[str, Any]) -> Sentence | None:
        title = strip_end(field(opt, "title"))
        summary = strip_end(field(opt, "summary"))
        cites = self.view.cite(title, summary)
        if not title or not self._holds(cites, title, summary):
            return None
        forms = [f"One option is to {lower_first(title)}"]
        if summary:
            forms += [f"{title}: {summary}", f"One option is to {lower_first(title)}: "
                      f"{lower_first(summary)}", f"{summary} ({lower_first(title)})"]
        marked = any(_REC_MARK.search(self.view.text_of(c)) for c in cites)
        if opt.get("recommended") and marked:
            forms += [f"The recommended option is to {lower_first(title)}",
                      f"The recommended option is “{title}”"]
        return finish(self.rng.choice(forms)), cites

    def _finding(self, f: dict[str, Any]) -> Sentence | None:
        rule, message = field(f, "rule"), strip_end(field(f, "message"))
        title = strip_end(field(f, "title"))
        cites = self.view.cite(message, rule)
        if not message or not self._holds(cites, message, rule):
            return None
        forms = [f"`{rule}`: {message}", f"{message} (`{rule}`)",
                 f"Rule `{rule}` reports that {lower_first(message)}"]
        if title and self._holds(cites, title):
            forms.append(f"{title} (`{rule}`): {lower_first(message)}")
        return finish(self.rng.choice(forms)), cites

    def _assumption(self, assumption: dict[str, Any]) -> Sentence | None:
        text = strip_end(field(assumption, "text"))
        cites = self.view.cite(text)
        if not text or not self._holds(cites, text):
            return None
        forms = [f"The review assumes that {lower_first(text)}", f"Assumed: {text}",
                 f"It is an assumption that {lower_first(text)}"]
        return finish(self.rng.choice(forms)), cites

    def _verdict(self) -> Sentence | None:
        verdict = strip_end(unbold(self.view.verdict))
        cites = self.view.cite(verdict)
        if not verdict or not self._holds(cites, verdict):
            return None
        forms = [f"The verdict is “{verdict}”", f"Verdict: {verdict}"]
        return finish(self.rng.choice(forms)), cites

    def write(self) -> Sentence | None:
        """One honest sentence from a randomly chosen kind of evidence, or None if none fits."""
        figure = self._about_one("figures", self._figure)
        sources = [self._from_evidence] * 5 + [
            self._merged, figure, figure, self._about_one("options", self._option),
            self._about_one("findings", self._finding),
            self._about_one("assumptions", self._assumption), self._verdict]
        self.rng.shuffle(sources)
        for source in sources:
            written = source()
            if written and written[1]:
                return collapse(written[0]), written[1]
        return None
