from tests.conftest import findings_for


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
    assert found[0].detail == "1"
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
