"""Run the catalog's rules over a platform graph; apply suppressions.

Each rule is bound to the check it names with its parameters: the pack's values, then the
repository's `.aria.yml` overrides, validated against the check's parameter model.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Iterator
from fnmatch import fnmatch
from typing import Any

from pydantic import ValidationError

from bot.catalog import Catalog, CatalogError, RuleSpec
from bot.checks.all import CHECKS
from bot.checks.contract import Check, CheckContext, CheckParams, Hit
from bot.config import AriaConfig, ConfigError
from bot.findings import Finding, Location, Severity, Suppression
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


def hits(rule: RuleSpec, graph: PlatformGraph, config: AriaConfig,
         inventory: Inventory) -> Iterator[Hit]:
    """Where the rule's check fires on this graph."""
    check, params = bind(rule, config)
    return check.run(CheckContext(graph, params, config, inventory))


class _SafeFields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rule_message(template: str, fields: dict[str, Any]) -> str:
    """The rule's message with the hit's values, stored plain (escaped by each output): a value
    the template puts in a code span is quoted verbatim (`bot.text.quote`), so a backtick in
    an object name cannot end the span; the others are inserted as they are."""
    out = _SafeFields()
    for key, value in fields.items():
        if isinstance(value, str) and f"`{{{key}}}`" in template:
            template = template.replace(f"`{{{key}}}`", f"{{{key}}}")
            value = quote(value)
        out[key] = value
    return template.format_map(out)


def _finding(rule: RuleSpec, severity: Severity, hit: Hit, inventory: Inventory) -> Finding:
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
             inventory: Inventory) -> list[Hit]:
    """The rule's hits. A check that raises is an internal error, never a finding: it is logged
    and noted with the rule and the files it failed on, and runs again without those files."""
    try:
        return list(hits(rule, graph, config, inventory))
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
    return found


def run_rules(graph: PlatformGraph, catalog: Catalog, config: AriaConfig,
              inventory: Inventory) -> list[Finding]:
    findings: list[Finding] = []
    for rule in catalog:
        if not config.rule_enabled(rule.id):
            continue
        override = config.rules.get(rule.id)
        severity = override.severity if override and override.severity else rule.severity
        found = _checked(rule, graph, config, inventory)
        findings.extend(_finding(rule, severity, h, inventory) for h in found)
    findings = _once(findings)
    _suppress(findings, inventory, graph, config)
    findings.sort(key=lambda f: (-f.severity.rank, f.location.path, f.location.line or 0,
                                 f.rule_id))
    return findings


def _once(findings: list[Finding]) -> list[Finding]:
    """One problem, one finding: overlays that render the same base object map their findings
    back to the same line of the base, and a reader must see that line once."""
    seen: set[tuple[str, str, int | None, str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.location.path, f.location.line, f.subject, f.detail)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _suppress(findings: list[Finding], inventory: Inventory, graph: PlatformGraph,
              config: AriaConfig) -> None:
    today = _dt.date.today()
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for doc in graph.documents:
        path, start, end = doc.written_at
        spans.setdefault(path, []).append((start, end, doc.identity))
    for finding in findings:
        path = finding.location.path
        for line, rule, reason in inventory.suppressions.get(path, []):
            if rule not in (finding.rule_id, "*", finding.family.upper()):
                continue
            if _covers(spans.get(path, []), line, finding):
                finding.suppressed = Suppression(source="inline", reason=reason or "(no reason)",
                                                 location=Location(path=path, line=line))
                break
        if finding.suppressed:
            continue
        for entry in config.ignore:
            if entry.expires and entry.expires < today:
                continue
            if entry.rule not in ("*", finding.rule_id):
                continue
            if not fnmatch(path, entry.path):
                continue
            if entry.object and not finding.subject.startswith(entry.object):
                continue
            finding.suppressed = Suppression(source=".aria.yml", reason=entry.reason,
                                             expires=entry.expires)
            break


def _covers(spans: list[tuple[int, int, str]], line: int, finding: Finding) -> bool:
    """An inline comment covers the object whose text holds it, or the line right after it."""
    found_line = finding.location.line
    if found_line is not None and line in (found_line, found_line - 1):
        return True
    subject = finding.subject.split("#")[0]
    return any(start <= line <= end and ident == subject for start, end, ident in spans)
