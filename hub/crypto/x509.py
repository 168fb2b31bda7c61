"""SM2 X.509 certificates: build, parse, verify a chain, validity at a given time.

Neither tongsuopy nor cryptography builds SM2 certificates, so the TBSCertificate is
built with asn1crypto and signed with the SM2 facade. Signatures are always checked over
the *stored* TBS bytes (asn1crypto keeps the original encoding of parsed values).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import cast

from asn1crypto import algos, core, keys, x509
from asn1crypto import pem as _pem

from hub.crypto.sm2 import OID_SM2_CURVE, OID_SM2_SM3, SM2PrivateKey, SM2PublicKey
from hub.crypto.sm3 import sm3
from hub.errors import CryptoError

# asn1crypto does not know the Chinese OIDs; teach it once so names round-trip.
algos.SignedDigestAlgorithmId._map.setdefault(OID_SM2_SM3, "sm2_sm3")
algos.SignedDigestAlgorithmId._reverse_map = None
with contextlib.suppress(ValueError):  # already registered by an earlier import
    keys.NamedCurve.register("sm2p256v1", OID_SM2_CURVE, 32)


@dataclass(frozen=True)
class Name:
    """A distinguished name in the order a Chinese CA writes it."""

    common_name: str
    organization: str | None = None
    organizational_unit: str | None = None
    country: str = "CN"
    province: str | None = None
    locality: str | None = None

    def to_asn1(self) -> x509.Name:
        attrs: dict[str, str] = {"country_name": self.country}
        if self.province:
            attrs["state_or_province_name"] = self.province
        if self.locality:
            attrs["locality_name"] = self.locality
        if self.organization:
            attrs["organization_name"] = self.organization
        if self.organizational_unit:
            attrs["organizational_unit_name"] = self.organizational_unit
        attrs["common_name"] = self.common_name
        return x509.Name.build(attrs, use_printable=False)


@dataclass(frozen=True)
class Certificate:
    """A parsed certificate that remembers its exact bytes. Names and validity are
    worked out once: parsed certificates are cached and read on every verification."""

    der: bytes
    _asn1: x509.Certificate = field(repr=False, compare=False)

    @classmethod
    def load(cls, der: bytes) -> Certificate:
        try:
            parsed = x509.Certificate.load(der, strict=False)
            # asn1crypto parses lazily: touch every field an accessor reads, so malformed
            # input fails here as a CryptoError, not later as a ValueError in a property.
            tbs = parsed["tbs_certificate"]
            tbs["serial_number"].native  # noqa: B018
            tbs["validity"]["not_before"].native  # noqa: B018
            tbs["validity"]["not_after"].native  # noqa: B018
            parsed.subject.dump()
            parsed.issuer.dump()
            tbs["subject_public_key_info"]["algorithm"]["parameters"].native  # noqa: B018
            tbs["subject_public_key_info"]["public_key"].contents  # noqa: B018
            parsed["signature_algorithm"]["algorithm"].dotted  # noqa: B018
            parsed["signature_value"].native  # noqa: B018
        except Exception as exc:
            raise CryptoError("not a DER X.509 certificate") from exc
        return cls(der=bytes(der), _asn1=parsed)

    @classmethod
    def load_pem(cls, pem: bytes) -> Certificate:
        try:
            _, _, der = _pem.unarmor(pem)
        except Exception as exc:
            raise CryptoError("not a PEM certificate") from exc
        return cls.load(der)

    def to_pem(self) -> bytes:
        return cast(bytes, _pem.armor("CERTIFICATE", self.der))

    @property
    def tbs_bytes(self) -> bytes:
        return cast(bytes, self._asn1["tbs_certificate"].dump())

    @property
    def signature(self) -> bytes:
        return cast(bytes, self._asn1["signature_value"].native)

    @property
    def signature_algorithm_oid(self) -> str:
        return cast(str, self._asn1["signature_algorithm"]["algorithm"].dotted)

    @property
    def serial_number(self) -> int:
        return cast(int, self._asn1["tbs_certificate"]["serial_number"].native)

    @cached_property
    def subject(self) -> str:
        return _name_text(self._asn1.subject)

    @cached_property
    def issuer(self) -> str:
        return _name_text(self._asn1.issuer)

    @property
    def subject_name_der(self) -> bytes:
        return cast(bytes, self._asn1.subject.dump())

    @property
    def issuer_name_der(self) -> bytes:
        return cast(bytes, self._asn1.issuer.dump())

    @cached_property
    def not_before(self) -> datetime:
        return cast(datetime, self._asn1["tbs_certificate"]["validity"]["not_before"].native)

    @cached_property
    def not_after(self) -> datetime:
        return cast(datetime, self._asn1["tbs_certificate"]["validity"]["not_after"].native)

    @property
    def is_ca(self) -> bool:
        # Only basicConstraints is parsed, here and not in load(): asn1crypto's
        # basic_constraints_value parses every extension, and real vendor certificates
        # carry malformed authorityKeyIdentifiers that must not hide their key or validity.
        try:
            for ext in self._asn1["tbs_certificate"]["extensions"]:
                if ext["extn_id"].native == "basic_constraints":
                    return bool(ext["extn_value"].parsed["ca"].native)
        except Exception as exc:
            raise CryptoError("certificate basicConstraints is malformed") from exc
        return False

    def _extension(self, name: str) -> core.Asn1Value | None:
        """The parsed value of one extension, None when absent. Parsed one at a time (see
        is_ca): a malformed extension of another kind must not hide this one."""
        try:
            for ext in self._asn1["tbs_certificate"]["extensions"]:
                if ext["extn_id"].native == name:
                    return ext["extn_value"].parsed
        except Exception as exc:
            raise CryptoError(f"certificate {name} is malformed") from exc
        return None

    @cached_property
    def key_usage(self) -> frozenset[str] | None:
        """keyUsage bits ("digital_signature", "key_cert_sign", ...), None when absent."""
        value = self._extension("key_usage")
        if value is None:
            return None
        try:
            return frozenset(value.native)
        except Exception as exc:
            raise CryptoError("certificate keyUsage is malformed") from exc

    @cached_property
    def path_len(self) -> int | None:
        """basicConstraints pathLenConstraint, None when absent (unlimited)."""
        value = self._extension("basic_constraints")
        if value is None:
            return None
        try:
            return cast(int | None, value["path_len_constraint"].native)
        except Exception as exc:
            raise CryptoError("certificate basicConstraints is malformed") from exc

    @property
    def self_issued(self) -> bool:
        return self.subject_name_der == self.issuer_name_der

    @property
    def extended_key_usage(self) -> tuple[tuple[str, ...], bool] | None:
        """(dotted purpose OIDs, critical) of the extendedKeyUsage extension, if any."""
        try:
            for ext in self._asn1["tbs_certificate"]["extensions"]:
                if ext["extn_id"].dotted == "2.5.29.37":
                    purposes = tuple(p.dotted for p in ext["extn_value"].parsed)
                    return purposes, bool(ext["critical"].native)
        except Exception as exc:
            raise CryptoError("certificate extendedKeyUsage is malformed") from exc
        return None

    @cached_property
    def public_key(self) -> SM2PublicKey:
        spki = self._asn1["tbs_certificate"]["subject_public_key_info"]
        # Parameters that are not an ECParameters CHOICE (e.g. a mangled tag parsed as Any)
        # have no `chosen`: that is simply "not a named SM2 curve".
        chosen = getattr(spki["algorithm"]["parameters"], "chosen", None)
        curve = chosen.dotted if isinstance(chosen, core.ObjectIdentifier) else None
        if curve not in (None, OID_SM2_CURVE):
            raise CryptoError(f"certificate key is not SM2 (curve {curve})")
        bits = spki["public_key"].contents
        return SM2PublicKey.from_point(bits[1:])  # drop the unused-bits octet

    def valid_at(self, when: datetime) -> bool:
        """Inside [notBefore, notAfter]. A naive `when` is taken as UTC (as X.509 times are)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return self.not_before <= when <= self.not_after

    def signed_by(self, issuer_key: SM2PublicKey) -> bool:
        sig = self.signature
        return bool(isinstance(sig, bytes) and issuer_key.verify(sig, self.tbs_bytes))


