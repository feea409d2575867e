"""Which addresses are loopback, and what a Host header names (the server's bind and DNS-rebinding rules)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (with or without [brackets])."""
    host = host.strip().lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The host part of a Host header ("127.0.0.1:7860" → "127.0.0.1", "[::1]:80" → "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]")[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_warning(host: str) -> str | None:
    """What to tell the user when the server is reachable from other machines (None on loopback)."""
    if is_loopback(host):
        return None
    return (f"warning: serving on {host}: anyone who can reach this machine can use the app (it has no login) "
            "and run models on it; use the default 127.0.0.1 unless you mean it")
