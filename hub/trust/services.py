"""The hub's trust store, its CA's CRL and its signed provider status list.

* Trust entries (CA certificates, pinned maker certificates, CRLs) are hub-wide
  (`tenant_id` NULL, the hub operator's) or a tenant's (its admin's). A tenant's entries
  serve verifications asked in that tenant's name; hub-wide ones serve every one.
* The hub CA is the CA of the built-in `local` vendor (adapters.reference.ca): it issues
  the maker certificate that signs the hub's own seals and every signer certificate of
  them. The hub's verifier trusts it by default; it signs the CRL (the hub-made seals
  revoked in the seal registry) and the status list.
* Admission decides trust per tenant (decision of issue 14): the makers and CAs a tenant
  admits (status probation, admitted, suspended; a revoked vendor until its revocation)
  are anchors for seals in that tenant's esID namespace, published in the status list.
  They come from the vendor's own `info()` (maker_cert, ca_certs) and the CA certificate
  declared at registration. The status list is re-issued whenever an admission changes
  (its sequence is the number of admission events, so a change is a new list).
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.admission import queries as admission
from adapters.reference.ca import VendorCA
from hub.crypto import Certificate, SM2PublicKey, sm3
from hub.errors import Conflict, CryptoError, FormatError, NotFound, ValidationFailed
from hub.memo import Memo
from hub.pki.crl import Revoked, build_crl, parse_crl
from hub.pki.statuslist import StatusList, read_status_list, sign_status_list
from hub.pki.store import (
    CA,
    MAKER,
    HubIdentity,
    TrustAnchor,
    TrustStore,
    ValidationContext,
    read_certificates,
)
from hub.seals.queries import revoked_seals
from hub.trust.records import TrustEntryView
from hub.trust.tables import TrustEntry
from tenants import queries as tenants_of_hub

log = logging.getLogger("sealhub.trust")

HUB_CA_VENDOR = "local"  # the in-process reference vendor: its CA is the hub CA
KINDS = (CA, MAKER, "crl")
CRL_VALIDITY = timedelta(days=1)
STATUS_LIST_VALIDITY = timedelta(days=1)
CONTEXT_TTL = 5.0  # seconds a verification context is reused (trust changes: forgotten)


@dataclass(frozen=True)
class VendorCerts:
    maker_certs: tuple[bytes, ...]
    ca_certs: tuple[bytes, ...]


VendorInfo = Callable[[str], Awaitable[VendorCerts | None]]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class TrustService:
    def __init__(
        self,
        *,
        hub_ca: Callable[[], Awaitable[VendorCA]],
        hub_ca_name: str,
        origin: str,
        vendor_certs: VendorInfo,
        log_public_key: Callable[[], SM2PublicKey | None] = lambda: None,
        hub_anchors: Sequence[tuple[Certificate, str]] = (),
    ) -> None:
        self._hub_ca = hub_ca
        # The hub's other roots (its TSA's CA): trusted by the hub's verifier like its CA.
        self._hub_anchors = tuple(hub_anchors)
        self.hub_ca_name = hub_ca_name
        self.origin = origin
        self._vendor_certs = vendor_certs
        self._log_public_key = log_public_key
        self._contexts: Memo[uuid.UUID | None, ValidationContext] = Memo(CONTEXT_TTL)
        self._crl: tuple[tuple[int, datetime | None], bytes, datetime] | None = None
        self._list: tuple[tuple[int, int, str], bytes, datetime] | None = None

    # --- the trust store (API and CLI) -------------------------------------------

    async def add(
        self, tenant_id: uuid.UUID | None, data: bytes, *, actor: str, label: str = "",
        kind: str | None = None,
    ) -> TrustEntryView:  # fmt: skip
        """Add a certificate (CA or pinned maker) or a CRL to the scope."""
        if kind is not None and kind not in KINDS:
            raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
        der, found_kind, subject = _classify(data, kind)
        digest = sm3(der).hex()
        scope = (
            TrustEntry.tenant_id.is_null()
            if tenant_id is None
            else (TrustEntry.tenant_id == tenant_id)
        )
        if await TrustEntry.exists().where(scope & (TrustEntry.sm3 == digest)):
            raise Conflict("this certificate or CRL is already in the trust store")
        row = TrustEntry(
            id=uuid.uuid4(), tenant_id=tenant_id, kind=found_kind, der=der, sm3=digest,
            subject=subject[:500], label=label[:200], added_by=actor[:64], added_at=_now(),
        )  # fmt: skip
        await row.save()
        self.forget()
        return _view(row.to_dict())

    async def entries(self, tenant_id: uuid.UUID | None) -> list[TrustEntryView]:
        scope = (
            TrustEntry.tenant_id.is_null()
            if tenant_id is None
            else (TrustEntry.tenant_id == tenant_id)
        )
        rows = await TrustEntry.select().where(scope).order_by(TrustEntry.added_at)
        return [_view(r) for r in rows]

    async def remove(self, tenant_id: uuid.UUID | None, entry_id: uuid.UUID) -> None:
        scope = (
            TrustEntry.tenant_id.is_null()
            if tenant_id is None
            else (TrustEntry.tenant_id == tenant_id)
        )
        # Another scope's entry answers like a missing one: no existence oracle.
        gone = (
            await TrustEntry.delete()
            .where(scope & (TrustEntry.id == entry_id))
            .returning(TrustEntry.id)
        )
        if not gone:
            raise NotFound("no such trust store entry")
        self.forget()

    def forget(self) -> None:
        self._contexts.forget()

    # --- the hub CA: certificate and CRL -----------------------------------------

    async def hub_ca(self) -> VendorCA:
        return await self._hub_ca()

    async def hub_ca_certificate(self, name: str) -> bytes:
        if name != self.hub_ca_name:
            raise NotFound(f"this hub has no CA named '{name}'")
        return (await self.hub_ca()).root_cert.der

    async def crl(self, name: str) -> bytes:
        """The hub CA's current CRL (DER): every hub-made seal revoked in the registry,
        its signer certificate listed with the revocation time. Re-signed when a seal is
        revoked and before the previous one reaches its nextUpdate."""
        if name != self.hub_ca_name:
            raise NotFound(f"this hub has no CA named '{name}'")
        revoked = await self._revoked()
        key = (len(revoked), max((r.at for r in revoked), default=None))
        now = _now()
        if self._crl is not None and self._crl[0] == key and now < self._crl[2]:
            return self._crl[1]
        ca = await self.hub_ca()
        der = build_crl(ca.root_cert, ca.root_key, revoked, number=int(now.timestamp()),
                        this_update=now, next_update_after=CRL_VALIDITY)  # fmt: skip
        self._crl = (key, der, now + CRL_VALIDITY / 2)
        return der

    async def _revoked(self) -> list[Revoked]:
        out = []
        for r in await revoked_seals(self.hub_ca_name):
            if not r.signer_cert:
                continue
            try:
                serial = Certificate.load(bytes(r.signer_cert)).serial_number
            except CryptoError:
                continue
            at = r.revoked_at or _now()
            reason = (
                "affiliation_changed"
                if r.reason is not None and "change" in r.reason
                else ("cessation_of_operation")
            )
            out.append(Revoked(serial, at.astimezone(UTC), reason))
        return out

    # --- the signed provider status list --------------------------------------------

    async def status_list(self) -> bytes:
        """The current signed list; a new one whenever admissions or tenants change."""
        events, latest = await admission.history_mark()
        tenants = await tenants_of_hub.tenant_count()
        key = (events, tenants, latest)
        now = _now()
        if self._list is not None and self._list[0] == key and now < self._list[2]:
            return self._list[1]
        document = await self._status_document(events + tenants, now)
        ca = await self.hub_ca()
        signed = sign_status_list(document, ca.root_cert, ca.root_key)
        self._list = (key, signed, now + STATUS_LIST_VALIDITY / 2)
        self.forget()  # contexts read the list: a new one must be seen at once
        return signed

    async def _status_document(self, sequence: int, now: datetime) -> dict[str, Any]:
        ca = await self.hub_ca()
        log_key = self._log_public_key()
        registrations = await admission.registrations()
        history: dict[tuple[uuid.UUID, str], list[dict[str, Any]]] = {}
        for e in await admission.full_history():
            history.setdefault((e["tenant_id"], e["vendor"]), []).append(
                {"from": e["from_status"], "to": e["to_status"],
                 "at": e["at"].astimezone(UTC).isoformat(), "reason": e["reason"]}
            )  # fmt: skip
        admissions: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for a in await admission.admissions():
            admissions.setdefault(a["tenant_id"], []).append(a)
        certs: dict[str, VendorCerts] = {}
        tenants = []
        for t in await tenants_of_hub.tenant_names():
            providers = []
            for a in admissions.get(t["id"], []):
                vendor = a["vendor"]
                if vendor not in certs:
                    certs[vendor] = await self._certs_of(vendor, registrations.get(vendor))
                found = certs[vendor]
                providers.append({
                    "vendor": vendor,
                    "kind": (registrations.get(vendor) or {}).get("kind"),
                    "status": a["status"],
                    "status_since": a["status_since"].astimezone(UTC).isoformat(),
                    "maker_certs": [_b64(c) for c in found.maker_certs],
                    "ca_certs": [_b64(c) for c in found.ca_certs],
                    "history": history.get((t["id"], vendor), []),
                })  # fmt: skip
            tenants.append({"slug": t["slug"], "name": t["name"], "providers": providers})
        return {
            "type": "sealhub-provider-status-list",
            "version": 1,
            "sequence": sequence,
            "issued_at": now.isoformat(),
            "next_update": (now + STATUS_LIST_VALIDITY).isoformat(),
            "hub": {
                "origin": self.origin,
                "ca_name": self.hub_ca_name,
                "ca_certs": [_b64(ca.root_cert.der)],
                "maker_certs": [_b64(ca.maker_cert.der)],
                "log_public_key": log_key.to_pem().decode() if log_key else None,
            },
            "tenants": tenants,
        }

    async def _certs_of(self, vendor: str, registration: dict[str, Any] | None) -> VendorCerts:
        declared = tuple(bytes(c) for c in [(registration or {}).get("maker_ca_cert")] if c)
        try:
            found = await self._vendor_certs(vendor)
        except Exception as exc:  # noqa: BLE001 (an unreachable vendor still gets its declared CA listed)
            log.warning("status list: vendor %s info unavailable: %s", vendor,
                        type(exc).__name__)  # fmt: skip
            found = None
        if found is None:
            return VendorCerts((), declared)
        cas = tuple(dict.fromkeys(found.ca_certs + declared))
        return VendorCerts(found.maker_certs, cas)

    # --- what a verification is judged against -------------------------------------

    async def context(self, tenant_id: uuid.UUID | None = None) -> ValidationContext:
        """Hub CA (with its CRL) + hub-wide entries + the tenant's entries (when given) +
        every CA and maker the status list says tenants admit; the hub's identity."""
        return await self._contexts.get(tenant_id, lambda: self._context(tenant_id))

    async def _context(self, tenant_id: uuid.UUID | None) -> ValidationContext:
        ca = await self.hub_ca()
        listed = read_status_list(await self.status_list())
        listed_store, identity, log_keys = listed.trust()
        anchors = [TrustAnchor(ca.root_cert, CA, f"hub CA '{self.hub_ca_name}'")]
        anchors += [TrustAnchor(cert, CA, label) for cert, label in self._hub_anchors]
        crls = [parse_crl(await self.crl(self.hub_ca_name), "hub CRL")]
        scope: Any = TrustEntry.tenant_id.is_null()
        if tenant_id is not None:
            scope = scope | (TrustEntry.tenant_id == tenant_id)
        for row in await TrustEntry.select().where(scope):
            where = "hub-wide" if row["tenant_id"] is None else "tenant"
            source = f"trust store ({where}{': ' + row['label'] if row['label'] else ''})"
            try:
                if row["kind"] == "crl":
                    crls.append(parse_crl(bytes(row["der"]), source))
                else:
                    anchors.append(
                        TrustAnchor(Certificate.load(bytes(row["der"])), row["kind"], source)
                    )
            except (CryptoError, FormatError):
                continue  # checked when added; a row that no longer parses trusts nothing
        store = TrustStore(anchors, crls=crls).merged(listed_store)
        return ValidationContext(
            trust=store,
            hub=identity,
            log_keys=log_keys,
            trust_source="hub CA, hub-wide trust store"
            + (", the tenant's trust store" if tenant_id else "")
            + f", status list #{listed.sequence}",
        )

    async def status_list_object(self) -> StatusList:
        return read_status_list(await self.status_list())


