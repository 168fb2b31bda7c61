"""The signed provider status list: SealHub's analogue of an ETSI TS 119 612 trusted list.

One JSON file, served at GET /api/v1/trust/status-list and used offline by
`sealhub verify --status-list FILE`::

    {
      "format": "sealhub-status-list/1",
      "list": "<base64 of the exact list bytes (UTF-8 JSON)>",
      "signature": "<base64 DER SM2-with-SM3 signature (default ID) over those bytes>",
      "signer_cert": "<base64 DER certificate of the signing key: the hub CA>"
    }

The list (decoded ``list``)::

    {
      "type": "sealhub-provider-status-list", "version": 1,
      "sequence": 17,                       # grows with every admission change
      "issued_at": "...", "next_update": "...",
      "hub": {"origin": "...", "ca_certs": [b64], "maker_certs": [b64],
              "log_public_key": "<PEM>" | null},
      "tenants": [{"slug": "...", "name": "...",
                   "providers": [{"vendor": "...", "kind": "...", "status": "admitted",
                                  "status_since": "...", "maker_certs": [b64],
                                  "ca_certs": [b64],
                                  "history": [{"from": null, "to": "applied", "at": "...",
                                               "reason": "..."}, ...]}]}]
    }

The signature is over the stored bytes, so nothing is re-encoded to check it. The list
is trusted only when its signer certificate is a trust anchor the verifier already has
(the hub CA, e.g. from `--trust`) or is pinned; otherwise it is reported, never used.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.crypto import Certificate, SM2PrivateKey, SM2PublicKey
from hub.errors import CryptoError, FormatError
from hub.pki.chain import build_path
from hub.pki.store import CA, MAKER, HubIdentity, TrustAnchor, TrustStore

FORMAT = "sealhub-status-list/1"
LIST_TYPE = "sealhub-provider-status-list"
# Statuses whose CAs and makers a verifier trusts; a revoked vendor's only until then.
TRUSTED_STATUSES = frozenset({"probation", "admitted", "suspended", "revoked"})


def sign_status_list(document: dict[str, Any], cert: Certificate, key: SM2PrivateKey) -> bytes:
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    raw = body.encode()
    envelope = {
        "format": FORMAT,
        "list": base64.b64encode(raw).decode(),
        "signature": base64.b64encode(key.sign(raw)).decode(),
        "signer_cert": base64.b64encode(cert.der).decode(),
    }
    return json.dumps(envelope, indent=1).encode()


@dataclass(frozen=True)
class StatusList:
    document: dict[str, Any]
    signer: Certificate
    raw: bytes

    @property
    def sequence(self) -> int:
        return int(self.document.get("sequence", 0))

    @property
    def next_update(self) -> datetime | None:
        value = self.document.get("next_update")
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    def trust(self) -> tuple[TrustStore, HubIdentity, frozenset[bytes]]:
        """(anchors, the hub's identity, the hub's log-key points) the list vouches for."""
        hub = self.document.get("hub") or {}
        anchors: list[TrustAnchor] = []
        hub_cas = [_cert(c) for c in hub.get("ca_certs", [])]
        hub_makers = [_cert(c) for c in hub.get("maker_certs", [])]
        for ca in hub_cas:
            anchors.append(TrustAnchor(ca, CA, "status list: hub CA"))
        tenant_makers: dict[str, frozenset[bytes]] = {}
        for tenant in self.document.get("tenants", []):
            slug = str(tenant.get("slug", ""))[:20]
            makers = {m.der for m in hub_makers}
            for p in tenant.get("providers", []):
                if p.get("status") not in TRUSTED_STATUSES or not _ever_served(p):
                    continue  # a vendor refused at its application was never trusted
                until = _revoked_at(p)
                source = f"status list: tenant {tenant.get('slug')} admits {p.get('vendor')}"
                for c in p.get("ca_certs", []):
                    anchors.append(TrustAnchor(_cert(c), CA, source, until))
                for c in p.get("maker_certs", []):
                    maker = _cert(c)
                    anchors.append(TrustAnchor(maker, MAKER, source, until))
                    makers.add(maker.der)
            tenant_makers[slug] = frozenset(makers)
        identity = HubIdentity(
            hub_makers=frozenset(m.der for m in hub_makers),
            hub_maker_names=frozenset(m.subject_name_der for m in hub_makers),
            hub_ca_names=frozenset(c.subject_name_der for c in hub_cas),
            tenant_makers=tenant_makers,
        )
        log_keys: frozenset[bytes] = frozenset()
        pem = hub.get("log_public_key")
        if isinstance(pem, str):
            try:
                log_keys = frozenset({SM2PublicKey.from_pem(pem.encode()).point})
            except (CryptoError, ValueError):
                log_keys = frozenset()
        return TrustStore(anchors), identity, log_keys

    def makers(self) -> list[tuple[str, str, str, str]]:
        """(tenant, vendor, status, maker subject) for every maker certificate listed."""
        out = []
        hub = self.document.get("hub") or {}
        for c in hub.get("maker_certs", []):
            out.append(("*", "hub", "admitted", _cert(c).subject))
        for tenant in self.document.get("tenants", []):
            for p in tenant.get("providers", []):
                for c in p.get("maker_certs", []):
                    out.append(
                        (tenant.get("slug"), p.get("vendor"), p.get("status"), _cert(c).subject)
                    )
        return out


def _ever_served(provider: dict[str, Any]) -> bool:
    return any(h.get("to") in ("probation", "admitted") for h in provider.get("history", []))


def _revoked_at(provider: dict[str, Any]) -> datetime | None:
    if provider.get("status") != "revoked":
        return None
    since = provider.get("status_since")
    return datetime.fromisoformat(since) if isinstance(since, str) else None


def _cert(b64: object) -> Certificate:
    try:
        return Certificate.load(base64.b64decode(str(b64), validate=True))
    except (binascii.Error, ValueError, CryptoError) as exc:
        raise FormatError("status list carries an unreadable certificate") from exc


def read_status_list(data: bytes) -> StatusList:
    """Parse the envelope and check its signature with its own signer certificate.
    Raises FormatError for anything that is not a list signed by that certificate;
    whether that certificate is the hub's is the caller's question (`trusted_by`)."""
    try:
        envelope = json.loads(data)
        if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
            raise FormatError(f"not a SealHub status list (format must be {FORMAT!r})")
        raw = base64.b64decode(envelope["list"], validate=True)
        signature = base64.b64decode(envelope["signature"], validate=True)
        signer = Certificate.load(base64.b64decode(envelope["signer_cert"], validate=True))
    except FormatError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, CryptoError) as exc:
        raise FormatError("not a readable SealHub status list") from exc
    if not signer.public_key.verify(signature, raw):
        raise FormatError("the status list's signature does not verify with its signer certificate")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError("the signed status list is not JSON") from exc
    if not isinstance(document, dict) or document.get("type") != LIST_TYPE:
        raise FormatError(f"the signed document is not a {LIST_TYPE}")
    status_list = StatusList(document, signer, raw)
    status_list.trust()  # every certificate in it must be readable
    return status_list


def trusted_by(status_list: StatusList, store: TrustStore) -> bool:
    """Is the list signed by a key the verifier trusts (an anchor, or issued by one)?"""
    if status_list.signer.der in store.cas or status_list.signer.der in store.pinned:
        return True

    return build_path(status_list.signer, store).anchor is not None
