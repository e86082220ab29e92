"""Aria: GitOps architecture-decision and review bot for AI/ML platforms."""

__version__ = "0.1.0"
