"""One async face over tritonclient for the probe: control calls and inferences.

Async because the load generator needs truly concurrent requests from one process: threads with
sync clients fall behind at C=8 on a 2-core box (the GIL; `reference/triton.md` §0.4). HTTP
inferences go through `bot.probes.transport` (tritonclient's wire format over a leaner
transport than aiohttp), gRPC ones through tritonclient's `grpc.aio` channel. Every call is
bounded — control calls by `control_timeout_s`, each inference by `request_timeout_s` — and
every tritonclient/transport error becomes a `ProbeServerError` that names the target,
so a dead server never hangs a probe.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import tritonclient.grpc.aio as grpc_aio
import tritonclient.http.aio as http_aio
from tritonclient.utils import InferenceServerException, np_to_triton_dtype

from bot.measurements import MethodSettings
from bot.probes.errors import ConfigRejectedError, ProbeServerError
from bot.probes.settings import ProbeTarget, parse_host_port
from bot.probes.transport import HttpInferTransport


def error_message(exc: BaseException) -> str:
    if isinstance(exc, InferenceServerException):
        return exc.message() or str(exc)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def _log_errors(log: Path, offset: int, model: str) -> list[str]:
    """Triton's error lines about `model` written to its log after `offset`."""
    try:
        with log.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode(errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        if line.startswith("E") and f"'{model}'" in line:
            # E1126 23:33:13.928192 7348 file.cc:1460] "message" -> message
            found.append(line.split("] ", 1)[-1].strip().strip('"'))
    return found


def _ints(node: Any) -> Any:
    """gRPC's `as_json` renders uint64 as strings; make stats numeric like HTTP's."""
    if isinstance(node, dict):
        return {k: _ints(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_ints(v) for v in node]
    if isinstance(node, str) and node.isdigit():
        return int(node)
    return node


class TritonClient:
    """Control-plane and inference calls for one target (use as `async with`)."""

    def __init__(self, target: ProbeTarget, method: MethodSettings):
        self.target = target
        self.method = method
        self._headers = target.plain_headers()
        self._http: HttpInferTransport | None = None
        if target.protocol == "grpc":
            # One channel multiplexes control calls and concurrent inferences (HTTP/2 streams).
            self._control: Any = grpc_aio.InferenceServerClient(target.url, ssl=target.ssl)
        else:
            # aiohttp's total timeout bounds each control call; model loads may take long.
            self._control = http_aio.InferenceServerClient(
                target.url, conn_limit=4, conn_timeout=method.control_timeout_s, ssl=target.ssl
            )
            host, port = parse_host_port(target.url)
            self._http = HttpInferTransport(
                host,
                port,
                ssl=target.ssl,
                headers=self._headers,
                timeout_s=method.request_timeout_s,
            )

    async def __aenter__(self) -> TritonClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._control.close()
        if self._http is not None:
            await self._http.close()

    async def _call(self, what: str, coro: Awaitable[Any], timeout_s: float | None = None) -> Any:
        try:
            return await asyncio.wait_for(coro, timeout_s or self.method.control_timeout_s)
        except (TimeoutError, InferenceServerException, OSError) as exc:
            raise ProbeServerError(
                f"{what} on Triton at {self.target.url} ({self.target.protocol}) failed: "
                f"{error_message(exc)}"
            ) from exc
        except Exception as exc:  # aiohttp/grpc transport errors have no common base
            raise ProbeServerError(
                f"{what} on Triton at {self.target.url} ({self.target.protocol}) failed: "
                f"{type(exc).__name__}: {error_message(exc)}"
            ) from exc

    def _grpc_kw(self) -> dict[str, Any]:
        return {"as_json": True} if self.target.protocol == "grpc" else {}

    async def check_model(self, model: str) -> None:
        """Fail fast and clearly: unreachable server, unknown model, or model not ready."""
        short = min(self.method.request_timeout_s, 10.0)
        live = await self._call(
            "health check", self._control.is_server_live(headers=self._headers), short
        )
        if not live:
            raise ProbeServerError(f"Triton at {self.target.url} is not live")
        ready = await self._call(
            f"readiness of model '{model}'",
            self._control.is_model_ready(model, headers=self._headers),
            short,
        )
        if not ready:
            names = sorted({m.get("name", "") for m in await self.repository_index()})
            raise ProbeServerError(
                f"model '{model}' is not ready on Triton at {self.target.url} "
                f"(models in its repository: {', '.join(names) or 'none'})"
            )

    async def metadata(self, model: str) -> dict[str, Any]:
        meta = await self._call(
            f"metadata of '{model}'",
            self._control.get_model_metadata(model, headers=self._headers, **self._grpc_kw()),
        )
        return dict(meta)

    async def config(self, model: str) -> dict[str, Any]:
        cfg = await self._call(
            f"config of '{model}'",
            self._control.get_model_config(model, headers=self._headers, **self._grpc_kw()),
        )
        # Left as Triton wrote it: it goes back verbatim as the override that restores it.
        return dict(cfg.get("config", cfg)) if self.target.protocol == "grpc" else dict(cfg)

    async def stats(self, model: str) -> dict[str, Any]:
        """The cumulative statistics of the model's loaded version (may reset on reload)."""
        raw = await self._call(
            f"statistics of '{model}'",
            self._control.get_inference_statistics(model, headers=self._headers, **self._grpc_kw()),
        )
        entries = _ints(raw).get("model_stats", [])
        if not entries:
            raise ProbeServerError(f"Triton returned no statistics for model '{model}'")
        return dict(entries[0])

    async def repository_index(self) -> list[dict[str, Any]]:
        index = await self._call(
            "repository index",
            self._control.get_model_repository_index(headers=self._headers, **self._grpc_kw()),
        )
        if self.target.protocol == "grpc":
            index = index.get("models", [])
        return list(index)

    async def load(self, model: str, config: dict[str, Any] | None = None) -> None:
        """Load `model`; `config` replaces its whole config (Triton takes no patches).

        A refusal raises `ConfigRejectedError` carrying Triton's own words: the API's
        message, the repository index's reason, and — when the operator gave the server's log —
        the log lines about this model, since Triton explains poll failures only there.
        """
        log = self.target.server_log
        log_offset = log.stat().st_size if log and log.is_file() else 0
        body = json.dumps(config) if config is not None else None
        try:
            await asyncio.wait_for(
                self._control.load_model(model, headers=self._headers, config=body),
                self.method.control_timeout_s,
            )
        except InferenceServerException as exc:
            message = error_message(exc)
            if "failed to load" not in message:  # e.g. polling mode: not the config's fault
                raise ProbeServerError(
                    f"loading model '{model}' on Triton at {self.target.url} failed: {message}"
                ) from exc
            details = [message, *await self._index_reason(model)]
            details += _log_errors(log, log_offset, model) if log else []
            raise ConfigRejectedError(model, "; ".join(dict.fromkeys(details))) from exc
        except (TimeoutError, OSError) as exc:
            raise ProbeServerError(
                f"loading model '{model}' on Triton at {self.target.url} failed: "
                f"{error_message(exc)}"
            ) from exc

    async def _index_reason(self, model: str) -> list[str]:
        try:
            index = await self.repository_index()
        except ProbeServerError:
            return []
        return [
            str(m["reason"])
            for m in index
            if m.get("name") == model and m.get("reason") and m.get("reason") != "unloaded"
        ]

    async def unload(self, model: str) -> None:
        await self._call(f"unload of '{model}'", self._control.unload_model(model, self._headers))

    def infer_fn(self, model: str, arrays: dict[str, np.ndarray]) -> Callable[[], Awaitable[Any]]:
        """A zero-argument coroutine factory sending one request with `arrays`.

        The inputs are serialised once: re-encoding the same tensors per request would add
        client overhead perf_analyzer does not have.
        """
        mod = grpc_aio if self._http is None else http_aio
        inputs = []
        for name, array in arrays.items():
            tensor = mod.InferInput(name, list(array.shape), np_to_triton_dtype(array.dtype))
            tensor.set_data_from_numpy(array)
            inputs.append(tensor)
        if self._http is not None:
            return self._http.request_fn(model, inputs)
        client, headers, timeout = self._control, self._headers, self.method.request_timeout_s
        return lambda: client.infer(model, inputs, headers=headers, client_timeout=timeout)
