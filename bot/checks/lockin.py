"""lockin checks."""
