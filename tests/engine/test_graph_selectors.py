"""Which Services and PodDisruptionBudgets select a workload: the graph's index answers as a
scan of every one of them with the selector semantics would."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.config import AriaConfig, config_of
from bot.engine import ingest, platform_graph
from bot.graph.platform import PlatformGraph, _ns_match, _selects
from bot.ingest.source import DirectorySource, MemorySource

FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"

MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: llm, namespace: serving}
spec:
  replicas: 2
  selector: {matchLabels: {app: llm}}
  template:
    metadata: {labels: {app: llm, tier: web, track: stable}}
    spec: {containers: [{name: server, image: vllm/vllm-openai:v0.6.0}]}
---
apiVersion: v1
kind: Service
metadata: {name: llm-b, namespace: serving}
spec: {selector: {tier: web, app: llm}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: llm-a}
spec: {selector: {app: llm}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: canary, namespace: serving}
spec: {selector: {app: llm, track: canary}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: elsewhere, namespace: other}
spec: {selector: {app: llm}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless-external, namespace: serving}
spec: {type: ExternalName, externalName: example.com}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: by-expression, namespace: serving}
spec:
  minAvailable: 1
  selector: {matchExpressions: [{key: track, operator: In, values: [stable, beta]}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: not-stable, namespace: serving}
spec:
  minAvailable: 1
  selector: {matchExpressions: [{key: track, operator: NotIn, values: [stable]}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: by-label, namespace: serving}
spec: {minAvailable: 1, selector: {matchLabels: {app: llm}}}
"""


def _graph(files: dict[str, bytes]) -> PlatformGraph:
    config = AriaConfig()
    return platform_graph(ingest(MemorySource(files), config), config)


def test_services_and_pdbs_that_select_a_workload():
    graph = _graph({"k8s/llm.yaml": textwrap.dedent(MANIFESTS).encode()})
    [llm] = graph.workloads
    # both label pairs, or one; any namespace when the Service has none; file order kept
    assert [d.name for d in graph.services_for(llm)] == ["llm-b", "llm-a"]
    assert [d.name for d in graph.pdbs_for(llm)] == ["by-expression", "by-label"]


def test_a_selector_the_workload_lacks_a_label_of_selects_nothing():
    graph = _graph({"k8s/llm.yaml": textwrap.dedent(MANIFESTS).replace(
        "labels: {app: llm, tier: web, track: stable}", "labels: {app: llm-v2}").encode()})
    [llm] = graph.workloads
    assert graph.services_for(llm) == []
    assert [d.name for d in graph.pdbs_for(llm)] == ["not-stable"]  # NotIn: no track label


def _scan(graph: PlatformGraph, kind: str, namespace: str, labels: dict[str, str]) -> list:
    return [d for d in graph.kind(kind) if _ns_match(d.namespace, namespace)
            and _selects((d.body.get("spec") or {}).get("selector"), labels)]


def test_the_index_agrees_with_a_scan_on_the_fixture_repositories():
    selected = 0
    for repo in sorted(p for p in FIXTURE_REPOS.iterdir() if p.is_dir()):
        source = DirectorySource(repo)
        config, _ = config_of(source)
        graph = platform_graph(ingest(source, config), config)
        for w in graph.workloads:
            services = graph.services_for(w)
            assert services == _scan(graph, "Service", w.namespace, w.labels), (repo.name, w)
            assert graph.pdbs_for(w) == _scan(graph, "PodDisruptionBudget", w.namespace,
                                              w.labels), (repo.name, w)
            selected += len(services)
    assert selected >= 3  # the comparison covered workloads that Services select
