"""What a verifier trusts and when things are proven to have existed.

Pure values, no database: the hub builds a `ValidationContext` from its tables and its
CA (hub.trust.services), the offline CLI from files (`load_trust_path`) and a signed
status list (hub.pki.statuslist). hub.formats only reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from asn1crypto import pem

from hub.crypto import Certificate, sm3
from hub.errors import CryptoError, FormatError
from hub.pki.crl import RevocationList, parse_crl

CA, MAKER = "ca", "maker"  # a trusted CA (root or intermediate) / a pinned certificate


@dataclass(frozen=True)
class ProofOfExistence:
    """Proof that the signed object existed at `time`: a verified RFC 3161 timestamp
    ("timestamp"), an evidence-log inclusion under a signed tree head ("log-inclusion"),
    the hub's own signing record ("hub-record"). A claimed time (createDate,
    TBS_Sign.timeInfo, SignatureDateTime) is never one."""

    time: datetime
    source: str
    detail: str = ""

    def describe(self) -> str:
        return f"{self.source}{' ' + self.detail if self.detail else ''}"


@dataclass(frozen=True)
class TrustAnchor:
    cert: Certificate
    kind: str = CA  # CA: issues trusted chains; MAKER: this very certificate is pinned
    source: str = "trust store"
    # A vendor whose admission was revoked: its CA proves nothing after this time.
    until: datetime | None = None


@dataclass(frozen=True)
class HubIdentity:
    """What a seal of this hub looks like, to tell a forgery that claims the hub.

    A seal claims the hub when its esID is in a tenant's namespace (`<slug[:20]>-<24
    hex>`, hub.seals) or its maker certificate is named like the hub's maker or issued
    in the hub CA's name. The hub made it only if its maker certificate is the hub's own
    maker or that of a vendor the tenant admitted (the status list names them)."""

    hub_makers: frozenset[bytes] = frozenset()
    hub_maker_names: frozenset[bytes] = frozenset()  # subject DER
    hub_ca_names: frozenset[bytes] = frozenset()  # subject DER of the hub CA(s)
    tenant_makers: dict[str, frozenset[bytes]] = field(default_factory=dict)  # slug[:20] ->

    _ESID = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]{0,19})-[0-9a-f]{24}$")

    def tenant_of(self, esid: str) -> str | None:
        m = self._ESID.match(esid)
        if m is None:
            return None
        slug = m.group("slug")
        return slug if slug in self.tenant_makers else None

    def claim(self, esid: str, maker: Certificate | None) -> str | None:
        """Why this seal claims the hub, or None."""
        slug = self.tenant_of(esid)
        if slug is not None:
            return f"esID {esid!r} is in tenant '{slug}''s namespace"
        if maker is not None and maker.subject_name_der in self.hub_maker_names:
            return f"maker certificate is named like the hub's maker '{maker.subject}'"
        if maker is not None and maker.issuer_name_der in self.hub_ca_names:
            return f"maker certificate names the hub CA '{maker.issuer}' as issuer"
        return None

    def made(self, esid: str, maker_der: bytes) -> bool:
        if maker_der in self.hub_makers:
            return True
        slug = self.tenant_of(esid)
        return slug is not None and maker_der in self.tenant_makers.get(slug, frozenset())

    @cached_property
    def key(self) -> bytes:
        h = sm3(b"".join(sorted(self.hub_makers)) + b"|".join(sorted(self.hub_maker_names)))
        parts = sorted(
            f"{slug}:{sm3(b''.join(sorted(makers))).hex()}"
            for slug, makers in self.tenant_makers.items()
        )
        return sm3(h + "|".join(parts).encode())


class TrustStore:
    """Anchors, untrusted intermediates and CRLs. Immutable once built; its `key`
    (SM3 of what it holds) lets verifiers memoize chain building per store."""

    def __init__(
        self,
        anchors: Iterable[TrustAnchor] = (),
        *,
        intermediates: Iterable[Certificate] = (),
        crls: Iterable[RevocationList] = (),
    ) -> None:
        self.anchors: tuple[TrustAnchor, ...] = tuple(anchors)
        self.intermediates: tuple[Certificate, ...] = tuple(intermediates)
        self.crls: tuple[RevocationList, ...] = tuple(crls)
        self.pinned: dict[bytes, TrustAnchor] = {
            a.cert.der: a for a in self.anchors if a.kind == MAKER
        }
        self.cas: dict[bytes, TrustAnchor] = {}
        for a in self.anchors:
            if a.kind == CA:
                self.cas.setdefault(a.cert.der, a)
        self.by_subject: dict[bytes, list[Certificate]] = {}
        for cert in [a.cert for a in self.anchors if a.kind == CA] + list(self.intermediates):
            self.by_subject.setdefault(cert.subject_name_der, []).append(cert)
        self.key = sm3(
            b"".join(sorted(a.kind.encode() + sm3(a.cert.der) for a in self.anchors))
            + b"".join(sorted(sm3(c.der) for c in self.intermediates))
            + b"".join(sorted(sm3(c.der) for c in self.crls))
        )

    def __bool__(self) -> bool:
        return bool(self.anchors)

    def merged(self, other: TrustStore) -> TrustStore:
        return TrustStore(
            self.anchors + other.anchors,
            intermediates=self.intermediates + other.intermediates,
            crls=self.crls + other.crls,
        )

    def crls_for(self, issuer: Certificate) -> list[RevocationList]:
        return [c for c in self.crls if c.issuer_name_der == issuer.subject_name_der]


EMPTY = TrustStore()


@dataclass(frozen=True)
class ValidationContext:
    """Everything a verification is judged against besides the bytes."""

    trust: TrustStore = EMPTY
    proofs: tuple[ProofOfExistence, ...] = ()
    now: datetime | None = None  # the validation time; None: the clock at each call
    hub: HubIdentity | None = None
    # Where `trust` came from, for the report ("hub CA + hub-wide + tenant x", "files").
    trust_source: str = "no trust anchors"
    # Public points of evidence-log keys known to be the hub's (an evidence package signed
    # under one of them proves when its entries were logged).
    log_keys: frozenset[bytes] = frozenset()

    def validation_time(self) -> datetime:
        return (self.now or datetime.now(UTC)).replace(microsecond=0)

    def best_proof(self, extra: Sequence[ProofOfExistence] = ()) -> ProofOfExistence | None:
        """The earliest proof: it shows existence at the earliest time (ETSI's best POE)."""
        proofs = list(self.proofs) + list(extra)
        return min(proofs, key=lambda p: p.time) if proofs else None

    def with_proofs(self, *proofs: ProofOfExistence) -> ValidationContext:
        return replace(self, proofs=self.proofs + tuple(proofs))

    @property
    def key(self) -> bytes:
        return self.trust.key + (self.hub.key if self.hub else b"")


NO_TRUST = ValidationContext()


def read_certificates(data: bytes, what: str) -> list[Certificate]:
    """Certificates in one file: DER, or PEM with one or more CERTIFICATE blocks."""
    if pem.detect(data):
        certs = []
        try:
            for kind, _, der in pem.unarmor(data, multiple=True):
                if kind in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                    certs.append(Certificate.load(der))
        except (ValueError, CryptoError) as exc:
            raise FormatError(f"{what}: not a readable PEM certificate file") from exc
        return certs
    try:
        return [Certificate.load(data)]
    except CryptoError as exc:
        raise FormatError(f"{what}: not a DER or PEM certificate") from exc


def load_trust_path(path: str | Path) -> TrustStore:
    """`sealhub verify --trust PATH`: a certificate file (DER/PEM, .cer .crt .pem .der),
    a CRL file (.crl), or a folder of them. Every certificate given is a trust anchor:
    a CA certificate anchors chains, any other one is pinned as is."""
    root = Path(path)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    anchors: list[TrustAnchor] = []
    crls: list[RevocationList] = []
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise FormatError(f"{file}: cannot read ({exc.strerror or exc})") from exc
        if file.suffix.lower() == ".crl" or b"X509 CRL" in data[:64]:
            crls.append(parse_crl(data, str(file)))
            continue
        if root.is_dir() and file.suffix.lower() not in (".cer", ".crt", ".pem", ".der"):
            continue  # a README or a key file next to the certificates
        for cert in read_certificates(data, str(file)):
            anchors.append(
                TrustAnchor(cert, kind=CA if _is_ca(cert) else MAKER, source=f"file {file.name}")
            )
    return TrustStore(anchors, crls=crls)


def _is_ca(cert: Certificate) -> bool:
    try:
        return cert.is_ca or cert.self_issued
    except CryptoError:
        return cert.self_issued
