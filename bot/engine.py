"""The review engine: ingest → graph → rules → decision, for a change or a whole tree."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from operator import lt
from typing import TypeVar

from bot.catalog import Catalog, load_catalog
from bot.checks.evaluate import Before, Made, Reuse, Settled, Signature, run_rules
from bot.checks.facts import Tree, advice_facts, compared_facts, known_advice, unmoved
from bot.checks.scope import change_scope
from bot.config import AriaConfig, config_of
from bot.decision.build import build_decision
from bot.decision.changes import fact_changes, mark_directions, unchanged_advice
from bot.decision.diff import JudgedFindings, diff_findings
from bot.decision.focus import focus
from bot.decision.identity import head_pools, head_roles, match_objects
from bot.decision.model import Decision
from bot.findings import Finding
from bot.graph.nodepools import PriorPool
from bot.graph.platform import PlatformGraph, build_graph
from bot.graph.prices import load_prices
from bot.graph.roles import RoleHints
from bot.graph.workloads import PriorRole
from bot.ingest.cache import aria_digest, entry_key, shared_cache
from bot.ingest.documents import Document, ParseProblem
from bot.ingest.kustomize import render_kustomizations, renderer_identity
from bot.ingest.loader import Inventory, Progress, load_inventory
from bot.ingest.rendered import set_aside_patches
from bot.ingest.source import Source
from bot.judged_pickle import dumps
from bot.probes.changes import probe_changes
from bot.telemetry.gate import telemetry_for_audit, telemetry_for_review
from bot.text import quote
from bot.tradeoffs import AdviceFacts


@dataclass
class Analysis:
    inventory: Inventory
    graph: PlatformGraph
    findings: list[Finding]
    by_rule: dict[str, list[Finding]]  # each rule's findings, for a review to reuse
    signed: dict[str, dict[Signature, Finding]]  # and by their hits' signatures (a base's)
    settled: Settled  # the findings before they were sorted and suppressed (a base's)


def ingest(source: Source, config: AriaConfig, workers: int | None = None,
           progress: Progress | None = None, prior: Inventory | None = None) -> Inventory:
    """`prior`: another revision's inventory (a review's base), whose work on the files and
    overlays a change did not reach is taken as it is (`Ledger`)."""
    inventory = load_inventory(source, config.ingest.max_file_bytes,
                               tuple(config.ingest.exclude), workers, progress, prior)
    set_aside_patches(inventory, prior)
    if config.ingest.kustomize == "auto":
        render_kustomizations(source, inventory, prior)
    return inventory


def platform_graph(inventory: Inventory, config: AriaConfig,
                   prior: dict[str, PriorRole] | None = None,
                   prior_pools: dict[str, PriorPool] | None = None,
                   base: PlatformGraph | None = None) -> PlatformGraph:
    """The graph of one tree, with the repository's vocabulary for serving and its non-users;
    `prior` and `prior_pools` give a review's head workloads and node pools their base side,
    `base` the base's graph, whose work on the documents the head shares is taken."""
    hints = RoleHints(tuple(config.test_fixture_dirs), tuple(config.benchmark_dirs),
                      tuple(config.benchmark_clients))
    graph = build_graph(inventory.documents, config.serving_images, hints, prior, prior_pools,
                        base)
    graph.prices = load_prices()
    return graph


def evaluate(inventory: Inventory, config: AriaConfig, catalog: Catalog,
             prior: dict[str, PriorRole] | None = None,
             prior_pools: dict[str, PriorPool] | None = None,
             reuse: Reuse | None = None, made: Made | None = None,
             sign: bool = False, base: PlatformGraph | None = None,
             before: Before | None = None) -> Analysis:
    """One tree's graph and findings; in a review's head, `base` is the base's graph (its work
    on the documents both share is taken) and `before` the base's findings as settled."""
    graph = platform_graph(inventory, config, prior, prior_pools, base)
    judged = run_rules(graph, catalog, config, inventory, reuse, made, sign, before)
    return Analysis(inventory, graph, judged.findings, judged.by_rule, judged.signed,
                    judged.settled)


