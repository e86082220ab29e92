"""The 📊 table: per object, the facts a change moves, base → head, with file:line both sides."""

import textwrap

from bot.decision.changes import FactChange
from bot.engine import review
from bot.findings import Status
from bot.ingest.source import MemorySource
from bot.render.markdown import MAX_CHANGES, MAX_FINDINGS_PER_SEVERITY, render_markdown

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: ranker, namespace: search}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: ranker}}}}
  template:
    metadata: {{labels: {{app: ranker}}}}
    spec:
      containers:
        - name: triton
          image: {image}
          resources:
            requests: {{cpu: "2", memory: 8Gi}}
            limits: {{memory: 8Gi, nvidia.com/gpu: 1}}
          readinessProbe: {{httpGet: {{path: /v2/health/ready, port: 8000}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: ranker, namespace: search}}
spec:
  type: {service_type}
  selector: {{app: ranker}}
  ports: [{{port: 8000}}]
"""
IMAGE = "nvcr.io/nvidia/tritonserver:24.08-py3"
POOL = """\
resource "google_container_node_pool" "l4" {{
  cluster        = "search"
  node_locations = [{zones}]
  autoscaling {{
    min_node_count = 1
    max_node_count = {max_nodes}
  }}
  node_config {{
    machine_type = "g2-standard-8"
    guest_accelerator {{
      type  = "nvidia-l4"
      count = 1
    }}
  }}
}}
"""
ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: deployer}}
rules:
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [get, list]
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [{verbs}]
"""


def tree(replicas: int = 3, image: str = IMAGE, service_type: str = "ClusterIP",
         zones: str = '"us-central1-a", "us-central1-b"', max_nodes: int = 4,
         verbs: str = '"*"') -> MemorySource:
    return MemorySource({
        "k8s/ranker.yaml": DEPLOYMENT.format(replicas=replicas, image=image,
                                             service_type=service_type).encode(),
        "infra/pool.tf": POOL.format(zones=zones, max_nodes=max_nodes).encode(),
        "k8s/role.yaml": ROLE.format(verbs=verbs).encode(),
    })


def _rows(changes: list[FactChange]) -> list[tuple[str, str, str | None, str | None]]:
    return [(c.object, c.fact, c.before, c.after) for c in changes]


def test_an_unchanged_tree_changes_nothing():
    assert review(tree(), tree()).changes == []


def test_each_moved_fact_is_one_row_with_both_locations():
    decision = review(tree(), tree(replicas=1, service_type="LoadBalancer",
                                   zones='"us-central1-a"', max_nodes=1,
                                   verbs="get, list, watch"))
    rows = _rows(decision.changes)
    assert ("Deployment/search/ranker", "replicas", "3", "1") in rows
    assert ("Deployment/search/ranker", "exposure", "Service/ranker (ClusterIP)",
            "Service/ranker (LoadBalancer)") in rows
    # GKE's max_node_count is per zone: 4 in each of two zones, then 1 in one
    assert ("google_container_node_pool.l4", "node ceiling", "8", "1") in rows
    assert ("google_container_node_pool.l4", "zones", "us-central1-a, us-central1-b",
            "us-central1-a") in rows
    assert ("ClusterRole/deployer", "grants core:configmaps", "*", "get, list, watch") in rows
    replicas = next(c for c in decision.changes if c.fact == "replicas")
    assert str(replicas.base_location) == str(replicas.head_location) == "k8s/ranker.yaml:5"
    ceiling = next(c for c in decision.changes if c.fact == "node ceiling")
    assert str(ceiling.head_location) == "infra/pool.tf:6"
    # the pool's floor moves too: min_node_count 1 per zone, in two zones then in one
    assert ("google_container_node_pool.l4", "node floor", "2", "1") in rows
    assert ("google_container_node_pool.l4", "GPUs at the floor", "2", "1") in rows
    assert len(rows) == 7  # only what moved


def test_the_table_is_escaped_and_capped():
    hostile = "ghcr.io/x/ranker:1|`rm -rf`<img src=x>"
    decision = review(tree(), tree(image=hostile))
    text = render_markdown(decision)
    row = next(line for line in text.splitlines() if line.startswith("| `Deployment/"))
    # The value verbatim in a code span its backticks cannot close, its `|` escaped.
    assert "``ghcr.io/x/ranker:1\\|`rm -rf`<img src=x>``" in row and row.count(" | ") == 3
    many = [FactChange(object=f"Deployment/ns/app{i}", fact="replicas", before="2", after="1")
            for i in range(MAX_CHANGES + 3)]
    text = render_markdown(decision.model_copy(update={"changes": many}))
    assert f"Deployment/ns/app{MAX_CHANGES - 1}" in text and \
        f"Deployment/ns/app{MAX_CHANGES}`" not in text
    assert "… and 3 more (see the JSON output)" in text
    assert review(tree(), tree(image=hostile)).model_dump(mode="json")["changes"]


def test_lists_of_fixed_findings_say_how_many_more():
    roles = "".join(textwrap.dedent(f"""\
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {{name: wide-{i}}}
        rules: [{{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}}]
        """) for i in range(MAX_FINDINGS_PER_SEVERITY + 4))
    decision = review(MemorySource({"rbac.yaml": roles.encode()}), MemorySource({}))
    fixed = [f for f in decision.findings if f.status is Status.fixed]
    assert len(fixed) > MAX_FINDINGS_PER_SEVERITY
    text = render_markdown(decision)
    assert f"… and {len(fixed) - MAX_FINDINGS_PER_SEVERITY} more" in text
