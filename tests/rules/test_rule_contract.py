"""The contract between rule packs and check code: every rule binds to its check with valid
parameters, fires on realistic input, and every `{placeholder}` of its message is filled."""

from __future__ import annotations

import datetime
import string
import textwrap
from pathlib import Path

import pytest

from bot.catalog import Catalog, CatalogError, RuleSpec, load_catalog, load_pack
from bot.checks.contract import Hit
from bot.checks.evaluate import bind, hits, rule_message
from bot.config import AriaConfig, ConfigError, load_config_bytes
from bot.engine import platform_graph
from bot.ingest.loader import Inventory, load_inventory
from bot.ingest.source import MemorySource
from bot.measurements import (
    ABResult,
    ABSettings,
    CapacityEstimate,
    ConfigMeasurement,
    Latency,
    LevelResult,
    MethodSettings,
    MetricDiff,
    ProbeRun,
)
from bot.telemetry_report import (
    Capacity,
    Cut,
    Drift,
    GpuUsage,
    Projection,
    Reading,
    TelemetryReport,
    WorkloadTelemetry,
)

CATALOG = load_catalog()


def _example_path(example: str) -> str:
    if example.lstrip().startswith(("resource", "data")):
        return "infra/main.tf"
    return "k8s/example.yaml" if "apiVersion" in example else "models/example/config.pbtxt"


def _run(head: ProbeRun, *, base: ProbeRun | None = None, ab: ABResult | None = None,
         capacity: CapacityEstimate | None = None, error: str | None = None
         ) -> ConfigMeasurement:
    return ConfigMeasurement(model="resnet50", path="models/resnet50/config.pbtxt",
                             target="127.0.0.1:8000", protocol="http",
                             verdict="refused" if error else ("regression" if ab else "measured"),
                             base=base, head=None if error else head, ab=ab,
                             capacity_head=capacity, error=error)


def _probe_run(label: str, p99: float) -> ProbeRun:
    level = LevelResult(concurrency=4, throughput=1000 / p99, requests=4000, errors=0,
                        windows_measured=4, windows_merged=3, stable=True,
                        latency_ms=Latency(avg=p99 / 2, p50=p99 / 2, p90=p99 * 0.8,
                                           p95=p99 * 0.9, p99=p99))
    return ProbeRun(model="resnet50", url="127.0.0.1:8000", protocol="http", label=label,
                    method=MethodSettings(), inputs={"INPUT0": [1, 3, 224, 224]},
                    levels=[level])


def _measurements() -> list[ConfigMeasurement]:
    """One measured config per PROBE rule: refused, slower (A/B), and over its SLO."""
    base, head = _probe_run("base", 10.0), _probe_run("head", 14.0)
    diff = MetricDiff(metric="p99_ms", concurrency=4, base=10.0, head=14.0, diff=4.0,
                      ci_low=3.1, ci_high=4.9, relative=0.4, verdict="regression")
    ab = ABResult(settings=ABSettings(), interval_confidence=0.9875, base=base, head=head,
                  diffs=[diff])
    missed = CapacityEstimate(slo_ms=5.0, slo_percentile=99, peak_rps=400, headroom=0.3,
                              concurrency=None, latency_at_slo_ms=None,
                              throughput_per_replica=None, meets_slo=False, replicas=None)
    return [_run(head, error="Triton refused the head config of model 'resnet50': "
                             "preferred size must be <= max batch size"),
            _run(head, base=base, ab=ab),
            _run(head, capacity=missed)]


def _reading(label: str, value: float, unit: str) -> Reading:
    return Reading(label=label, value=value, unit=unit, promql="sum(x)", window="14d",
                   stat="p99 of 5m values", source="Prometheus http://127.0.0.1:9090",
                   coverage=1.0)


def _capacity(replicas: int) -> Capacity:
    return Capacity(replicas=replicas, replicas_from="spec.replicas", per_replica=1.0,
                    per_replica_from="GPUs per pod", total=float(replicas),
                    text=f"{replicas} replicas × 1 GPU")


def _workload(name: str, **measured: object) -> WorkloadTelemetry:
    return WorkloadTelemetry(subject=f"Deployment/serving/{name}", ref=f"Deployment/{name}",
                             path="k8s/serving.yaml", line=7, **measured)


