"""serving checks."""
