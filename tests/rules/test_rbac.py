import pytest

from bot.catalog import load_catalog
from tests.conftest import findings_for, review_of


def test_rbac001_wildcard_verbs():
    role = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: model-operator}
    rules:
      - apiGroups: [""]
        resources: [pods]
        verbs: [get, list]
      - apiGroups: ["serving.kserve.io"]
        resources: ["*"]
        verbs: ["*"]
    """
    found = findings_for({"rbac.yaml": role}, rule="RBAC001")
    assert len(found) == 1
    assert found[0].detail == "verbs+resources on serving.kserve.io:*"
    assert found[0].location.line == 9


def test_rbac001_explicit_rules_pass():
    role = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: reader, namespace: serving}
    rules:
      - apiGroups: [""]
        resources: [pods, services]
        verbs: [get, list, watch]
    """
    assert findings_for({"rbac.yaml": role}, rule="RBAC001") == []


@pytest.mark.parametrize("rule", [r for r in load_catalog() if r.family == "rbac"],
                         ids=lambda r: r.id)
def test_pack_example_fires_its_rule(rule):
    """Every rbac rule ships an example manifest, and the example triggers it."""
    assert rule.example, f"{rule.id} has no example"
    assert findings_for({"k8s/example.yaml": rule.example}, rule=rule.id)


BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: grant
{namespace}roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {role}
subjects:
  - kind: ServiceAccount
    name: model-loader
    namespace: serving
  - {subject}
"""


def binding(role: str, subject: str, kind: str = "ClusterRoleBinding",
            namespace: str = "") -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return BINDING.format(kind=kind, namespace=ns, role=role, subject=subject)


def test_rbac002_cluster_admin_to_group_and_service_account():
    text = binding("cluster-admin", "{kind: Group, name: ml-platform}")
    found = findings_for({"rbac.yaml": text}, rule="RBAC002")
    assert [(f.detail, f.location.line) for f in found] == [
        ("ServiceAccount:serving/model-loader", 11), ("Group:/ml-platform", 14)]
    assert found[0].evidence[0].value == "ClusterRole/cluster-admin"
    assert found[0].evidence[0].location.line == 9
    assert "the whole cluster" in found[0].message


def test_rbac002_namespaced_binding_names_the_namespace():
    text = binding("cluster-admin", "{kind: User, name: alice}", kind="RoleBinding",
                   namespace="serving")
    found = findings_for({"rbac.yaml": text}, rule="RBAC002")
    assert [f.detail for f in found] == ["ServiceAccount:serving/model-loader", "User:/alice"]
    assert "namespace serving" in found[0].message


def test_rbac002_other_roles_pass():
    assert findings_for({"rbac.yaml": binding("view", "{kind: Group, name: ml}")},
                        rule="RBAC002") == []


def test_rbac003_anonymous_and_authenticated():
    text = binding("view", '{kind: User, name: "system:anonymous"}')
    found = findings_for({"rbac.yaml": text}, rule="RBAC003")
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("ClusterRoleBinding/-/grant", "User:/system:anonymous", 14)]
    text = binding("cluster-admin", '{kind: Group, name: "system:authenticated"}')
    assert [f.detail for f in findings_for({"rbac.yaml": text}, rule="RBAC003")] == [
        "Group:/system:authenticated"]
    # reported once, by RBAC003, not again as a cluster-admin group binding
    assert [f.detail for f in findings_for({"rbac.yaml": text}, rule="RBAC002")] == [
        "ServiceAccount:serving/model-loader"]


def test_rbac003_default_discovery_binding_passes():
    text = binding("system:public-info-viewer", '{kind: Group, name: "system:unauthenticated"}')
    assert findings_for({"rbac.yaml": text}, rule="RBAC003") == []


SECRET_ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: loader
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [{verbs}]
{names}"""


def test_rbac004_cluster_wide_secret_reader():
    files = {"role.yaml": SECRET_ROLE.format(verbs="list, watch", names=""),
             "binding.yaml": binding("loader", "{kind: Group, name: ml}")}
    found = findings_for(files, rule="RBAC004")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.path, found[0].location.line) == (
        "ClusterRoleBinding/-/grant", "binding.yaml", 9)
    assert [(e.value, str(e.location)) for e in found[0].evidence] == [
        ("ClusterRole/loader", "binding.yaml:9"), ("list,watch on secrets", "role.yaml:10")]


def test_rbac004_builtin_edit_role():
    found = findings_for({"b.yaml": binding("edit", "{kind: Group, name: ml}")}, rule="RBAC004")
    assert [f.detail for f in found] == ["edit"]


