"""A rule declared `reads: object` (ADR 0021) finds on a tree exactly what it finds on each of
the tree's documents alone, put together: the property a scoped review relies on when it takes
the judged base's findings for every document a change left as it was. A rule declared
`reads: neighbours` finds what it finds about each workload alone, and removing a document
(other than one of a kind its check reads anywhere, `Check.anywhere`) moves only what it finds
about the workloads that document is a neighbour of (`bot.graph.neighbours`): the property
a scoped review relies on when it asks such a rule only about the workloads whose
neighbourhood its change touched. Checked for every such rule on
every acceptance scenario, review fixture and fixture repository; a rule that reads more than
its declared reach is caught."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.graph.neighbours
from bot.catalog import RuleSpec, load_catalog
from bot.checks.contract import CheckParams, Hit
from bot.checks.evaluate import bind, hits
from bot.config import AriaConfig, config_of
from bot.engine import ingest, platform_graph
from bot.graph.neighbours import near
from bot.graph.platform import PlatformGraph, build_graph
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory
from bot.ingest.source import DirectorySource
from tests.conftest import FIXTURES, REPO_ROOT

TREES = sorted([p / side for root in (REPO_ROOT / "tests" / "scenarios", FIXTURES / "reviews")
                for p in root.iterdir() for side in ("base", "head") if (p / side).is_dir()]
               + [p for p in (FIXTURES / "repos").iterdir() if p.is_dir()])
OBJECT_RULES = [rule for rule in load_catalog() if rule.reads == "object"]
NEIGHBOURS_RULES = [rule for rule in load_catalog() if rule.reads == "neighbours"]


@functools.cache
def analysed(tree: Path) -> tuple[PlatformGraph, list[PlatformGraph], AriaConfig, Inventory]:
    """The tree's graph, a graph of each of its documents alone, its configuration, its files."""
    use_cache(ContentCache(None, 0))
    try:
        source = DirectorySource(tree)
        config, _ = config_of(source)
        inventory = ingest(source, config)
    finally:
        use_cache(None)
    graph = platform_graph(inventory, config)
    alone = [build_graph([doc], graph.serving_images, graph.hints) for doc in graph.documents]
    for part in alone:
        part.prices = graph.prices
    return graph, alone, config, inventory


def _key(hit: Hit) -> tuple[object, ...]:
    return (hit.subject, hit.path, hit.line, hit.detail, repr(hit.fields), repr(hit.evidence))


def reads_only_its_object(rule: RuleSpec, tree: Path,
                          anywhere: Callable[[CheckParams, Document], bool] | None = None,
                          ) -> bool:
    """Each document alone is a part of a tree of only the documents the rule's check reads
    anywhere (`anywhere`, its check's own by default)."""
    graph, alone, config, inventory = analysed(tree)
    check, params = bind(rule, config)
    read = check.anywhere if anywhere is None else anywhere
    vocabulary = build_graph([d for d in graph.documents if read(params, d)],
                             graph.serving_images, graph.hints)
    whole = Counter(map(_key, hits(rule, graph, config, inventory)))
    apart = Counter(_key(h) for part in alone
                    for h in hits(rule, part, config, inventory, vocabulary))
    return whole == apart


@functools.cache
def removals(tree: Path) -> list[tuple[Document, set[str], PlatformGraph]]:
    """For each document of the tree that reaches only some workloads: the document, the
    subjects of those workloads, and the tree's graph without it."""
    graph, _, _, _ = analysed(tree)
    out = []
    for doc in graph.documents:
        reached = near(graph, [doc])
        if reached is None:  # a node pool or Terraform: the review runs the rules whole
            continue
        rest = build_graph([d for d in graph.documents if d is not doc], graph.serving_images,
                           graph.hints)
        rest.prices = graph.prices
        out.append((doc, {w.subject for w in reached}, rest))
    return out


def finds_by_neighbourhood(rule: RuleSpec, tree: Path,
                           anywhere: Callable[[CheckParams, Document], bool] | None = None,
                           ) -> bool:
    """`anywhere`: the documents the rule's check reads anywhere in the tree (a review runs
    the rule whole when its change touches one), its check's own by default."""
    graph, _, config, inventory = analysed(tree)
    check, params = bind(rule, config)
    read = check.anywhere if anywhere is None else anywhere

    def found(part: PlatformGraph) -> Counter[tuple[object, ...]]:
        return Counter(map(_key, hits(rule, part, config, inventory)))

    def others(part: PlatformGraph, reached: set[str]) -> PlatformGraph:
        return part.about([w for w in part.workloads if w.subject not in reached])

    if found(graph) != sum((found(graph.about([w])) for w in graph.workloads), Counter()):
        return False
    return all(found(others(graph, reached)) == found(others(rest, reached))
               for doc, reached, rest in removals(tree) if not read(params, doc))


