"""Check an RFC 3161 / GB/T 20520 time-stamp token over a message, offline.

What is checked here: the token's structure; the TSTInfo's message imprint against the
message (SM3 or SHA-256); the signed attributes (contentType id-ct-TSTInfo,
messageDigest = digest of the *stored* TSTInfo bytes, ESS signing-certificate(-v2)
naming the signer certificate); the SM2 signature over the *stored* signed attributes
(their DER with the SET OF tag, RFC 5652 5.4); and that the signer certificate carries
the timeStamping extended key usage, critical (RFC 3161 2.3).

What is not: the TSA certificate's chain and validity. The verifier does that against
its trust store, at the token's time, with `tsa_cert` and `certificates` from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, tsp

from hub.crypto import OID_SM2_SM3, OID_SM3, Certificate, sm3
from hub.errors import CryptoError
from hub.tsa import token as _token  # noqa: F401  (registers the SM3 names with asn1crypto)

OID_TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_SHA1 = "1.3.14.3.2.26"
OID_SM2_SIGN = "1.2.156.10197.1.301.1"  # GM/T 0006 sm2-1, used by some CMS producers
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
MAX_TOKEN = 64 * 1024


@dataclass(frozen=True)
class TimestampCheck:
    gen_time: datetime | None
    tsa_cert: bytes | None  # DER of the signer certificate, when the token names one
    certificates: list[bytes] = field(default_factory=list)  # every certificate it carries
    problems: list[str] = field(default_factory=list)  # empty: signature and imprint good
    serial: int | None = None
    policy: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _digest(oid: str, data: bytes) -> bytes | None:
    if oid == OID_SM3:
        return sm3(data)
    if oid == OID_SHA256:
        return hashlib.sha256(data).digest()
    return None


def check_timestamp_token(token_der: bytes, message: bytes) -> TimestampCheck:
    """Never raises for bad input: every fault is a line in `problems`."""
    problems: list[str] = []
    gen_time = serial = policy = None
    tsa_cert: bytes | None = None
    certificates: list[bytes] = []

    def result() -> TimestampCheck:
        return TimestampCheck(gen_time, tsa_cert, certificates, problems, serial, policy)

    if not isinstance(token_der, bytes | bytearray) or not 0 < len(token_der) <= MAX_TOKEN:
        problems.append("time-stamp token is empty or too large")
        return result()
    try:
        info = cms.ContentInfo.load(bytes(token_der), strict=True)
        if info["content_type"].dotted != "1.2.840.113549.1.7.2":
            raise ValueError("not SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != OID_TST_INFO:
            problems.append("token content is not a TSTInfo (id-ct-TSTInfo)")
            return result()
        tst_der = encap["content"].contents  # the stored TSTInfo bytes
        tst = tsp.TSTInfo.load(tst_der, strict=True)
        gen_time = tst["gen_time"].native
        serial = tst["serial_number"].native
        policy = tst["policy"].dotted
        imprint_oid = tst["message_imprint"]["hash_algorithm"]["algorithm"].dotted
        imprint = tst["message_imprint"]["hashed_message"].native
        certificates = [
            c.chosen.dump() for c in (signed["certificates"] or []) if c.name == "certificate"
        ]
        signer_infos = list(signed["signer_infos"])
    except Exception:  # noqa: BLE001 (an unreadable token is a finding)
        problems.append("not a readable RFC 3161 time-stamp token (CMS SignedData/TSTInfo)")
        return result()

    expected = _digest(imprint_oid, bytes(message))
    if expected is None:
        problems.append(f"message imprint algorithm {imprint_oid} is not SM3 or SHA-256")
    elif expected != imprint:
        problems.append("message imprint does not match the message")

    if len(signer_infos) != 1:
        problems.append(f"token has {len(signer_infos)} signers, needs exactly one")
        return result()
    signer = signer_infos[0]
    try:
        tsa_cert = _signer_certificate(signer, certificates)
    except (ValueError, KeyError, TypeError):
        problems.append("signer identifier is unreadable")
        return result()
    if tsa_cert is None:
        problems.append("the token does not carry its signer's certificate")
        return result()
    _check_signer(signer, tst_der, tsa_cert, problems)
    return result()


def _signer_certificate(signer: cms.SignerInfo, certificates: list[bytes]) -> bytes | None:
    sid = signer["sid"]
    for der in certificates:
        try:
            cert = Certificate.load(der)
        except CryptoError:
            continue
        if sid.name == "issuer_and_serial_number":
            if (
                cert.issuer_name_der == sid.chosen["issuer"].dump()
                and cert.serial_number == sid.chosen["serial_number"].native
            ):
                return der
        elif sid.name == "subject_key_identifier":
            parsed = cert._asn1
            if parsed.key_identifier == sid.chosen.native:
                return der
    return None


def _check_signer(
    signer: cms.SignerInfo, tst_der: bytes, cert_der: bytes, problems: list[str]
) -> None:
    try:
        digest_oid = signer["digest_algorithm"]["algorithm"].dotted
        sig_oid = signer["signature_algorithm"]["algorithm"].dotted
        stored_attrs = signer["signed_attrs"]
        if stored_attrs.native is None:
            problems.append("signer has no signed attributes")
            return
        # The stored bytes of [0] IMPLICIT SignedAttributes, re-tagged as SET OF: the
        # exact bytes the TSA signed (RFC 5652 5.4), not a re-encoding of the values.
        attrs_tlv = stored_attrs.dump()
        signed_bytes = b"\x31" + attrs_tlv[1:]
        attrs: dict[str, list[object]] = {}
        for attr in stored_attrs:
            attrs.setdefault(attr["type"].dotted, []).extend(attr["values"])
        signature = signer["signature"].native
    except Exception:  # noqa: BLE001 (an unreadable token is a finding)
        problems.append("signer information is unreadable")
        return

    content_types = attrs.get("1.2.840.113549.1.9.3", [])
    if len(content_types) != 1 or content_types[0].dotted != OID_TST_INFO:  # type: ignore[attr-defined]
        problems.append("signed contentType attribute is not id-ct-TSTInfo")
    digests = attrs.get("1.2.840.113549.1.9.4", [])
    wanted = _digest(digest_oid, tst_der)
    if wanted is None:
        problems.append(f"signer digest algorithm {digest_oid} is not SM3 or SHA-256")
    elif len(digests) != 1 or digests[0].native != wanted:  # type: ignore[attr-defined]
        problems.append("signed messageDigest does not match the TSTInfo")
    _check_ess(attrs, cert_der, problems)

    try:
        cert = Certificate.load(cert_der)
        key = cert.public_key
    except CryptoError as exc:
        problems.append(f"signer certificate unusable: {exc.detail}")
        return
    if sig_oid not in (OID_SM2_SM3, OID_SM2_SIGN) or digest_oid != OID_SM3:
        problems.append(f"signature algorithm {sig_oid} with {digest_oid} is not SM2 with SM3")
    elif not key.verify(signature, signed_bytes):
        problems.append("TSA signature over the signed attributes does not verify")
    try:
        eku = cert.extended_key_usage
    except CryptoError as exc:
        problems.append(exc.detail)
        return
    if eku is None or OID_TIME_STAMPING not in eku[0]:
        problems.append("signer certificate lacks the timeStamping extended key usage")
    elif not eku[1]:
        problems.append("signer certificate's timeStamping extended key usage is not critical")


def _check_ess(attrs: dict[str, list[object]], cert_der: bytes, problems: list[str]) -> None:
    """ESS signing-certificate-v2 (or v1, SHA-1) must name the signer certificate."""
    v2 = attrs.get("1.2.840.113549.1.9.16.2.47", [])
    v1 = attrs.get("1.2.840.113549.1.9.16.2.12", [])
    try:
        if v2:
            first = v2[0]["certs"][0]  # type: ignore[index]
            oid = first["hash_algorithm"]["algorithm"].dotted
            ok = _digest(oid, cert_der) == first["cert_hash"].native
        elif v1:
            first = v1[0]["certs"][0]  # type: ignore[index]
            ok = hashlib.sha1(cert_der).digest() == first["cert_hash"].native  # noqa: S324
        else:
            problems.append("no ESS signing-certificate attribute binds the TSA certificate")
            return
    except Exception:  # noqa: BLE001 (an unreadable token is a finding)
        problems.append("ESS signing-certificate attribute is unreadable")
        return
    if not ok:
        problems.append("ESS signing-certificate does not name the signer certificate")
