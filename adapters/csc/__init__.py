"""`csc`: a remote signing service speaking the Cloud Signature Consortium API v2.

CSC v2 standardises signing (`credentials/list`, `credentials/info`,
`credentials/authorize`, `signatures/signHash`) but not key enrolment, so this adapter
makes and revokes seals through the SealHub vendor API of the same vendor (`url`), and
signs through its CSC endpoint (`csc_url`, default `url + "/csc/v2"`). A seal's key
handle is its CSC `credentialID`; the CSC `userID` is the tenant slug.

SM2 and hashes (the documented SealHub choice): SM2-with-SM3 signs e = SM3(Z || M),
where Z depends on the signer's public key and ID. The adapter reads the signer
certificate from `credentials/info`, computes e = SM3(Z || TBS_Sign) with the default
ID 1234567812345678, and sends e as the hash (`hashAlgorithmOID` = SM3
1.2.156.10197.1.401, `signAlgo` = SM2-with-SM3 1.2.156.10197.1.501). The service signs e
as given, with no further hashing. The result is an ordinary SM2-with-SM3 signature over
TBS_Sign, checked here before it is returned.

SAD binding: `credentials/authorize` is called with exactly the hashes about to be
signed, and the SAD it returns signs those hashes once each and nothing else.
`authorize` and `signHash` are not idempotent (a SAD is spent), so they are never
retried; `credentials/list` and `credentials/info` are read-only and are.

Idempotency: CSC has no idempotency key, so this adapter remembers its last
`IDEMPOTENCY_CACHE` answers (idempotency key + SM3 of the TBS bytes) in memory and
replays them. That is per replica; across replicas the hub's own idempotency records
(the signing service) are what prevent a second signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.answers import SignAnswers
from adapters.errors import VendorMisconfigured, VendorRejected
from adapters.http.breaker import CircuitBreaker
from adapters.http.client import HttpVendor
from adapters.http.wire import b64e
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
from adapters.reference.sm2e import sm2_e
from hub.crypto import OID_SM2_SM3, OID_SM3, Certificate, sm3

IDEMPOTENCY_CACHE = 4096


class CscVendor:
    kind = "csc"

    def __init__(
        self,
        name: str,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        csc_url: str | None = None,
        token: str | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.name = name
        self.breaker = breaker or CircuitBreaker(name)
        # One breaker for both endpoints: they are the same vendor.
        self.enrolment = HttpVendor(
            name, base_url, client, token=token, timeout=timeout, retries=retries,
            breaker=self.breaker,
        )  # fmt: skip
        self.csc = HttpVendor(
            name, csc_url or base_url.rstrip("/") + "/csc/v2", client, token=token,
            timeout=timeout, retries=retries, breaker=self.breaker,
        )  # fmt: skip
        self._certs: dict[tuple[str, str], bytes] = {}
        self._answers: SignAnswers[bytes] = SignAnswers(IDEMPOTENCY_CACHE)  # tag: fingerprint

    @classmethod
    def from_config(
        cls, name: str, config: Mapping[str, str], context: AdapterContext
    ) -> CscVendor:
        if context.http_client is None:
            raise VendorMisconfigured("the csc adapter needs the hub's httpx client", vendor=name)
        url = config.get("url", "")
        if not url.startswith(("http://", "https://")):
            raise VendorMisconfigured(f"vendor url {url!r} is not http(s)", vendor=name)
        try:
            return cls(
                name,
                url,
                context.http_client,
                csc_url=config.get("csc_url") or None,
                token=config.get("token") or None,
                timeout=float(config.get("timeout", context.settings.adapters.timeout_seconds)),
                retries=int(config.get("retries", 2)),
                breaker=CircuitBreaker.from_config(name, config),
            )
        except ValueError as exc:
            raise VendorMisconfigured(f"bad csc adapter setting: {exc}", vendor=name) from exc

    async def info(self) -> VendorInfo:
        base = await self.enrolment.info()
        return VendorInfo(
            name=base.name,
            kind=self.kind,
            version=base.version,
            maker_cert=base.maker_cert,
            ca_certs=base.ca_certs,
            product_certificate=base.product_certificate,
        )

    async def health(self) -> VendorHealth:
        return await self.enrolment.health()

    async def make_seal(self, req: MakeSealRequest) -> MakeSealResult:
        return await self.enrolment.make_seal(req)

    async def revoke(self, req: RevokeRequest) -> RevokeResult:
        self._certs.pop((req.tenant, req.key_handle), None)
        return await self.enrolment.revoke(req)

    async def _post(self, method: str, body: dict[str, Any], *, idempotent: bool) -> Any:
        doc = await self.csc.request("POST", "/" + method, json=body, idempotent=idempotent)
        if not isinstance(doc, dict):
            raise self.csc._bad(f"a non-object answer to {method}")
        return doc

    async def signer_cert(self, tenant: str, credential: str) -> bytes:
        """The credential's certificate, after checking it belongs to the tenant."""
        cached = self._certs.get((tenant, credential))
        if cached is not None:
            return cached
        listed = await self._post("credentials/list", {"userID": tenant}, idempotent=True)
        if credential not in (listed.get("credentialIDs") or []):
            raise VendorRejected(f"unknown signer key {credential}", vendor=self.name)
        info = await self._post(
            "credentials/info",
            {"credentialID": credential, "certificates": "single", "certInfo": False},
            idempotent=True,
        )
        certs = (info.get("cert") or {}).get("certificates") or []
        if not certs:
            raise self.csc._bad("credentials/info without the signer certificate")
        der = self.csc._field({"c": certs[0]}, "c")
        self.csc._cert(der, "certificates[0]")
        self._certs[(tenant, credential)] = der
        return der

    async def sign(self, req: SignRequest) -> SignResult:
        fingerprint = sm3(req.key_handle.encode() + req.tbs_sign)
        remembered = self._answers.get(req)
        if remembered is not None:
            seen, answer = remembered
            if seen != fingerprint:
                raise VendorRejected(
                    f"idempotency key {req.idempotency_key!r} was used for a different request",
                    vendor=self.name,
                )
            return answer
        answer = await self._sign(req)
        self._answers.keep(req, fingerprint, answer)
        return answer

    async def _sign(self, req: SignRequest) -> SignResult:
        async with self.breaker.guard():
            cert_der = await self.signer_cert(req.tenant, req.key_handle)
            e = sm2_e(Certificate.load(cert_der).public_key, req.tbs_sign)
            hashes = [b64e(e)]
            sad = await self._post(
                "credentials/authorize",
                {"credentialID": req.key_handle, "numSignatures": 1, "hashes": hashes,
                 "hashAlgorithmOID": OID_SM3},
                idempotent=False,
            )  # fmt: skip
            if not isinstance(sad.get("SAD"), str):
                raise self.csc._bad("credentials/authorize without a SAD")
            signed = await self._post(
                "signatures/signHash",
                {"credentialID": req.key_handle, "SAD": sad["SAD"], "hashes": hashes,
                 "hashAlgorithmOID": OID_SM3, "signAlgo": OID_SM2_SM3},
                idempotent=False,
            )  # fmt: skip
            signatures = signed.get("signatures")
            if not isinstance(signatures, list) or len(signatures) != 1:
                raise self.csc._bad("signHash without exactly one signature")
            signature = self.csc._field({"signature": signatures[0]}, "signature")
            self.csc.check_signature(signature, cert_der, req.tbs_sign)
            return SignResult(signature=signature, signer_cert=cert_der)


__all__ = ["CscVendor"]
