"""Invented values for planted claims, each checked to be absent from the review's evidence."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_NAMES = ["embedding-gateway", "ranker-v2", "feature-cache", "batch-scorer", "prompt-router",
          "reranker-edge", "vector-sync", "token-meter", "shadow-canary", "guardrail-proxy"]
_KINDS = ["Deployment", "StatefulSet", "Service", "ConfigMap", "Ingress", "CronJob"]
_PATHS = ["charts/inference/values-prod.yaml", "overlays/prod/patch-gpu.yaml",
          "deploy/base/kustomization.yaml", "infra/live/us-east/serving.tf",
          "helm/serving/templates/hpa.yaml", "config/prod/limits.yaml"]
_RULE_PREFIXES = ["NET", "MEM", "QOS", "PERF", "IAM", "GPUX", "NETP", "DRIFT"]
_MODELS = ["llama-3-70b-instruct", "qwen2-72b-chat", "mistral-7b-v0.3", "bge-large-en-v1.5",
           "whisper-large-v3", "phi-3-medium", "gemma-2-27b", "falcon-40b"]
_HANDLES = ["platform-leads", "sre-oncall", "jdoe", "ml-infra", "release-captain", "kwang"]
_TICKETS = ["SEC", "PLAT", "OPS", "INFRA", "RISK"]


def _absent(value: str, evidence: str) -> bool:
    if re.fullmatch(r"[\d.,]+", value):
        return re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", evidence) is None
    return value.casefold() not in evidence


def invented(rng: random.Random, evidence: str) -> dict[str, str]:
    """One value per invented slot; `evidence` is the casefolded text of every item."""
    makers: dict[str, Callable[[], str]] = {
        "ms": lambda: str(rng.randint(37, 480)),
        "pct": lambda: str(rng.randint(3, 97)),
        "small": lambda: str(rng.randint(11, 89)),
        "count": lambda: str(rng.randint(120, 5000)),
        "price": lambda: f"{rng.randint(140, 9800):,}",
        "hours": lambda: str(rng.randint(13, 200)),
        "factor": lambda: f"{rng.randint(13, 48) / 10}",
        "fake_res": lambda: f"{rng.choice(_KINDS)}/{rng.choice(_NAMES)}",
        "fake_path": lambda: rng.choice(_PATHS),
        "fake_rule": lambda: f"{rng.choice(_RULE_PREFIXES)}{rng.randint(100, 999)}",
        "fake_model": lambda: rng.choice(_MODELS),
        "handle": lambda: rng.choice(_HANDLES),
        "slug": lambda: f"{rng.choice(_NAMES)}-{rng.randint(10, 99)}",
        "ticket": lambda: f"{rng.choice(_TICKETS)}-{rng.randint(1000, 9999)}",
    }
    out = {}
    for slot, make in makers.items():
        value = make()
        while not _absent(value, evidence):
            value = make()
        out[slot] = value
    return out
