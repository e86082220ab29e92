import datetime as dt
import json

import pytest

from bot.config import ConfigError, config_schema, load_config_bytes
from tests.conftest import findings_for

WILDCARD = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
"""


def test_invalid_config_names_the_field():
    with pytest.raises(ConfigError) as err:
        load_config_bytes(b"headroom: {min: 2}\nfail_on: sometimes\nbogus: 1\n")
    text = str(err.value)
    assert "headroom.min" in text and "fail_on" in text and "bogus" in text


def test_broken_yaml_config_has_line():
    with pytest.raises(ConfigError, match=r"\.aria\.yml:\d+: invalid YAML"):
        load_config_bytes(b"rules:\n  - [\n")


def test_schema_is_json_schema():
    schema = json.loads(config_schema())
    assert "headroom" in schema["properties"] and "ignore" in schema["properties"]


def test_ignore_entry_needs_reason_and_expires():
    with pytest.raises(ConfigError, match="reason"):
        load_config_bytes(b"ignore:\n  - rule: RBAC001\n")
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    config = f"ignore:\n  - rule: RBAC001\n    reason: accepted\n    expires: {past}\n"
    assert len(findings_for({"r.yaml": WILDCARD}, config=config, rule="RBAC001")) == 1
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    config = f"ignore:\n  - rule: RBAC001\n    reason: accepted\n    expires: {future}\n"
    assert findings_for({"r.yaml": WILDCARD}, config=config, rule="RBAC001") == []


def test_rule_override_disables_and_reweights():
    assert findings_for({"r.yaml": WILDCARD}, config="rules: {RBAC001: {enabled: false}}",
                        rule="RBAC001") == []
    (f,) = findings_for({"r.yaml": WILDCARD}, config="rules: {rbac001: {severity: note}}",
                        rule="RBAC001")
    assert f.severity.value == "note"


def test_threshold_from_config_param():
    hpa = """
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: api}
    spec:
      scaleTargetRef: {kind: Deployment, name: api}
      maxReplicas: 5
      metrics:
        - type: Resource
          resource: {name: cpu, target: {type: Utilization, averageUtilization: 75}}
    """
    assert findings_for({"h.yaml": hpa}, rule="HEAD001") == []
    (f,) = findings_for({"h.yaml": hpa}, config="headroom: {min: 0.3}", rule="HEAD001")
    assert f.evidence[0].value == 75
    assert findings_for({"h.yaml": hpa}, config="rules: {HEAD001: {params: "
                        "{max_target_percent: 90}}}\nheadroom: {min: 0.3}", rule="HEAD001") == []
