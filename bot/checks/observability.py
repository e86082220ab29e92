"""observability checks."""