@dataclass(frozen=True)
class ChainResult:
    ok: bool
    detail: str


def verify_chain(
    leaf: Certificate,
    intermediates: Sequence[Certificate],
    roots: Sequence[Certificate],
    at: datetime,
) -> ChainResult:
    """Walk issuer names from leaf to a trusted root; every link signed and valid at `at`."""
    pool = list(intermediates) + list(roots)
    trusted = {r.der for r in roots}
    current = leaf
    for _ in range(8):
        if not current.valid_at(at):
            return ChainResult(False, f"certificate '{current.subject}' not valid at {at:%Y-%m-%d}")
        if current.der in trusted:
            if not _issued(current, current):
                return ChainResult(False, f"root '{current.subject}' is not self-signed")
            return ChainResult(True, f"chain to trusted root '{current.subject}'")
        issuers = [c for c in pool if c.subject_name_der == current.issuer_name_der]
        issuer = next((c for c in issuers if _issued(current, c)), None)
        if issuer is None:
            return ChainResult(False, f"no trusted issuer for '{current.subject}'")
        try:
            issuer_is_ca = issuer.is_ca
        except CryptoError as exc:
            return ChainResult(False, f"issuer '{issuer.subject}': {exc.detail}")
        if not issuer_is_ca:
            return ChainResult(False, f"issuer '{issuer.subject}' is not a CA")
        current = issuer
    return ChainResult(False, "chain too long")


