"""Ingest: every file parses or becomes a finding naming it; nothing stops the run."""

from bot.ingest.loader import load_inventory
from bot.ingest.source import MemorySource
from tests.conftest import findings_for

DEPLOY = b"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""

BOMB = b"""a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def _inventory(files: dict[str, bytes], **kw):
    return load_inventory(MemorySource(files), **kw)


def test_documents_remember_lines_and_kinds():
    text = DEPLOY + b"---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n" \
                    b"    kind: Service\n    metadata: {name: web}\n" \
                    b"---\napiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n"
    inv = _inventory({"app.yaml": text})
    kinds = [(d.kind, d.name, d.line) for d in inv.documents]
    assert kinds == [("Deployment", "web", 1), ("Service", "web", 16), ("Gizmo", "g", 20)]
    deploy = inv.documents[0]
    assert deploy.line_at("spec", "replicas") == 6
    assert deploy.line_at("spec", "template", "spec", "containers", 0, "image") == 11


def test_bad_files_each_become_one_problem_and_the_rest_is_read():
    files = {
        "good.yaml": DEPLOY,
        "broken.yaml": b"apiVersion: v1\nkind: Service\nmetadata: {name: [x\n",
        "bomb.yaml": BOMB,
        "blob.yaml": b"\x00\x01\x02binary",
        "latin1.yaml": "name: caf\xe9\n".encode("latin-1"),
        "big.yaml": b"a: b\n" * 400,
        "model/config.pbtxt": b"name: \"m\"\nmax_batch_size: ${BATCH}\n",
        "main.tf": b'resource "aws_s3_bucket" "weights" {\n  bucket = \n',
    }
    inv = _inventory(files, max_bytes=1000)
    reasons = {p.path: p.reason for p in inv.problems}
    assert set(reasons) == set(files) - {"good.yaml"}
    assert "invalid YAML" in reasons["broken.yaml"]
    assert "alias bomb" in reasons["bomb.yaml"]
    assert "binary" in reasons["blob.yaml"]
    assert "UTF-8" in reasons["latin1.yaml"]
    assert "over the 1,000-byte limit" in reasons["big.yaml"]
    assert "Triton would reject" in reasons["model/config.pbtxt"]
    assert "it is a template (${BATCH} filled in by a tool)" in reasons["model/config.pbtxt"]
    assert "HCL" in reasons["main.tf"]
    assert [d.name for d in inv.documents] == ["web"]


def test_parse_problems_are_findings_with_file_and_line():
    found = findings_for({"broken.yaml": "kind: Service\nmetadata: {name: [x\n"},
                         rule="INGEST001")
    assert len(found) == 1
    assert found[0].location.path == "broken.yaml"
    assert found[0].location.line == 3


def test_terraform_keeps_addresses_and_lines():
    tf = b'''variable "gpus" {
  default = 2
}

resource "google_container_node_pool" "gpu" {
  name = "gpu"
  autoscaling {
    min_node_count = 1
    max_node_count = 3
  }
}
'''
    inv = _inventory({"infra/pool.tf": tf})
    docs = {d.name: d for d in inv.documents}
    assert docs["google_container_node_pool.gpu"].line == 5
    assert docs["variable.gpus"].kind == "variable"


def test_triton_config_parsed_into_model_config():
    pbtxt = b'name: "resnet"\nmax_batch_size: 8\ndynamic_batching {\n' \
            b'  max_queue_delay_microseconds: 100\n}\n'
    inv = _inventory({"models/resnet/config.pbtxt": pbtxt})
    (doc,) = inv.documents
    assert doc.kind == "TritonModelConfig" and doc.name == "resnet"
    assert doc.body["dynamic_batching"]["max_queue_delay_microseconds"] == "100"
    assert doc.line_at("dynamic_batching", "max_queue_delay_microseconds") == 4


def test_helm_templates_are_reported_unrendered_and_values_checked():
    files = {
        "charts/llm/Chart.yaml": b"apiVersion: v2\nname: llm\nversion: 0.1.0\n",
        "charts/llm/values.yaml": b"replicaCount: 1\nimage: {tag: latest}\n",
        "charts/llm/templates/deploy.yaml":
            b"kind: Deployment\nspec:\n  replicas: {{ .Values.replicaCount }}\n",
    }
    inv = _inventory(files)
    assert [p.kind for p in inv.problems] == ["unrendered"]
    assert [d.kind for d in inv.documents] == ["HelmValues"]


def test_inline_suppression_is_kept_visible():
    manifest = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: ops
    # aria: ignore[RBAC001] break-glass role, reviewed quarterly
    rules:
      - apiGroups: ["*"]
        resources: ["*"]
        verbs: ["*"]
    """
    import textwrap

    from bot.engine import audit
    decision = audit(MemorySource({"r.yaml": textwrap.dedent(manifest).encode()}))
    (finding,) = [f for f in decision.findings if f.rule_id == "RBAC001"]
    assert finding.suppressed is not None
    assert finding.suppressed.reason == "break-glass role, reviewed quarterly"
    assert decision.counts.suppressed >= 1


def test_a_broken_pbtxt_without_placeholders_is_not_called_a_template():
    from bot.ingest.triton import parse_pbtxt

    [problem] = parse_pbtxt("m/config.pbtxt", 'name: "m"\nmax_batch_size: eight\n').problems
    assert problem.reason.startswith("Triton would reject this config")
    assert "template" not in problem.reason and problem.line == 2
