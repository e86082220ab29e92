"""Ingest: files from a source become typed documents that remember file:line."""
