"""Adversary C: an adversarial writer built without reading the guard or adversaries A and B."""

from tests.narrative.adversary_c.attack import attack

__all__ = ["attack"]
