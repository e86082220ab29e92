"""Advice fitted to the object (ADR 0017): options and next steps shown only where their
conditions hold and filled from the object's facts; assumptions that name their real source;
short reviews; `aria adr new` about its title's subject. All on realistic manifests."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bot.catalog import CatalogError, RulePack, load_advice, load_catalog
from bot.cli import main
from bot.config import load_config_bytes
from bot.decision.build import options_for
from bot.decision.model import Decision
from bot.engine import audit, review
from bot.ingest.source import DirectorySource, MemorySource
from bot.render.markdown import render_markdown
from bot.tradeoffs import AdviceFacts

DCGM = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: dcgm-exporter, namespace: monitoring}
spec:
  selector: {matchLabels: {app: dcgm-exporter}}
  template:
    metadata: {labels: {app: dcgm-exporter}}
    spec:
      containers:
        - name: exporter
          image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.0-ubuntu22.04
          ports: [{containerPort: 9400, name: metrics}]
          securityContext: {privileged: PRIVILEGED}
"""

TRITON = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: triton, namespace: serving}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: triton}}
  template:
    metadata: {labels: {app: triton}}
    spec:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
           labelSelector: {matchLabels: {app: triton}}}
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver:24.05-py3
          args: ["tritonserver", "--model-repository=s3://models/prod"]
          resources:
            requests: {cpu: "4", memory: 16Gi, nvidia.com/gpu: 1}
            limits: {memory: 16Gi, nvidia.com/gpu: 1}
          securityContext: {privileged: PRIVILEGED}
          readinessProbe: {httpGet: {path: /v2/health/ready, port: 8000}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: triton, namespace: serving}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: triton}}
"""

# A CPU model server (TorchServe) with no budget: the same rule, different advice.
RANKER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: ranker, namespace: search}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: ranker}}
  template:
    metadata: {labels: {app: ranker}}
    spec:
      containers:
        - name: torchserve
          image: pytorch/torchserve:0.11.0-cpu
          resources:
            requests: {cpu: "2", memory: 4Gi}
            limits: {memory: 4Gi}
          readinessProbe: {httpGet: {path: /ping, port: 8080}}
"""

VLLM_HPA = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: llm, namespace: chat}
spec:
  selector: {matchLabels: {app: llm}}
  template:
    metadata: {labels: {app: llm}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources:
            requests: {cpu: "8", memory: 32Gi, nvidia.com/gpu: 1}
            limits: {memory: 32Gi, nvidia.com/gpu: 1}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: llm, namespace: chat}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llm}
  minReplicas: 2
  maxReplicas: MAX
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
"""


def _tree(**files: str) -> MemorySource:
    return MemorySource({p: t.encode() for p, t in files.items()})


def _review(base: dict[str, str], head: dict[str, str], in_ci: bool = False,
            config: str | None = None) -> Decision:
    cfg = load_config_bytes(textwrap.dedent(config)) if config else None
    return review(_tree(**base), _tree(**head), cfg, in_ci=in_ci)


def _table(decision: Decision, rule_id: str) -> list[str]:
    """Every text of a rule's decision tables (titles, summaries, trade-offs)."""
    return [text for p in decision.decision_points if p.rule_id == rule_id
            for o in p.options for text in o.model_dump(exclude={"recommended"}).values()]


def test_a_metrics_daemonset_gets_node_agent_advice_not_gpu_or_weights_advice():
    decision = _review({"dcgm.yaml": DCGM.replace("PRIVILEGED", "false")},
                       {"dcgm.yaml": DCGM.replace("PRIVILEGED", "true")})
    [point] = [p for p in decision.decision_points if p.rule_id == "SEC001"]
    texts = " ".join(_table(decision, "SEC001"))
    assert "nvidia.com/gpu" not in texts and "weight" not in texts.lower()
    assert point.recommended.title.startswith("Grant the node agent only")
    assert "`DaemonSet/dcgm-exporter`" in point.recommended.summary
    steps = " ".join(decision.next_steps)
    assert "level on the serving namespace" not in steps and "DaemonSet/dcgm-exporter" in steps
    assert not any(s.startswith("Before scaling") for s in decision.next_steps)


def test_a_privileged_gpu_server_is_told_the_device_plugin_already_gives_it_its_gpu():
    decision = _review({"triton.yaml": TRITON.replace("PRIVILEGED", "false")
                        .replace("REPLICAS", "3")},
                       {"triton.yaml": TRITON.replace("PRIVILEGED", "true")
                        .replace("REPLICAS", "3")})
    [point] = [p for p in decision.decision_points if p.rule_id == "SEC001"]
    assert point.recommended.title == "Drop privileged; the GPU comes from the device plugin"
    assert "already requests its GPUs (1 per pod)" in point.recommended.summary
    assert not any("node agent" in o.title for o in point.options)
    assert len(point.options) >= 2  # the rule's one fitting option and keeping it as it is
    assert point.options[-1].title == load_advice().accept.title


