"""A review's head graph takes the base graph's work on the documents both trees share (the very
same objects, `build_graph(base=...)`): it must be the graph built from scratch, whatever the
change, and it must leave the base graph as it was."""

from __future__ import annotations

import copy
import dataclasses
import textwrap
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import AriaConfig
from bot.decision.identity import head_pools, head_roles, match_objects
from bot.engine import ingest
from bot.graph.platform import PlatformGraph, build_graph
from bot.graph.roles import RoleHints
from bot.graph.workloads import PriorRole
from bot.ingest.documents import Document
from bot.ingest.source import DirectorySource, MemorySource

ROOT = Path(__file__).resolve().parents[2]
TREES = sorted([*(p for p in (ROOT / "tests" / "fixtures" / "repos").iterdir() if p.is_dir()),
                ROOT / "examples" / "gpu-serving" / "base"])
CONFIG = AriaConfig()
HINTS = RoleHints(tuple(CONFIG.test_fixture_dirs), tuple(CONFIG.benchmark_dirs),
                  tuple(CONFIG.benchmark_clients))
IMAGES = tuple(CONFIG.serving_images)


@cache
def _documents(tree: str) -> tuple[Document, ...]:
    return tuple(ingest(DirectorySource(Path(tree)), CONFIG).documents)


def _shape(graph: PlatformGraph) -> tuple[Any, ...]:
    """Everything the graph holds, its workloads' and pools' documents by identity."""
    return (graph.documents, dict(graph.by_kind), graph.workloads, graph.node_pools,
            graph.bindings, [id(w.doc) for w in graph.workloads],
            [id(p.doc) for p in graph.node_pools],
            [[(c.gpus, c.accelerated) for c in w.containers] for w in graph.workloads])


def _review_graphs(base: PlatformGraph, head: list[Document], images: tuple[str, ...] = IMAGES,
                   ) -> tuple[PlatformGraph, PlatformGraph]:
    """The head graph with the base's work taken, and built from scratch, as a review does."""
    objects = match_objects(base, head)
    assert objects == match_objects(base, head) == match_objects(base.documents, head)
    prior = head_roles(objects, base)
    # the base's roles are worked out once (`PlatformGraph.roles`): as each workload's, re-keyed
    assert prior == head_roles(objects, base) == {
        objects.head_subject(w.subject): PriorRole(w.serving, {
            objects.head_detail(w.subject, name): value for name, value in w.role().gpus.items()})
        for w in base.workloads}
    pools = head_pools(objects, base.node_pools)
    before = repr(_shape(base))
    carried = build_graph(head, images, HINTS, prior, pools, base=base)
    assert repr(_shape(base)) == before  # the base graph is the judged base's: never changed
    return carried, build_graph(head, images, HINTS, prior, pools)


def _containers(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "image" in value:
            yield value
        for item in value.values():
            yield from _containers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _containers(item)


def _set_image(image: str) -> Callable[[Any], None]:
    def edit(body: Any) -> None:
        for c in _containers(body):
            c["image"] = image
    return edit


def _set_gpus(count: int) -> Callable[[Any], None]:
    def edit(body: Any) -> None:
        for c in _containers(body):
            limits = c.setdefault("resources", {}).setdefault("limits", {})
            if count:
                limits["nvidia.com/gpu"] = count
            else:
                limits.pop("nvidia.com/gpu", None)
    return edit


def _set_command(argv: list[str]) -> Callable[[Any], None]:
    def edit(body: Any) -> None:
        for c in _containers(body):
            c["command"] = list(argv)
    return edit


def _bump_numbers(value: Any) -> None:
    """Every number one up: replicas, GPU counts, pool sizes, a variable's default."""
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, item in list(items):
        if isinstance(item, int) and not isinstance(item, bool):
            value[key] = item + 1
        else:
            _bump_numbers(item)


BODY_EDITS: dict[str, Callable[[Any], None]] = {
    "vllm image": _set_image("vllm/vllm-openai:v0.6.0"),
    "plain image": _set_image("nginx:1.27"),
    "load generator": _set_image("nvcr.io/nvidia/tritonserver:24.08-py3-sdk"),
    "one GPU": _set_gpus(1),
    "no GPU": _set_gpus(0),
    "tritonserver": _set_command(["tritonserver", "--model-repository=/models"]),
    "serve run": _set_command(["serve", "run", "app:deployment"]),
    "a script": _set_command(["python", "main.py"]),
    "numbers": _bump_numbers,
}


def _edited(doc: Document, edit: str) -> Document:
    """A new object for the document, changed by `edit` (the same content: "copy")."""
    body = copy.deepcopy(doc.body)
    changes: dict[str, Any] = {}
    if edit in BODY_EDITS and isinstance(body, dict):
        BODY_EDITS[edit](body)
    elif edit == "batch":
        changes["kind"] = "Job"
    elif edit == "rename":
        changes["name"] = doc.name + "-v2"
    elif edit == "benchmark dir":
        changes["path"] = "benchmarks/" + doc.path
    elif edit == "namespace":
        changes["namespace"] = "elsewhere"
    return dataclasses.replace(doc, body=body, _derived=None, **changes)


EDITS = [*BODY_EDITS, "batch", "rename", "benchmark dir", "namespace", "copy", "drop", "twice",
         "listed twice"]


def _head(base: tuple[Document, ...], edits: list[tuple[int, str]]) -> list[Document]:
    head = list(base)
    for at, edit in edits:
        if not head:
            break
        at %= len(head)
        if edit == "drop":
            del head[at]
        elif edit == "twice":
            head.insert(at, _edited(head[at], "copy"))
        elif edit == "listed twice":
            head.insert(at, head[at])
        else:
            head[at] = _edited(head[at], edit)
    return head


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.sampled_from([str(t) for t in TREES]),
       edits=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(EDITS)),
                      min_size=1, max_size=4))
