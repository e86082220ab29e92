"""``aria probe`` end to end: output formats and exit codes (via python -m, as a user runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.probes import server
from bot.probes.sample_model import config_pbtxt

from .conftest import SLOW_MS, Triton

FAST = ["--warmup", "0.3", "--window", "0.5", "--max-windows", "4", "--request-timeout", "5"]


def aria_probe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "probe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_json_report(triton: Triton, tmp_path: Path) -> None:
    aria = tmp_path / ".aria.yml"
    aria.write_text("probes:\n  models:\n    slow:\n      slo_ms: 1000\n      peak_rps: 100\n")
    out = aria_probe(
        "--url", triton.server.url("grpc"), "--protocol", "grpc", "--model", "slow",
        "--concurrency", "1,2", "--format", "json", "--aria-config", str(aria),
        "--price-per-replica-hour", "3", *FAST,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["protocol"] == "grpc" and report["verdict"] == "measured"
    assert [lv["concurrency"] for lv in report["head"]["levels"]] == [1, 2]
    assert report["replicas_needed"] >= 1
    assert report["cost_per_million_usd"] > 0


def test_output_flag_writes_the_report_to_a_file(triton: Triton, tmp_path: Path) -> None:
    for fmt, name in (("json", "probe.json"), ("markdown", "probe.md")):
        out = aria_probe(
            "--url", triton.server.url(), "--model", "trivial", "--concurrency", "1",
            "-f", fmt, "-o", str(tmp_path / name), "--aria-config", "/nonexistent", *FAST,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert out.stdout == ""
    report = json.loads((tmp_path / "probe.json").read_text())
    assert report["model"] == "trivial" and report["head"]["levels"][0]["concurrency"] == 1
    assert "### 📊 Latency probe: `trivial`" in (tmp_path / "probe.md").read_text()


def test_markdown_and_missed_slo_exit_1(triton: Triton) -> None:
    out = aria_probe(
        "--url", triton.server.url(), "--model", "slow", "--concurrency", "1",
        "--slo-ms", "0.5", "--aria-config", "/nonexistent", *FAST,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert "### 📊 Latency probe: `slow`" in out.stdout
    assert "misses the p99 SLO" in out.stdout


def test_missing_shape_is_a_usage_error(triton: Triton) -> None:
    out = aria_probe("--url", triton.server.url(), "--model", "dyn", *FAST)
    assert out.returncode == 2
    assert "--shape INPUT0=DIMS" in out.stderr


def test_shape_flag(triton: Triton) -> None:
    out = aria_probe(
        "--url", triton.server.url(), "--model", "dyn", "--shape", "INPUT0=5",
        "--concurrency", "1", "--format", "json", *FAST,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["head"]["inputs"] == {"INPUT0": [1, 5]}


def test_target_outside_the_allow_list_is_refused() -> None:
    out = aria_probe("--url", "10.1.2.3:8000", "--model", "slow")
    assert out.returncode == 2
    assert "not in the allow-list" in out.stderr
    widened = aria_probe(
        "--url", "10.1.2.3:8000", "--model", "slow", "--request-timeout", "1",
        env={"ARIA_PROBE_ALLOWLIST": "10.0.0.0/8"},
    )  # fmt: skip
    assert widened.returncode == 3  # allowed now, but nothing answers there


def test_unreachable_server_exit_3() -> None:
    out = aria_probe("--url", f"127.0.0.1:{server.free_port()}", "--model", "slow")
    assert out.returncode == 3
    assert "failed" in out.stderr


def test_ab_refused_head_exit_1(triton: Triton, tmp_path: Path) -> None:
    base, head = tmp_path / "base.pbtxt", tmp_path / "head.pbtxt"
    base.write_text(config_pbtxt("ab", sleep_ms=SLOW_MS))
    head.write_text(config_pbtxt("ab", sleep_ms=SLOW_MS, max_batch_size=-1))
    out = aria_probe(
        "--url", triton.server.url(), "--model", "ab", "--ab", str(base), str(head),
        "--format", "json", *FAST,
        env={"ARIA_PROBE_SERVER_LOG": str(triton.server.log_path)},
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    assert report["verdict"] == "refused"
    assert "failed to load 'ab'" in report["error"]


def test_handler_via_register() -> None:
    import argparse

    from bot.cli import probe

    parser = argparse.ArgumentParser()
    probe.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["probe", "--model", "m", "--url", "bad url"])
    assert args.func(args) == 2
