"""Findings to an ADR: context, assumptions, decision points with options, risks, next steps.

Every figure placed in the decision comes from a finding's evidence (read from the repository
or the configuration); nothing here computes a number that was not read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.catalog import Catalog, RemediationOption, RuleSpec, Step, load_advice
from bot.config import AriaConfig
from bot.decision.model import (
    NOT_IN_FILES,
    Assumption,
    Counts,
    Decision,
    DecisionPoint,
    Figure,
    Risk,
)
from bot.findings import Finding, Severity, Status
from bot.telemetry_report import TelemetryReport
from bot.text import quote
from bot.tradeoffs import AdviceFacts, Option, fill

MAX_DECISION_POINTS = 5
MAX_FIGURES = 12
MAX_RISKS = 8
MAX_STEPS = 5

REPLICAS_ASSUMPTION = ("Replica counts, autoscaling bounds and node-pool sizes are read from the "
                       "files in the repository; the live cluster may differ.")
# Rule families and evidence that read sizes from the files (the replicas assumption).
SIZING_FAMILIES = ("spof", "headroom", "cost")
SIZING_WORDS = ("replica", "node", "autoscal", "pool")


def count(findings: Iterable[Finding]) -> Counts:
    """The tallies of the findings that describe the head tree (or an audited tree)."""
    # Each finding's (status, suppressed, severity, family) tallied in one pass, then each kind
    # of these (a few dozen) counted in: per finding, the tallies were most of a review's
    # decision. Each tally's keys come in the order of their first finding, as before.
    kinds = Counter((f.status, f.suppressed is not None, f.severity, f.family) for f in findings)
    sev: Counter[str] = Counter()
    fam: Counter[str] = Counter()
    status: Counter[str] = Counter()
    total = suppressed = 0
    for (state, set_aside, severity, family), n in kinds.items():
        if not state.in_head:
            continue
        status[state.value] += n
        if set_aside:
            suppressed += n
            continue
        total += n
        sev[severity.value] += n
        fam[family] += n
    # `total` and `suppressed` are set fields only where something was counted, as before
    tallies = {k: v for k, v in (("total", total), ("suppressed", suppressed)) if v}
    return Counts(**tallies, by_severity=dict(sev), by_family=dict(fam), by_status=dict(status))


def _facts(finding: Finding, advice: dict[str, AdviceFacts], common: dict[str, object],
           rule: RuleSpec | None) -> AdviceFacts:
    """The facts advice on a finding's object is fitted to (kind and name when none were read)."""
    subject = finding.subject.split("@")[0]
    found = advice.get(subject) or advice.get(subject.split("#")[0])
    if found is None:
        found = AdviceFacts(object=subject.split("#")[0], kind=subject.split("/")[0])
    scaling = found.change == "scaled-up" or (rule is not None and rule.scale_up)
    return found.model_copy(update={**common, "family": rule.family if rule else None,
                                    "scaling": scaling})


def _filled(option: RemediationOption, facts: AdviceFacts) -> Option | None:
    """The option as it reads for this object, or `None` when it does not fit it."""
    if option.when is not None and not option.when.holds(facts):
        return None
    t = option.tradeoffs
    texts = [fill(x, facts) for x in (option.title, option.summary, t.cost, t.latency,
                                       t.complexity, t.risk)]
    if any(x is None for x in texts):
        return None
    title, summary, cost, latency, complexity, risk = (str(x) for x in texts)
    return Option(title=title, summary=summary, cost=cost, latency=latency,
                  complexity=complexity, risk=risk, recommended=option.recommended)


def options_for(rule: RuleSpec, facts: AdviceFacts, accept: RemediationOption) -> list[Option]:
    """A rule's options that fit the object, filled from its facts, exactly one recommended; at
    least two, keeping the object as it is (`accept`) when only one of the rule's fits. An
    option whose condition asks a fact nobody read does not fit, unless none does."""
    fitted = [(o, f) for o in rule.options if (f := _filled(o, facts)) is not None]
    if not fitted:  # nothing is known that fits any option: show those that can be written
        fitted = [(o, f) for o in rule.options
                  if (f := _filled(o.model_copy(update={"when": None}), facts)) is not None]
    if len(fitted) < 2:
        kept = _filled(accept, facts)
        if kept is not None:
            fitted.append((accept, kept.model_copy(update={"recommended": False})))
    chosen = next((f for o, f in fitted if o.recommended_when is not None
                   and o.recommended_when.holds(facts)), None) \
        or next((f for _, f in fitted if f.recommended), None) \
        or (fitted[0][1] if fitted else None)
    return [f.model_copy(update={"recommended": f is chosen}) for _, f in fitted]