def analyse(source: Source, config: AriaConfig, catalog: Catalog | None = None,
            workers: int | None = None, progress: Progress | None = None) -> Analysis:
    """A whole tree, with production telemetry when the operator configured it. The tree's
    parsed files are none of them garbage, and the rules only read them: collector passes over
    them (and over what the command imported) were a tenth of a cold audit's own CPU."""
    with _spared_by_collector(lambda: ingest(source, config, workers, progress)) as inventory:
        inventory.telemetry = telemetry_for_audit(inventory, config.telemetry, config.headroom,
                                                  config.serving_images)
        return evaluate(inventory, config, catalog or load_catalog())


@dataclass
class _Base:
    analysis: Analysis
    advice: dict[str, AdviceFacts]
    _findings: JudgedFindings | None = field(default=None, repr=False)
    _written: _Written | None = field(default=None, repr=False)
    _unchanged: dict[str, AdviceFacts] | None = field(default=None, repr=False)

    def findings(self) -> JudgedFindings:
        """Its findings indexed for the diff, once for every push against it (a warm worker
        holds the base)."""
        if self._findings is None:
            self._findings = JudgedFindings.of(self.analysis.findings)
        return self._findings

    def written(self) -> _Written:
        """Its written objects, placed, once for every push against it."""
        if self._written is None:
            self._written = _Written.of(_written(self.analysis.inventory))
        return self._written

    def unchanged_advice(self) -> dict[str, AdviceFacts]:
        """Its advice facts as an unmoved head workload's, once for every push against it."""
        if self._unchanged is None:
            self._unchanged = unchanged_advice(self.advice)
        return self._unchanged


def _base_side(base: Source, config: AriaConfig, catalog: Catalog) -> _Base:
    """The base of a review, judged alone: the same for every push to a pull request, so kept
    in the content-addressed cache under the tree's content, the configuration and the code
    and renderer that judged it (a directory, which can change, is judged each time). Its
    parsed files and rendered overlays come with it, for the head to share."""
    content = base.content_key()
    key = None if content is None else entry_key(
        "base", aria_digest(), renderer_identity(), content, config.model_dump_json())
    cache = shared_cache()
    cached = cache.get(key) if key is not None else None
    if isinstance(cached, _Base):
        cache.prime(cached.analysis.inventory.parts)
        return cached
    analysis = evaluate(ingest(base, config), config, catalog, sign=True)
    judged = _Base(analysis, advice_facts(analysis.graph))
    if key is not None:
        # pickled to load fast (every push loads it); only where it is written to disk
        cache.put(key, judged, dumps(judged) if cache.folder is not None else None)
    return judged


T = TypeVar("T")


@contextlib.contextmanager
def _spared_by_collector(load: Callable[[], T]) -> Iterator[T]:
    """`load()` (an audit's parsed tree: a tree's worth of objects, none of them garbage) made
    without cyclic-collector passes, and left out of the passes until the block ends, then
    handed back. Each full pass traversed the whole loaded tree again (a review's judged base:
    about a third of its CPU at 2,000 files, growing with the tree, before `_collector_held`).
    The rules' own objects are collected as usual. A process that froze objects itself (a
    pre-fork server) keeps its own arrangement."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        value = load()
    finally:
        if was_on:
            gc.enable()
    if gc.get_freeze_count():
        yield value
        return
    gc.freeze()
    try:
        yield value
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _collector_held() -> Iterator[None]:
    """No cyclic-collector pass until the block ends; then what the block made and kept goes to
    the oldest generation, where the next full pass finds it, instead of one young pass over
    all of it. A review keeps nearly all it makes to its end (trees, graphs, findings): in a
    50-file review the passes found 204 objects to free and cost 6 ms of the 125 ms after
    start-up. A collector already off, or a process that froze objects itself (a pre-fork
    server), is left as it is."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # all tracked objects to the permanent generation,
        gc.unfreeze()  # then to the oldest: no pass over them on the way
        gc.enable()


