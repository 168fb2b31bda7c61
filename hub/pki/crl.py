"""X.509 CRLs signed with SM2 (RFC 5280 §5): built with asn1crypto, checked over the
stored TBSCertList bytes. The hub CA publishes one; CRLs of other CAs are loaded into
the trust store as files. Nothing here fetches anything."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import cast

from asn1crypto import algos, crl, pem, x509

from hub.crypto import OID_SM2_SM3, Certificate, SM2PrivateKey
from hub.errors import CryptoError, FormatError


@dataclass(frozen=True)
class Revoked:
    serial: int
    at: datetime
    reason: str = "unspecified"


@dataclass(frozen=True)
class RevocationList:
    der: bytes
    issuer_name_der: bytes
    issuer: str
    this_update: datetime
    next_update: datetime | None
    number: int | None
    tbs_bytes: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    signature_oid: str = ""
    revoked: dict[int, Revoked] = field(default_factory=dict, repr=False)

    def signed_by(self, issuer: Certificate) -> bool:
        return _signed_by(self.der, issuer.der)

    def stale_at(self, when: datetime) -> bool:
        return self.next_update is not None and when > self.next_update


@lru_cache(maxsize=256)
def _signed_by(crl_der: bytes, issuer_der: bytes) -> bool:
    # Memoized per (CRL, issuer): a CRL is checked on every certificate of its CA.
    parsed = parse_crl(crl_der, "CRL")
    if parsed.signature_oid != OID_SM2_SM3:
        return False
    try:
        return Certificate.load(issuer_der).public_key.verify(parsed.signature, parsed.tbs_bytes)
    except CryptoError:
        return False


def parse_crl(data: bytes, what: str) -> RevocationList:
    """A DER or PEM CRL. Raises FormatError for anything else."""
    if pem.detect(data):
        try:
            _, _, data = pem.unarmor(data)
        except ValueError as exc:
            raise FormatError(f"{what}: not a PEM CRL") from exc
    try:
        parsed = crl.CertificateList.load(data, strict=False)
        tbs = parsed["tbs_cert_list"]
        revoked: dict[int, Revoked] = {}
        for entry in tbs["revoked_certificates"] or []:
            reason = "unspecified"
            for ext in entry["crl_entry_extensions"] or []:
                if ext["extn_id"].native == "crl_reason":
                    reason = str(ext["extn_value"].native)
            serial = int(entry["user_certificate"].native)
            revoked[serial] = Revoked(serial, entry["revocation_date"].native, reason)
        number = None
        for ext in tbs["crl_extensions"] or []:
            if ext["extn_id"].native == "crl_number":
                number = int(ext["extn_value"].native)
        next_update = tbs["next_update"].native if tbs["next_update"] else None
        return RevocationList(
            der=bytes(data),
            issuer_name_der=tbs["issuer"].dump(),
            issuer=tbs["issuer"].human_friendly,
            this_update=tbs["this_update"].native,
            next_update=next_update,
            number=number,
            tbs_bytes=tbs.dump(),  # the stored encoding (asn1crypto keeps parsed bytes)
            signature=parsed["signature"].native,
            signature_oid=parsed["signature_algorithm"]["algorithm"].dotted,
            revoked=revoked,
        )
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"{what}: not a DER X.509 CRL") from exc


def build_crl(
    issuer: Certificate,
    issuer_key: SM2PrivateKey,
    revoked: Iterable[Revoked],
    *,
    number: int,
    this_update: datetime | None = None,
    next_update_after: timedelta = timedelta(days=1),
) -> bytes:
    """A v2 CRL of `issuer`, signed SM2-with-SM3 (default ID) by `issuer_key`."""
    now = (this_update or datetime.now(UTC)).replace(microsecond=0)
    sig_alg = algos.SignedDigestAlgorithm({"algorithm": OID_SM2_SM3})
    entries = [
        {
            "user_certificate": r.serial,
            "revocation_date": x509.Time({"utc_time": r.at.replace(microsecond=0)}),
            "crl_entry_extensions": [
                {"extn_id": "crl_reason", "critical": False, "extn_value": r.reason}
            ],
        }
        for r in sorted(revoked, key=lambda r: r.serial)
    ]
    tbs_fields: dict[str, object] = {
        "version": "v2",
        "signature": sig_alg,
        "issuer": x509.Name.load(issuer.subject_name_der),
        "this_update": x509.Time({"utc_time": now}),
        "next_update": x509.Time({"utc_time": now + next_update_after}),
        "crl_extensions": [{"extn_id": "crl_number", "critical": False, "extn_value": number}],
    }
    if entries:
        tbs_fields["revoked_certificates"] = entries
    tbs = crl.TbsCertList(tbs_fields)
    tbs_der = tbs.dump()
    signed = crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": sig_alg,
            "signature": issuer_key.sign(tbs_der),
        }
    )
    return cast(bytes, signed.dump())
