"""A review compares the facts of a workload only where it reads other objects in head than in
base (`bot.checks.facts.compared_facts`): the facts of a workload whose autoscaler, budget,
service or own file changed are read on both sides, the others on neither, and the fact
changes are those of a whole-tree review with nothing cached."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.checks.facts
import bot.engine
from bot.checks.alike import recited, related_apart, same_objects
from bot.config import AriaConfig
from bot.decision.identity import ObjectMap
from bot.engine import ingest
from bot.graph.platform import build_graph
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory
from bot.ingest.source import GitRevisionSource
from tests.engine.second_push import assert_as_whole_tree, second_push
from tests.engine.test_review_equivalence import checkout, whole_tree
from tests.kustomize_repos import git

APP = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: main
          image: registry.example.com/{name}:1.0
          readinessProbe: {{httpGet: {{path: /healthz, port: 8080}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""

HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {name}, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
  minReplicas: {low}
  maxReplicas: 6
"""

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: shop}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: {name}}}}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Four apps, each with its autoscaler in a file of its own; `pr` changes the autoscaler
    of `cart`, adds a budget that selects `search`, and the image of `orders`."""
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    for name in ("cart", "search", "orders", "users"):
        (repo / "apps" / f"{name}.yaml").write_text(APP.format(name=name))
        (repo / "apps" / f"{name}-hpa.yaml").write_text(HPA.format(name=name, low=2))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "apps" / "cart-hpa.yaml").write_text(HPA.format(name="cart", low=3))
    (repo / "apps" / "search-pdb.yaml").write_text(PDB.format(name="search"))
    orders = repo / "apps" / "orders.yaml"
    orders.write_text(orders.read_text().replace(":1.0", ":1.1"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    return repo


def test_facts_are_read_again_exactly_where_what_they_read_changed(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scoped, read = second_push(repo, "pr", tmp_path, monkeypatch, bot.checks.facts,
                               "_workload", lambda graph, w, where: w.subject)
    assert sorted(read) == 2 * ["Deployment/shop/cart"] + 2 * ["Deployment/shop/orders"] + \
        2 * ["Deployment/shop/search"]  # users: the same objects read, equal facts
    assert_as_whole_tree(scoped, repo, "pr", tmp_path)
    moved = {(c.object, c.fact, c.before, c.after) for c in scoped.changes}
    assert moved == {
        ("Deployment/shop/cart", "replicas", "2–6", "3–6"),
        ("Deployment/shop/search", "disruption budget", "none",
         "PodDisruptionBudget/search (minAvailable 1)"),
        ("Deployment/shop/orders", "image", "registry.example.com/orders:1.0",
         "registry.example.com/orders:1.1")}


def test_with_a_rename_every_workload_s_facts_are_compared(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A renamed object's new name is written into the base's fact values that name it, so
    then no workload is left out, even one that reads the same objects on both sides."""
    git(repo, "checkout", "-q", "-b", "rename", "main")
    users = (repo / "apps" / "users.yaml").read_text()
    (repo / "apps" / "users.yaml").unlink()
    (repo / "apps" / "customers.yaml").write_text(users.replace("users", "customers"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "rename")
    scoped, read = second_push(repo, "rename", tmp_path, monkeypatch, bot.checks.facts,
                               "_workload", lambda graph, w, where: w.subject)
    assert {"Deployment/shop/cart", "Deployment/shop/search"} <= set(read)
    assert any(c.fact == "name" for c in scoped.changes)
    assert_as_whole_tree(scoped, repo, "rename", tmp_path)


def test_alike_means_the_very_same_objects_cited_through_the_same_renders():
    def doc() -> Document:
        return Document("k8s", "Deployment", "a", "k.yaml#build", 1, 9, {"spec": {}})

    one, equal = doc(), doc()
    assert one == equal and not same_objects([one], [equal])
    assert same_objects([one], [one]) and not same_objects([one], [one, one])
    base, head = Inventory(), Inventory()
    base.rendered["k.yaml#build"], head.rendered["k.yaml#build"] = [one], [one]
    base.rendered["gone.yaml#build"] = [one]
    assert recited(base, head) == {"gone.yaml#build"}
    head.rendered["k.yaml#build"] = [equal]  # rendered again: its lines may cite other files
    assert recited(base, head) == {"k.yaml#build", "gone.yaml#build"}


def test_advice_is_read_again_only_for_workloads_whose_objects_changed(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`users` reads the very same objects on both sides: its advice facts are the base's,
    marked as a whole-tree review marks them."""
    marked = _marked_advice(monkeypatch)
    scoped, read = second_push(repo, "pr", tmp_path, monkeypatch, bot.checks.facts, "_server",
                               lambda w, images: w.subject)
    assert sorted(read) == ["Deployment/shop/cart", "Deployment/shop/orders",
                            "Deployment/shop/search"]
    whole_tree(checkout(repo, "main", tmp_path / "base"), checkout(repo, "pr", tmp_path / "head"))
    assert marked[-2] == marked[-1]
    assert {a["object"]: a["change"] for a in marked[-1].values()} == {
        "Deployment/cart": "scaled-up", "Deployment/orders": "unchanged",
        "Deployment/search": "unchanged", "Deployment/users": "unchanged"}


def test_a_subject_two_base_workloads_wrote_has_its_advice_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base's advice on `users` is its second file's (2 replicas, then 5): once the change
    removes that file, the first file's `users`, unchanged, is advised on with its own floor."""
    repo = tmp_path / "dup"
    (repo / "apps").mkdir(parents=True)
    (repo / "apps" / "users.yaml").write_text(APP.format(name="users"))
    (repo / "apps" / "users2.yaml").write_text(  # the Deployment alone
        APP.format(name="users").split("---")[0].replace("replicas: 2", "replicas: 5"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    git(repo, "rm", "-q", "apps/users2.yaml")
    git(repo, "commit", "-qm", "head")
    marked = _marked_advice(monkeypatch)
    second_push(repo, "pr", tmp_path, monkeypatch, bot.checks.facts, "_server",
                lambda w, images: w.subject)
    whole_tree(checkout(repo, "main", tmp_path / "base"), checkout(repo, "pr", tmp_path / "head"))
    assert marked[-2] == marked[-1]
    assert marked[-1]["Deployment/shop/users"]["replicas"] == 2


def _marked_advice(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, dict]]:
    """Each review's head advice facts, as `mark_directions` leaves them."""
    marked: list[dict[str, dict]] = []
    real = bot.engine.mark_directions

    def record(base: dict, head: dict, objects: ObjectMap) -> None:
        real(base, head, objects)
        marked.append({k: v.model_dump() for k, v in head.items()})

    monkeypatch.setattr(bot.engine, "mark_directions", record)
    return marked


def test_a_budget_selecting_by_expression_alone_has_every_workload_looked_up(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A selector with no label pair to index it by may find any workload (`Apart.unkeyed`)."""
    git(repo, "checkout", "-q", "-b", "expressions", "main")
    (repo / "apps" / "users-pdb.yaml").write_text(PDB.format(name="users").replace(
        "{matchLabels: {app: users}}",
        "{matchExpressions: [{key: app, operator: In, values: [users]}]}"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "expressions")
    scoped, read = second_push(repo, "expressions", tmp_path, monkeypatch, bot.checks.facts,
                               "_workload", lambda graph, w, where: w.subject)
    assert sorted(read) == 2 * ["Deployment/shop/users"]
    assert ("Deployment/shop/users", "disruption budget") in {
        (c.object, c.fact) for c in scoped.changes}
    assert_as_whole_tree(scoped, repo, "expressions", tmp_path)


def test_objects_both_trees_have_in_another_order_have_every_workload_looked_up(
        repo: Path) -> None:
    """`related_apart` lists objects in their order: both trees have the very same services,
    in another order, so a workload's lookups may list them otherwise."""
    docs = ingest(GitRevisionSource(repo, "main"), AriaConfig()).documents
    base = build_graph(docs)
    services = [d for d in docs if d.kind == "Service"]
    swapped = [d for d in docs if d.kind != "Service"] + services[::-1]
    assert related_apart(base, build_graph(swapped), ()) is None
    apart = related_apart(base, build_graph(docs[:]), ())
    assert apart is not None and not any(apart.may_find(w) for w in base.workloads)


def test_the_files_a_second_push_changes_are_those_written_differently(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files whose objects are the base's own are unchanged, without comparing them."""
    changed = bot.engine._changed_paths
    _, seen = second_push(repo, "pr", tmp_path, monkeypatch, bot.engine, "_changed_paths",
                          lambda base, head: " ".join(sorted(changed(base, head))))
    assert seen == ["apps/cart-hpa.yaml apps/orders.yaml apps/search-pdb.yaml"]
