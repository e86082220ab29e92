"""A held-out adversarial stand-in for the narrative writer, independent of the guard.

`attack(brief, seed)` returns, for every prose part of a brief, honest rewordings of the
evidence mixed with planted unsupported claims of many kinds (see `catalog.KINDS`), each
citing the evidence ids a plausible writer would cite. Standard library only, deterministic.
"""

from .attack import attack
from .catalog import KIND_NAMES, KINDS

__all__ = ["KINDS", "KIND_NAMES", "attack"]