def _points(findings: list[Finding], catalog: Catalog, advice: dict[str, AdviceFacts],
            common: dict[str, object], relevance: dict[str, int]) -> list[DecisionPoint]:
    """One decision per rule and per way its options read: two objects whose facts change the
    advice get a table each. Rules the ADR's title names (`relevance`) come first."""
    accept = load_advice().accept
    groups: dict[tuple[str, str], list[tuple[Finding, AdviceFacts, list[Option]]]] = {}
    for f in findings:
        rule = catalog.get(f.rule_id)
        if rule is None or rule.family == "ingest":
            continue
        facts = _facts(f, advice, common, rule)
        options = options_for(rule, facts, accept)
        key = (f.rule_id, repr([o.model_dump() for o in options]))
        groups.setdefault(key, []).append((f, facts, options))
    ranked = sorted(groups.items(), key=lambda kv: (-relevance.get(kv[0][0], 0),
                                                    -kv[1][0][0].severity.rank, -len(kv[1]),
                                                    kv[0][0]))
    points: list[DecisionPoint] = []
    for (rule_id, _), group in ranked[:MAX_DECISION_POINTS]:
        rule = catalog.get(rule_id)
        assert rule is not None  # grouped above
        objects = sorted({f.subject.split("@")[0] for f, _, _ in group})
        shown = ", ".join(quote(o) for o in objects[:3]) + (
            f" and {len(objects) - 3} more" if len(objects) > 3 else "")
        first, facts, options = group[0]
        points.append(DecisionPoint(
            rule_id=rule_id, title=rule.title, severity=first.severity,
            question=f"{rule.title}: {shown}. How should this be addressed?",
            finding_fingerprints=[f.fingerprint for f, _, _ in group],
            locations=[f.location for f, _, _ in group[:10]],
            options=options, why=" ".join(rule.why.split()), facts=facts))
    return points


def _figures(findings: list[Finding]) -> list[Figure]:
    seen: set[tuple[str, str]] = set()
    out: list[Figure] = []
    for f in findings:
        for e in f.evidence:
            if isinstance(e.value, bool) or not isinstance(e.value, int | float):
                continue
            source = str(e.location) if e.location else NOT_IN_FILES
            key = (e.label, source)
            if key in seen:
                continue
            seen.add(key)
            subject = f.subject.split("@")[0].split("#")[0]
            out.append(Figure(label=f"{e.label} — {quote(subject)}", value=e.value, unit=e.unit,
                              source=source))
            if len(out) == MAX_FIGURES:
                return out
    return out


def _risks(findings: list[Finding], catalog: Catalog) -> list[Risk]:
    out = []
    for f in findings:
        rule = catalog.get(f.rule_id)
        if rule is not None and rule.risk:
            out.append(Risk(kind=rule.risk, text=f.message, location=f.location))
            if len(out) == MAX_RISKS:
                break
    return out


def _steps(steps: list[Step], facts: AdviceFacts) -> list[str]:
    """The steps that fit the object, filled from its facts."""
    return [text for s in steps if s.when is None or s.when.holds(facts)
            if (text := fill(s.text, facts)) is not None]


