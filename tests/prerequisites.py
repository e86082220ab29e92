"""What a test needs from the machine: a missing service or binary skips the test on a developer's
machine, and fails it under `CI=true`, where the README's setup (and .github/workflows/ci.yml)
provides every one of them, so a skip there would hide a missing part."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def need(present: bool, what: str, *, module: bool = False) -> None:
    """Go on if `present`; else skip (fail under CI). `module`: called at import time."""
    if present:
        return
    if in_ci():
        pytest.fail(f"{what} (CI=true: the README's setup provides it)", pytrace=False)
    pytest.skip(what, allow_module_level=module)
