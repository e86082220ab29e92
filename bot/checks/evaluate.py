"""Run the catalog's rules over a platform graph; apply suppressions.

Each rule is bound to the check it names with its parameters: the pack's values, then the
repository's `.aria.yml` overrides, validated against the check's parameter model.
"""

from __future__ import annotations

import datetime as _dt
import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from bot.catalog import Catalog, CatalogError, RuleSpec
from bot.checks.all import CHECKS
from bot.checks.contract import Check, CheckContext, CheckParams, Hit
from bot.config import AriaConfig, ConfigError
from bot.findings import Finding, Severity, Suppression, at
from bot.graph.platform import PlatformGraph, build_graph
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory
from bot.text import quote

log = logging.getLogger(__name__)


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(all)'}: {e['msg']}"
                     for e in exc.errors(include_url=False))


def bind(rule: RuleSpec, config: AriaConfig) -> tuple[Check[Any], CheckParams]:
    """The check a rule names and its parameters (the pack's, with `.aria.yml` overrides)."""
    check = CHECKS.get(rule.check.name)
    if check is None:
        raise CatalogError(f"rule {rule.id} names unknown check {rule.check.name!r}")
    try:
        params = check.params.model_validate(rule.check.params)
    except ValidationError as exc:
        raise CatalogError(f"rule {rule.id}: parameters of {check.name}: "
                           f"{_problems(exc)}") from None
    override = config.rules.get(rule.id)
    if override is None or not override.params:
        return check, params
    try:
        return check, check.params.model_validate({**rule.check.params, **override.params})
    except ValidationError as exc:
        raise ConfigError(f".aria.yml: rules.{rule.id}.params: {_problems(exc)}") from None


def hits(rule: RuleSpec, graph: PlatformGraph, config: AriaConfig, inventory: Inventory,
         tree: PlatformGraph | None = None) -> Iterator[Hit]:
    """Where the rule's check fires on this graph (a part of `tree`, where given)."""
    check, params = bind(rule, config)
    return check.run(CheckContext(graph, params, config, inventory, tree))


class _SafeFields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rule_message(template: str, fields: dict[str, Any]) -> str:
    """The rule's message with the hit's values, stored plain (escaped by each output): a value
    the template puts in a code span is quoted verbatim (`bot.text.quote`), so a backtick in
    an object name cannot end the span; the others are inserted as they are."""
    template, quoted = _code_spans(template, tuple(k for k, v in fields.items()
                                                   if isinstance(v, str)))
    out = _SafeFields()
    for key, value in fields.items():
        out[key] = quote(value) if key in quoted else value
    return template.format_map(out)


