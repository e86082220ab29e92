"""Every planted-claim kind, in one tuple."""

from __future__ import annotations

from . import kinds_claims, kinds_control, kinds_decision, kinds_social
from .kind import Kind

KINDS: tuple[Kind, ...] = (kinds_decision.KINDS + kinds_claims.KINDS + kinds_social.KINDS
                           + kinds_control.KINDS)
KIND_NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)

if len(set(KIND_NAMES)) != len(KIND_NAMES):
    raise ValueError("planted-claim kind names must be unique")
