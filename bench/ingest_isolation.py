"""Benchmark: what parsing in supervised worker processes adds to a small review.

    python bench/ingest_isolation.py [--repeat 30] [--tree examples/gpu-serving/head]

Reads every reviewable file of `--tree` (default: the example change's head, 9 files: Kubernetes
YAML, Terraform, Triton) and parses them three ways, `--repeat` times each, in one process:
in this process (`parse_file` in a loop), on a cold pool (a new `ParserPool`, so its worker
is forked for the batch, as in a one-shot `aria review`), and on a warm pool (workers kept from
the previous batch, as in `aria serve`). Prints the minimum and median wall time of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest.files import DEFAULT_MAX_FILE_BYTES, FileKind, classify  # noqa: E402
from bot.ingest.isolation import ParserPool  # noqa: E402
from bot.ingest.loader import parse_file, warm_parsers  # noqa: E402
from bot.ingest.source import DirectorySource  # noqa: E402


def jobs_of(tree: Path) -> list[tuple[str, FileKind, bytes, int]]:
    jobs = []
    for item in DirectorySource(tree).files():
        kind = classify(item.path)
        if kind in (FileKind.yaml, FileKind.terraform, FileKind.triton):
            jobs.append((item.path, kind, item.read(), DEFAULT_MAX_FILE_BYTES))
    return jobs


def timed(run, repeat: int) -> list[float]:
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        walls.append(time.perf_counter() - start)
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--tree", type=Path, default=ROOT / "examples/gpu-serving/head")
    args = parser.parse_args()
    jobs = jobs_of(args.tree)
    warm_parsers({job[1] for job in jobs})
    warm_pool = ParserPool(parse_file)
    warm_pool.parse(jobs, 1)

    def cold() -> None:
        pool = ParserPool(parse_file)
        pool.parse(jobs, 1)
        pool.close()

    ways = {
        "in this process": lambda: [parse_file(*job) for job in jobs],
        "cold pool (fork, parse, stop)": cold,
        "warm pool": lambda: warm_pool.parse(jobs, 1),
    }
    print(f"{len(jobs)} files, {sum(len(j[2]) for j in jobs):,} bytes from {args.tree}; "
          f"{args.repeat} runs each\n")
    print("| way | min ms | median ms |")
    print("| --- | ---: | ---: |")
    for name, run in ways.items():
        walls = timed(run, args.repeat)
        print(f"| {name} | {min(walls) * 1000:.1f} | {statistics.median(walls) * 1000:.1f} |")
    warm_pool.close()


if __name__ == "__main__":
    main()