def test_one_rule_on_two_different_objects_gives_two_tables_that_show_the_difference():
    """SPOF001 on a GPU Triton server whose PDB exists and on a CPU ranker without one."""
    base = {"triton.yaml": TRITON.replace("PRIVILEGED", "false").replace("REPLICAS", "3"),
            "ranker.yaml": RANKER.replace("REPLICAS", "2")}
    head = {"triton.yaml": TRITON.replace("PRIVILEGED", "false").replace("REPLICAS", "1"),
            "ranker.yaml": RANKER.replace("REPLICAS", "1")}
    decision = _review(base, head)
    points = {p.question.split("`")[1]: p for p in decision.decision_points
              if p.rule_id == "SPOF001"}
    triton, ranker = points["Deployment/serving/triton"], points["Deployment/search/ranker"]
    assert "PodDisruptionBudget" not in triton.recommended.title
    assert "`PodDisruptionBudget/triton` already selects the pods" in triton.recommended.summary
    assert triton.recommended.cost == "One more pod's requests, including its GPUs (1 per pod)"
    assert "with a PodDisruptionBudget" in ranker.recommended.title
    assert "GPU" not in ranker.recommended.cost
    steps = decision.next_steps
    assert not any("Add a PodDisruptionBudget" in s and "triton" in s for s in steps)
    assert any("`PodDisruptionBudget/triton` still allows one eviction" in s for s in steps) \
        or any("another 1-GPU pod" in s for s in steps)


def test_a_review_posted_from_ci_does_not_advise_running_aria_in_ci():
    base, head = ({"dcgm.yaml": DCGM.replace("PRIVILEGED", p)} for p in ("false", "true"))
    advice = "Run `aria review` in CI"
    assert any(s.startswith(advice) for s in _review(base, head).next_steps)
    assert not any(s.startswith(advice) for s in _review(base, head, in_ci=True).next_steps)


def test_the_load_test_step_comes_with_a_change_that_scales_up_and_only_then():
    grown = _review({"llm.yaml": VLLM_HPA.replace("MAX", "4")},
                    {"llm.yaml": VLLM_HPA.replace("MAX", "20")})
    assert "COST003" in {p.rule_id for p in grown.decision_points}
    [step] = [s for s in grown.next_steps if s.startswith("Before scaling")]
    assert step.startswith("Before scaling `Deployment/llm` up") and "GPU utilisation" in step
    flipped = _review({"dcgm.yaml": DCGM.replace("PRIVILEGED", "false")},
                      {"dcgm.yaml": DCGM.replace("PRIVILEGED", "true")})
    assert flipped.decision_points and not any(s.startswith("Before scaling")
                                               for s in flipped.next_steps)


