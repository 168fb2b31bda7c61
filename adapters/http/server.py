"""The reference vendor server: `sealhub vendor-server`.

A plain ASGI app (no framework: every microsecond here is counted against the hub in
bench/vendor_overhead.py) serving

* the SealHub vendor API (`/v1/...`, specified in vendor-api.yaml) and
* the Cloud Signature Consortium API v2 subset `/csc/v2/{info, credentials/list,
  credentials/info, credentials/authorize, signatures/signHash}` with SM2,

over one `ReferenceVendorCore`. Fault knobs make it a vendor of chosen quality:
`latency_ms` (added to every call), `error_rate` (answer 503), `garbage_rate` (answer
200 with a wrong signature or malformed DER). With `--control`, `PUT /_control/knobs`
changes them at run time (tests raise a vendor's error rate while the hub watches).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import uvicorn

from adapters.errors import VendorRejected
from adapters.http.wire import (
    API_VERSION,
    IDEMPOTENCY_HEADER,
    WireError,
    b64d,
    b64e,
    seal_request_from_json,
    text,
)
from adapters.protocol import RevokeRequest, SignRequest
from adapters.reference import FileKeyStore, KeyStore, MemoryKeyStore, ReferenceVendorCore
from hub.crypto import OID_SM2_CURVE, OID_SM2_SM3, OID_SM3, Certificate, sm4

MAX_BODY = 32 * 1024 * 1024
SAD_SECONDS = 300
_RNG = secrets.SystemRandom()
_REVOKE = re.compile(r"^/v1/keys/([A-Za-z0-9_.\-]{1,128})/revoke$")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
# A route takes the JSON body and the path arguments and answers (status, JSON document).
Route = Callable[[dict[str, Any], dict[str, str]], Awaitable[tuple[int, Any]]]


@dataclass
class Knobs:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    garbage_rate: float = 0.0
    # Which answers may be garbage: "seal" (make seal), "sign" (vendor API and CSC).
    garbage_ops: str = "seal,sign"


class HttpError(Exception):
    def __init__(self, status: int, detail: str, csc_error: str = "invalid_request") -> None:
        super().__init__(detail)
        self.status, self.detail, self.csc_error = status, detail, csc_error


@dataclass
class _Sad:
    credential: str
    hashes: set[bytes]  # still unsigned; each authorised hash is signed at most once
    expires: float


class VendorServer:
    def __init__(
        self,
        core: ReferenceVendorCore,
        knobs: Knobs | None = None,
        *,
        token: str | None = None,
        control: bool = False,
    ) -> None:
        self.core = core
        self.knobs = knobs or Knobs()
        self.token = token
        self.control = control
        self._sads: dict[str, _Sad] = {}
        self.routes: dict[tuple[str, str], Route] = {
            ("GET", "/v1/info"): self.v1_info,
            ("GET", "/v1/health"): self.v1_health,
            ("POST", "/v1/seals"): self.v1_make_seal,
            ("POST", "/v1/signatures"): self.v1_sign,
            ("POST", "/csc/v2/info"): self.csc_info,
            ("POST", "/csc/v2/credentials/list"): self.csc_list,
            ("POST", "/csc/v2/credentials/info"): self.csc_credential_info,
            ("POST", "/csc/v2/credentials/authorize"): self.csc_authorize,
            ("POST", "/csc/v2/signatures/signHash"): self.csc_sign_hash,
        }

    # --- ASGI --------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        csc = path.startswith("/csc/")
        try:
            body = await _read_body(receive)
            status, answer = await self._dispatch(method, path, headers, body)
        except HttpError as exc:
            status = exc.status
            answer = (
                {"error": exc.csc_error, "error_description": exc.detail}
                if csc
                else {
                    "type": "about:blank",
                    "title": "Vendor error",
                    "status": status,
                    "detail": exc.detail,
                }
            )
        media = "application/json" if status < 400 or csc else "application/problem+json"
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", media.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.core.ca()  # create the maker CA before the first request
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        if path == "/_control/knobs" and self.control:
            return 200, self._control(method, body)
        if path == "/_ready":  # liveness for process supervisors; no knobs, no auth
            return 200, {"ready": True}
        handler = self.routes.get((method, path))
        args: dict[str, str] = {}
        if handler is None and method == "POST" and (m := _REVOKE.match(path)):
            handler, args = self.v1_revoke, {"key_handle": m.group(1)}
        if handler is None:
            raise HttpError(404, f"no route {method} {path}")
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            raise HttpError(401, "missing or wrong bearer token", "invalid_token")
        if self.knobs.latency_ms:
            await asyncio.sleep(self.knobs.latency_ms / 1000)
        if self.knobs.error_rate and _RNG.random() < self.knobs.error_rate:
            raise HttpError(503, "injected failure (error-rate knob)", "temporarily_unavailable")
        doc = _json(body) if method == "POST" else {}
        args["idempotency_key"] = headers.get(IDEMPOTENCY_HEADER.lower(), "")
        try:
            return await handler(doc, args)
        except WireError as exc:
            raise HttpError(400, str(exc)) from exc
        except VendorRejected as exc:
            status = 404 if exc.detail.startswith("unknown signer key") else 422
            raise HttpError(status, exc.detail, "invalid_request") from exc

    def _garbage(self, op: str) -> bool:
        return (
            bool(self.knobs.garbage_rate)
            and op in self.knobs.garbage_ops.split(",")
            and _RNG.random() < self.knobs.garbage_rate
        )

    def _control(self, method: str, body: bytes) -> dict[str, Any]:
        if method == "PUT":
            for key, value in _json(body).items():
                if key == "garbage_ops" and isinstance(value, str):
                    self.knobs.garbage_ops = value
                elif key in asdict(self.knobs) and isinstance(value, int | float):
                    setattr(self.knobs, key, float(value))
        return asdict(self.knobs)

    # --- vendor API ----------------------------------------------------------------

    async def v1_info(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        info = await self.core.info()
        return 200, {
            "name": info.name,
            "version": info.version,
            "api_version": API_VERSION,
            "maker_cert": b64e(info.maker_cert),
            "ca_certs": [b64e(c) for c in info.ca_certs],
            "product_certificate": info.product_certificate,
        }

    async def v1_health(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        health = await self.core.health()
        return 200, {"status": "up" if health.up else "down", "detail": health.detail}

    async def v1_make_seal(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        req = seal_request_from_json(doc, _idem(args))
        made = await self.core.make_seal(req)
        seal = made.seal_der
        if self._garbage("seal"):
            # Either a truncated DER or a seal whose maker signature no longer verifies.
            seal = (
                seal[: len(seal) // 2] if _RNG.random() < 0.5 else seal[:-1] + bytes([seal[-1] ^ 1])
            )
        return 201, {
            "seal": b64e(seal),
            "signer_cert": b64e(made.signer_cert),
            "key_handle": made.key_handle,
        }

    async def v1_sign(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        req = SignRequest(
            tenant=text(doc, "tenant"),
            key_handle=text(doc, "key_handle"),
            tbs_sign=b64d(doc.get("tbs_sign"), "tbs_sign"),
            idempotency_key=_idem(args),
        )
        signed = await self.core.sign(req)
        signature = signed.signature
        if self._garbage("sign"):
            signature = _bad_signature(signature)
        return 200, {"signature": b64e(signature), "signer_cert": b64e(signed.signer_cert)}

    async def v1_revoke(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        req = RevokeRequest(
            tenant=text(doc, "tenant"),
            key_handle=args["key_handle"],
            reason=text(doc, "reason"),
            idempotency_key=_idem(args),
        )
        revoked = await self.core.revoke(req)
        return 200, {"key_handle": revoked.key_handle, "revoked_at": revoked.revoked_at.isoformat()}

    # --- CSC API v2 ----------------------------------------------------------------

    async def csc_info(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "specs": "2.0.0.2",
            "name": self.core.name,
            "logo": "",
            "region": "CN",
            "lang": "zh-CN",
            "description": "SealHub reference vendor (SM2)",
            "authType": ["external"],
            "methods": [
                "credentials/list",
                "credentials/info",
                "credentials/authorize",
                "signatures/signHash",
            ],
        }

    async def csc_list(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        # userID is the tenant slug: a tenant only ever sees its own credentials.
        user = doc.get("userID")
        ids = await self.core.credentials(user if isinstance(user, str) else None)
        limit = doc.get("maxResults")
        if isinstance(limit, int) and limit > 0:
            ids = ids[:limit]
        return 200, {"credentialIDs": ids}

    async def csc_credential_info(
        self, doc: dict[str, Any], args: dict[str, str]
    ) -> tuple[int, Any]:
        facts = await self._credential(doc)
        cert = Certificate.load(facts["cert"])
        mode = doc.get("certificates", "single")
        chain = [facts["cert"]] + (
            list((await self.core.info()).ca_certs) if mode == "chain" else []
        )
        answer: dict[str, Any] = {
            "description": f"SM2 signer key of tenant {facts['tenant']}",
            "key": {
                "status": "disabled" if facts["revoked"] else "enabled",
                "algo": [OID_SM2_SM3],
                "len": 256,
                "curve": OID_SM2_CURVE,
            },
            "auth": {"mode": "explicit"},
            "multisign": 16,
            "lang": "zh-CN",
        }
        if mode != "none":
            answer["cert"] = {
                "status": "revoked" if facts["revoked"] else "valid",
                "certificates": [b64e(c) for c in chain],
            }
            if doc.get("certInfo"):
                answer["cert"].update(
                    issuerDN=cert.issuer,
                    subjectDN=cert.subject,
                    serialNumber=format(cert.serial_number, "x"),
                    validFrom=cert.not_before.strftime("%Y%m%d%H%M%SZ"),
                    validTo=cert.not_after.strftime("%Y%m%d%H%M%SZ"),
                )
        return 200, answer

    async def csc_authorize(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        facts = await self._credential(doc)
        if facts["revoked"]:
            raise HttpError(400, "credential is disabled", "invalid_request")
        hashes = _hashes(doc)
        number = doc.get("numSignatures", len(hashes))
        if not isinstance(number, int) or number != len(hashes) or not 1 <= number <= 16:
            raise HttpError(400, "numSignatures must equal the number of hashes (1..16)")
        self._expire_sads()
        sad = secrets.token_urlsafe(32)
        self._sads[sad] = _Sad(doc["credentialID"], set(hashes), time.monotonic() + SAD_SECONDS)
        return 200, {"SAD": sad, "expiresIn": SAD_SECONDS}

    async def csc_sign_hash(self, doc: dict[str, Any], args: dict[str, str]) -> tuple[int, Any]:
        credential = text(doc, "credentialID")
        hashes = _hashes(doc)
        if doc.get("signAlgo") not in (OID_SM2_SM3, OID_SM2_CURVE):
            raise HttpError(400, f"signAlgo must be SM2 ({OID_SM2_SM3})", "invalid_request")
        sad = self._sads.get(doc.get("SAD") or "")
        if sad is None or sad.expires < time.monotonic() or sad.credential != credential:
            raise HttpError(
                400, "SAD is unknown, expired or for another credential", "invalid_request"
            )
        if len(set(hashes)) != len(hashes) or not set(hashes) <= sad.hashes:
            # The SAD authorises exactly the hashes shown at authorize time, each once.
            raise HttpError(400, "hashes were not authorised by this SAD", "invalid_request")
        sad.hashes -= set(hashes)
        if not sad.hashes:
            self._sads.pop(doc["SAD"], None)
        signatures = [await self.core.sign_digest(credential, h) for h in hashes]
        if self._garbage("sign"):
            signatures = [_bad_signature(s) for s in signatures]
        return 200, {"signatures": [b64e(s) for s in signatures]}

    async def _credential(self, doc: dict[str, Any]) -> dict[str, Any]:
        credential = text(doc, "credentialID")
        try:
            return await self.core.credential(credential)
        except VendorRejected as exc:
            raise HttpError(400, "unknown credentialID", "invalid_request") from exc

    def _expire_sads(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._sads.items() if v.expires < now]:
            del self._sads[key]


def _hashes(doc: dict[str, Any]) -> list[bytes]:
    if doc.get("hashAlgorithmOID", OID_SM3) != OID_SM3:
        raise HttpError(400, f"hashAlgorithmOID must be SM3 ({OID_SM3})")
    raw = doc.get("hashes")
    if not isinstance(raw, list) or not raw:
        raise HttpError(400, "hashes must be a non-empty array")
    try:
        hashes = [b64d(h, "hashes") for h in raw]
    except WireError as exc:
        raise HttpError(400, str(exc)) from exc
    if any(len(h) != 32 for h in hashes):
        raise HttpError(400, "each hash must be a 32-byte SM3 value e = SM3(Z || M)")
    return hashes


def _bad_signature(signature: bytes) -> bytes:
    if _RNG.random() < 0.5:
        return secrets.token_bytes(len(signature))  # not DER at all (usually)
    # Well-formed DER SEQUENCE{r, s} that does not verify: flip a bit of s.
    return signature[:-1] + bytes([signature[-1] ^ 0x01])


def _idem(args: dict[str, str]) -> str:
    key = args.get("idempotency_key", "")
    if not 1 <= len(key) <= 200:
        raise HttpError(400, f"{IDEMPOTENCY_HEADER} header is required (1..200 characters)")
    return key


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body or b"{}")
    except ValueError as exc:
        raise HttpError(400, "body is not JSON") from exc
    if not isinstance(doc, dict):
        raise HttpError(400, "body must be a JSON object")
    return doc


async def _read_body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise HttpError(413, "request body too large")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def build_core(name: str, data_dir: str | None) -> ReferenceVendorCore:
    """A vendor core with a file store under data_dir (and its own master key file there),
    or an in-memory store with a fresh master key (ephemeral test vendors)."""
    store: KeyStore
    if data_dir:
        root = Path(data_dir)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_file = root / "master.key"
        if not key_file.exists():
            key_file.write_bytes(sm4.new_key())
            key_file.chmod(0o600)
        store, master = FileKeyStore(root / "store"), key_file.read_bytes()
    else:
        store, master = MemoryKeyStore(), sm4.new_key()
    return ReferenceVendorCore(name, store, master)


def serve(
    *,
    name: str,
    host: str,
    port: int,
    knobs: Knobs,
    data_dir: str | None = None,
    token: str | None = None,
    control: bool = False,
) -> int:
    """Run until SIGTERM/SIGINT. Binds first and prints the real port (port 0 = any free
    port), so a parent process can read it from our stdout without racing for a port."""
    app = VendorServer(build_core(name, data_dir), knobs, token=token, control=control)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux. The event loop does not always set it on
    # sockets we pass in, and without it the response body (a second write after the
    # headers) waits for the client's delayed ACK: 40 ms per keep-alive request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    bound = sock.getsockname()[1]
    print(f"vendor {name} listening on http://{host}:{bound}", flush=True)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2
    )
    uvicorn.Server(config).run(sockets=[sock])
    sys.stdout.flush()
    return 0
