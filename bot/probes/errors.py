"""Errors the probe raises, split by who can fix them; ``exit_code`` is the CLI's exit code
(1 finding, 2 usage or config, 3 server or probe)."""

from __future__ import annotations


class ProbeError(Exception):
    """Base class of every probe failure."""

    exit_code = 3


class ProbeUsageError(ProbeError):
    """The request is wrong: a missing shape, a target outside the allow-list, a bad config."""

    exit_code = 2


class ProbeServerError(ProbeError):
    """The server is unreachable, unknown model, timed out, or died while being measured."""

    exit_code = 3


class ConfigRejectedError(ProbeError):
    """Triton refused to load a config; ``message`` is Triton's own reason."""

    exit_code = 1

    def __init__(self, model: str, message: str, arm: str = "head") -> None:
        super().__init__(model, message, arm)
        self.model = model
        self.message = message
        self.arm = arm  # which config of an A/B: "base" or "head"

    def __str__(self) -> str:
        return f"Triton refused the {self.arm} config of model '{self.model}': {self.message}"