def test_audit_of_an_empty_directory_cites_no_configuration_file(tmp_path: Path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["audit", str(tmp_path / "empty"), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert ".aria.yml" not in out
    decision = Decision.model_validate_json(out)
    assert decision.assumptions == [] and decision.findings == []


def test_assumptions_name_aria_defaults_without_a_file_and_the_line_with_one(tmp_path: Path,
                                                                             capsys):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "llm.yaml").write_text(VLLM_HPA.replace("MAX", "4").replace("60", "90"))
    assert main(["audit", str(tree), "--format", "json", "--fail-on", "never"]) == 0
    defaults = Decision.model_validate_json(capsys.readouterr().out)
    texts = [f"{a.text} ({a.where})" for a in defaults.assumptions]
    assert texts and not any(".aria.yml" in t for t in texts)
    assert any("20%–40% capacity headroom" in t and "Aria's default" in t for t in texts)
    [target] = [p for p in defaults.decision_points if p.rule_id == "HEAD001"]
    assert target.recommended.title == "Lower the target to keep 20–40% headroom"
    (tree / ".aria.yml").write_text("version: 1\nheadroom:\n  min: 0.25\n  max: 0.45\n")
    assert main(["audit", str(tree), "--format", "json", "--fail-on", "never"]) == 0
    configured = Decision.model_validate_json(capsys.readouterr().out)
    [policy] = [a for a in configured.assumptions if "capacity headroom" in a.text]
    assert policy.text.startswith("Interactive serving keeps 25%–45%")
    assert policy.where == "`.aria.yml:3`, `.aria.yml:4`" and policy.source == "config"
    [target] = [p for p in configured.decision_points if p.rule_id == "HEAD001"]
    assert target.recommended.title == "Lower the target to keep 25–45% headroom"
    assert "between 55 and 75" in target.recommended.summary


def test_thresholds_in_messages_are_listed_with_their_source_and_only_when_used():
    gpu_server = TRITON.replace("PRIVILEGED", "false").replace("REPLICAS", "3").replace(
        "          readinessProbe:",
        "          livenessProbe: {httpGet: {path: /v2/health/live, port: 8000}}\n"
        "          readinessProbe:")
    cfg = load_config_bytes("rules:\n  OBS005:\n    params:\n      min_startup_seconds: 600\n")
    for config, where in ((None, "Aria's default for `OBS005`"), (cfg, "`.aria.yml:4`")):
        decision = audit(_tree(**{"triton.yaml": gpu_server}), config)
        assert any(f.rule_id == "OBS005" for f in decision.findings)
        [threshold] = [a for a in decision.assumptions if "`min_startup_seconds`" in a.text]
        assert threshold.where == where
        assert ("**600**" if config else "**300**") in threshold.text
    # a decision that uses neither the headroom policy nor sizes lists neither
    flipped = _review({"dcgm.yaml": DCGM.replace("PRIVILEGED", "false")},
                      {"dcgm.yaml": DCGM.replace("PRIVILEGED", "true")})
    assert flipped.assumptions == []


def test_a_one_finding_review_fits_35_lines_and_prints_its_finding_once():
    decision = _review({"dcgm.yaml": DCGM.replace("PRIVILEGED", "false")},
                       {"dcgm.yaml": DCGM.replace("PRIVILEGED", "true")})
    [finding] = [f for f in decision.findings if f.status.value == "new"]
    text = render_markdown(decision)
    assert len(text.splitlines()) <= 35, text
    assert text.count(finding.message) == 1


def test_capped_lists_say_how_many_more():
    names = [f"svc-{i:02d}" for i in range(30)]
    docs = "---\n".join(RANKER.replace("ranker", n).replace("REPLICAS", "2")
                        .replace("pytorch/torchserve:0.11.0-cpu", "pytorch/torchserve:latest")
                        for n in names)
    decision = _review({"svc.yaml": docs}, {"svc.yaml": docs})
    unchanged = [f for f in decision.findings if f.status.value == "unchanged"]
    assert len(unchanged) > 25
    assert f"- … and {len(unchanged) - 25} more" in render_markdown(decision)


def test_every_rule_keeps_two_options_and_one_recommendation_for_any_object():
    accept = load_advice().accept
    objects = [AdviceFacts(object="Deployment/x", kind="Deployment", serving=True, gpu=True,
                           gpus=2, node_agent=False, pdb="PodDisruptionBudget/x", hpa="",
                           replicas=1),
               AdviceFacts(object="Deployment/y", kind="Deployment", serving=True, gpu=False,
                           node_agent=False, pdb="", hpa="HorizontalPodAutoscaler/y"),
               AdviceFacts(object="DaemonSet/z", kind="DaemonSet", serving=False, gpu=False,
                           node_agent=True),
               AdviceFacts(object="aws_iam_role.x", kind="aws_iam_role")]
    for rule in load_catalog():
        for facts in objects:
            options = options_for(rule, facts, accept)
            assert len(options) >= 2, (rule.id, facts.object)
            assert sum(o.recommended for o in options) == 1, (rule.id, facts.object)
            assert not any("{" + name + "}" in o.summary + o.title + o.cost for o in options
                           for name in ("object", "gpus", "pdb")), rule.id


def test_a_rule_text_naming_an_unknown_fact_is_refused():
    rule = load_catalog().get("SPOF001").model_dump(mode="json", exclude_none=True)
    rule["next_steps"] = [{"text": "Give `{object}` {gpus_per_node} more GPUs"}]
    rule.pop("family")
    with pytest.raises(ValueError, match="gpus_per_node"):
        RulePack.model_validate({"family": "spof", "rules": [rule]})
    assert issubclass(CatalogError, ValueError)


def test_adr_new_decides_about_the_titles_subject(tmp_path: Path, monkeypatch):
    tree = tmp_path / "platform"
    tree.mkdir()
    (tree / "triton.yaml").write_text(TRITON.replace("PRIVILEGED", "false")
                                      .replace("REPLICAS", "1"))
    (tree / "dcgm.yaml").write_text(DCGM.replace("PRIVILEGED", "true"))
    monkeypatch.chdir(tmp_path)
    assert main(["adr", "new", "Allow a privileged DCGM exporter", "--from", "platform",
                 "--dir", "adr"]) == 0
    [record] = (tmp_path / "adr").glob("0001-*.md")
    text = record.read_text()
    drivers = text[text.index("## Decision Drivers"):text.index("## Considered Options")]
    assert "`SEC001`" in drivers and "`SPOF001`" not in drivers
    assert "Grant the node agent only the capabilities" in text
    assert "| Option | Cost | Latency | Complexity | Risk |" in text
    assert "because latency:" not in text and "because risk:" not in text
    assert "Good, because it is simple to do" in text or "Neutral, because it takes" in text
    assert str(tmp_path) not in text and "`platform`" in text
    assert main(["adr", "new", "How many replicas for Triton", "--from", "platform",
                 "--dir", "adr"]) == 0
    [second] = (tmp_path / "adr").glob("0002-*.md")
    drivers = second.read_text().split("## Decision Drivers")[1].split("## Considered")[0]
    assert "`SPOF001`" in drivers and "`SEC001`" not in drivers


def test_adr_new_with_a_title_that_names_nothing_lists_all_findings(tmp_path: Path):
    (tmp_path / "dcgm.yaml").write_text(DCGM.replace("PRIVILEGED", "true"))
    from bot.engine import decide
    decision = decide(DirectorySource(tmp_path), "Quarterly platform review")
    assert "names no rule, family or object" in decision.context
    assert decision.findings and decision.decision_points


def test_json_output_carries_the_facts_advice_was_fitted_to(capsys, tmp_path: Path):
    (tmp_path / "dcgm.yaml").write_text(DCGM.replace("PRIVILEGED", "true"))
    main(["audit", str(tmp_path), "--format", "json", "--fail-on", "never"])
    data = json.loads(capsys.readouterr().out)
    [point] = [p for p in data["decision_points"] if p["rule_id"] == "SEC001"]
    assert point["facts"]["node_agent"] is True and point["facts"]["gpu"] is False


FLUENT_BIT = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluent-bit, namespace: logging}
spec:
  selector: {matchLabels: {app: fluent-bit}}
  template:
    metadata: {labels: {app: fluent-bit}}
    spec:
      hostNetwork: true
      containers:
        - name: fluent-bit
          image: cr.fluentbit.io/fluent/fluent-bit:3.0.4
          volumeMounts: [{name: varlog, mountPath: /var/log}]
      volumes:
        - {name: varlog, hostPath: {path: /var/log}}
