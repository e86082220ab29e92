"""Benchmark: `aria audit` vs `checkov -d` over the same tree, in one run on one machine.

    python bench/audit_vs_checkov.py [--corpus ../shared/corpus] [--repeat 3]

checkov runs with the kubernetes and terraform frameworks (what Aria reads without rendering),
Aria with `--no-render` for the like-for-like figure and with kustomize rendering for the full
one. checkov is installed into `.aria-cache/checkov-venv` on first use. Wall time and peak RSS
(the largest process, parent or worker) come from `/usr/bin/time`-style rusage.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".aria-cache"


def checkov_binary() -> str:
    found = shutil.which("checkov")
    if found:
        return found
    venv = CACHE / "checkov-venv"
    binary = venv / "bin" / "checkov"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "checkov"], check=True)
    return str(binary)


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the largest process the command started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{cmd[0]} failed with status {status}")
    return wall, max(usage.ru_maxrss, before if before > usage.ru_maxrss else 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    aria = str(Path(sys.executable).with_name("aria"))
    runs = {
        "aria audit --no-render": [aria, "audit", args.corpus, "--no-render", "-f", "json",
                                   "-o", os.devnull, "--fail-on", "never"],
        "aria audit (kustomize rendered)": [aria, "audit", args.corpus, "-f", "json",
                                            "-o", os.devnull, "--fail-on", "never"],
        "checkov -d (kubernetes,terraform)": [checkov_binary(), "-d", args.corpus,
                                              "--framework", "kubernetes", "terraform",
                                              "-o", "json", "--quiet", "--skip-download"],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(args.repeat):  # interleaved, so machine noise hits every tool alike
        for name, cmd in runs.items():
            results[name].append(timed(cmd))
    print(f"corpus: {args.corpus}  repeats: {args.repeat}  cores: {os.cpu_count()}")
    print(f"{'tool':<36} {'median s':>9} {'min–max s':>14} {'peak RSS MB':>12}")
    medians = {}
    for name, samples in results.items():
        walls = [w for w, _ in samples]
        medians[name] = statistics.median(walls)
        print(f"{name:<36} {medians[name]:>9.2f} {min(walls):>6.2f}–{max(walls):<6.2f} "
              f"{max(r for _, r in samples):>12.0f}")
    base = medians["checkov -d (kubernetes,terraform)"]
    for name in list(runs)[:2]:
        print(f"speed-up of {name} over checkov: {base / medians[name]:.1f}×")


if __name__ == "__main__":
    main()
