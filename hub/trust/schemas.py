"""Request and response schemas of the hub.trust API."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec


@dataclass
class TrustEntryIn:
    der: str | None = None  # base64 DER of a certificate or a CRL
    pem: str | None = None  # or PEM text
    kind: str | None = None  # "ca" | "maker" | "crl"; default: from the object
    label: str = ""


@dataclass
class TrustEntryOut:
    id: str
    scope: str
    kind: str
    subject: str
    label: str
    sm3: str
    added_by: str
    added_at: str | None


class StatusListEnvelope(msgspec.Struct):
    """The signed provider status list as served (hub.pki.statuslist): verify `signature`
    (SM2 with the default ID) over the base64-decoded `list` bytes with `signer_cert`."""

    format: str  # "sealhub-status-list/1"
    list: str  # base64 of the exact JSON bytes that were signed
    signature: str  # base64 DER SM2 signature
    signer_cert: str  # base64 DER: the hub CA certificate