"""


def test_a_log_collector_daemonset_is_not_offered_a_weight_cache_or_nccl_networking():
    decision = audit(_tree(**{"fluent-bit.yaml": FLUENT_BIT}))
    fired = {p.rule_id: p for p in decision.decision_points}
    assert {"SEC005", "SEC007"} <= fired.keys()
    texts = " ".join(_table(decision, "SEC005") + _table(decision, "SEC007")).lower()
    assert "weight" not in texts and "nccl" not in texts and "rdma" not in texts
    assert fired["SEC005"].recommended.title == "Keep the host path read-only and narrow"
    assert "`DaemonSet/fluent-bit` reads" in fired["SEC005"].recommended.summary
    assert fired["SEC007"].recommended.title.startswith("Keep only the host namespace")
    assert not any("serving pods" in s for s in decision.next_steps)


def test_sarif_rule_help_shows_advice_that_reads_for_any_object():
    from bot.render.sarif import render_sarif
    decision = _review({"dcgm.yaml": DCGM.replace("PRIVILEGED", "false")},
                       {"dcgm.yaml": DCGM.replace("PRIVILEGED", "true")})
    text = render_sarif(decision)
    assert "{object}" not in text and "{gpus}" not in text
    assert "Drop privileged; add only the capabilities it needs" in text


@pytest.mark.parametrize(("ci", "advised"), [("true", False), ("false", True)])
def test_the_cli_reads_whether_it_runs_in_ci(tmp_path: Path, capsys, monkeypatch, ci, advised):
    for side, flag in (("base", "false"), ("head", "true")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "dcgm.yaml").write_text(DCGM.replace("PRIVILEGED", flag))
    monkeypatch.setenv("CI", ci)
    main(["review", str(tmp_path / "base"), str(tmp_path / "head"), "--format", "json",
          "--fail-on", "never"])
    steps = json.loads(capsys.readouterr().out)["next_steps"]
    assert any(s.startswith("Run `aria review` in CI") for s in steps) is advised
