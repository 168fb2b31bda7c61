"""`http`: a remote vendor speaking the SealHub vendor API (vendor-api.yaml).

Transport policy, in one place:

* Timeouts: every attempt has `timeout` seconds (connect, read, write, pool); the whole
  call, retries included, has `deadline` seconds.
* Retries: only for idempotent calls, and every call of this API is idempotent by
  construction: GETs, and POSTs that carry an `Idempotency-Key` (the vendor replays the
  first answer). Only transport failures, timeouts, 5xx, 408 and 429 are retried,
  with exponential back-off and full jitter. A 4xx or a bad answer is never retried.
* A `CircuitBreaker` per vendor fails fast while the vendor is failing.
* Answers are checked before they leave the adapter: JSON shape, base64, DER of
  certificates, seals (parsed as V4, signed by the vendor's maker certificate) and
  signatures (DER SEQUENCE{r,s} that verifies over the TBS bytes with the returned
  certificate). Anything else is `VendorBadAnswer` naming the vendor.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from adapters.errors import (
    RETRYABLE,
    VendorBadAnswer,
    VendorError,
    VendorMisconfigured,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)
from adapters.http.breaker import CircuitBreaker
from adapters.http.wire import IDEMPOTENCY_HEADER, WireError, b64d, b64e, seal_request_to_json
from adapters.protocol import (
    AdapterContext,
    MakeSealRequest,
    MakeSealResult,
    RevokeRequest,
    RevokeResult,
    SignRequest,
    SignResult,
    VendorHealth,
    VendorInfo,
)
from hub.crypto import Certificate, der_to_raw
from hub.errors import CryptoError, FormatError
from hub.formats import parse_seal
from hub.memo import Memo

_RNG = secrets.SystemRandom()
_CERT_CACHE = 4096


class HttpVendor:
    kind = "http"

    def __init__(
        self,
        name: str,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        token: str | None = None,
        timeout: float = 5.0,
        deadline: float | None = None,
        retries: int = 2,
        backoff: float = 0.05,
        breaker: CircuitBreaker | None = None,
        verify_answers: bool = True,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else 2 * timeout
        self.retries = retries
        self.backoff = backoff
        self.breaker = breaker or CircuitBreaker(name)
        self.verify_answers = verify_answers
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._certs: Memo[bytes, Certificate] = Memo(max_entries=_CERT_CACHE)

    @classmethod
    def from_config(
        cls, name: str, config: Mapping[str, str], context: AdapterContext
    ) -> HttpVendor:
        """config: url (required), token, timeout, deadline, retries, failure_threshold,
        reset_timeout. The httpx client comes from the hub (context.http_client)."""
        if context.http_client is None:
            raise VendorMisconfigured("the http adapter needs the hub's httpx client", vendor=name)
        url = config.get("url", "")
        if not url.startswith(("http://", "https://")):
            raise VendorMisconfigured(f"vendor url {url!r} is not http(s)", vendor=name)
        try:
            timeout = float(config.get("timeout", context.settings.adapters.timeout_seconds))
            return cls(
                name,
                url,
                context.http_client,
                token=config.get("token") or None,
                timeout=timeout,
                deadline=float(config["deadline"]) if "deadline" in config else None,
                retries=int(config.get("retries", 2)),
                breaker=CircuitBreaker.from_config(name, config),
            )
        except ValueError as exc:
            raise VendorMisconfigured(f"bad http adapter setting: {exc}", vendor=name) from exc

    # --- transport -------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        idempotent: bool = True,
    ) -> Any:
        """One logical call: attempts, back-off, error mapping. Returns the JSON body."""
        headers = dict(self._headers)
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        loop = asyncio.get_running_loop()
        end = loop.time() + self.deadline
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            remaining = end - loop.time()
            try:
                if remaining <= 0:
                    raise VendorTimeout(
                        f"vendor {self.name} did not answer within {self.deadline:.1f}s",
                        vendor=self.name,
                    )
                return await self._attempt(
                    method, path, json, headers, min(self.timeout, remaining)
                )
            except RETRYABLE:
                if attempt + 1 >= attempts:
                    raise
                pause = _RNG.uniform(0, self.backoff * 2**attempt)
                if loop.time() + pause >= end:
                    raise
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        seconds: float,
    ) -> Any:
        try:
            response = await self.client.request(
                method, self.base_url + path, json=body, headers=headers, timeout=seconds
            )
        except httpx.TimeoutException as exc:
            raise VendorTimeout(
                f"vendor {self.name} timed out after {seconds:.2f}s ({type(exc).__name__})",
                vendor=self.name,
            ) from exc
        except httpx.TransportError as exc:
            raise VendorUnavailable(
                f"vendor {self.name} unreachable: {type(exc).__name__}", vendor=self.name
            ) from exc
        status = response.status_code
        if status >= 500 or status in (408, 429):
            raise VendorUnavailable(
                f"vendor {self.name} answered {status}: {_detail(response)}", vendor=self.name
            )
        if status in (401, 403):
            raise VendorMisconfigured(
                f"vendor {self.name} refused our credentials ({status})", vendor=self.name
            )
        if status >= 400:
            raise VendorRejected(
                f"vendor {self.name} rejected the request ({status}): {_detail(response)}",
                vendor=self.name,
                vendor_status=status,
            )
        try:
            return response.json()
        except ValueError as exc:
            raise VendorBadAnswer(
                f"vendor {self.name} answered non-JSON", vendor=self.name
            ) from exc

    def _bad(self, what: str) -> VendorBadAnswer:
        return VendorBadAnswer(f"vendor {self.name} returned {what}", vendor=self.name)

    def _field(self, doc: Any, field: str) -> bytes:
        if not isinstance(doc, dict):
            raise self._bad("a non-object JSON answer")
        try:
            return b64d(doc.get(field), field)
        except WireError as exc:
            raise self._bad(f"a bad '{field}': {exc}") from exc

    def _cert(self, der: bytes, field: str) -> Certificate:
        # A seal signs with the same certificate every time: parse it once (asn1crypto
        # parsing and key loading cost more than the SM2 verification itself).
        cert = self._certs.peek(der)
        if cert is not None:
            return cert
        try:
            cert = Certificate.load(der)
            cert.public_key  # noqa: B018 - fail here, typed, for a non-SM2 key
        except CryptoError as exc:
            raise self._bad(f"a '{field}' that is not a DER SM2 certificate") from exc
        self._certs.put(der, cert)
        return cert

    # --- the SealVendor operations -----------------------------------------------------

    async def info(self) -> VendorInfo:
        async with self.breaker.guard():
            doc = await self.request("GET", "/v1/info")
            maker = self._field(doc, "maker_cert")
            self._cert(maker, "maker_cert")
            ca_certs = doc.get("ca_certs") or []
            if not isinstance(ca_certs, list) or not isinstance(doc.get("name"), str):
                raise self._bad("an info document of the wrong shape")
            cas = tuple(self._field({"c": c}, "c") for c in ca_certs)
            return VendorInfo(
                name=doc["name"],
                kind=self.kind,
                version=str(doc.get("version", "")),
                maker_cert=maker,
                ca_certs=cas,
                product_certificate=doc.get("product_certificate"),
            )

    async def health(self) -> VendorHealth:
        """Never raises for a vendor fault: a health probe reports it as down."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with self.breaker.guard():
                doc = await self.request("GET", "/v1/health")
                if not isinstance(doc, dict) or doc.get("status") not in ("up", "down"):
                    raise self._bad("a health document of the wrong shape")
        except VendorError as exc:
            return VendorHealth(up=False, detail=exc.detail, latency_seconds=None)
        return VendorHealth(
            up=doc["status"] == "up",
            detail=str(doc.get("detail", "")),
            latency_seconds=loop.time() - started,
        )

    async def make_seal(self, req: MakeSealRequest) -> MakeSealResult:
        async with self.breaker.guard():
            doc = await self.request(
                "POST",
                "/v1/seals",
                json=seal_request_to_json(req),
                idempotency_key=req.idempotency_key,
            )
            seal_der, signer_cert = self._field(doc, "seal"), self._field(doc, "signer_cert")
            handle = doc.get("key_handle")
            if not isinstance(handle, str) or not handle:
                raise self._bad("no key_handle")
            self._cert(signer_cert, "signer_cert")
            if self.verify_answers:
                await self._check_seal(seal_der, signer_cert, req)
            return MakeSealResult(seal_der=seal_der, signer_cert=signer_cert, key_handle=handle)

    async def _check_seal(self, seal_der: bytes, signer_cert: bytes, req: MakeSealRequest) -> None:
        try:
            seal = parse_seal(seal_der)
        except FormatError as exc:
            raise self._bad(f"a seal that does not parse: {exc.detail}") from exc
        if seal.version != 4 or seal.esid != req.esid or signer_cert not in seal.signer_certs:
            raise self._bad("a seal that is not the V4 seal requested for this signer")
        maker = self._cert(seal.maker_cert, "seal maker_cert")
        if not maker.public_key.verify(seal.signature, seal.info_bytes):
            raise self._bad("a seal whose maker signature does not verify")

    async def sign(self, req: SignRequest) -> SignResult:
        async with self.breaker.guard():
            doc = await self.request(
                "POST",
                "/v1/signatures",
                json={
                    "tenant": req.tenant,
                    "key_handle": req.key_handle,
                    "tbs_sign": b64e(req.tbs_sign),
                },
                idempotency_key=req.idempotency_key,
            )
            signature, cert_der = self._field(doc, "signature"), self._field(doc, "signer_cert")
            self.check_signature(signature, cert_der, req.tbs_sign)
            return SignResult(signature=signature, signer_cert=cert_der)

    def check_signature(self, signature: bytes, cert_der: bytes, tbs: bytes) -> None:
        cert = self._cert(cert_der, "signer_cert")
        try:
            der_to_raw(signature)
        except CryptoError as exc:
            raise self._bad("a signature that is not DER SEQUENCE{r, s}") from exc
        if self.verify_answers and not cert.public_key.verify(signature, tbs):
            raise self._bad("an SM2 signature that does not verify over the TBS_Sign bytes")

    async def revoke(self, req: RevokeRequest) -> RevokeResult:
        async with self.breaker.guard():
            doc = await self.request(
                "POST",
                f"/v1/keys/{req.key_handle}/revoke",
                json={"tenant": req.tenant, "reason": req.reason},
                idempotency_key=req.idempotency_key,
            )
            try:
                when = datetime.fromisoformat(doc["revoked_at"])
            except (TypeError, KeyError, ValueError) as exc:
                raise self._bad("a revocation without a valid revoked_at") from exc
            return RevokeResult(key_handle=req.key_handle, revoked_at=when)


def _detail(response: httpx.Response) -> str:
    try:
        doc = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(doc, dict):
        return str(doc.get("detail") or doc.get("error_description") or doc)[:200]
    return str(doc)[:200]
