"""Which hosts the operator lets Aria connect to (probe targets, Prometheus).

Addresses come only from the operator's environment; this allow-list is a second guard so a
misconfiguration cannot aim the bot at cloud metadata endpoints or other internal services.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterable

# Loopback only: an operator widens a list explicitly (ARIA_PROBE_ALLOWLIST, ARIA_PROMETHEUS_…).
DEFAULT_ALLOWLIST: tuple[str, ...] = ("127.0.0.0/8", "::1", "localhost")


def pattern_matches(pattern: str, host: str, port: int) -> bool:
    """One allow-list entry: a CIDR (``10.0.0.0/8``), or a host glob with optional ``:port``."""
    pattern = pattern.strip().lower()
    if "/" in pattern:
        try:
            return ipaddress.ip_address(host) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:  # host is a name, not an address: a CIDR cannot vouch for it
            return False
    if pattern.count(":") == 1:
        host_glob, port_glob = pattern.split(":")
    else:  # no port, or a bare IPv6 address
        host_glob, port_glob = pattern, "*"
    return fnmatch.fnmatchcase(host, host_glob) and fnmatch.fnmatchcase(str(port), port_glob)


def allowed(host: str, port: int, patterns: Iterable[str]) -> bool:
    return any(pattern_matches(p, host.lower(), port) for p in patterns)


def split_patterns(value: str | None) -> tuple[str, ...]:
    """A comma-separated allow-list from the environment; empty means the loopback default."""
    found = tuple(p.strip() for p in (value or "").split(",") if p.strip())
    return found or DEFAULT_ALLOWLIST
