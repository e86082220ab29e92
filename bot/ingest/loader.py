"""Read a whole source into an inventory of documents and per-file problems.

Parsing is the expensive step, so results are cached by (path, content digest) — a review
parses files that did not change between base and head once — and large trees are parsed on
all cores.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.files import (
    DEFAULT_MAX_FILE_BYTES,
    FileKind,
    chart_dirs_of,
    classify,
    inline_suppressions,
    screen,
)
from bot.ingest.kubernetes import parse_yaml_file
from bot.ingest.source import Source
from bot.ingest.terraform import parse_terraform
from bot.ingest.triton import parse_pbtxt

Progress = Callable[[int, int], None]  # (files parsed, files to parse)
# Below these, starting a process pool costs more than it saves (measured: ~0.3 s to start).
PARALLEL_MIN_FILES = 96
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
_CACHE_LIMIT = 20_000


@dataclass
class Inventory:
    documents: list[Document] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    suppressions: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files_read: int = 0
    config_text: str | None = None
    measurements: list[dict] = field(default_factory=list)  # probe reports (review only)
    # bot.telemetry.model.TelemetryReport, set by the engine; untyped here because ingest sits
    # below telemetry in the layers
    telemetry: object | None = None


_PARSERS = {
    FileKind.yaml: parse_yaml_file,
    FileKind.terraform: parse_terraform,
    FileKind.triton: parse_pbtxt,
}

_cache: dict[tuple[str, str], FileResult] = {}


def parse_file(path: str, kind: FileKind, data: bytes, max_bytes: int) -> FileResult:
    text, problem = screen(data, max_bytes)
    if text is None:
        kind_name = "too-large" if "limit" in (problem or "") else (
            "binary" if "binary" in (problem or "") else "encoding")
        return FileResult(problems=[ParseProblem(path, problem or "unreadable", None, kind_name)])
    try:
        result = _PARSERS[kind](path, text)
    except RecursionError:
        result = FileResult(problems=[ParseProblem(path, "nesting too deep to parse")])
    result.suppressions = inline_suppressions(text)
    return result


def _parse_job(job: tuple[str, FileKind, bytes, int]) -> FileResult:
    return parse_file(*job)


def load_inventory(source: Source, max_bytes: int = DEFAULT_MAX_FILE_BYTES,
                   exclude: tuple[str, ...] = (), workers: int | None = None,
                   progress: Progress | None = None) -> Inventory:
    from fnmatch import fnmatch

    inventory = Inventory()
    files = [f for f in source.files() if not any(fnmatch(f.path, pat) for pat in exclude)]
    charts = chart_dirs_of([f.path for f in files])
    pending: list[tuple[tuple[str, str], tuple[str, FileKind, bytes, int]]] = []
    results: dict[tuple[str, str], FileResult] = {}
    templates_seen: set[str] = set()
    for item in files:
        kind = classify(item.path, charts)
        if kind is FileKind.other:
            continue
        if kind is FileKind.config:
            if "/" not in item.path:
                inventory.config_text = item.read().decode("utf-8", "replace")
            continue
        if kind is FileKind.helm_template:
            chart = item.path.split("/templates/")[0]
            templates_seen.add(chart)
            continue
        inventory.files_read += 1
        if item.size > max_bytes:  # never read a huge file into memory
            results[(item.path, "")] = FileResult(problems=[ParseProblem(
                item.path, f"file is {item.size:,} bytes, over the {max_bytes:,}-byte limit",
                None, "too-large")])
            continue
        data = item.read()
        key = (item.path, hashlib.blake2b(data, digest_size=16).hexdigest())
        cached = _cache.get(key)
        if cached is not None:
            results[key] = cached
        else:
            pending.append((key, (item.path, kind, data, max_bytes)))
    for key, result in zip([k for k, _ in pending], _run(pending, workers, progress),
                           strict=True):
        results[key] = result
        if len(_cache) < _CACHE_LIMIT:
            _cache[key] = result
    for (path, _digest), result in sorted(results.items()):
        inventory.documents.extend(result.documents)
        inventory.problems.extend(result.problems)
        if result.suppressions:
            inventory.suppressions[path] = result.suppressions
    for chart in sorted(templates_seen):
        inventory.problems.append(ParseProblem(
            f"{chart}/templates" if chart else "templates",
            "Helm templates not rendered (`helm` is not installed); values.yaml and plain "
            "manifests were checked", None, "unrendered"))
    return inventory


def _warm_parsers(kinds: set[FileKind]) -> None:
    """Import parser libraries before the pool forks, so workers inherit them."""
    if FileKind.terraform in kinds:
        import hcl2.parser
        hcl2.parser.parser()
    if FileKind.triton in kinds:
        import tritonclient.grpc.model_config_pb2  # noqa: F401


def _run(pending, workers: int | None, progress: Progress | None) -> list[FileResult]:
    jobs = [job for _, job in pending]
    count = workers if workers is not None else (os.cpu_count() or 1)
    out: list[FileResult] = [FileResult()] * len(jobs)
    total = sum(len(job[2]) for job in jobs)
    if count <= 1 or len(jobs) < PARALLEL_MIN_FILES or total < PARALLEL_MIN_BYTES:
        for index, job in enumerate(jobs):
            out[index] = _parse_job(job)
            if progress:
                progress(index + 1, len(jobs))
        return out
    _warm_parsers({job[1] for job in jobs})
    # Biggest files first so one slow file does not trail at the end of a chunk.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][2]))
    with ProcessPoolExecutor(max_workers=count) as pool:
        done = pool.map(_parse_job, [jobs[i] for i in order], chunksize=8)
        for finished, (index, result) in enumerate(zip(order, done, strict=True), start=1):
            out[index] = result
            if progress:
                progress(finished, len(jobs))
    return out
