"""Adversary D: a held-out adversarial writer, built without reading the guard."""

from tests.narrative.adversary_d.attack import attack

__all__ = ["attack"]
