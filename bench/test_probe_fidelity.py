"""Bench: fidelity of `aria probe` against `perf_analyzer` on the same server, model and load.

    pytest bench --benchmark-only -m long -k probe_fidelity -s

One local tritonserver (from the nvidia-pytriton wheel) serves two Python-backend models: a
`slow` one sleeping SLOW_MS per request and a `trivial` one. For each repeat, model and
concurrency level, both tools run back to back, alternating which goes first, with the same
method (warm-up, time windows, 10 % stability over 3 windows on throughput and average latency,
at most 10 windows). Machine noise then shows as the range over repeats
(`ARIA_BENCH_ROUNDS`, default 3). The summary table is printed; the samples are kept in
`extra_info`.

`perf_analyzer` is the binary inside the `tritonclient==2.51.0` wheel (the PyPI package
`perf-analyzer` is a placeholder); it is downloaded once with pip into the cache directory.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from harness import bench_rounds
from prerequisites import need

from bot.measurements import MethodSettings
from bot.probes import sample_model, server
from bot.probes.measure import run_probe
from bot.probes.settings import ProbeTarget

pytestmark = [pytest.mark.long, pytest.mark.timeout(7200)]

PA_VERSION = "2.51.0"
SLOW_MS = 2.0
LEVELS = (1, 4, 8)
WINDOW_MS = 2000


def perf_analyzer() -> tuple[Path, dict[str, str]]:
    """The cached perf_analyzer binary and the environment it runs in (see triton.md §4)."""
    root = server.cache_dir() / f"perf_analyzer-{PA_VERSION}"
    binary, libs = root / "perf_analyzer", root / "lib"
    if not binary.is_file():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                 f"tritonclient=={PA_VERSION}", "-d", tmp],
                check=True, timeout=600,
            )  # fmt: skip
            wheel = next(Path(tmp).glob(f"tritonclient-{PA_VERSION}-*.whl"))
            member = f"tritonclient-{PA_VERSION}.data/data/bin/perf_analyzer"
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                binary.write_bytes(src.read())
        binary.chmod(0o755)
    libs.mkdir(exist_ok=True)
    pytriton_libs = Path(server.server_env()["LD_LIBRARY_PATH"].split(":")[0])
    for link, pattern in (("libb64.so.0d", "libb64-*.so.0d"), ("libcudart.so.12", "libcudart-*")):
        if not (libs / link).exists():
            (libs / link).symlink_to(next(pytriton_libs.glob(pattern)))
    return binary, {**os.environ, "LD_LIBRARY_PATH": str(libs)}


def run_perf_analyzer(
    binary: Path, env: dict[str, str], url: str, model: str, concurrency: int
) -> dict[str, float] | None:
    """One perf_analyzer measurement; ``None`` when it could not stabilise (exit code 2)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pa.csv"
        proc = subprocess.run(
            [str(binary), "-m", model, "-u", url, "-i", "http", "-b", "1",
             "--concurrency-range", str(concurrency), "-p", str(WINDOW_MS), "-s", "10",
             "-r", "10", "-f", str(out)],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if proc.returncode != 0 or not out.is_file():
            return None
        row = next(csv.DictReader(out.open()))
    return {
        "p50": float(row["p50 latency"]) / 1e3,
        "p99": float(row["p99 latency"]) / 1e3,
        "throughput": float(row["Inferences/Second"]),
    }


def run_aria(url: str, model: str, concurrency: int) -> dict[str, float] | None:
    method = MethodSettings(
        warmup_s=1.0, window_s=WINDOW_MS / 1e3, stability_pct=10, stability_metric="avg",
        stable_windows=3, max_windows=10,
    )  # fmt: skip
    level = run_probe(ProbeTarget(url=url), model, [concurrency], method).levels[0]
    if not level.stable or level.latency_ms is None:
        return None
    return {
        "p50": level.latency_ms.p50,
        "p99": level.latency_ms.p99,
        "throughput": level.throughput,
    }


def _span(values: list[float], digits: int) -> str:
    if not values:
        return "n/a"
    med = statistics.median(values)
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def summarise(samples: list[dict]) -> str:
    lines = [
        "| model | C | metric | perf_analyzer | aria probe | aria / PA (per repeat) | target |",
        "|---|---:|---|---|---|---|---|",
    ]
    for model in ("slow", "trivial"):
        for c in LEVELS:
            pairs = [s for s in samples if s["model"] == model and s["c"] == c]
            for metric, digits in (("p50", 2), ("p99", 2), ("throughput", 0)):
                pa = [s["pa"][metric] for s in pairs if s["pa"]]
                ours = [s["aria"][metric] for s in pairs if s["aria"]]
                ratios = [
                    s["aria"][metric] / s["pa"][metric] for s in pairs if s["pa"] and s["aria"]
                ]
                if model == "slow":
                    target = "±20 %" if metric == "p99" else "±10 %"
                elif metric == "p50" and pa and ours:
                    target = f"overhead {statistics.median(ours) - statistics.median(pa):+.2f} ms"
                else:
                    target = "report"
                unit = " ms" if metric != "throughput" else "/s"
                lines.append(
                    f"| {model} | {c} | {metric}{unit} | {_span(pa, digits)} | "
                    f"{_span(ours, digits)} | {_span(ratios, 2)} | {target} |"
                )
    return "\n".join(lines)


def measure_both(repeats: int) -> list[dict]:
    binary, pa_env = perf_analyzer()
    samples: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        sample_model.write_model(repo, "slow", sleep_ms=SLOW_MS)
        sample_model.write_model(repo, "trivial")
        with server.launch(repo, ["slow", "trivial"], log_path=Path(tmp) / "server.log") as srv:
            url = srv.url("http")
            for repeat in range(repeats):
                for model in ("slow", "trivial"):
                    for c in LEVELS:
                        # Alternate who goes first so slow drift does not favour one tool.
                        order = ("pa", "aria") if (repeat + c) % 2 == 0 else ("aria", "pa")
                        sample: dict = {"repeat": repeat, "model": model, "c": c}
                        for tool in order:
                            started = time.monotonic()
                            sample[tool] = (
                                run_perf_analyzer(binary, pa_env, url, model, c)
                                if tool == "pa"
                                else run_aria(url, model, c)
                            )
                            sample[f"{tool}_s"] = round(time.monotonic() - started, 1)
                        samples.append(sample)
                        print(json.dumps(sample), file=sys.stderr, flush=True)
    return samples


def test_probe_fidelity(benchmark):
    need(importlib.util.find_spec("pytriton") is not None,
         "nvidia-pytriton (the tritonserver this bench serves from) is not installed")
    repeats = bench_rounds(3)
    samples = benchmark.pedantic(measure_both, args=(repeats,), rounds=1, iterations=1)
    print(f"\nslow = {SLOW_MS:g} ms/request Python-backend model; trivial = no sleep; http; "
          f"{WINDOW_MS} ms windows; median (min–max) over {repeats} interleaved repeats")
    print(summarise(samples))
    benchmark.extra_info["samples"] = samples
    assert all(s["aria"] is not None for s in samples if s["model"] == "slow")