def _telemetry() -> TelemetryReport:
    """Production telemetry with one case per telemetry rule: a projection leaving too little
    headroom, a cut below the peak, replicas that drift, and an idle GPU workload."""
    peak = _reading("peak GPU work", 2.6, "GPUs busy")
    tight = Projection(basis="gpu", unit="GPUs", peak=peak, before=_capacity(4),
                       after=_capacity(3), utilisation_before=0.65, utilisation_after=0.87,
                       headroom_after=0.13, replicas_needed=4, verdict="tight")
    cut = Cut(kind="capacity", path="k8s/serving.yaml", line=7, measured=peak, before=4,
              after=2, unit="GPUs", text="capacity from 4 replicas × 1 GPU to 2 replicas × 1 GPU")
    drift = Drift(repository="replicas: 3", running="5 replicas", path="k8s/serving.yaml",
                  line=7, readings=[_reading("replicas the cluster runs", 5, "replicas")])
    idle = GpuUsage(subject="Deployment/serving/idle", ref="Deployment/idle",
                    path="k8s/serving.yaml", gpus_per_pod=2, coverage=1.0, floor_percent=60,
                    peak_utilisation=_reading("peak GPU utilisation", 12, "%"),
                    gpu_hours=_reading("GPU-hours held", 2688, "GPU-hours"))
    return TelemetryReport(mode="review", source="Prometheus http://127.0.0.1:9090",
                           window="14d", stat="p99 of 5m values",
                           evaluated_at=datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
                           min_coverage=0.9, headroom_min=0.2, headroom_max=0.4,
                           max_queries=120, gpu=[idle],
                           workloads=[_workload("tight", projection=tight),
                                      _workload("cut", cuts=[cut]),
                                      _workload("drift", drift=drift)])


def _inventory(rule: RuleSpec) -> Inventory:
    """Realistic input that should make `rule` fire."""
    if rule.example:
        files = {_example_path(rule.example): rule.example.encode()}
    elif rule.id == "INGEST001":
        files = {"k8s/broken.yaml": b"apiVersion: v1\nkind: Service\nmetadata: {name: [\n"}
    elif rule.id == "INGEST002":
        files = {"charts/serving/Chart.yaml": b"apiVersion: v2\nname: serving\nversion: 1.0.0\n",
                 "charts/serving/values.yaml": b"replicas: 2\n",
                 "charts/serving/templates/deployment.yaml":
                     b"apiVersion: apps/v1\nkind: Deployment\n"
                     b"metadata: {name: {{ .Release.Name }}}\n"}
    else:
        files = {}
    inventory = load_inventory(MemorySource(files))
    if rule.id.startswith("PROBE"):
        inventory.measurements = _measurements()
    if rule.check.name.startswith("telemetry_"):
        inventory.telemetry = _telemetry()
    return inventory


def _placeholders(message: str) -> set[str]:
    names = set()
    for _text, field, _spec, _conversion in string.Formatter().parse(message):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


@pytest.mark.parametrize("rule", list(CATALOG), ids=lambda r: r.id)
def test_every_rule_fires_with_every_placeholder_filled(rule: RuleSpec) -> None:
    inventory = _inventory(rule)
    config = AriaConfig()
    prior, prior_pools = None, None
    if rule.example_base:  # a rule about a change: the head sees its workloads' base roles
        base = load_inventory(MemorySource({_example_path(rule.example_base):
                                            rule.example_base.encode()}))
        base_graph = platform_graph(base, config)
        prior = {w.subject: w.role() for w in base_graph.workloads}
        prior_pools = {p.subject: p.base_side() for p in base_graph.node_pools}
    graph = platform_graph(inventory, config, prior, prior_pools)
    found: list[Hit] = list(hits(rule, graph, config, inventory))
    assert found, f"{rule.id} does not fire on its example"
    wanted = _placeholders(rule.message)
    for hit in found:
        assert wanted <= hit.fields.keys(), \
            f"{rule.id}: {sorted(wanted - hit.fields.keys())} not filled by {rule.check.name}"


def test_every_rule_binds_to_a_check_with_valid_parameters() -> None:
    for rule in CATALOG:
        check, params = bind(rule, AriaConfig())
        assert check.name == rule.check.name and isinstance(params, check.params)