@lru_cache(maxsize=1024)
def _code_spans(template: str, keys: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    """`template` with the code spans of `keys` (`{key}`, taken in this order) made plain
    placeholders, and the keys whose values go in quoted. A rule's template and the fields its
    hits hold as text are the same for most hits: rewritten once, not for each finding."""
    quoted = set()
    for key in keys:
        span = f"`{{{key}}}`"
        if span in template:
            template = template.replace(span, f"{{{key}}}")
            quoted.add(key)
    return template, frozenset(quoted)


def finding(rule: RuleSpec, severity: Severity, hit: Hit, inventory: Inventory) -> Finding:
    """The finding a hit makes; places in rendered output cite the lines that wrote them."""
    try:
        message = rule_message(rule.message, hit.fields)
    except (ValueError, IndexError):
        message = rule.title
    evidence = [e if e.location is None or (at := inventory.locate(e.location)) is e.location
                else e.model_copy(update={"location": at}) for e in hit.evidence]
    return Finding(rule_id=rule.id, family=rule.family, severity=severity, title=rule.title,
                   message=message, subject=hit.subject, detail=hit.detail,
                   location=inventory.locate(hit.location), evidence=evidence)


def _failing_paths(rule: RuleSpec, graph: PlatformGraph, config: AriaConfig,
                   inventory: Inventory) -> list[str]:
    """The files on whose documents, read alone, the rule's check raises."""
    by_path: dict[str, list[Document]] = {}
    for doc in graph.documents:
        by_path.setdefault(doc.path, []).append(doc)
    failing = []
    for path, docs in by_path.items():
        alone = build_graph(docs, graph.serving_images, graph.hints)
        try:
            list(hits(rule, alone, config, inventory))
        except Exception:  # this file breaks the check
            failing.append(path)
    return failing


def _checked(rule: RuleSpec, graph: PlatformGraph, config: AriaConfig,
             inventory: Inventory) -> tuple[list[Hit], bool]:
    """The rule's hits, and whether the check ran clean. A check that raises is an internal
    error, never a finding: it is logged and noted with the rule and the files it failed on, and
    runs again without those files (what that finds is reported, not kept for reuse)."""
    try:
        return list(hits(rule, graph, config, inventory)), True
    except Exception as exc:  # one broken check must not cost the whole review
        log.exception("check %s (%s) failed", rule.check.name, rule.id)
        error = f"{type(exc).__name__}: {exc}"
    failing = _failing_paths(rule, graph, config, inventory)
    rest = [d for d in graph.documents if d.path not in failing]
    found: list[Hit] = []
    if failing:
        try:
            found = list(hits(rule, build_graph(rest, graph.serving_images, graph.hints),
                              config, inventory))
        except Exception:  # it fails on the files together: report them all
            failing = []
    where = ", ".join(quote(p) for p in failing[:5]) + (" …" if len(failing) > 5 else "") \
        if failing else "this tree (no single file reproduces it)"
    inventory.notes.append(
        f"Internal error in Aria: the check of rule `{rule.id}` failed on {where} "
        f"({quote(error[:200])}). Its findings there are missing; this is a bug in Aria, not "
        "in the files.")
    return found, False


# A rule's findings on this graph taken from elsewhere (a review's base, `bot.checks.scope`);
# None: run it.
Reuse = Callable[[RuleSpec, Severity, PlatformGraph], "list[Finding] | None"]

Signature = tuple[Any, ...]
_PLAIN = (str, int, float, bool, type(None))


def signature(hit: Hit) -> Signature | None:
    """All that `finding` makes a finding of, besides its rule and the renders its places are
    cited through, each value with its type (1, 1.0 and True format apart); None where a value
    is not a plain one."""
    if any(type(v) not in _PLAIN for v in hit.fields.values()) or \
            any(type(e.value) not in _PLAIN for e in hit.evidence):
        return None
    return (hit.subject, hit.path, hit.line, hit.detail,
            tuple((key, type(value), value) for key, value in hit.fields.items()),
            tuple((e.label, type(e.value), e.value, e.unit,
                   None if e.location is None else (e.location.path, e.location.line))
                  for e in hit.evidence))


# The finding a hit of this signature made before (a review's base, `bot.checks.scope`), where
# the hit's places are cited through the same renders; None: make it.
Made = Callable[[RuleSpec, Severity, Hit, Signature], "Finding | None"]


# A finding's place in reading order (`_once`); findings of one rule, place and object (one
# severity per rule in a run) share it, and `_once` keeps one of each.
Order = tuple[int, str, int, bool, str, str, str]
_RANK = {severity: severity.rank for severity in Severity}


def _order(f: Finding) -> Order:
    line = f.location.line
    return (-_RANK[f.severity], f.location.path, line or 0, line is None, f.rule_id, f.subject,
            f.detail)


@dataclass(frozen=True)
class Settled:
    """A tree's findings on their way to its judgement, kept with a judged base so that a review
    settles its head's findings in proportion to its change (`_settle_after`)."""

    came: list[Finding]  # every rule's, as the rules made them
    once: list[Finding]  # `_once(came)`, before suppression
    twins: dict[Order, list[Finding]]  # those of `came` that `_once` left out, by place
    day: _dt.date  # the day suppressions were applied (`.aria.yml` entries expire)


@dataclass(frozen=True)
class Before:
    """A review's judged base as its head's findings are settled against it: its findings
    before and after suppression, its inline suppressions, and the files where a document only
    one side holds is written (an object's lines, which inline comments cover, moved only
    there). The head is judged with the base's configuration (the base is kept under it)."""

    settled: Settled
    findings: list[Finding]
    suppressions: dict[str, list[tuple[int, str, str]]]
    moved: frozenset[str]


@dataclass
class Judgement:
    """The findings of a tree, and each rule's own before they were merged (kept with a judged
    base, so a review can reuse them), for the rules that ran without an internal error; when
    asked for, also by the signature of the hit that made each."""

    findings: list[Finding]
    by_rule: dict[str, list[Finding]]
    signed: dict[str, dict[Signature, Finding]]
    settled: Settled


def run_rules(graph: PlatformGraph, catalog: Catalog, config: AriaConfig,
              inventory: Inventory, reuse: Reuse | None = None, made: Made | None = None,
              sign: bool = False, before: Before | None = None) -> Judgement:
    findings: list[Finding] = []
    by_rule: dict[str, list[Finding]] = {}
    signed: dict[str, dict[Signature, Finding]] = {}
    for rule in catalog:
        if not config.rule_enabled(rule.id):
            continue
        override = config.rules.get(rule.id)
        severity = override.severity if override and override.severity else rule.severity
        found = reuse(rule, severity, graph) if reuse is not None else None
        if found is None:
            checked, clean = _checked(rule, graph, config, inventory)
            if made is None and not sign:
                found = [finding(rule, severity, h, inventory) for h in checked]
            else:
                found, by_signature = _made(rule, severity, checked, inventory, made)
                if sign and clean:
                    signed[rule.id] = by_signature
            if not clean:
                findings.extend(found)
                continue
        by_rule[rule.id] = found
        findings.extend(found)
    settled, judged = settle(findings, inventory, graph, config, before)
    return Judgement(judged, by_rule, signed, settled)


def settle(came: list[Finding], inventory: Inventory, graph: PlatformGraph, config: AriaConfig,
           before: Before | None = None) -> tuple[Settled, list[Finding]]:
    """The findings sorted, once each, suppressions marked; with `before` (of the same day:
    `.aria.yml` entries expire), only what the change moved is worked out again and the rest
    taken from the base (`_settle_after`: the same result)."""
    today = _dt.date.today()
    now = _by_id(came)
    if before is None or before.settled.day != today:
        once = _once(came)
        judged = _suppress(once, inventory, graph, config, today)
    else:
        once, judged = _settle_after(before, now, inventory, graph, config, today)
    twins: dict[Order, list[Finding]] = {}
    for left_out in now.keys() - set(map(id, once)):
        twins.setdefault(_order(now[left_out]), []).append(now[left_out])
    return Settled(came, once, twins, today), judged


def _made(rule: RuleSpec, severity: Severity, hits: list[Hit], inventory: Inventory,
          made: Made | None) -> tuple[list[Finding], dict[Signature, Finding]]:
    """The findings of `hits`, each taken from `made` where it has one (making a finding cost
    more than the check that found it, and some rules find once per workload), and the
    findings by the signature of their hits."""
    found: list[Finding] = []
    by_signature: dict[Signature, Finding] = {}
    for hit in hits:
        key = signature(hit)
        before = made(rule, severity, hit, key) if made is not None and key is not None \
            else None
        found.append(finding(rule, severity, hit, inventory) if before is None else before)
        if key is not None:
            by_signature[key] = found[-1]
    return found, by_signature


def _once(findings: list[Finding]) -> list[Finding]:
    """Sorted for reading (severity, file, line, rule, object), each problem once: overlays
    that render the same base object map their findings back to the same line of the base, and
    a reader must see that line once. Of such twins the first by message and evidence is kept,
    so neither choice nor order depends on the order the findings came in (a scoped review
    assembles a rule's findings in another order than a whole-graph run)."""
    findings = sorted(findings, key=_order)
    out: list[Finding] = []
    for f in findings:
        last = out[-1] if out else None
        if last is None or (f.rule_id, f.location, f.subject, f.detail) != \
                (last.rule_id, last.location, last.subject, last.detail):
            out.append(f)
        elif (f.message, f.model_dump_json()) < (last.message, last.model_dump_json()):
            out[-1] = f
    return out


def _settle_after(before: Before, now: dict[int, Finding], inventory: Inventory,
                  graph: PlatformGraph, config: AriaConfig, today: _dt.date,
                  ) -> tuple[list[Finding], list[Finding]]:
    """`_once` of the findings `now` (by id) and their suppression marks, from the base's.
    `_once` keeps one finding of each place by value, so a place whose findings are the very
    objects the base had there (a reused or remade finding is the base's own) keeps the base's
    choice; only the places of findings one side lacks are worked out again. A finding kept
    is marked as the base marked it unless its file is `_stale`."""
    base = before.settled
    had = _by_id(base.came)
    there = [now[i] for i in now.keys() - had.keys()]
    moved = {_order(f) for f in there} | {_order(had[i]) for i in had.keys() - now.keys()}
    once, judged = list(base.once), list(before.findings)
    for place in moved:
        at_place = bisect_left(once, place, key=_order)
        if at_place < len(once) and _order(once[at_place]) == place:
            kept = once.pop(at_place)
            del judged[at_place]
            there += [f for f in (kept, *base.twins.get(place, ())) if id(f) in now]
    fresh = _once(there)
    for f in fresh:
        at_place = bisect_left(once, _order(f), key=_order)
        once.insert(at_place, f)
        judged.insert(at_place, f)
    again = {bisect_left(once, _order(f), key=_order) for f in fresh}
    for path in _stale(before, inventory):
        for rank in _RANK.values():
            again.update(range(bisect_left(once, (-rank, path), key=_file),
                               bisect_right(once, (-rank, path), key=_file)))
    spans = _spans(inventory, graph) if any(
        once[i].location.path in inventory.suppressions for i in again) else {}
    for i in again:
        judged[i] = _suppressed(once[i], inventory, spans, config, today)
    return once, judged


def _by_id(findings: list[Finding]) -> dict[int, Finding]:
    return dict(zip(map(id, findings), findings, strict=True))


def _file(f: Finding) -> tuple[int, str]:
    return -_RANK[f.severity], f.location.path


def _stale(before: Before, inventory: Inventory) -> set[str]:
    """The files whose findings' suppression marks may differ from the base's: their inline
    suppressions differ, or they have some and an object written there is one side's only
    (so the lines the comments cover may have moved)."""
    old, new = before.suppressions, inventory.suppressions
    return {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)} | \
        (before.moved & new.keys())


