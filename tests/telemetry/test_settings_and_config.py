"""The operator's Prometheus settings and the `.aria.yml` telemetry block: what is accepted,
what is refused, and how."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config_bytes
from bot.promql import duration_seconds, parse_matchers
from bot.quantity import parse_quantity
from bot.telemetry.client import PrometheusClient
from bot.telemetry.errors import PrometheusUnavailable, TelemetryUsageError
from bot.telemetry.settings import PrometheusSettings
from bot.telemetry_report import num


def _settings(**env: str) -> PrometheusSettings:
    """The settings an operator's environment gives: `prometheus_url=…` is ARIA_PROMETHEUS_URL."""
    return PrometheusSettings.from_env({f"ARIA_{k.upper()}": v for k, v in env.items()})


def test_no_url_means_no_target():
    assert _settings().target() is None


@pytest.mark.parametrize("url", ["http://10.0.0.5:9090", "http://metadata.google.internal",
                                 "http://169.254.169.254"])
def test_targets_outside_the_loopback_default_are_refused(url):
    with pytest.raises(TelemetryUsageError, match="not in the allow-list"):
        _settings(prometheus_url=url).target()


def test_the_operator_widens_the_allow_list():
    target = _settings(prometheus_url="http://10.1.2.3:9090/prom/",
                       prometheus_allowlist="10.0.0.0/8, prometheus.monitoring:9090").target()
    assert target.base_url == "http://10.1.2.3:9090/prom"
    target = _settings(prometheus_url="https://prometheus.monitoring:9090",
                       prometheus_allowlist="10.0.0.0/8, prometheus.monitoring:9090").target()
    assert target.source == "Prometheus https://prometheus.monitoring:9090"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:9090", "http://user:pw@127.0.0.1:9090",
                                 "http://127.0.0.1:9090/?x=1", "127.0.0.1:9090"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(TelemetryUsageError, match="ARIA_PROMETHEUS_URL"):
        _settings(prometheus_url=url).target()


def test_bearer_token_is_read_from_a_file(tmp_path: Path):
    token = tmp_path / "token"
    token.write_text("abc.def.ghi\n")
    target = _settings(prometheus_url="http://127.0.0.1:9090",
                       prometheus_bearer_token_file=str(token)).target()
    assert target.plain_headers() == {"Authorization": "Bearer abc.def.ghi"}
    assert "abc.def" not in repr(target) and "abc.def" not in target.model_dump_json()


def test_credentials_that_cannot_be_used(tmp_path: Path):
    token, password = tmp_path / "token", tmp_path / "password"
    token.write_text("t")
    password.write_text("p")
    url = "http://127.0.0.1:9090"
    with pytest.raises(TelemetryUsageError, match="not both"):
        _settings(prometheus_url=url, prometheus_bearer_token_file=str(token),
                  prometheus_basic_auth_username="u",
                  prometheus_basic_auth_password_file=str(password)).target()
    with pytest.raises(TelemetryUsageError, match="needs both"):
        _settings(prometheus_url=url, prometheus_basic_auth_username="u").target()
    with pytest.raises(TelemetryUsageError, match="cannot read"):
        _settings(prometheus_url=url,
                  prometheus_bearer_token_file=str(tmp_path / "missing")).target()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(TelemetryUsageError, match="is empty"):
        _settings(prometheus_url=url, prometheus_bearer_token_file=str(tmp_path / "empty")
                  ).target()


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 — http.server's naming
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_redirects_are_not_followed():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        target = _settings(prometheus_url=f"http://127.0.0.1:{server.server_port}").target()
        with pytest.raises(PrometheusUnavailable, match="redirected"):
            PrometheusClient(target).query("up")
    finally:
        server.shutdown()
        server.server_close()


# --- .aria.yml ---------------------------------------------------------------------------

def test_defaults():
    config = load_config_bytes("")
    t = config.telemetry
    assert (t.window, t.percentile, t.resolution, t.stat) == ("14d", 99.0, "5m",
                                                              "p99 of 5m values")


def test_a_selector_is_rewritten_from_its_matchers():
    config = load_config_bytes("""
telemetry:
  window: 7d
  percentile: 95
  workloads:
    prod/llm: {selector: '{namespace="prod",app_kubernetes_io_name=~"llm|llm-canary"}'}
""")
    mapped = config.telemetry.workloads["prod/llm"]
    assert mapped.selector == 'namespace="prod", app_kubernetes_io_name=~"llm|llm-canary"'
    assert config.telemetry.stat == "p95 of 5m values"


@pytest.mark.parametrize("selector, problem", [
    ('namespace="a"}) or vector(1) #', "expected label matchers"),
    ('__name__="up"', "the metric name is Aria's"),
    ('pod!="x"', "at least one matcher that narrows"),
    ('pod=~".*"', "at least one matcher that narrows"),
    ("rate(x[5m])", "expected label matchers"),
    ('pod="\\N{nope}"', "bad escape"),
])
def test_selectors_that_are_not_plain_matchers_are_refused(selector, problem):
    text = f"telemetry:\n  workloads:\n    prod/llm: {{selector: '{selector}'}}\n"
    with pytest.raises(ConfigError) as exc:
        load_config_bytes(text)
    assert "telemetry.workloads.prod/llm.selector" in str(exc.value)
    assert problem in str(exc.value)


@pytest.mark.parametrize("block, where", [
    ("window: 14 days", "telemetry.window"),
    ("window: 0m", "telemetry.window"),
    ("percentile: 120", "telemetry.percentile"),
    ("workloads: {llm: {selector: 'pod=\"x\"'}}", "telemetry.workloads"),
    ("workloads: {prod/llm: {selector: 'pod=\"x\"', exporter: nginx}}",
     "telemetry.workloads.prod/llm.exporter"),
    ("prometheus_url: http://10.0.0.1:9090", "telemetry.prometheus_url"),
])
def test_invalid_blocks_name_the_field(block, where):
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        load_config_bytes(f"telemetry:\n  {block}\n")


def test_matchers_accept_single_quotes_and_escapes():
    matchers = parse_matchers("""pod=~'llm-\\\\d+', team="a\\"b" """)
    assert [(m.name, m.op, m.value) for m in matchers] == [("pod", "=~", "llm-\\d+"),
                                                           ("team", "=", 'a"b')]


def test_durations_and_quantities():
    assert duration_seconds("14d") == 14 * 86400
    assert duration_seconds("1h30m") == 5400
    assert parse_quantity("500m") == 0.5
    assert parse_quantity("32Gi") == 32 * 2**30
    assert parse_quantity("1.5") == 1.5
    assert parse_quantity("lots") is None
    assert [num(v) for v in (130, 2.6, 1306.2, 0.0123)] == ["130", "2.6", "1,306", "0.0123"]
