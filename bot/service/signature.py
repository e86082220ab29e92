"""Webhook signatures: `X-Hub-Signature-256` is HMAC-SHA256 of the raw body, hex, `sha256=`."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(secret: bytes, body: bytes) -> str:
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is the signature of `body`; compared in constant time."""
    if not header or not header.startswith(PREFIX):
        return False
    # compare_digest on bytes: a str holding non-ASCII would raise instead of answering False.
    return hmac.compare_digest(sign(secret, body).encode(), header.encode("utf-8", "replace"))
