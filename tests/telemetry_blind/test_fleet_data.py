"""The generated fleet holds what the scenarios claim, as Prometheus itself reads it: rollouts,
restarts, gaps, NaN, a two-day workload, and the exporters' own label conventions."""

from __future__ import annotations

import pytest

from tests.telemetry_blind.conftest import Fleet
from tests.telemetry_blind.scenario import CHECKOUT, MISTRAL, QWEN, RESNET

pytestmark = pytest.mark.slow


def _scalar(fleet: Fleet, promql: str) -> float:
    result = fleet.prometheus.query(promql, fleet.timeline.now)
    assert len(result) == 1, (promql, result)
    return float(result[0]["value"][1])


def test_generated_series_carry_the_realism_the_cases_rely_on(fleet: Fleet) -> None:
    resnet = f'namespace="{RESNET.namespace}", pod=~"{RESNET.name}-.*"'
    # two rollouts renamed every pod: three ReplicaSet generations of 4 pods
    pods = _scalar(fleet, f"count(count by (pod) (count_over_time("
                          f"nv_inference_count{{{resnet}}}[14d])))")
    assert pods >= 3 * RESNET.replicas
    # a restart at a weekday peak reset the counters
    assert _scalar(fleet, f"sum(resets(nv_inference_count{{{resnet}}}[14d]))") >= 1
    # a 30-minute scrape gap: fewer samples than minutes in the window for every series
    fewest = _scalar(fleet, f"min(count_over_time(kube_deployment_spec_replicas{{"
                            f'deployment="{RESNET.name}"}}[14d]))')
    assert fewest <= 14 * 24 * 60 - 30
    # cAdvisor's pod-level cgroup series (container="") sits beside the container's own
    assert _scalar(fleet, f'count(container_cpu_usage_seconds_total{{{resnet}, container=""}})') \
        == RESNET.replicas
    # kube-prometheus-stack attaches the exporter's own pod to kube-state-metrics series
    assert _scalar(fleet, f'count(kube_deployment_spec_replicas{{deployment="{RESNET.name}", '
                          f'pod=~"kube-state-metrics-.*"}})') == 1
    # the HPA scaled the checkout pods up and down every day
    assert _scalar(fleet, f'max_over_time(kube_horizontalpodautoscaler_status_desired_replicas{{'
                          f'horizontalpodautoscaler="{CHECKOUT.name}"}}[14d])') \
        > _scalar(fleet, f'min_over_time(kube_horizontalpodautoscaler_status_desired_replicas{{'
                         f'horizontalpodautoscaler="{CHECKOUT.name}"}}[14d])')
    # NaN in the qwen GPU gauges
    qwen = f'DCGM_FI_DEV_GPU_UTIL{{namespace="{QWEN.namespace}", pod=~"{QWEN.name}-.*"}}'
    assert _scalar(fleet, f"sum(count_over_time(({qwen} != {qwen})[14d:1m]))") > 0
    # the new workload: no sample older than two days
    oldest = _scalar(fleet, f'min(min_over_time(timestamp(kube_deployment_spec_replicas{{'
                            f'deployment="{MISTRAL.name}"}})[14d:1m]))')
    assert oldest >= fleet.timeline.now - 2 * 86_400 - 120