def _summary(graph: PlatformGraph) -> str:
    serving = sum(1 for w in graph.workloads if w.serving)
    gpu = sum(1 for w in graph.workloads if w.gpus_per_pod)
    return (f"{len(graph.documents)} objects, {len(graph.workloads)} workloads "
            f"({serving} serving, {gpu} requesting GPUs), {len(graph.node_pools)} node pools")


def review(base: Source, head: Source, config: AriaConfig | None = None,
           title: str | None = None, in_ci: bool = False, scoped: bool = True) -> Decision:
    """Findings the change from `base` to `head` introduces, fixes, or leaves in place;
    `in_ci`: the review is posted from CI (no advice to set up CI); `scoped`: rules that read
    only their object run on the documents the change touched (ADR 0021), the same decision as
    running every rule over the whole head (False: what the equivalence checks compare with).

    The configuration comes from the base side, so a change cannot switch off its own checks.
    """
    with _collector_held():
        if config is None:
            config, _ = config_of(base)
        catalog = load_catalog()
        judged = _base_side(base, config, catalog)
        before = judged.analysis
        # the base's work is reused in the scoped review only: the whole-head one, what the
        # equivalence checks compare it with, reads and keys every file and overlay again
        base_inventory = before.inventory
        head_inventory = ingest(head, config, prior=base_inventory if scoped else None)
        head_inventory.measurements = probe_changes(base_inventory, head_inventory, config)
        head_inventory.telemetry = telemetry_for_review(base_inventory, head_inventory,
                                                        config.telemetry, config.headroom,
                                                        config.serving_images)
        objects = match_objects(before.graph, head_inventory.documents)
        prior = head_roles(objects, before.graph)
        prior_pools = head_pools(objects, before.graph.node_pools)
        scope = change_scope(before.graph, base_inventory, before.by_rule, before.signed,
                             before.settled, before.findings, head_inventory, config, prior,
                             prior_pools) if scoped else None
        after = evaluate(head_inventory, config, catalog, prior, prior_pools,
                         scope.findings if scope is not None else None,
                         scope.made if scope is not None else None,
                         base=before.graph if scoped else None,
                         before=scope.before if scope is not None else None)
        findings = diff_findings(before.findings, after.findings, catalog, objects,
                                 judged.findings() if scoped else None)
        changed = _changed_paths(judged.written(), after.inventory)
        context = (f"This change touches **{len(changed)}** reviewed file(s) between "
                   f"{quote(base.label)} and {quote(head.label)}. Head: {_summary(after.graph)}; "
                   f"{after.inventory.files_read} files read.")
        trees = Tree(before.graph, before.inventory), Tree(after.graph, after.inventory)
        same = unmoved(*trees, objects if scoped else None)
        advice = advice_facts(after.graph, known_advice(before.graph, judged.unchanged_advice(),
                                                        same))
        mark_directions(judged.advice, advice, objects)
        decision = build_decision(
            mode="review", title=title or f"Review of {head.label} against {base.label}",
            findings=findings, catalog=catalog, config=config,
            files_reviewed=after.inventory.files_read, context=context, base=base.label,
            head=head.label, notes=after.inventory.notes, telemetry=head_inventory.telemetry,
            advice=advice, in_ci=in_ci)
        decision.measurements = head_inventory.measurements
        decision.changes = fact_changes(*compared_facts(*trees, same), objects)
        return decision


def audit(source: Source, config: AriaConfig | None = None, title: str | None = None,
          workers: int | None = None, progress: Progress | None = None,
          only: Collection[str] | None = None, in_ci: bool = False) -> Decision:
    """Findings of the whole tree, or with `only`, of those files (the tree still read whole, so
    rules that relate objects across files see all of them); `in_ci` as for `review`."""
    if config is None:
        config, _ = config_of(source)
    catalog = load_catalog()
    result = analyse(source, config, catalog, workers, progress)
    findings = result.findings
    context = (f"Repository-wide audit of {quote(source.label)}: "
               f"{result.inventory.files_read} files read, {_summary(result.graph)}.")
    if only is not None:
        findings = [f for f in findings if f.location.path in only]
        context += f" Findings are reported for the {len(only)} file(s) named."
    return build_decision(
        mode="audit", title=title or f"Audit of {source.label}", findings=findings,
        catalog=catalog, config=config, files_reviewed=result.inventory.files_read,
        context=context, notes=result.inventory.notes, telemetry=result.inventory.telemetry,
        advice=advice_facts(result.graph), in_ci=in_ci)


