"""Serving: Triton model configs, vLLM / TGI launch flags and KServe settings that are accepted
silently but cost latency, memory or availability (or that the server rejects at start-up)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from bot.checks.common import as_int, dig, flag_line, gpu_line, mapping, metadata_annotations
from bot.checks.contract import CheckContext, CheckParams, Hit, NoParams, check, ev
from bot.graph.platform import PlatformGraph
from bot.graph.workloads import Container, Workload
from bot.ingest.documents import Document
from bot.ingest.serverflags import FALSE_VALUES, detect_server, server_flags

# --- Triton config.pbtxt ----------------------------------------------------------------------


def _models(graph: PlatformGraph) -> Iterator[tuple[Document, dict[str, Any]]]:
    """Served Triton model configs, without ensembles (they schedule steps, they do not batch)."""
    for doc in graph.served_models():
        body = mapping(doc.body)
        if body.get("platform") == "ensemble" or "ensemble_scheduling" in body:
            continue
        yield doc, body


def _model_hit(doc: Document, keys: tuple[str, ...], fields: dict[str, Any],
               evidence: list) -> Hit:
    """A finding on a model config, at the innermost of `keys` that starts a line."""
    return Hit(subject=doc.identity, path=doc.path, line=doc.line_at(*keys),
               fields={"object": doc.ref, **fields}, evidence=evidence)


def _batch_size(doc: Document, body: dict[str, Any]) -> tuple[int, Any]:
    """`max_batch_size` (0 when unset, as Triton reads it) and its evidence."""
    value = as_int(body.get("max_batch_size")) or 0
    return value, ev("max_batch_size", value, doc.path, doc.line_at("max_batch_size"))


def _preferred_sizes(body: dict[str, Any]) -> list[int]:
    """`dynamic_batching.preferred_batch_size`, as integers."""
    values = dig(body, "dynamic_batching", "preferred_batch_size") or []
    return [v for v in (as_int(item) for item in values) if v is not None]


@check("triton_batching_without_batcher", NoParams)
def triton_batching_without_batcher(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A model that accepts batches of two or more but has no batcher to form them."""
    for doc, body in _models(ctx.graph):
        size, evidence = _batch_size(doc, body)
        if size > 1 and "dynamic_batching" not in body and "sequence_batching" not in body:
            yield _model_hit(doc, ("max_batch_size",), {"max_batch_size": size}, [evidence])


