"""Benchmark: per-file parse time of Terraform `.tf` files, tree-sitter-hcl vs python-hcl2.

    python bench/hcl_parse.py [DIR ...] [--repeat 5]

DIR defaults to the shared corpus (`shared/corpus` beside the repository or a parent, or
$ARIA_SHARED_DIR/corpus), else the fixture repositories in tests/fixtures/repos. For each file,
the best of `--repeat` runs of Aria's reader (`parse_terraform`: tree-sitter-hcl, documents,
lines) and of `hcl2.loads` (python-hcl2, the reader Aria used before, parse only) are recorded;
the script prints the per-file median, mean and p95 of each, totals and the ratio, and checks
that every file parses with both (no timing of a failed parse).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def best_of(repeat: int, parse: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        parse()
        times.append(time.perf_counter() - started)
    return min(times)


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"{label:<22} median {statistics.median(ms):7.2f} ms  mean {statistics.mean(ms):7.2f}"
            f" ms  p95 {p95:7.2f} ms  total {sum(ms) / 1000:6.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import hcl2
    from shared_corpus import find_corpus

    from bot.ingest.terraform import parse_terraform

    dirs = args.dirs or [find_corpus() or ROOT / "tests" / "fixtures" / "repos"]
    paths = sorted(p for d in dirs for p in d.rglob("*.tf"))
    if not paths:
        print(f"no .tf files under {', '.join(map(str, dirs))}", file=sys.stderr)
        return 2
    options = hcl2.SerializationOptions(with_comments=False)
    parse_terraform("warm.tf", 'resource "a" "b" {}\n')  # language load, not per-file work
    hcl2.loads('resource "a" "b" {}\n', serialization_options=options)  # lark grammar build
    ours, lark = [], []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        result = parse_terraform(path.name, text)
        if result.problems:
            print(f"{path}: {result.problems[0].reason}", file=sys.stderr)
            return 1
        ours.append(best_of(args.repeat, lambda t=text, n=path.name: parse_terraform(n, t)))
        lark.append(best_of(args.repeat, lambda t=text: hcl2.loads(
            t, serialization_options=options)))
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} .tf files, {size / 1024:.0f} KiB, from {', '.join(map(str, dirs))};"
          f" best of {args.repeat} runs per file")
    print(summary("python-hcl2 (before)", lark))
    print(summary("tree-sitter-hcl (now)", ours))
    print(f"speed-up: {sum(lark) / sum(ours):.1f}x in total, "
          f"{statistics.median(lark) / statistics.median(ours):.1f}x per file (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
