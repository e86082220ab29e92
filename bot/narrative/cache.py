"""Narratives already written, keyed by what the writer saw: identical decisions reuse them.

The cache holds the writer's answer before the guard, and the guard runs again on every use, so
a cached answer is held to the same checks as a fresh one.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from pydantic import ValidationError

from bot.narrative.prompt import PROMPT_VERSION
from bot.narrative.schema import Narrative

log = logging.getLogger(__name__)


def cache_key(model_id: str, facts: str) -> str:
    return hashlib.sha256(f"{PROMPT_VERSION}\x1f{model_id}\x1f{facts}".encode()).hexdigest()


class NarrativeCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> Narrative | None:
        try:
            return Narrative.model_validate_json(self._path(key).read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:  # a damaged entry is a miss, not a failure
            log.warning("narrative cache entry %s unreadable: %s", key[:12], exc)
            return None

    def put(self, key: str, narrative: Narrative) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._path(key).with_suffix(".tmp")
        tmp.write_text(narrative.model_dump_json(), encoding="utf-8")
        tmp.replace(self._path(key))  # atomic: a reader never sees half an entry
