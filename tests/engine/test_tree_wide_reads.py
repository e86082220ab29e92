"""A rule whose check reads some documents wherever they are in the tree (`Check.anywhere`,
ADR 0021: the lock-in rules' kustomize Components, OBS003's monitors) is scoped to its reach
only while the change touches none of them: a review that adds or removes a Component moves
the lock-in findings of files it left as they were, and decides what a whole-tree review
decides; one that changes a provider setting alone is reviewed by object."""

from __future__ import annotations

import textwrap

import pytest

from bot.engine import review
from bot.ingest.source import MemorySource
from tests.engine.test_review_equivalence import outcome

FOLDER = "deploy/components/serving"
COMPONENT = {f"{FOLDER}/kustomization.yaml": """
    apiVersion: kustomize.config.k8s.io/v1alpha1
    kind: Component
    """}
PROVIDER = {  # one finding of each lock-in rule scoped by object
    f"{FOLDER}/svc.yaml": """
    apiVersion: v1
    kind: Service
    metadata:
      name: llm
      annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internal}
    spec:
      type: LoadBalancer
      selector: {app: llm}
      ports: [{port: 80, targetPort: 8000}]
    """,  # LOCK001
    f"{FOLDER}/sc.yaml": """
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: fast}
    provisioner: pd.csi.storage.gke.io
    """,  # LOCK002
    f"{FOLDER}/job.yaml": """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: warm}
    spec:
      template:
        spec:
          nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}
          containers:
            - name: warm
              image: busybox:1.36
          restartPolicy: Never
    """,  # LOCK004
    f"{FOLDER}/hc.yaml": """
    apiVersion: networking.gke.io/v1
    kind: HealthCheckPolicy
    metadata: {name: hc, namespace: serving}
    spec: {}
    """,  # LOCK007
}
RULES = {"LOCK001", "LOCK002", "LOCK004", "LOCK007"}
BARE = {f"{FOLDER}/job.yaml": PROVIDER[f"{FOLDER}/job.yaml"].replace(
    "nodeSelector: {cloud.google.com/gke-accelerator: nvidia-l4}", "nodeSelector: {}")}


def source(files: dict[str, str]) -> MemorySource:
    return MemorySource({p: textwrap.dedent(t).encode() for p, t in files.items()})


@pytest.mark.parametrize(("base", "head", "moved"), [
    # a Component written beside files the change leaves as they were isolates them
    (PROVIDER, {**PROVIDER, **COMPONENT}, {(rule, "fixed") for rule in RULES}),
    # and removing it makes them new
    ({**PROVIDER, **COMPONENT}, PROVIDER, {(rule, "new") for rule in RULES}),
    # a provider setting added outside any Component: by object, LOCK004 only
    ({**PROVIDER, **BARE}, PROVIDER, {("LOCK004", "new")}),
])
def test_a_change_to_what_lock_in_rules_read_anywhere_decides_as_a_whole_review(
        base: dict[str, str], head: dict[str, str], moved: set[tuple[str, str]]) -> None:
    scoped = review(source(base), source(head))
    whole = review(source(base), source(head), scoped=False)
    assert outcome(scoped) == outcome(whole)
    assert {(f.rule_id, f.status) for f in scoped.findings
            if f.rule_id.startswith("LOCK") and f.status in ("new", "fixed")} == moved
