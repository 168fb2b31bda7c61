"""What the trust-store service hands out: typed, read-only entries (msgspec Structs)."""

from __future__ import annotations

import msgspec


class TrustEntryView(msgspec.Struct, frozen=True):
    """A CA certificate, pinned maker certificate or CRL of a scope (no DER)."""

    id: str
    scope: str  # hub | tenant
    kind: str
    subject: str
    label: str
    sm3: str  # of the DER
    added_by: str
    added_at: str | None  # ISO 8601