def _next_steps(points: list[DecisionPoint], catalog: Catalog) -> list[str]:
    """Each decision's first fitting step, then general steps that fit (early ones first), then
    each decision's second step, while there is room. No step fits every review by default."""
    general = load_advice().steps
    own = [_steps(rule.next_steps, p.facts) if (rule := catalog.get(p.rule_id)) and p.facts
           else [] for p in points]
    early = [_steps([s for s in general if s.early], p.facts) if p.facts else []
             for p in points]
    late = [_steps([s for s in general if not s.early], p.facts) if p.facts else []
            for p in points]
    out: list[str] = []

    def add(candidates: list[str], limit: int = MAX_STEPS) -> None:
        for step in candidates:
            if len(out) < limit and step not in out:
                out.append(step)

    for mine in own:
        add(mine[:1])
    for mine in early:
        add(mine[:1])
    for mine in own:
        add(mine[1:2])
    for mine in late:
        add(mine, 3)
    return out


def _consequences(points: list[DecisionPoint]) -> list[str]:
    out = []
    for point in points[:3]:
        option = point.recommended
        out.append(f"{option.title} (`{point.rule_id}`) — risk: {option.risk}; "
                   f"cost: {option.cost}; complexity: {option.complexity}.")
    return out


def _assumptions(config: AriaConfig, relevant: list[Finding], points: list[DecisionPoint],
                 catalog: Catalog, advice: dict[str, AdviceFacts], serving: bool,
                 telemetry: TelemetryReport | None) -> list[Assumption]:
    """The assumptions the findings and decisions used, each with where its value comes from:
    the `.aria.yml` line that set it, or Aria's default."""
    families = {f.family for f in relevant}
    out: list[Assumption] = []
    if families & {"headroom", "cost"} or telemetry is not None:
        where = _where(config, "headroom.min", "headroom.max")
        out.append(Assumption(
            text=f"Interactive serving keeps {config.headroom.min:.0%}–"
                 f"{config.headroom.max:.0%} capacity headroom.",
            source="config" if where != DEFAULT else "default", where=where))
    if serving:
        where = _where(config, "serving_images")
        out.append(Assumption(
            text="A workload is treated as interactive model serving when it requests GPUs, is a "
                 "KServe/Ray serving object, or runs a serving image or server (" +
                 ", ".join(f"`{i}`" for i in config.serving_images[:6]) + ", …).",
            source="config" if where != DEFAULT else "default", where=where))
    resized = any(a.change in ("scaled-up", "scaled-down") for a in advice.values())
    if families & set(SIZING_FAMILIES) or telemetry is not None or resized or any(
            word in e.label for f in relevant for e in f.evidence for word in SIZING_WORDS):
        # a change that resizes, or a capacity section (telemetry configured), rests on the
        # sizes the files give: replaced where measured, kept (saying so) where not
        out.append(_replicas_assumption(telemetry))
    if any(_unnamespaced(f, advice) for f in relevant):
        out.append(Assumption(text="Objects without a namespace are matched to related objects "
                                   "in any namespace (they get one at apply time).",
                              source="default", where=DEFAULT))
    out += _thresholds(config, relevant, points, catalog)
    return out


DEFAULT = "Aria's default"


def _unnamespaced(f: Finding, advice: dict[str, AdviceFacts]) -> bool:
    """A finding on a workload written without a namespace (cluster-scoped objects are not)."""
    subject = f.subject.split("@")[0].split("#")[0]
    return subject in advice and subject.split("/")[1:2] == ["-"]


def _where(config: AriaConfig, *keys: str) -> str:
    """The `.aria.yml` lines that set these keys, or Aria's default when none did."""
    lines = dict.fromkeys(config.source_of(k) for k in keys if config.set_at(k))
    return ", ".join(lines) if lines else DEFAULT


def _thresholds(config: AriaConfig, relevant: list[Finding], points: list[DecisionPoint],
                catalog: Catalog) -> list[Assumption]:
    """The numeric thresholds of the rules whose findings are shown (300 s, 0.95 …)."""
    rule_ids = list(dict.fromkeys([*(p.rule_id for p in points), *(f.rule_id for f in relevant)]))
    out: list[Assumption] = []
    for rule_id in rule_ids:
        rule = catalog.get(rule_id)
        if rule is None:
            continue
        override = config.rules.get(rule_id)
        params = {**rule.check.params, **(override.params if override else {})}
        for name, value in params.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            key = f"rules.{rule_id}.params.{name}"
            at = config.set_at(key)
            out.append(Assumption(
                text=f"`{rule_id}` ({rule.title}) uses the threshold `{name}` = **{value}**.",
                source="config" if at else "default",
                where=config.source_of(key) if at else f"{DEFAULT} for `{rule_id}`"))
    return out