Spans = dict[str, list[tuple[int, int, str]]]  # file → (first line, last line, object)


def _spans(inventory: Inventory, graph: PlatformGraph) -> Spans:
    spans: Spans = {}
    for doc in graph.documents:
        path, start, end = doc.written_at
        if path in inventory.suppressions:
            spans.setdefault(path, []).append((start, end, doc.identity))
    return spans


def _suppress(findings: list[Finding], inventory: Inventory, graph: PlatformGraph,
              config: AriaConfig, today: _dt.date) -> list[Finding]:
    """The findings, those an inline comment or `.aria.yml` suppresses as marked copies (a
    finding may be shared with a judged base's, which must stay as it was)."""
    spans = _spans(inventory, graph)
    return [_suppressed(f, inventory, spans, config, today) for f in findings]


def _suppressed(found: Finding, inventory: Inventory, spans: Spans, config: AriaConfig,
                today: _dt.date) -> Finding:
    path = found.location.path
    for line, rule, reason in inventory.suppressions.get(path, []):
        if rule not in (found.rule_id, "*", found.family.upper()):
            continue
        if _covers(spans.get(path, []), line, found):
            return found.model_copy(update={"suppressed": Suppression(
                source="inline", reason=reason or "(no reason)",
                location=at(path, line))})
    for entry in config.ignore:
        if entry.expires and entry.expires < today:
            continue
        if entry.rule not in ("*", found.rule_id):
            continue
        if not fnmatch(path, entry.path):
            continue
        if entry.object and not found.subject.startswith(entry.object):
            continue
        return found.model_copy(update={"suppressed": Suppression(
            source=".aria.yml", reason=entry.reason, expires=entry.expires)})
    return found


def _covers(spans: list[tuple[int, int, str]], line: int, finding: Finding) -> bool:
    """An inline comment covers the object whose text holds it, or the line right after it."""
    found_line = finding.location.line
    if found_line is not None and line in (found_line, found_line - 1):
        return True
    subject = finding.subject.split("#")[0]
    return any(start <= line <= end and ident == subject for start, end, ident in spans)
