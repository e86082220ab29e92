"""Errors the probe raises, split by who can fix them; `exit_code` is `aria probe`'s exit code
(a refused config is a finding, a bad request a usage error, a failing server an error)."""

from __future__ import annotations

from bot.exitcodes import FINDINGS, INTERNAL, USAGE


class ProbeError(Exception):
    """Base class of every probe failure."""

    exit_code = INTERNAL


class ProbeUsageError(ProbeError):
    """The request is wrong: a missing shape, a target outside the allow-list, a bad config."""

    exit_code = USAGE


class ProbeServerError(ProbeError):
    """The server is unreachable, unknown model, timed out, or died while being measured."""

    exit_code = INTERNAL


class ConfigRejectedError(ProbeError):
    """Triton refused to load a config; `message` is Triton's own reason."""

    exit_code = FINDINGS

    def __init__(self, model: str, message: str, arm: str = "head") -> None:
        super().__init__(model, message, arm)
        self.model = model
        self.message = message
        self.arm = arm  # which config of an A/B: "base" or "head"

    def __str__(self) -> str:
        return f"Triton refused the {self.arm} config of model '{self.model}': {self.message}"
