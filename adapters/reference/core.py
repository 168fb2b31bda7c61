"""The reference vendor: makes V4 seals and signs with keys it generates and protects.

Used in-process by the `local` adapter and over HTTP by `sealhub vendor-server`. It is a
complete `SealVendor` on its own (the local adapter only adds `from_config`).

Idempotency is kept in the key store (namespace `idem-*`), keyed by tenant and
idempotency key and bound to a fingerprint of the request: the same request returns
the first answer; another request under the same key is rejected, never executed.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from adapters.errors import VendorRejected
from adapters.protocol import (
    SEAL_TYPES,
    MakeSealRequest,
    MakeSealResult,
    RevokeRequest,
    RevokeResult,
    SignRequest,
    SignResult,
    VendorHealth,
    VendorInfo,
)
from adapters.reference.ca import VendorCA, load_or_create_ca
from adapters.reference.keystore import KeyStore, KeyVault, b64, dumps, unb64
from adapters.reference.sm2e import sign_e
from hub.crypto import Certificate, Name, SM2PrivateKey, sm3
from hub.formats import build_seal_v4
from hub.memo import Memo

VERSION = "1.0"
_KEYS = "key"
_INDEX = "tenant-keys"
_CACHE_SIZE = 1024  # decrypted signer keys kept in memory; the store stays encrypted


class ReferenceVendorCore:
    kind = "reference"

    def __init__(self, name: str, store: KeyStore, master_key: bytes) -> None:
        self.name = name
        self.vault = KeyVault(store, master_key, name)
        self.store = store
        # Where sign answers are remembered for idempotency (the store by default).
        self.sign_answers: KeyStore = store
        self._ca: VendorCA | None = None
        self._ca_lock = asyncio.Lock()
        self._index_lock = asyncio.Lock()
        # handle -> (tenant, key, cert DER)
        self._keys: Memo[str, tuple[str, SM2PrivateKey, bytes]] = Memo(max_entries=_CACHE_SIZE)

    # --- the SealVendor operations -------------------------------------------------

    async def info(self) -> VendorInfo:
        ca = await self.ca()
        return VendorInfo(
            name=self.name,
            kind=self.kind,
            version=VERSION,
            maker_cert=ca.maker_cert.der,
            ca_certs=(ca.root_cert.der,),
            product_certificate=None,
        )

    async def health(self) -> VendorHealth:
        await self.ca()
        return VendorHealth(up=True, detail="reference vendor ready", latency_seconds=0.0)

    async def make_seal(self, req: MakeSealRequest) -> MakeSealResult:
        self._check_seal_request(req)
        fingerprint = _seal_fingerprint(req)
        previous = await self._replay("idem-seal", req.tenant, req.idempotency_key, fingerprint)
        if previous is not None:
            return _seal_result(previous)
        handle = "k-" + secrets.token_hex(16)
        seal, cert = await self._issue_seal(req, handle)
        answer = {"seal": b64(seal), "signer_cert": b64(cert.der), "key_handle": handle}
        winner = await self._remember(
            "idem-seal", req.tenant, req.idempotency_key, fingerprint, answer
        )
        return _seal_result(winner)

    async def _issue_seal(self, req: MakeSealRequest, handle: str) -> tuple[bytes, Certificate]:
        """A new signer key under `handle` (stored sealed by the vault), its certificate
        from the vendor's CA, and the V4 seal made with the maker key."""
        ca = await self.ca()
        signer_key = SM2PrivateKey.generate()
        now = datetime.now(UTC).replace(microsecond=0)
        subject = Name(
            common_name=req.signer.common_name,
            organization=req.signer.organization,
            organizational_unit=req.signer.organizational_unit,
            country=req.signer.country,
        )
        cert = ca.issue_signer(subject, signer_key, min(now, req.valid_start), req.valid_end)
        seal = build_seal_v4(
            esid=req.esid,
            vid=self.name,
            seal_type=req.seal_type,
            name=req.name,
            signer_certs=[cert.der],
            picture=req.picture,
            picture_type=req.picture_type,
            width_mm=req.width_mm,
            height_mm=req.height_mm,
            valid_start=req.valid_start,
            valid_end=req.valid_end,
            maker_cert=ca.maker_cert.der,
            maker_key=ca.maker_key,
            create_date=now,
        )
        record = {
            "tenant": req.tenant,
            "key": b64(await self.vault.seal_key(req.tenant, handle, signer_key)),
            "cert": b64(cert.der),
            "esid": req.esid,
            "revoked_at": None,
            "reason": None,
        }
        await self.store.put(_KEYS, handle, dumps(record))
        await self._index(req.tenant, handle)
        return seal, cert

    async def sign(self, req: SignRequest) -> SignResult:
        self._require_tbs(req)
        fingerprint = _fingerprint(req.key_handle, sm3(req.tbs_sign).hex())
        previous = await self._replay("idem-sign", req.tenant, req.idempotency_key, fingerprint)
        if previous is not None:
            return SignResult(
                signature=unb64(previous["signature"]), signer_cert=unb64(previous["cert"])
            )
        key, cert = await self.signer_key(req.tenant, req.key_handle)
        answer = {"signature": b64(key.sign(req.tbs_sign)), "cert": b64(cert)}
        winner = await self._remember(
            "idem-sign", req.tenant, req.idempotency_key, fingerprint, answer
        )
        return SignResult(signature=unb64(winner["signature"]), signer_cert=unb64(winner["cert"]))

    async def revoke(self, req: RevokeRequest) -> RevokeResult:
        record = await self._record(req.tenant, req.key_handle)
        if record["revoked_at"] is None:
            record["revoked_at"] = datetime.now(UTC).isoformat()
            record["reason"] = req.reason
            await self.store.put(_KEYS, req.key_handle, dumps(record))
            self._keys.forget(req.key_handle)
        return RevokeResult(
            key_handle=req.key_handle, revoked_at=datetime.fromisoformat(record["revoked_at"])
        )

    # --- used by the vendor server's CSC endpoints -------------------------------

    async def sign_digest(self, handle: str, e: bytes) -> bytes:
        """SM2 over e = SM3(Z || M), for CSC signHash (see adapters/reference/sm2e.py)."""
        record = await self._record(None, handle)
        key, _ = await self.signer_key(record["tenant"], handle)
        return sign_e(key, e)

    async def credentials(self, tenant: str | None) -> list[str]:
        if tenant is None:
            return []
        raw = await self.store.get(_INDEX, tenant)
        return json.loads(raw) if raw else []

    async def credential(self, handle: str) -> dict[str, Any]:
        """Public facts about a signer key: tenant, certificate, status."""
        record = await self._record(None, handle)
        return {
            "tenant": record["tenant"],
            "cert": unb64(record["cert"]),
            "revoked": record["revoked_at"] is not None,
        }

    # --- internals -----------------------------------------------------------------

    async def ca(self) -> VendorCA:
        if self._ca is None:
            async with self._ca_lock:
                if self._ca is None:
                    self._ca = await load_or_create_ca(self.vault, self.name)
        return self._ca

    async def signer_key(self, tenant: str, handle: str) -> tuple[SM2PrivateKey, bytes]:
        cached = self._keys.peek(handle)
        if cached is not None and cached[0] == tenant:
            return cached[1], cached[2]
        record = await self._record(tenant, handle)
        if record["revoked_at"] is not None:
            raise VendorRejected(f"signer key {handle} is revoked", vendor=self.name)
        key = await self.vault.open_key(tenant, handle, unb64(record["key"]))
        cert = unb64(record["cert"])
        self._keys.put(handle, (tenant, key, cert))
        return key, cert

    async def _record(self, tenant: str | None, handle: str) -> dict[str, Any]:
        raw = await self.store.get(_KEYS, handle)
        record: dict[str, Any] | None = json.loads(raw) if raw else None
        # Another tenant's handle answers exactly like an unknown one: no existence oracle.
        if record is None or (tenant is not None and record["tenant"] != tenant):
            raise VendorRejected(f"unknown signer key {handle}", vendor=self.name)
        return record

    async def _index(self, tenant: str, handle: str) -> None:
        async with self._index_lock:
            handles = await self.credentials(tenant)
            handles.append(handle)
            await self.store.put(_INDEX, tenant, json.dumps(handles).encode())

    async def _replay(
        self, ns: str, tenant: str, idem: str, fingerprint: str
    ) -> dict[str, Any] | None:
        store = self.sign_answers if ns == "idem-sign" else self.store
        raw = await store.get(ns, _idem_key(tenant, idem))
        if raw is None:
            return None
        return self._same_request(json.loads(raw), fingerprint, idem)

    async def _remember(
        self, ns: str, tenant: str, idem: str, fingerprint: str, answer: dict[str, Any]
    ) -> dict[str, Any]:
        record = dumps({"fingerprint": fingerprint, "answer": answer})
        store = self.sign_answers if ns == "idem-sign" else self.store
        existing = await store.put_if_absent(ns, _idem_key(tenant, idem), record)
        if existing is None:
            return answer
        # A concurrent request with the same key won; answer what it answered.
        return self._same_request(json.loads(existing), fingerprint, idem)

    def _same_request(self, stored: dict[str, Any], fingerprint: str, idem: str) -> dict[str, Any]:
        if stored["fingerprint"] != fingerprint:
            raise self._key_reused(idem)
        answer: dict[str, Any] = stored["answer"]
        return answer

    def _key_reused(self, idem: str) -> VendorRejected:
        return VendorRejected(
            f"idempotency key {idem!r} was used for a different request", vendor=self.name
        )

    def _require_tbs(self, req: SignRequest) -> None:
        if not req.tbs_sign:
            raise VendorRejected("nothing to sign (empty TBS_Sign)", vendor=self.name)

    def _check_seal_request(self, req: MakeSealRequest) -> None:
        problems = []
        if req.seal_type not in SEAL_TYPES.values():
            problems.append(f"unknown seal type {req.seal_type}")
        if not req.esid or not req.name or not req.signer.common_name:
            problems.append("esid, name and signer common name are required")
        if not req.picture:
            problems.append("picture is empty")
        if req.picture_type.lower() != "png":
            problems.append(f"picture type {req.picture_type!r} is not png")
        if not (0 < req.width_mm <= 200 and 0 < req.height_mm <= 200):
            problems.append("picture size must be 1..200 mm")
        if req.valid_start.tzinfo is None or req.valid_end.tzinfo is None:
            problems.append("validity must be timezone-aware")
        elif req.valid_end <= req.valid_start:
            problems.append("validity ends before it starts")
        if problems:
            raise VendorRejected("; ".join(problems), vendor=self.name)


def _idem_key(tenant: str, idem: str) -> str:
    """Store key of an idempotency record: fixed length (64 hex) whatever the client sent,
    and unambiguous (no separator a tenant or key could contain)."""
    return sm3(json.dumps([tenant, idem]).encode()).hex()


def _seal_fingerprint(req: MakeSealRequest) -> str:
    """What an idempotency key is bound to: a retry must ask for the same seal."""
    return _fingerprint(
        req.tenant,
        req.esid,
        req.seal_type,
        req.name,
        sm3(req.picture).hex(),
        req.width_mm,
        req.height_mm,
        req.valid_start.isoformat(),
        req.valid_end.isoformat(),
        req.signer.common_name,
        req.signer.organization,
        req.signer.organizational_unit,
    )


def _seal_result(answer: dict[str, Any]) -> MakeSealResult:
    return MakeSealResult(
        seal_der=unb64(answer["seal"]),
        signer_cert=unb64(answer["signer_cert"]),
        key_handle=answer["key_handle"],
    )


def _fingerprint(*parts: object) -> str:
    return sm3(json.dumps(parts, default=str).encode()).hex()
