"""Locate the data that ships with Aria (rule packs, templates) in a wheel or a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    # A wheel carries them inside the package; a source checkout keeps them at the root.
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Aria's `{name}/` directory is missing from this installation")
