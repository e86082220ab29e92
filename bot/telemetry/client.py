"""A small Prometheus HTTP API client: instant queries and label values, within a budget.

Every query of one review is evaluated at the same instant (``at``), so all figures describe
the same window. Redirects are not followed (they could lead off the allow-list). A server
that does not answer stops the telemetry part of the review; a query Prometheus rejects
costs only that figure.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.telemetry.errors import BudgetExhausted, PrometheusUnavailable, QueryFailed
from bot.telemetry.settings import PrometheusTarget

# Prometheus's answers validate only where a Prometheus is configured: a review without one
# does not build their validators.
_ANSWER = ConfigDict(defer_build=True)


class Sample(BaseModel):
    model_config = _ANSWER
    labels: dict[str, str]
    value: float  # NaN and ±Inf are kept: the caller turns them into a note

    @property
    def finite(self) -> bool:
        return math.isfinite(self.value)


class Answer(BaseModel):
    model_config = _ANSWER
    samples: list[Sample]
    warnings: list[str]


class _ApiResponse(BaseModel):
    model_config = _ANSWER
    status: Literal["success", "error"]
    data: Any = None
    errorType: str | None = None  # noqa: N815 — Prometheus's field name
    error: str | None = None
    warnings: list[str] = []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: object, newurl: str) -> None:
        return None  # the 3xx becomes an HTTPError


def _duration_text(seconds: float) -> str:
    return f"{max(1, int(seconds * 1000))}ms"


class PrometheusClient:
    def __init__(self, target: PrometheusTarget, at: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.target = target
        self.at = time.time() if at is None else at
        self.queries = 0
        self._clock = clock
        self._started = clock()
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        context = target.ssl_context()
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self._started

    def query(self, promql: str) -> Answer:
        """An instant query at ``at``: a vector (or a scalar, as one unlabelled sample)."""
        timeout = self._admit()
        data = self._call("/api/v1/query", {"query": promql, "time": f"{self.at:.3f}",
                                            "timeout": _duration_text(timeout)},
                          timeout, post=True)
        return Answer(samples=_samples(data.data), warnings=data.warnings)

    def label_values(self, label: str, match: str, start: float) -> list[str]:
        """Values of ``label`` among series matching ``match`` between ``start`` and ``at``."""
        timeout = self._admit()
        params = {"match[]": match, "start": f"{start:.3f}", "end": f"{self.at:.3f}"}
        path = f"/api/v1/label/{urllib.parse.quote(label)}/values"
        data = self._call(path, params, timeout, post=False)
        if not isinstance(data.data, list):
            raise PrometheusUnavailable(f"{self.target.base_url}{path} did not answer a list")
        return [str(v) for v in data.data]

    def _admit(self) -> float:
        """Count one query against the budget; the time it may take."""
        if self.queries >= self.target.max_queries:
            raise BudgetExhausted(f"the query budget of {self.target.max_queries} per review is "
                                  "spent (ARIA_PROMETHEUS_MAX_QUERIES)")
        left = self.target.deadline_s - self.elapsed_s
        if left <= 0:
            raise BudgetExhausted(f"the {self.target.deadline_s:g} s telemetry deadline of this "
                                  "review passed (ARIA_PROMETHEUS_DEADLINE_S)")
        self.queries += 1
        return min(self.target.timeout_s, left)

    def _call(self, path: str, params: dict[str, str], timeout: float,
              post: bool) -> _ApiResponse:
        encoded = urllib.parse.urlencode(params)
        url = self.target.base_url + path
        headers = {"Accept": "application/json", **self.target.plain_headers()}
        if post:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            request = urllib.request.Request(url, data=encoded.encode(), headers=headers)
        else:
            request = urllib.request.Request(f"{url}?{encoded}", headers=headers)
        where = self.target.base_url
        try:
            with self._opener.open(request, timeout=timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, where, timeout) from None
        except (TimeoutError, OSError) as exc:  # URLError is an OSError
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise PrometheusUnavailable(
                    f"{where} did not answer within {timeout:g} s") from None
            raise PrometheusUnavailable(f"{where} is unreachable: {reason}") from None
        return _parse(body, where)


def _parse(body: bytes, where: str) -> _ApiResponse:
    try:
        answer = _ApiResponse.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        raise PrometheusUnavailable(f"{where} did not answer like the Prometheus API") from None
    if answer.status != "success":
        raise QueryFailed(f"{answer.errorType or 'error'}: {answer.error or 'no reason given'}")
    return answer


def _http_error(exc: urllib.error.HTTPError, where: str, timeout: float) -> Exception:
    if 300 <= exc.code < 400:
        return PrometheusUnavailable(f"{where} redirected (HTTP {exc.code}); redirects are not "
                                     "followed, configure the final URL")
    if exc.code in (401, 403):
        return PrometheusUnavailable(f"{where} refused the credentials (HTTP {exc.code})")
    try:
        answer = _ApiResponse.model_validate(json.loads(exc.read()))
    except (ValueError, ValidationError, OSError):
        return PrometheusUnavailable(f"{where} answered HTTP {exc.code} without an API error")
    kind = answer.errorType or "error"
    if kind == "timeout":
        return QueryFailed(f"Prometheus gave up on the query after its {timeout:g} s timeout")
    return QueryFailed(f"{kind}: {answer.error or f'HTTP {exc.code}'}")


def _samples(data: Any) -> list[Sample]:
    if not isinstance(data, dict):
        raise QueryFailed("the answer holds no result")
    kind, result = data.get("resultType"), data.get("result")
    if not isinstance(result, list):
        raise QueryFailed("the answer holds no result")
    try:
        if kind == "vector":
            return [Sample(labels=item.get("metric") or {}, value=float(item["value"][1]))
                    for item in result]
        if kind == "scalar":
            return [Sample(labels={}, value=float(result[1]))]
    except (TypeError, KeyError, IndexError, ValueError, ValidationError):
        raise QueryFailed("the answer's samples are malformed") from None
    raise QueryFailed(f"expected an instant vector, got {kind!r}")