def nowhere(params: CheckParams, doc: Document) -> bool:
    return False


def test_there_are_trees_and_object_rules():
    assert len(TREES) > 150 and len(OBJECT_RULES) >= 30 and len(NEIGHBOURS_RULES) >= 10


@pytest.mark.parametrize("rule", NEIGHBOURS_RULES, ids=lambda r: r.id)
def test_a_rule_declared_neighbours_finds_by_neighbourhood(rule):
    assert [t for t in TREES if not finds_by_neighbourhood(rule, t)] == []


@pytest.mark.parametrize("rule_id", ["SPOF003"])
def test_a_rule_that_reads_beyond_its_neighbours_is_caught(rule_id):
    """A budget's finding names every workload it selects: declared `neighbours`, it fails
    the check somewhere."""
    rule = load_catalog().get(rule_id)
    assert rule is not None and rule.reads == "graph"
    wrong = rule.model_copy(update={"reads": "neighbours"})
    assert any(not finds_by_neighbourhood(wrong, t) for t in TREES)


def test_a_rule_that_reads_kinds_anywhere_is_caught_without_them():
    """Monitors reach workloads by their own selectors, from anywhere in the tree: OBS003 is
    `neighbours` only with its check's monitor kinds (`Check.anywhere`) run whole."""
    rule = load_catalog().get("OBS003")
    assert rule is not None and rule.reads == "neighbours"
    assert any(not finds_by_neighbourhood(rule, t, nowhere) for t in TREES)


@pytest.mark.parametrize(("link", "kinds", "rule_id"), [
    ("SCALER_KINDS", (), "HEAD008"),  # the HPA that fights spec.replicas
    ("SELECTING", ("Service",), "SPOF002"),  # the budget that covers the replicas
])
def test_a_neighbourhood_missing_a_link_is_caught(monkeypatch, link, kinds, rule_id):
    rule = load_catalog().get(rule_id)
    assert rule is not None and rule.reads == "neighbours"
    monkeypatch.setattr(bot.graph.neighbours, link, kinds)
    removals.cache_clear()
    try:
        assert any(not finds_by_neighbourhood(rule, t) for t in TREES)
    finally:
        removals.cache_clear()


@pytest.mark.parametrize("rule", OBJECT_RULES, ids=lambda r: r.id)
def test_a_rule_declared_object_finds_per_document(rule):
    assert [t for t in TREES if not reads_only_its_object(rule, t)] == []


COMPONENT = {"kustomize/components/serving/kustomization.yaml":
             "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
             "kustomize/components/serving/hc.yaml":
             "apiVersion: networking.gke.io/v1\nkind: HealthCheckPolicy\n"
             "metadata: {name: hc, namespace: serving}\nspec: {}\n"}


def test_a_rule_that_reads_components_anywhere_is_caught_without_them(tmp_path: Path):
    """A kustomize Component isolates the lock-in below its folder, from wherever it is
    written: LOCK007 is `object` only with its check's Components (`Check.anywhere`) read
    from the whole tree."""
    for path, text in COMPONENT.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    rule = load_catalog().get("LOCK007")
    assert rule is not None and rule.reads == "object"
    assert reads_only_its_object(rule, tmp_path)
    assert not reads_only_its_object(rule, tmp_path, nowhere)


@pytest.mark.parametrize("rule_id", ["SPOF001", "SPOF002", "RBAC004", "HEAD013", "HEAD014"])
def test_a_rule_that_reads_beyond_its_object_is_caught(rule_id):
    """The minimum replicas come from an HPA, a budget is matched by selector, a binding reads
    its role, a ceiling and a node selector their node pools: declared `object`, each fails the
    check somewhere."""
    rule = load_catalog().get(rule_id)
    assert rule is not None and rule.reads != "object"
    wrong = rule.model_copy(update={"reads": "object"})
    assert any(not reads_only_its_object(wrong, t) for t in TREES)
