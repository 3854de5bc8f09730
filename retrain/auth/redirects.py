"""Where to go after login: only a path on this site (ASVS 3.7.2)."""

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a local path, else None.

    Refuses scheme or host (``https://x``, ``//x``), the backslash trick browsers read as
    a host (``/\\x``), ``javascript:`` and control characters, also after percent-decoding.
    """
    if not target:
        return None
    for candidate in (target, unquote(target), unquote(unquote(target))):
        if any(ord(ch) < 32 or ch == "\\" for ch in candidate):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
        if not candidate.startswith("/") or candidate.startswith("//"):
            return None
    return target