def test_an_override_with_a_misspelt_or_mistyped_parameter_names_the_rule() -> None:
    rule = CATALOG.get("SPOF001")
    assert rule is not None
    tuned = load_config_bytes("rules:\n  SPOF001: {params: {min_replicas: 3}}\n")
    _check, params = bind(rule, tuned)
    assert params.model_dump() == {"min_replicas": 3}
    for bad in ("{min_replica: 3}", "{min_replicas: many}"):
        config = load_config_bytes(f"rules:\n  SPOF001: {{params: {bad}}}\n")
        with pytest.raises(ConfigError, match=r"rules\.SPOF001\.params"):
            bind(rule, config)


def test_a_rule_that_names_its_own_family_is_refused(tmp_path: Path) -> None:
    pack = tmp_path / "spof.yaml"
    pack.write_text(textwrap.dedent("""\
        family: spof
        rules:
          - id: SPOF999
            family: cost
            severity: warning
            title: t
            message: m
            why: w
            check: {name: single_replica, params: {min_replicas: 2}}
            options:
              - {title: a, summary: s, tradeoffs: {cost: c, latency: l, complexity: x, risk: r}}
              - {title: b, summary: s, tradeoffs: {cost: c, latency: l, complexity: x, risk: r}}
            next_steps: [a step]
        """))
    with pytest.raises(CatalogError, match="`family` belongs on the pack"):
        load_pack(pack)
    pack.write_text(pack.read_text().replace("    family: cost\n", ""))
    assert [r.family for r in load_pack(pack).rules] == ["spof"]


def test_a_rule_supersedes_only_rules_of_the_catalog() -> None:
    spof001 = CATALOG.get("SPOF001")
    assert spof001 is not None and spof001.supersedes
    with pytest.raises(CatalogError, match="SPOF001 supersedes unknown rule"):
        Catalog([spof001.model_copy(update={"supersedes": ["SPOF999"]})])


@pytest.mark.parametrize("rule", [r for r in CATALOG if r.regression], ids=lambda r: r.id)
def test_a_regression_measure_names_numeric_evidence_its_check_writes(rule: RuleSpec) -> None:
    """A pack's `regression.evidence` must match what the check reports, or nothing regresses."""
    assert rule.regression is not None
    inventory = _inventory(rule)
    config = AriaConfig()
    found = list(hits(rule, platform_graph(inventory, config), config,
                      inventory))
    assert found
    for hit in found:
        assert any(rule.regression.matches(e.label) and isinstance(e.value, int | float)
                   and not isinstance(e.value, bool) for e in hit.evidence), \
            f"{rule.id}: no numeric evidence named like {rule.regression.evidence!r}"


def test_a_message_quotes_text_in_its_code_spans_and_inserts_the_rest_as_it_is() -> None:
    """Text placed in a code span is quoted verbatim (a backtick in it lengthens the fence);
    a number in a code span, and text outside one, go in as they are; a placeholder the hit
    does not fill stays. The same template with other values is filled anew each time."""
    template = "`{object}` has `{replicas}` replicas on {pool} ({missing})"
    assert rule_message(template, {"object": "Deployment/a`b", "replicas": 2, "pool": "gpu`x"}) \
        == "``Deployment/a`b`` has `2` replicas on gpu`x ({missing})"
    assert rule_message(template, {"object": "Deployment/c", "replicas": "3", "pool": "p"}) \
        == "`Deployment/c` has `3` replicas on p ({missing})"
    assert rule_message(template, {"object": 7, "replicas": 1, "pool": "p"}) \
        == "`7` has `1` replicas on p ({missing})"


def test_findings_and_evidence_at_one_place_share_one_location_that_cannot_change() -> None:
    """An audit's findings and evidence hold one Location per place (equal places are the same
    object, different places are not), and a Location refuses to be changed in place, so
    sharing one cannot move another finding."""
    from pydantic import ValidationError

    from bot.engine import audit
    from bot.ingest.source import DirectorySource

    example = Path(__file__).resolve().parents[2] / "examples" / "gpu-serving"
    decision = audit(DirectorySource(example / "head"))
    places = [f.location for f in decision.findings] + [
        e.location for f in decision.findings for e in f.evidence if e.location is not None]
    by_place: dict[tuple[str, int | None], set[int]] = {}
    for loc in places:
        by_place.setdefault((loc.path, loc.line), set()).add(id(loc))
    assert len(places) > len(by_place) > 10
    assert all(len(ids) == 1 for ids in by_place.values())
    with pytest.raises(ValidationError):
        places[0].line = 1
