"""cost checks."""