def _replicas_assumption(telemetry: TelemetryReport | None) -> Assumption:
    if telemetry is None:
        return Assumption(text=REPLICAS_ASSUMPTION, source="repository", where="repository")
    text, measured = telemetry.restate(REPLICAS_ASSUMPTION)
    return Assumption(text=text, source="measurement" if measured else "repository",
                      where="measured" if measured else "repository")


def _recommendation(mode: str, relevant: list[Finding], fixed: list[Finding],
                    points: list[DecisionPoint]) -> str:
    errors = [f for f in relevant if f.severity is Severity.error]
    warnings = [f for f in relevant if f.severity is Severity.warning]
    top = points[0] if points else None
    lead = (f" ✅ Start with **{top.title}** (`{top.rule_id}`): {top.recommended.title}."
            if top else "")
    if mode == "review":
        fixed_txt = f" It fixes **{len(fixed)}** existing finding(s)." if fixed else ""
        if errors:
            return (f"**Request changes.** This change introduces **{len(errors)}** new "
                    f"error-level finding(s) and **{len(warnings)}** warning(s).{fixed_txt}{lead}")
        if warnings:
            return (f"**Approve with follow-ups.** This change introduces no new error-level "
                    f"finding but **{len(warnings)}** new warning(s).{fixed_txt}{lead}")
        if relevant:
            return (f"**Approve.** This change introduces only **{len(relevant)}** new note(s)."
                    f"{fixed_txt}{lead}")
        return f"**Approve.** This change introduces no new finding.{fixed_txt}"
    if errors:
        return (f"**Act on {len(errors)} error-level finding(s)** in this tree "
                f"(and **{len(warnings)}** warning(s)).{lead}")
    if warnings:
        return f"**No error-level finding.** **{len(warnings)}** warning(s) to plan for.{lead}"
    return "**Compliant.** No error- or warning-level finding in this tree."


def build_decision(*, mode: str, title: str, findings: list[Finding], catalog: Catalog,
                   config: AriaConfig, files_reviewed: int, context: str,
                   base: str | None = None, head: str | None = None,
                   notes: list[str] | None = None, telemetry: TelemetryReport | None = None,
                   advice: dict[str, AdviceFacts] | None = None, in_ci: bool = False,
                   relevance: dict[str, int] | None = None) -> Decision:
    """The decision record; `advice` holds the facts of the objects (`bot.checks.facts`) that
    options and next steps are fitted to, `in_ci` whether Aria runs in CI, and `relevance` how
    strongly an ADR's title names each rule."""
    if mode == "review":
        relevant = [f for f in findings if f.status is Status.new and not f.suppressed]
    else:
        relevant = [f for f in findings if f.status.in_head and not f.suppressed]
    fixed = [f for f in findings if f.status is Status.fixed and not f.suppressed]
    advice = advice or {}
    low, high = round(config.headroom.min * 100), round(config.headroom.max * 100)
    common: dict[str, object] = {"ci": in_ci, "mode": mode,
                                 "policy_default": _where(config, "headroom.min",
                                                          "headroom.max") == DEFAULT,
                                 "headroom": f"{low}–{high}%",
                                 "utilization": f"{100 - high} and {100 - low}"}
    points = _points(relevant, catalog, advice, common, relevance or {})
    serving = any(_facts(f, advice, common, catalog.get(f.rule_id)).serving for f in relevant)
    return Decision(
        mode=mode, title=title, base=base, head=head,
        recommendation=_recommendation(mode, relevant, fixed, points),
        context=context,
        assumptions=_assumptions(config, relevant, points, catalog, advice, serving,
                                 telemetry),
        findings=findings, decision_points=points, risks=_risks(relevant, catalog),
        figures=_figures(relevant), next_steps=_next_steps(points, catalog)
        if relevant else [],
        consequences=_consequences(points),
        notes=notes or [], counts=count(findings),
        files_reviewed=files_reviewed, telemetry=telemetry,
    )
