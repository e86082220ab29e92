"""Read a whole source into an inventory of documents and per-file problems.

Files come from the PR, so they are parsed in supervised worker processes under limits
(`isolation`), after a scanner has bounded their nesting: a file that crashes or exhausts its
parser is one problem naming that file. Parsing is the expensive step, so results are kept in
the content-addressed cache (`cache`) by path and content (a git blob SHA, which a git source
names without reading the blob): a review parses files that did not change between base and
head once, and a second push parses only what it changed. Large trees are parsed on all cores.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.findings import Location, at
from bot.ingest.cache import content_id, entry_key, shared_cache
from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.files import (
    CONFIG_MAX_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    FileKind,
    chart_dirs_of,
    classify,
    inline_suppressions,
    screen,
)
from bot.ingest.kubernetes import parse_yaml_file
from bot.ingest.ledger import Ledger
from bot.ingest.pymodels import is_model_script, model_imports
from bot.ingest.scan import Syntax, nesting_problem
from bot.ingest.source import Source, SourceFile
from bot.ingest.terraform import parse_terraform
from bot.ingest.tfkubernetes import kubernetes_object
from bot.ingest.triton import model_config_pb2, parse_pbtxt
from bot.measurements import ConfigMeasurement
from bot.telemetry_report import TelemetryReport

# The worker pool (and multiprocessing) is imported when a file must be parsed: a review served
# from the cache needs neither.
if TYPE_CHECKING:
    from bot.ingest.isolation import ParserPool

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (files parsed, files to parse)
# Below these, one worker parses the whole batch: more would not pay for their start.
PARALLEL_MIN_FILES = 96
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


@dataclass
class Inventory:
    documents: list[Document] = field(default_factory=list)  # the objects judged
    # Written documents that are not judged as written: kustomize patches, and files an
    # overlay renders (their rendered objects are in `documents`).
    sources: list[Document] = field(default_factory=list)
    rendered: dict[str, list[Document]] = field(default_factory=dict)  # output name -> objects
    problems: list[ParseProblem] = field(default_factory=list)
    suppressions: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files_read: int = 0
    config_text: str | None = None
    measurements: list[ConfigMeasurement] = field(default_factory=list)  # review only
    telemetry: TelemetryReport | None = None  # set by the engine when Prometheus is configured
    # Triton Python-backend config path -> modules its model.py imports
    model_imports: dict[str, frozenset[str]] = field(default_factory=dict)
    # The cache entries this inventory was built from (key -> parsed file or rendered
    # overlay): kept with a cached base, so its head finds them without a disk read each.
    parts: dict[str, Any] = field(default_factory=dict, repr=False)
    # What ingest worked out per file and overlay: a review's head reuses its base's.
    ledger: Ledger = field(default_factory=Ledger, repr=False)

    def locate(self, location: Location) -> Location:
        """A location in rendered output, as the file and line that wrote it; others as is."""
        docs = self.rendered.get(location.path)
        if not docs:
            return location
        line = location.line or 0
        doc = next((d for d in docs if d.line <= line <= d.end_line), docs[0])
        assert doc.source_map is not None
        path, written = doc.source_map.locate(line if doc.line <= line <= doc.end_line else None)
        return at(path, written)


_PARSERS = {
    FileKind.yaml: parse_yaml_file,
    FileKind.terraform: parse_terraform,
    FileKind.triton: parse_pbtxt,
}

# YAML readers scan their own text (`yamlload`); these are scanned here before parsing.
_SYNTAX = {FileKind.terraform: Syntax.hcl, FileKind.triton: Syntax.pbtxt}

def parse_file(path: str, kind: FileKind, data: bytes, max_bytes: int) -> FileResult:
    """One file's documents or problem, parsed in this process (what a parser worker runs)."""
    text, problem = screen(data, max_bytes)
    if text is None:
        kind_name = "too-large" if "limit" in (problem or "") else (
            "binary" if "binary" in (problem or "") else "encoding")
        return FileResult.failed(path, problem or "unreadable", kind_name)
    deep = nesting_problem(text, _SYNTAX[kind]) if kind in _SYNTAX else None
    if deep is not None:
        return FileResult.failed(path, deep[0], "too-large", deep[1])
    try:
        result = _PARSERS[kind](path, text)
    except RecursionError:
        result = FileResult.failed(path, "nesting too deep to parse")
    result.suppressions = inline_suppressions(text)
    return result