def _name_text(name: x509.Name) -> str:
    """Readable DN; falls back attribute by attribute for vendor quirks.

    Real certificates carry e.g. x500UniqueIdentifier (2.5.4.45) as a UTF8String where
    the schema says BIT STRING, which makes asn1crypto's human_friendly raise.
    """
    try:
        return cast(str, name.human_friendly)
    except Exception:  # noqa: BLE001, S110 (fall through to the per-attribute rendering)
        pass
    parts = []
    try:
        for rdn in name.chosen:
            for attr in rdn:
                label = attr["type"].dotted
                try:
                    label = attr["type"].human_friendly
                    value = str(attr["value"].native)
                except Exception:  # noqa: BLE001 (untrusted names: render what can be read)
                    # Raw contents of the value's TLV, decoded leniently.
                    generic = core.Sequence.load(attr.dump())
                    value = generic[1].contents.decode("utf-8", "replace")
                parts.append(f"{label}: {value}")
    except Exception:  # noqa: BLE001 (untrusted names: render what can be read)
        return "<malformed name>"
    return ", ".join(parts)


def _issued(cert: Certificate, candidate: Certificate) -> bool:
    try:
        return cert.signed_by(candidate.public_key)
    except CryptoError:  # candidate's key is not a usable SM2 key: not the issuer
        return False


def build_certificate(
    *,
    subject: Name,
    subject_key: SM2PublicKey,
    issuer: Name | Certificate,
    issuer_key: SM2PrivateKey,
    not_before: datetime | None = None,
    days: int = 365,
    is_ca: bool = False,
    serial: int | None = None,
    path_len: int | None = None,
    key_usage: set[str] | None = None,
    extended_key_usage: Sequence[str] = (),
) -> Certificate:
    """Issue an SM2-with-SM3 certificate. `issuer` is a Name for self-signed roots.
    `path_len` and `key_usage` override the defaults (tests build odd chains with them).

    `extended_key_usage` (asn1crypto names, e.g. "time_stamping") is written critical:
    RFC 3161 2.3 requires a TSA certificate's timeStamping EKU to be critical, and
    a purpose-bound key should not be usable for anything else.
    """
    start = (not_before or datetime.now(UTC)).replace(microsecond=0)
    issuer_name = (
        x509.Name.load(issuer.subject_name_der)
        if isinstance(issuer, Certificate)
        else issuer.to_asn1()
    )
    sig_alg = algos.SignedDigestAlgorithm({"algorithm": OID_SM2_SM3})
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial or int.from_bytes(os.urandom(16), "big") >> 1,
            "signature": sig_alg,
            "issuer": issuer_name,
            "validity": {
                "not_before": x509.Time({"utc_time": start}),
                "not_after": x509.Time({"utc_time": start + timedelta(days=days)}),
            },
            "subject": subject.to_asn1(),
            "subject_public_key_info": keys.PublicKeyInfo.load(subject_key.to_der()),
            "extensions": _extensions(
                subject_key, issuer, is_ca, path_len, key_usage, extended_key_usage
            ),
        }
    )
    tbs_der = tbs.dump()
    cert = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": sig_alg,
            "signature_value": issuer_key.sign(tbs_der),
        }
    )
    return Certificate.load(cert.dump())


def _extensions(
    subject_key: SM2PublicKey,
    issuer: Name | Certificate,
    is_ca: bool,
    path_len: int | None,
    key_usage: set[str] | None,
    extended_key_usage: Sequence[str],
) -> list[dict[str, object]]:
    """Basic constraints and key usage (critical; a CA signs certificates and CRLs, an
    end entity signs with non-repudiation), the key identifiers, and the EKU if any."""
    if key_usage is None:
        key_usage = (
            {"key_cert_sign", "crl_sign", "digital_signature"}
            if is_ca
            else {
                "digital_signature",
                "non_repudiation",
            }
        )
    constraints: dict[str, object] = {"ca": is_ca}
    if path_len is not None:
        constraints["path_len_constraint"] = path_len
    extensions: list[dict[str, object]] = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": constraints},
        {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(subject_key)},
    ]
    if extended_key_usage:
        extensions.append(
            {
                "extn_id": "extended_key_usage",
                "critical": True,
                "extn_value": list(extended_key_usage),
            }
        )
    if isinstance(issuer, Certificate):
        extensions.append(
            {
                "extn_id": "authority_key_identifier",
                "critical": False,
                "extn_value": {"key_identifier": _key_id(issuer.public_key)},
            }
        )
    return extensions


def _key_id(key: SM2PublicKey) -> bytes:
    return sm3(key.point)[:20]