def hub_identity_names(ca: VendorCA) -> HubIdentity:
    return HubIdentity(
        hub_makers=frozenset({ca.maker_cert.der}),
        hub_maker_names=frozenset({ca.maker_cert.subject_name_der}),
        hub_ca_names=frozenset({ca.root_cert.subject_name_der}),
    )


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def _classify(data: bytes, kind: str | None) -> tuple[bytes, str, str]:
    """(DER, kind, subject) of an uploaded certificate or CRL (DER or PEM)."""
    if kind == "crl" or b"X509 CRL" in data[:64]:
        try:
            parsed = parse_crl(data, "crl")
        except FormatError as exc:
            raise ValidationFailed("not a DER or PEM X.509 CRL", field="der") from exc
        return parsed.der, "crl", parsed.issuer
    try:
        certs = read_certificates(data, "certificate")
    except FormatError:
        if kind is None:
            try:
                parsed = parse_crl(data, "crl")
                return parsed.der, "crl", parsed.issuer
            except FormatError:
                pass
        raise ValidationFailed("not a DER or PEM certificate or CRL", field="der") from None
    if len(certs) != 1:
        raise ValidationFailed("give exactly one certificate per entry", field="der")
    cert = certs[0]
    if kind is None:
        try:
            kind = CA if cert.is_ca else MAKER
        except CryptoError:
            kind = MAKER
    return cert.der, kind, cert.subject


def _view(row: dict[str, Any]) -> TrustEntryView:
    return TrustEntryView(
        id=str(row["id"]),
        scope="hub" if row["tenant_id"] is None else "tenant",
        kind=row["kind"],
        subject=row["subject"],
        label=row["label"],
        sm3=row["sm3"],
        added_by=row["added_by"],
        added_at=row["added_at"].isoformat() if row["added_at"] else None,
    )