def test_a_head_graph_that_takes_the_bases_work_is_the_graph_built_from_scratch(
        tree: str, edits: list[tuple[int, str]]) -> None:
    docs = _documents(tree)
    base = build_graph(list(docs), IMAGES, HINTS)
    carried, scratch = _review_graphs(base, _head(docs, edits))
    assert _shape(carried) == _shape(scratch)


def test_the_unchanged_documents_work_is_taken_from_the_base() -> None:
    docs = list(_documents(str(ROOT / "tests" / "fixtures" / "repos" / "llm-serving")))
    base = build_graph(docs, IMAGES, HINTS)
    carried, _ = _review_graphs(base, docs)
    assert carried.workloads and all(
        c is b for w, v in zip(carried.workloads, base.workloads, strict=True)
        for c, b in zip(w.containers, v.containers, strict=True) if not c.gpus)


def test_a_base_that_lists_a_document_twice_is_read_again() -> None:
    docs = list(_documents(str(ROOT / "tests" / "fixtures" / "repos" / "llm-serving")))
    twice = [*docs, *docs]
    base = build_graph(twice, IMAGES, HINTS)
    carried, scratch = _review_graphs(base, twice)
    assert _shape(carried) == _shape(scratch)
    assert len(carried.workloads) == 2 * len(build_graph(docs, IMAGES, HINTS).workloads)


def _tree(text: str) -> list[Document]:
    files = {"k8s/llm.yaml": textwrap.dedent(text).encode()}
    return ingest(MemorySource(files), CONFIG).documents


LLM = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: llm, namespace: serving}
    spec:
      template:
        metadata: {labels: {app: llm}}
        spec: {containers: [{name: main, image: acme/llm-api:1.0}]}
    """


def test_a_vocabulary_the_base_did_not_read_is_read_again() -> None:
    docs = _tree(LLM)
    base = build_graph(docs, IMAGES, HINTS)
    carried, scratch = _review_graphs(base, docs, (*IMAGES, "llm-api"))
    assert [w.serving for w in carried.workloads] == [w.serving for w in scratch.workloads] \
        == [True]
    images, client = (*IMAGES, "llm-api"), dataclasses.replace(HINTS, benchmark_clients=("llm",))
    served = build_graph(docs, images, HINTS)
    carried = build_graph(docs, images, client, base=served)
    assert _shape(carried) == _shape(build_graph(docs, images, client))
    assert [w.serving for w in served.workloads] == [True]
    assert [w.serving for w in carried.workloads] == [False]


def test_a_base_side_that_served_makes_an_unchanged_workload_serve() -> None:
    """The role of a head workload also reads its base side: another base object's, when the
    change renamed that one to this one's identity (here, by hand, a GPU server's)."""
    docs = _tree(LLM)
    base = build_graph(docs, IMAGES, HINTS)
    assert not base.workloads[0].serving
    (subject,) = [w.subject for w in base.workloads]
    for prior in ({subject: dataclasses.replace(base.workloads[0].role(), serving=True)},
                  {subject: dataclasses.replace(
                      base.workloads[0].role(), gpus={"main": (1, "k8s/llm.yaml", 9)})}):
        carried = build_graph(docs, IMAGES, HINTS, prior, base=base)
        assert _shape(carried) == _shape(build_graph(docs, IMAGES, HINTS, prior))
        assert carried.workloads[0].serving and carried.workloads[0].prior == prior[subject]
        # a graph whose workloads have a base side is no base to take them from
        again = build_graph(docs, IMAGES, HINTS, base=carried)
        assert _shape(again) == _shape(base)
    assert not base.workloads[0].serving and base.workloads[0].prior is None


POOL = """
    resource "aws_eks_node_group" "gpu" {
      cluster_name  = "platform"
      instance_types = ["g5.2xlarge"]
      capacity_type  = var.capacity
      scaling_config {
        min_size     = 1
        max_size     = 4
        desired_size = 1
      }
    }
    """


def test_a_terraform_pool_reads_its_variables_again() -> None:
    """An unchanged node group whose variable's default a change moves: a neighbour of it."""
    def tree(capacity: str) -> list[Document]:
        variables = f'variable "capacity" {{\n  default = "{capacity}"\n}}\n'
        return ingest(MemorySource({"tf/pool.tf": textwrap.dedent(POOL).encode(),
                                    "tf/variables.tf": variables.encode()}), CONFIG).documents

    base_docs = tree("ON_DEMAND")
    base = build_graph(base_docs, IMAGES, HINTS)
    pool_doc = next(d for d in base_docs if d.kind == "aws_eks_node_group")
    head = [pool_doc if d.kind == "aws_eks_node_group" else d for d in tree("SPOT")]
    carried, scratch = _review_graphs(base, head)
    assert [p.spot for p in base.node_pools] == [False]
    assert [p.spot for p in carried.node_pools] == [p.spot for p in scratch.node_pools] == [True]
