"""The seal vendor boundary: one Protocol and the hub-owned request/result types.

Everything that crosses this boundary is a frozen dataclass defined here, holding bytes,
strings, ints and datetimes only, so no vendor SDK type leaks into the hub. Adapters
raise only `adapters.errors` (the hub's `Vendor*` errors).

The signing split is deliberate: the hub builds the GB/T 38540 `TBS_Sign` itself
(`hub.formats.build_tbs_sign_v4`) and sends its exact bytes; the vendor returns an
SM2-with-SM3 signature over those bytes and the signer certificate; the hub assembles
and verifies the `SES_Signature`. A vendor therefore never decides what is signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import httpx

    from hub.settings import Settings

#: Seal types of GB/T 38540 (SES_Header / sealType), as the hub names them.
SEAL_TYPES: Mapping[str, int] = {
    "official": 1,  # 单位公章
    "personal": 2,  # 个人印章
    "contract": 3,
    "finance": 4,
    "legal-representative": 5,
    "invoice": 6,  # 发票专用章
}

#: The operations the Protocol defines (metrics label values, circuit breaker keys).
OPERATIONS = ("info", "health", "make_seal", "sign", "revoke")


@dataclass(frozen=True)
class SignerSubject:
    """Who the signer certificate is issued to (the seal owner)."""

    common_name: str
    organization: str | None = None
    organizational_unit: str | None = None
    country: str = "CN"


@dataclass(frozen=True)
class VendorInfo:
    name: str
    kind: str  # adapter kind: "local", "http", "csc", or a third-party entry point name
    version: str
    maker_cert: bytes  # DER: the certificate whose key signs the vendor's seals
    ca_certs: tuple[bytes, ...] = ()  # DER: the vendor CA chain above maker and signer certs
    product_certificate: str | None = None  # 商用密码产品认证证书编号
    operations: tuple[str, ...] = OPERATIONS


@dataclass(frozen=True)
class VendorHealth:
    up: bool
    detail: str
    latency_seconds: float | None = None


@dataclass(frozen=True)
class MakeSealRequest:
    tenant: str  # tenant slug; a vendor scopes its keys by it
    esid: str  # seal identifier (GB/T 38540 esID), unique per tenant
    seal_type: int  # see SEAL_TYPES
    name: str
    picture: bytes = field(repr=False)  # PNG
    width_mm: int
    height_mm: int
    valid_start: datetime
    valid_end: datetime
    signer: SignerSubject
    idempotency_key: str  # a retry with the same key returns the same seal and key
    picture_type: str = "png"


@dataclass(frozen=True)
class MakeSealResult:
    seal_der: bytes = field(repr=False)  # GB/T 38540 V4 SES_Seal, signed by the maker
    signer_cert: bytes = field(repr=False)  # DER X.509 of the signer key
    key_handle: str  # opaque to the hub; names the signer key at the vendor


@dataclass(frozen=True)
class SignRequest:
    tenant: str
    key_handle: str
    tbs_sign: bytes = field(repr=False)  # exact DER TBS_Sign bytes built by the hub
    idempotency_key: str  # same key + same bytes -> same signature; other bytes -> rejected


@dataclass(frozen=True)
class SignResult:
    signature: bytes  # DER SEQUENCE{r, s}: SM2-with-SM3 (ID 1234567812345678) over tbs_sign
    signer_cert: bytes = field(repr=False)


@dataclass(frozen=True)
class RevokeRequest:
    tenant: str
    key_handle: str
    reason: str
    idempotency_key: str


@dataclass(frozen=True)
class RevokeResult:
    key_handle: str
    revoked_at: datetime


@runtime_checkable
class SealVendor(Protocol):
    """A seal vendor as the hub sees it. All five operations are coroutines.

    `sign` and `revoke` must be idempotent under their idempotency key; `make_seal` too
    (the same key returns the same seal), so a hub retry never makes two seals.
    """

    name: str

    async def info(self) -> VendorInfo: ...

    async def health(self) -> VendorHealth: ...

    async def make_seal(self, req: MakeSealRequest) -> MakeSealResult: ...

    async def sign(self, req: SignRequest) -> SignResult: ...

    async def revoke(self, req: RevokeRequest) -> RevokeResult: ...


@dataclass(frozen=True)
class AdapterContext:
    """What the hub hands an adapter factory: shared resources, never vendor-specific.

    `http_client` is injected so tests and the hub decide transport, pooling and limits;
    adapters never create their own client.
    """

    settings: Settings
    http_client: httpx.AsyncClient | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


class AdapterFactory(Protocol):
    """What an entry point in the group `sealhub.adapters` must load: a class with
    `from_config` returning a `SealVendor`. `config` is the vendor's registration data
    (endpoint, credentials...), strings only."""

    @classmethod
    def from_config(
        cls, name: str, config: Mapping[str, str], context: AdapterContext
    ) -> SealVendor: ...