def load_inventory(source: Source, max_bytes: int = DEFAULT_MAX_FILE_BYTES,
                   exclude: tuple[str, ...] = (), workers: int | None = None,
                   progress: Progress | None = None, prior: Inventory | None = None
                   ) -> Inventory:
    """`prior`: an inventory of another revision of the same tree (a review's base), whose
    files of the same blob are taken as it read them, without classifying, keying or looking
    them up again: what the same code made of the same bytes."""
    from fnmatch import fnmatch

    inventory = Inventory()
    files: list[SourceFile] = []
    excluded: list[SourceFile] = []
    if exclude:
        for f in source.files():
            (excluded if any(fnmatch(f.path, pat) for pat in exclude) else files).append(f)
    else:  # no pattern to try on each path
        files = list(source.files())
    charts = chart_dirs_of([f.path for f in files])
    ledger = inventory.ledger = Ledger(max_bytes, charts)
    known = prior.ledger.reusable(max_bytes, charts) if prior is not None else {}
    parts = prior.parts if prior is not None else {}
    if known:  # its entries stand for the paths listed alike; the others are written below
        ledger.files = dict(known)
        for path in known.keys() - {f.path for f in files} - {f.path for f in excluded}:
            del ledger.files[path]
    ledger.files.update((f.path, (f.blob, None)) for f in excluded)
    pending: list[tuple[str, tuple[str, FileKind, bytes, int]]] = []
    results: dict[str, FileResult] = {}
    templates_seen: set[str] = set()
    scripts = [f for f in files if is_model_script(f.path) and f.problem is None]
    cache = shared_cache()
    for item in files:
        seen = known.get(item.path)
        if seen is not None and seen[1] is not None and item.blob is not None \
                and seen[0] == item.blob:
            if seen[1]:
                inventory.files_read += 1
                results[item.path] = inventory.parts[seen[1]] = parts[seen[1]]
            continue
        ledger.files[item.path] = (item.blob, None)
        kind = classify(item.path, charts)
        if item.is_dir or (item.problem is not None and kind is not FileKind.other):
            results[item.path] = FileResult.failed(item.path, item.problem or "", "invalid")
            continue
        if kind is FileKind.other:
            ledger.files[item.path] = (item.blob, "")
            continue
        if kind is FileKind.config:
            if "/" not in item.path:
                inventory.config_text = item.read(CONFIG_MAX_BYTES).decode("utf-8", "replace")
            continue
        if kind is FileKind.helm_template:
            chart = item.path.split("/templates/")[0]
            templates_seen.add(chart)
            continue
        inventory.files_read += 1
        if item.size > max_bytes:  # never read a huge file into memory
            results[item.path] = FileResult.failed(
                item.path, f"file is {item.size:,} bytes, over the {max_bytes:,}-byte limit",
                "too-large")
            continue
        key = "" if item.blob is None else entry_key("parse", item.path, kind, max_bytes,
                                                      item.blob)
        cached = cache.get(key) if key else None  # named by git: a hit costs no read
        if cached is None:
            try:
                data = item.read(max_bytes + 1)
            except OSError as exc:
                results[item.path] = FileResult.failed(
                    item.path, f"it could not be read ({exc.strerror or exc})", "invalid")
                continue
            if not key:
                key = entry_key("parse", item.path, kind, max_bytes, content_id(data))
                cached = cache.get(key)
        if cached is not None:
            results[item.path] = inventory.parts[key] = cached
            if item.blob is not None:
                ledger.files[item.path] = (item.blob, key)
        else:
            pending.append((key, (item.path, kind, data, max_bytes)))

    def keep(index: int, result: FileResult, pickled: bytes | None) -> None:
        """Store a result as it arrives, while the workers parse on."""
        from bot.ingest.isolation import supervised_failure

        if not supervised_failure(result):
            key = pending[index][0]
            cache.put(key, result, pickled)
            inventory.parts[key] = result
            path = pending[index][1][0]
            blob = ledger.files[path][0]
            if blob is not None:
                ledger.files[path] = (blob, key)

    for (_, job), result in zip(pending, _run(pending, workers, progress, keep), strict=True):
        results[job[0]] = result
    for path, result in sorted(results.items()):
        inventory.documents.extend(result.documents)
        inventory.documents.extend(filter(None, map(kubernetes_object, result.documents)))
        inventory.problems.extend(result.problems)
        if result.suppressions:
            inventory.suppressions[path] = result.suppressions
    inventory.model_imports = model_imports(inventory.documents, scripts)
    for chart in sorted(templates_seen):
        inventory.problems.append(ParseProblem(
            f"{chart}/templates" if chart else "templates",
            "Helm templates not rendered (`helm` is not installed); values.yaml and plain "
            "manifests were checked", None, "unrendered"))
    return inventory


_pool: ParserPool | None = None


def _parser_pool() -> ParserPool:
    """This process's parser workers: started on first use, kept warm until exit."""
    from bot.ingest.isolation import ParserPool

    global _pool
    if _pool is None:
        _pool = ParserPool(parse_file)
        atexit.register(_pool.close)
    return _pool


def warm_parsers(kinds: set[FileKind]) -> None:
    """Import parser libraries before workers fork, so each worker inherits them."""
    if FileKind.yaml in kinds:
        import yaml  # noqa: F401  (imported by the first parse, `yamlload.load_documents`)
    if FileKind.terraform in kinds:
        import bot.ingest.hcl  # noqa: F401
    if FileKind.triton in kinds:
        model_config_pb2()


def _run(pending, workers: int | None, progress: Progress | None,
         keep: Callable[[int, FileResult, bytes | None], None]) -> list[FileResult]:
    jobs = [job for _, job in pending]
    if not jobs:
        return []
    count = workers if workers is not None else (os.cpu_count() or 1)
    total = sum(len(job[2]) for job in jobs)
    width = count if len(jobs) >= PARALLEL_MIN_FILES and total >= PARALLEL_MIN_BYTES else 1
    warm_parsers({job[1] for job in jobs})
    try:
        return _parser_pool().parse(jobs, max(1, width), progress, keep)
    except OSError as exc:  # no processes can be started here (a sandbox, a process limit)
        log.warning("parser workers unavailable (%s); parsing in this process", exc)
    out = []
    for index, job in enumerate(jobs, start=1):
        out.append(parse_file(*job))
        keep(index - 1, out[-1], None)
        if progress:
            progress(index, len(jobs))
    return out