def decide(source: Source, title: str, config: AriaConfig | None = None) -> Decision:
    """`aria adr new TITLE --from PATH`: the decision about the title's subject, with the tree's
    findings on that subject as its drivers and options."""
    if config is None:
        config, _ = config_of(source)
    catalog = load_catalog()
    result = analyse(source, config, catalog)
    about = focus(result.findings, title, catalog)
    rules = sorted({f.rule_id for f in about.findings})
    if about.matched:
        context = (f"The decision “{title}” for `{source.label}`: **{len(about.findings)}** of "
                   f"its {len(result.findings)} finding(s) concern it "
                   f"({', '.join(f'`{r}`' for r in rules[:8])}"
                   f"{f' and {len(rules) - 8} more' if len(rules) > 8 else ''}). "
                   f"Read from {result.inventory.files_read} files: {_summary(result.graph)}.")
    else:
        context = (f"The title “{title}” names no rule, family or object with a finding in "
                   f"`{source.label}`, so all {len(result.findings)} finding(s) are listed. "
                   f"Read from {result.inventory.files_read} files: {_summary(result.graph)}.")
    return build_decision(
        mode="adr", title=title, findings=about.findings, catalog=catalog, config=config,
        files_reviewed=result.inventory.files_read, context=context,
        notes=result.inventory.notes, telemetry=result.inventory.telemetry,
        advice=advice_facts(result.graph), relevance=about.relevance)


Written = Document | ParseProblem


@dataclass(frozen=True)
class _Written:
    """A tree's written objects (rendered objects change only when their files do), each one's
    place among them by `id`, and by path: a judged base's, made once for every push."""

    items: list[Written]
    place: dict[int, int]
    by_path: dict[str, list[Written]]

    @classmethod
    def of(cls, items: list[Written]) -> _Written:
        return cls(items, {id(i): n for n, i in enumerate(items)}, _by_path(items))

    def __reduce__(self) -> tuple[Callable[[list[Written]], _Written], tuple[list[Written]]]:
        # made again where it is loaded: `id`s do not survive a pickle
        return _Written.of, (self.items,)


def _written(inventory: Inventory) -> list[Written]:
    return [*(d for d in [*inventory.documents, *inventory.sources] if d.source_map is None),
            *inventory.problems]


def _by_path(items: Iterable[Written]) -> dict[str, list[Written]]:
    out: dict[str, list[Written]] = {}
    for item in items:
        out.setdefault(item.path, []).append(item)
    return out


def _changed_paths(base: _Written, head: Inventory) -> set[str]:
    def text(item: Written) -> tuple[int, int, str]:
        if isinstance(item, ParseProblem):
            return item.line or 0, 0, item.reason
        return item.line, item.end_line, repr(item.body)

    def same(x: list[Written], y: list[Written]) -> bool:
        # An unchanged file's objects are the very objects of the base (one parse, cached).
        return len(x) == len(y) and all(i is j or text(i) == text(j)
                                        for i, j in zip(x, y, strict=True))

    now = _written(head)
    # Where the objects both sides share are in the same order (their places in base rise),
    # a path none of the others has lists the very same objects on both sides: only the
    # others' paths are compared (indexing every object of both trees was most of this).
    places = [p for i in now if (p := base.place.get(id(i))) is not None]
    if all(map(lt, places, places[1:])):
        gone = set(range(len(base.items))).difference(places)
        apart = {base.items[p].path for p in gone} | \
            {i.path for i in now if id(i) not in base.place}
        a = {p: base.by_path[p] for p in apart if p in base.by_path}
        b = _by_path(i for i in now if i.path in apart)
    else:
        a, b = base.by_path, _by_path(now)
    return {p for p in a.keys() | b.keys() if not same(a.get(p, []), b.get(p, []))}