def test_rbac004_namespaced_or_named_secrets_pass():
    named = SECRET_ROLE.format(verbs="get", names="    resourceNames: [hf-token]\n")
    files = {"role.yaml": named, "binding.yaml": binding("loader", "{kind: Group, name: ml}")}
    assert findings_for(files, rule="RBAC004") == []
    files = {"role.yaml": SECRET_ROLE.format(verbs="get", names=""),
             "binding.yaml": binding("loader", "{kind: Group, name: ml}", kind="RoleBinding",
                                     namespace="serving")}
    assert findings_for(files, rule="RBAC004") == []
    assert findings_for({"b.yaml": binding("view", "{kind: Group, name: ml}")},
                        rule="RBAC004") == []


ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: operator, namespace: serving}}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
  - apiGroups: [{group}]
    resources: [{resources}]
    verbs: [{verbs}]
"""


def test_rbac005_bind_and_impersonate():
    text = ROLE.format(group="rbac.authorization.k8s.io", resources="clusterroles",
                       verbs="get, bind")
    found = findings_for({"role.yaml": text}, rule="RBAC005")
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("Role/serving/operator", "bind on rbac.authorization.k8s.io:clusterroles", 9)]
    assert found[0].evidence[0].value == "bind"
    text = ROLE.format(group='""', resources="serviceaccounts", verbs="impersonate")
    assert [f.evidence[0].value for f in findings_for({"r.yaml": text}, rule="RBAC005")] == [
        "impersonate"]


def test_rbac005_plain_verbs_pass():
    text = ROLE.format(group="apps", resources="deployments", verbs="get, patch")
    assert findings_for({"role.yaml": text}, rule="RBAC005") == []


def test_rbac006_pod_exec_create():
    text = ROLE.format(group='""', resources="pods/exec, pods/log", verbs="create, get")
    found = findings_for({"role.yaml": text}, rule="RBAC006")
    assert [(f.detail, f.location.line) for f in found] == [("core:pods/exec", 9)]
    assert [e.value for e in found[0].evidence] == ["create,get", "pods/exec,pods/log"]


def test_rbac006_get_on_pods_exec_is_a_shell():
    """A "read-only" rule that lists pods/exec: before Kubernetes 1.35 a GET upgraded to a
    WebSocket runs the command (kubernetes/kubernetes#78741)."""
    ci_role = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: ci-deployer, namespace: ml-serving}
    rules:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [get, list, watch, patch, update]
      - apiGroups: [""]
        resources: [pods, pods/log, pods/exec]
        verbs: [get, list, watch]
    """
    found = findings_for({"ci-rbac.yaml": ci_role}, rule="RBAC006")
    assert [(f.subject, f.evidence[0].value) for f in found] == [
        ("Role/ml-serving/ci-deployer", "get")]
    assert "gets a shell" in found[0].message


def test_rbac_findings_follow_grants_not_rule_positions():
    """Removing one rule shifts the others up; sorting rules and verbs moves every index. A
    grant that stays is unchanged in a review, and only the removed grant reads as fixed."""
    before = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: model-deployer}
    rules:
      - apiGroups: [""]
        resources: [configmaps]
        verbs: ["*"]
      - apiGroups: [""]
        resources: [pods/exec]
        verbs: [create]
      - apiGroups: [rbac.authorization.k8s.io]
        resources: [rolebindings]
        verbs: [get, bind]
    """
    after = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: model-deployer}
    rules:
      - apiGroups: [rbac.authorization.k8s.io]
        resources: [rolebindings]
        verbs: [bind, get]
      - apiGroups: [""]
        resources: [pods/exec]
        verbs: [create]
      - apiGroups: [""]
        resources: [configmaps]
        verbs: [get, list, watch, create, update, patch]
    """
    found = review_of({"rbac/role.yaml": before}, {"rbac/role.yaml": after})
    assert sorted((f.rule_id, f.status.value) for f in found) == [
        ("RBAC001", "fixed"), ("RBAC005", "unchanged"), ("RBAC006", "unchanged")]


def test_rbac006_read_only_logs_pass():
    text = ROLE.format(group='""', resources="pods/log", verbs="get, create")
    assert findings_for({"role.yaml": text}, rule="RBAC006") == []
    text = ROLE.format(group='""', resources="pods, pods/log", verbs="get, list, watch")
    assert findings_for({"role.yaml": text}, rule="RBAC006") == []


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: llm}}}}
  template:
    metadata: {{labels: {{app: llm}}}}
    spec:
{pod}      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""


def test_rbac007_default_service_account_with_token():
    default_binding = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: default-reader, namespace: serving}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    subjects: [{kind: ServiceAccount, name: default, namespace: serving}]
    """
    files = {"k8s/llm.yaml": DEPLOYMENT.format(pod=""), "k8s/rb.yaml": default_binding}
    found = findings_for(files, rule="RBAC007")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.line) == ("Deployment/serving/llm", 10)
    assert [(e.value, str(e.location)) for e in found[0].evidence][1:] == [
        ("not set", "k8s/llm.yaml:11"), ("RoleBinding/default-reader", "k8s/rb.yaml:2")]
    assert "**1** binding(s)" in found[0].message


