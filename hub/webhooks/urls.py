"""Webhook URL policy (the SSRF guard): http(s), no user info, host on the allow-list."""

from __future__ import annotations

from urllib.parse import urlsplit

from hub.errors import ValidationFailed

MAX_URL_LENGTH = 2000


def host_allowed(host: str, allow_hosts: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for allowed in allow_hosts:
        allowed = allowed.lower().rstrip(".")
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]) and host != allowed[2:]:
                return True
        elif host == allowed:
            return True
    return False


def check_url(url: str, allow_hosts: tuple[str, ...], *, field: str = "url") -> str:
    """The URL if the policy allows it; ValidationFailed naming `field` otherwise."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url must be 1-{MAX_URL_LENGTH} characters", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        raise ValidationFailed(f"url is not a valid URL: {exc}", field=field) from exc
    if parts.scheme not in ("http", "https"):
        raise ValidationFailed("url must be http:// or https://", field=field)
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("url must not carry user info", field=field)
    host = parts.hostname or ""
    if not host:
        raise ValidationFailed("url has no host", field=field)
    if not host_allowed(host, allow_hosts):
        raise ValidationFailed(
            f"host {host!r} is not allowed for webhooks (SEALHUB_WEBHOOK_ALLOW_HOSTS)",
            field=field,
        )
    if port == 0:
        raise ValidationFailed("url has port 0", field=field)
    return url
