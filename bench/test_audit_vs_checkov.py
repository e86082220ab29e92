"""Bench: `aria audit` vs `checkov -d` over the shared corpus, side by side in one run.

    ARIA_SHARED_DIR=/work/shared pytest bench --benchmark-only -m long -k audit -s

checkov runs with the kubernetes and terraform frameworks (what Aria reads), from its own
virtual environment `.bench-venv/checkov` (created with pip on first use; never a dependency of
Aria). Each round runs checkov (untimed by pytest-benchmark, measured here) and then Aria (the
timed target), so machine noise hits both alike. Per tool: wall seconds, CPU seconds (its
worker processes included) and the peak RSS of its largest process; the ratio is checkov's
figure over Aria's. On a machine shared with other work the CPU ratio is the steadier one.
`ARIA_BENCH_ROUNDS` sets the rounds (default 1: checkov alone takes minutes).
`ARIA_BENCH_BASELINE=DIR` also runs the Aria of another checkout (say `git worktree add
/tmp/aria-main main`) in each round, with this environment: before and after in one run.

Aria keeps parsed files and rendered overlays in its cache between runs, and checkov keeps
nothing, so each Aria run starts from an empty cache of its own (cold: every file parsed, every
overlay rendered; the timed figure and the ratio). The same run again on that cache is reported
beside it as "warm" (a second audit of an unchanged tree), never in place of it.

Both tools run with their bytecode written, as installed: pip wrote checkov's when it
installed it, and writes Aria's when it installs the wheel, but an editable checkout in an
environment with `PYTHONDONTWRITEBYTECODE` set compiled Aria's modules again on every run
(0.14-0.3 s of each audit's CPU), so the bench compiles them once before the first round.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
from itertools import count
from pathlib import Path

import pytest
from harness import ARIA, ROOT, Run, bench_rounds, corpus, measured

pytestmark = [pytest.mark.long, pytest.mark.timeout(7200)]

CHECKOV_VENV = ROOT / ".bench-venv" / "checkov"


def checkov() -> str:
    binary = CHECKOV_VENV / "bin" / "checkov"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "checkov"],
                       check=True, timeout=1800)
    return str(binary)


def compiled(checkout: Path) -> None:
    """Write the bytecode of a checkout's `bot` package, as installing its wheel does."""
    assert compileall.compile_dir(checkout / "bot", quiet=1), f"{checkout} does not compile"


def _median(runs: list[Run], key: str) -> float:
    return statistics.median(getattr(r, key) for r in runs)


def _row(name: str, runs: list[Run]) -> str:
    return (f"{name:<8} wall {_median(runs, 'wall_s'):8.2f} s   "
            f"CPU {_median(runs, 'cpu_s'):8.2f} s   "
            f"peak RSS {max(r.peak_rss_mb for r in runs):6.0f} MB")


def test_audit_vs_checkov(benchmark, tmp_path):
    tree = str(corpus())
    binary = checkov()
    baseline = os.environ.get("ARIA_BENCH_BASELINE")
    runs: dict[str, list[Run]] = {"checkov": [], "aria": [], "warm": [], "baseline": []}
    command = ["audit", tree, "-f", "json", "-o", os.devnull, "--fail-on", "never"]
    for checkout in (ROOT, *([Path(baseline)] if baseline else [])):
        compiled(checkout)

    fresh = count()

    def cold(**env: str) -> dict[str, str]:
        """This environment, with a parse cache folder nothing has written yet."""
        folder = tmp_path / f"cache-{next(fresh)}"
        return dict(os.environ, ARIA_PARSE_CACHE_DIR=str(folder), **env)

    def run_checkov() -> None:
        runs["checkov"].append(measured([binary, "-d", tree, "--framework", "kubernetes",
                                         "terraform", "-o", "json", "--quiet",
                                         "--skip-download"]))
        if baseline:
            runs["baseline"].append(measured([sys.executable, "-m", "bot.cli", *command],
                                             cwd=baseline, env=cold(PYTHONPATH=baseline)))

    def run_aria() -> None:
        env = cold()
        runs["aria"].append(measured([ARIA, *command], env=env))
        runs["warm"].append(measured([ARIA, *command], env=env))

    benchmark.pedantic(run_aria, setup=run_checkov, rounds=bench_rounds(1), iterations=1)
    aria, other = runs["aria"], runs["checkov"]
    ratio = {key: _median(other, key) / _median(aria, key) for key in ("wall_s", "cpu_s")}
    print(f"\ncorpus {tree}, {len(aria)} round(s), {os.cpu_count()} cores")
    print(_row("checkov", other))
    print(_row("aria", aria) + "   (cold cache)")
    print(_row("warm", runs["warm"]) + "   (the same audit again on Aria's cache)")
    print(f"checkov / aria: wall {ratio['wall_s']:.1f}x, CPU {ratio['cpu_s']:.1f}x, peak RSS "
          f"{max(r.peak_rss_mb for r in other) / max(r.peak_rss_mb for r in aria):.1f}x")
    warm = runs["warm"]
    print(f"checkov / warm aria: wall {_median(other, 'wall_s') / _median(warm, 'wall_s'):.1f}x, "
          f"CPU {_median(other, 'cpu_s') / _median(warm, 'cpu_s'):.1f}x")
    if runs["baseline"]:
        before = runs["baseline"]
        print(_row("baseline", before) + f"   ({baseline})")
        print(f"checkov / baseline: wall "
              f"{_median(other, 'wall_s') / _median(before, 'wall_s'):.1f}x, CPU "
              f"{_median(other, 'cpu_s') / _median(before, 'cpu_s'):.1f}x")
        benchmark.extra_info.update(baseline_wall_s=_median(before, "wall_s"),
                                    baseline_cpu_s=_median(before, "cpu_s"))
    benchmark.extra_info.update(
        checkov_wall_s=_median(other, "wall_s"), checkov_cpu_s=_median(other, "cpu_s"),
        checkov_peak_rss_mb=max(r.peak_rss_mb for r in other),
        aria_cpu_s=_median(aria, "cpu_s"), aria_warm_wall_s=_median(warm, "wall_s"),
        aria_warm_cpu_s=_median(warm, "cpu_s"),
        aria_peak_rss_mb=max(r.peak_rss_mb for r in aria),
        ratio_wall=round(ratio["wall_s"], 2), ratio_cpu=round(ratio["cpu_s"], 2))
    assert all(r.code in (0, 1) for r in aria + warm + other)