def test_rbac007_opt_out_or_own_account_passes():
    for pod in ("      automountServiceAccountToken: false\n",
                "      serviceAccountName: llm\n"):
        assert findings_for({"k8s/llm.yaml": DEPLOYMENT.format(pod=pod)}, rule="RBAC007") == []
    default_sa = """
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: default, namespace: serving}
    automountServiceAccountToken: false
    """
    files = {"k8s/llm.yaml": DEPLOYMENT.format(pod=""), "k8s/sa.yaml": default_sa}
    assert findings_for(files, rule="RBAC007") == []


KUBEBUILDER_ADMIN = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: vllmrouter-admin-role}
rules:
  - apiGroups: [production-stack.vllm.ai]
    resources: [vllmrouters]
    verbs: ["*"]
  - apiGroups: [production-stack.vllm.ai]
    resources: [vllmrouters/status]
    verbs: [get]
"""


def test_rbac001_every_verb_on_a_named_custom_resource_is_not_a_wildcard_grant():
    """A kubebuilder admin role on its own CRD: no escalate, impersonate or secrets in reach."""
    assert findings_for({"rbac/admin.yaml": KUBEBUILDER_ADMIN}, rule="RBAC001") == []
    core = KUBEBUILDER_ADMIN.replace("[production-stack.vllm.ai]\n    resources: [vllmrouters]",
                                     '[""]\n    resources: [pods]', 1)
    found = findings_for({"rbac/admin.yaml": core}, rule="RBAC001")
    assert [f.detail for f in found] == ["verbs on core:pods"]
    builtin = KUBEBUILDER_ADMIN.replace("[production-stack.vllm.ai]\n    resources: [vllmrouters]",
                                        "[rbac.authorization.k8s.io]\n    resources: [roles]", 1)
    assert len(findings_for({"rbac/admin.yaml": builtin}, rule="RBAC001")) == 1


WEB_APP = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat-ui, namespace: assistant}
spec:
  replicas: 2
  selector: {matchLabels: {app: chat-ui}}
  template:
    metadata: {labels: {app: chat-ui}}
    spec:
      containers: [{name: ui, image: "ghcr.io/acme/chat-ui:1.4.2"}]
---
apiVersion: v1
kind: Service
metadata: {name: chat-ui, namespace: assistant}
spec:
  selector: {app: chat-ui}
  ports: [{port: 80, targetPort: 3000}]
"""


def test_rbac007_any_pod_a_service_sends_requests_to():
    """The app in front of a model takes the same untrusted requests as the model server."""
    found = findings_for({"apps/ui.yaml": WEB_APP}, rule="RBAC007")
    assert [f.subject for f in found] == ["Deployment/assistant/chat-ui"]
    no_service = WEB_APP.split("---")[0]
    assert findings_for({"apps/ui.yaml": no_service}, rule="RBAC007") == []
    no_token = WEB_APP.replace("    spec:\n      containers",
                               "    spec:\n      automountServiceAccountToken: false\n"
                               "      containers")
    assert findings_for({"apps/ui.yaml": no_token}, rule="RBAC007") == []


KEDA_EDIT = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: keda:edit
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules:
  - apiGroups: [keda.sh, eventing.keda.sh]
    resources: ["*"]
    verbs: [create, delete, deletecollection, patch, update]
"""

METRICS_ADAPTER = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: custom-metrics-server-resources}
rules:
  - apiGroups: [custom.metrics.k8s.io, external.metrics.k8s.io]
    resources: ["*"]
    verbs: ["*"]
"""


def test_rbac001_an_operators_aggregated_edit_role_on_its_own_groups_is_not_a_wildcard():
    assert findings_for({"rbac/keda.yaml": KEDA_EDIT}, rule="RBAC001") == []
    # the same listed verbs on every resource of a Kubernetes group reach secrets and RBAC
    apps = KEDA_EDIT.replace("[keda.sh, eventing.keda.sh]", '["", apps]')
    assert [f.detail for f in findings_for({"rbac/keda.yaml": apps}, rule="RBAC001")] == \
        ["resources on apps,core:*"]
    # and every verb on every resource of the operator's groups is a wildcard again
    both = KEDA_EDIT.replace("[create, delete, deletecollection, patch, update]", '["*"]')
    assert len(findings_for({"rbac/keda.yaml": both}, rule="RBAC001")) == 1


def test_rbac001_a_metrics_adapter_reads_only_its_metrics_api():
    assert findings_for({"rbac/adapter.yaml": METRICS_ADAPTER}, rule="RBAC001") == []
    mixed = METRICS_ADAPTER.replace("[custom.metrics.k8s.io, external.metrics.k8s.io]",
                                    "[custom.metrics.k8s.io, apps]")
    assert len(findings_for({"rbac/adapter.yaml": mixed}, rule="RBAC001")) == 1