@check("triton_batcher_without_batching", NoParams)
def triton_batcher_without_batching(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """`dynamic_batching` on a model whose `max_batch_size` of 0 says it cannot batch."""
    for doc, body in _models(ctx.graph):
        size, evidence = _batch_size(doc, body)
        if size == 0 and "dynamic_batching" in body:
            yield _model_hit(doc, ("dynamic_batching",), {}, [
                evidence, ev("dynamic_batching", "set", doc.path,
                             doc.line_at("dynamic_batching"))])


class MaxDelay(CheckParams):
    max_delay_us: int


@check("triton_queue_delay", MaxDelay)
def triton_queue_delay(ctx: CheckContext[MaxDelay]) -> Iterator[Hit]:
    """A batching delay that a lone request pays in full.

    It never applies when one request already completes a batch Triton dispatches at once: with
    `max_batch_size` 1, or a `preferred_batch_size` of 1 (model_config.proto).
    """
    ceiling = ctx.params.max_delay_us
    for doc, body in _models(ctx.graph):
        delay = as_int(dig(body, "dynamic_batching", "max_queue_delay_microseconds"))
        if delay is None or delay <= ceiling or _batch_size(doc, body)[0] <= 1 or \
                1 in _preferred_sizes(body):
            continue
        keys = ("dynamic_batching", "max_queue_delay_microseconds")
        line = doc.line_at(*keys)
        yield _model_hit(doc, keys, {"delay": delay, "ceiling": ceiling},
                         [ev("max_queue_delay_microseconds", delay, doc.path, line, "µs")])


class PreferredBatchMode(CheckParams):
    mode: Literal["set", "exceeds"]


@check("triton_preferred_batch_size", PreferredBatchMode)
def triton_preferred_batch_size(ctx: CheckContext[PreferredBatchMode]) -> Iterator[Hit]:
    """`preferred_batch_size` above `max_batch_size` (mode `exceeds`), or set at all (`set`)."""
    exceeds = ctx.params.mode == "exceeds"
    for doc, body in _models(ctx.graph):
        sizes = _preferred_sizes(body)
        if not sizes:
            continue
        size, evidence = _batch_size(doc, body)
        too_large = [v for v in sizes if v > size]
        if exceeds != bool(too_large):
            continue  # the `set` rule leaves configs Triton rejects to the `exceeds` rule
        if not exceeds and set(sizes) == {size}:
            continue  # preferring the largest batch is what the batcher does when it is unset
        keys = ("dynamic_batching", "preferred_batch_size")
        line = doc.line_at(*keys)
        yield _model_hit(doc, keys,
                         {"preferred": ", ".join(map(str, sizes)), "max_batch_size": size},
                         [ev("preferred_batch_size", ",".join(map(str, sizes)), doc.path, line),
                          evidence])


@check("triton_unbounded_queue", NoParams)
def triton_unbounded_queue(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A dynamic batcher with no queue bound: overload turns into latency instead of 503s."""
    for doc, body in _models(ctx.graph):
        batcher = body.get("dynamic_batching")
        if not isinstance(batcher, dict):
            continue
        policies = [mapping(batcher.get("default_queue_policy"))]
        policies += [mapping(p) for p in mapping(batcher.get("priority_queue_policy")).values()]
        if any((as_int(p.get("max_queue_size")) or 0) > 0 for p in policies):
            continue
        yield _model_hit(doc, ("dynamic_batching",), {}, [
            ev("default_queue_policy.max_queue_size", "not set", doc.path,
               doc.line_at("dynamic_batching"))])


def _resident_versions(policy: dict[str, Any]) -> tuple[str, int | None] | None:
    """How many versions the policy keeps loaded, when more than one (None: every version)."""
    if "all" in policy:
        return "all", None
    latest = as_int(dig(policy, "latest", "num_versions"))
    if latest is not None and latest > 1:
        return f"latest {{ num_versions: {latest} }}", latest
    versions = dig(policy, "specific", "versions") or []
    if len(versions) > 1:
        return f"specific {{ versions: {', '.join(map(str, versions))} }}", len(versions)
    return None


@check("triton_resident_versions", NoParams)
def triton_resident_versions(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    for doc, body in _models(ctx.graph):
        resident = _resident_versions(mapping(body.get("version_policy")))
        if resident is None:
            continue
        policy, count = resident
        line = doc.line_at("version_policy")
        yield _model_hit(doc, ("version_policy",),
                         {"policy": policy,
                          "resident": "every version" if count is None else f"{count} versions"},
                         [ev("version_policy", policy, doc.path, line)])


def _cache_configured(graph: PlatformGraph, model: Document) -> bool:
    return any("cache-config" in server_flags(c.argv)
               for w in graph.triton_servers_for(model) for c in w.containers)


@check("triton_cache_without_server_cache", NoParams)
def triton_cache_without_server_cache(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """`response_cache` on, with no Triton server in the tree started with `--cache-config`."""
    for doc, body in _models(ctx.graph):
        if dig(body, "response_cache", "enable") is not True or _cache_configured(ctx.graph, doc):
            continue
        yield _model_hit(doc, ("response_cache",), {}, [
            ev("response_cache.enable", True, doc.path, doc.line_at("response_cache")),
            ev("--cache-config on a Triton server in the tree", "not found")])


class SkipBackends(CheckParams):
    skip_backends: list[str]


@check("triton_no_warmup", SkipBackends)
def triton_no_warmup(ctx: CheckContext[SkipBackends]) -> Iterator[Hit]:
    """Models without warm-up, except backends (params) that do little lazy initialisation."""
    skipped = set(ctx.params.skip_backends)
    for doc, body in _models(ctx.graph):
        if not body.get("model_warmup") and body.get("backend") not in skipped:
            yield _model_hit(doc, ("name",), {}, [ev("model_warmup", "not set", doc.path,
                                                  doc.line)])


# --- vLLM and TGI launch flags -------------------------------------------------------------


def _servers(graph: PlatformGraph, server: str
             ) -> Iterator[tuple[Workload, Container, dict[str, str]]]:
    for w in graph.workloads:
        for c in w.containers:
            if not c.init and detect_server(c.image, c.argv) == server:
                yield w, c, server_flags(c.argv)


def _setting(w: Workload, c: Container, flags: dict[str, str], names: tuple[str, ...],
             env_names: tuple[str, ...] = ()) -> tuple[str, int, Any] | None:
    """(how it was set, value, evidence) for the first of `names` given as a flag or env var.

    TGI's launcher reads every flag from an upper-case environment variable too.
    """
    for name in names:
        value = as_int(flags.get(name))
        if value is not None:
            return f"--{name}", value, ev(f"--{name}", value, w.doc.path, flag_line(w, c, name))
    for index, item in enumerate(c.body.get("env") or []):
        value = as_int(dig(item, "value"))
        if dig(item, "name") in env_names and value is not None:
            return (str(item["name"]), value,
                    ev(str(item["name"]), value, w.doc.path,
                       w.line(*c.path, "env", index, "value")))
    return None


def _server_hit(w: Workload, c: Container, fields: dict[str, Any], evidence: list) -> Hit:
    return Hit(subject=w.subject, path=w.doc.path, line=evidence[0].location.line,
               detail=c.name, fields={"object": w.ref, "container": c.name, **fields},
               evidence=evidence)


@check("vllm_batched_tokens_below_model_len", NoParams)
def vllm_batched_tokens_below_model_len(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A token budget per step smaller than one full prompt, with chunked prefill not enabled."""
    for w, c, flags in _servers(ctx.graph, "vllm"):
        chunked = flags.get("enable-chunked-prefill")
        if chunked is not None and chunked.lower() not in FALSE_VALUES:
            continue
        budget = _setting(w, c, flags, ("max-num-batched-tokens",))
        length = _setting(w, c, flags, ("max-model-len",))
        if budget and length and budget[1] < length[1]:
            yield _server_hit(w, c, {"budget": budget[1], "length": length[1]},
                              [budget[2], length[2]])


class Setting(CheckParams):
    """One launcher setting: its flags and the environment variables that set it too."""

    flags: tuple[str, ...]
    env: tuple[str, ...]


class TokenLimits(CheckParams):
    lower: Setting
    upper: Setting
    allow_equal: bool


@check("tgi_token_limits", TokenLimits)
def tgi_token_limits(ctx: CheckContext[TokenLimits]) -> Iterator[Hit]:
    """TGI limits the launcher rejects: `lower` must stay below (or, with `allow_equal`, at
    most) `upper`. Each side names its flags and environment variables in params."""
    low, high, allow_equal = ctx.params.lower, ctx.params.upper, ctx.params.allow_equal
    for w, c, flags in _servers(ctx.graph, "tgi"):
        lower = _setting(w, c, flags, low.flags, low.env)
        upper = _setting(w, c, flags, high.flags, high.env)
        if not lower or not upper:
            continue
        if lower[1] > upper[1] or (lower[1] == upper[1] and not allow_equal):
            yield _server_hit(w, c, {"lower_name": lower[0], "lower": lower[1],
                                     "upper_name": upper[0], "upper": upper[1]},
                              [lower[2], upper[2]])


PARALLEL_FLAGS = {"vllm": (("tensor-parallel-size", "tp"), ("pipeline-parallel-size", "pp")),
                  "tgi": (("num-shard",),)}


class SkipKinds(CheckParams):
    skip_kinds: list[str]  # multi-node kinds whose sharding spans pods


@check("parallelism_gpu_mismatch", SkipKinds)
def parallelism_gpu_mismatch(ctx: CheckContext[SkipKinds]) -> Iterator[Hit]:
    """Model sharding that does not use exactly the GPUs the container requests."""
    skip_kinds = set(ctx.params.skip_kinds)
    for server, groups in PARALLEL_FLAGS.items():
        for w, c, flags in _servers(ctx.graph, server):
            if w.kind in skip_kinds or not c.gpus or "distributed-executor-backend" in flags:
                continue  # multi-node runs span pods; a CPU container has no GPUs to match
            found = [s for s in (_setting(w, c, flags, names) for names in groups) if s]
            if not found:
                continue
            shards = 1
            for _, value, _ in found:
                shards *= value
            if shards == c.gpus:
                continue
            effect = (f"the server needs {shards} GPUs and fails to start" if shards > c.gpus
                      else f"{c.gpus - shards} of the requested GPUs stay idle")
            yield _server_hit(w, c, {"server": server, "shards": shards, "gpus": c.gpus,
                                     "effect": effect,
                                     "flags": " × ".join(f"{n} {v}" for n, v, _ in found)},
                              [*(e for _, _, e in found),
                               ev("GPUs requested", c.gpus, w.doc.path, gpu_line(w, c))])


# --- KServe -----------------------------------------------------------------------------------


def _predictor_setting(w: Workload, key: str, annotation: str | None = None
                       ) -> tuple[str, int, int] | None:
    """A predictor field, or (for the serverless mode) its Knative annotation."""
    value = as_int(dig(w.doc.body, *w.pod_path, key))
    if value is not None:
        return key, value, w.line(*w.pod_path, key)
    if annotation is None:
        return None
    value = as_int(metadata_annotations(w.doc).get(annotation))
    if value is not None:
        return annotation, value, w.line("metadata", "annotations", annotation)
    return None


@check("kserve_scale_to_zero", NoParams)
def kserve_scale_to_zero(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    for w in ctx.graph.workloads:
        if w.kind != "InferenceService":
            continue
        setting = _predictor_setting(w, "minReplicas", "autoscaling.knative.dev/min-scale")
        if setting and setting[1] == 0:
            name, _, line = setting
            yield Hit(subject=w.subject, path=w.doc.path, line=line,
                      fields={"object": w.ref, "setting": name},
                      evidence=[ev(name, 0, w.doc.path, line)])


def _batching_runtime(w: Workload, batching: set[str]) -> str | None:
    """The batching model server behind a predictor: model format, runtime, or container."""
    for c in w.containers:
        fmt = str(dig(c.body, "modelFormat", "name") or "").lower()
        runtime = str(c.body.get("runtime") or "").lower()
        server = detect_server(c.image, c.argv) or ""
        for name in (c.name.lower(), fmt, runtime, server):
            match = next((b for b in batching if b in name), None)
            if match:
                return match
    return None


class BatchingServers(CheckParams):
    batching_servers: list[str]


@check("kserve_serial_concurrency", BatchingServers)
def kserve_serial_concurrency(ctx: CheckContext[BatchingServers]) -> Iterator[Hit]:
    """`containerConcurrency: 1` in front of a server that batches concurrent requests."""
    batching = {b.lower() for b in ctx.params.batching_servers}
    for w in ctx.graph.workloads:
        if w.kind != "InferenceService":
            continue
        setting = _predictor_setting(w, "containerConcurrency")
        server = _batching_runtime(w, batching)
        if setting is None or setting[1] != 1 or server is None:
            continue
        name, _, line = setting
        yield Hit(subject=w.subject, path=w.doc.path, line=line,
                  fields={"object": w.ref, "setting": name, "server": server},
                  evidence=[ev(name, 1, w.doc.path, line), ev("model server", server)])
