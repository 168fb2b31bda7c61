"""The conformance suite every seal vendor adapter must pass, usable by third parties:

    from adapters.testing import run_conformance
    report = await run_conformance(MyVendor(...))
    assert report.passed, report.summary()

It drives the adapter only through the `SealVendor` Protocol and judges every answer
with the hub's own verifier (`hub.formats.verify_seal` / `verify_signature`), so
passing here means the hub will accept this vendor's seals and signatures. Each check
has a stable name (admission history quotes the failing ones). No check trusts the
adapter: a non-`VendorError` exception, a hang past `step_timeout`, or a non-standard
encoding is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from adapters.errors import VendorError, VendorRejected
from adapters.protocol import (
    MakeSealRequest,
    MakeSealResult,
    RevokeRequest,
    SealVendor,
    SignerSubject,
    SignRequest,
    VendorInfo,
)
from hub.crypto import Certificate, sm3
from hub.errors import SealHubError
from hub.formats import (
    Check,
    assemble_signature_v4,
    build_tbs_sign_v4,
    parse_seal,
    verify_seal,
    verify_signature,
)

T = TypeVar("T")

#: The "known digests": SM3 of fixed texts, so every vendor signs the same inputs.
KNOWN_TEXTS: tuple[bytes, ...] = (
    b"",
    b"abc",
    "GB/T 38540 电子印章 conformance".encode(),
    bytes(range(256)) * 64,
)

# 1x1 red PNG: the suite tests the vendor, not the picture generator.
TEST_PICTURE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


@dataclass
class ConformanceReport:
    vendor: str
    checks: list[Check] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        lines = [f"conformance of {self.vendor}: {'PASSED' if self.passed else 'FAILED'}"]
        lines += [f"  [{'ok' if c.ok else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor,
            "passed": self.passed,
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
            "checks": [c.to_dict() for c in self.checks],
            "failed": [c.name for c in self.failed],
        }


class _Stop(Exception):
    """A check failed that later checks depend on."""


class _Suite:
    def __init__(self, vendor: SealVendor, report: ConformanceReport, step_timeout: float):
        self.vendor = vendor
        self.report = report
        self.step_timeout = step_timeout

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.report.checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    async def call(self, name: str, make: Callable[[], Awaitable[T]]) -> T:
        """Run one adapter call; on any failure record check `name` failed and stop."""
        try:
            async with asyncio.timeout(self.step_timeout):
                return await make()
        except TimeoutError:
            self.check(name, False, f"no answer within {self.step_timeout:.0f}s")
        except VendorError as exc:
            self.check(name, False, f"{type(exc).__name__}: {exc.detail}")
        except Exception as exc:  # noqa: BLE001 (a vendor's untyped failure is a failed check, not a crash)
            self.check(name, False, f"untyped error {type(exc).__name__}: {exc}")
        raise _Stop

    async def expect_rejected(self, name: str, make: Callable[[], Awaitable[Any]]) -> None:
        """The call must fail with VendorRejected: typed, and the vendor's refusal."""
        try:
            async with asyncio.timeout(self.step_timeout):
                await make()
        except VendorRejected as exc:
            self.check(name, True, f"VendorRejected: {exc.detail}")
        except TimeoutError:
            self.check(name, False, f"no answer within {self.step_timeout:.0f}s")
        except SealHubError as exc:
            self.check(name, False, f"expected VendorRejected, got {type(exc).__name__}")
        except Exception as exc:  # noqa: BLE001 (a vendor's untyped failure is a failed check, not a crash)
            self.check(name, False, f"untyped error {type(exc).__name__}: {exc}")
        else:
            self.check(name, False, "the vendor accepted a request it must refuse")


async def assert_conformant(vendor: SealVendor, **kwargs: Any) -> ConformanceReport:
    """For a vendor's own test suite: run everything, fail with the full report."""
    report = await run_conformance(vendor, **kwargs)
    if not report.passed:
        raise AssertionError(report.summary())
    return report


async def run_conformance(
    vendor: SealVendor,
    *,
    tenant: str = "conformance",
    other_tenant: str = "conformance-other",
    texts: Sequence[bytes] = KNOWN_TEXTS,
    step_timeout: float = 15.0,
) -> ConformanceReport:
    """Run every check against `vendor`. Never raises for a vendor fault."""
    report = ConformanceReport(vendor=getattr(vendor, "name", type(vendor).__name__))
    suite = _Suite(vendor, report, step_timeout)
    started = time.perf_counter()
    with contextlib.suppress(_Stop):
        await _run(suite, tenant, other_tenant, texts)
    report.duration_seconds = time.perf_counter() - started
    return report


async def _run(suite: _Suite, tenant: str, other_tenant: str, texts: Sequence[bytes]) -> None:
    run = secrets.token_hex(6)
    info = await _check_info(suite)
    req = _seal_request(tenant, run)
    made = await _check_make_seal(suite, info, req)
    first_tbs = await _check_signing(suite, tenant, run, made, texts)
    await _check_refusals(suite, tenant, other_tenant, run, made, req, first_tbs)
    await _check_revoke(suite, tenant, run, made, first_tbs)


async def _check_info(suite: _Suite) -> VendorInfo:
    """info() names a DER maker certificate; health() says the vendor is up."""
    info = await suite.call("info", suite.vendor.info)
    try:
        maker = Certificate.load(info.maker_cert)
        suite.check("info", True, f"{info.name} {info.version}, maker '{maker.subject}'")
    except SealHubError:
        suite.check("info", False, "maker_cert is not a DER certificate")
        raise _Stop from None

    health = await suite.call("health", suite.vendor.health)
    suite.check("health", health.up, health.detail or ("up" if health.up else "down"))
    return info


def _seal_request(tenant: str, run: str) -> MakeSealRequest:
    now = datetime.now(UTC).replace(microsecond=0)
    return MakeSealRequest(
        tenant=tenant,
        esid=f"CONF-{run}",
        seal_type=1,
        name="一致性测试专用章",
        picture=TEST_PICTURE,
        width_mm=40,
        height_mm=40,
        valid_start=now,
        valid_end=now + timedelta(days=365),
        signer=SignerSubject(common_name="一致性测试单位", organization="SealHub conformance"),
        idempotency_key=f"conformance-seal-{run}",
    )


async def _check_make_seal(suite: _Suite, info: VendorInfo, req: MakeSealRequest) -> MakeSealResult:
    """The seal made is the standard one requested, by the declared maker, verifies, and
    asking again with the same idempotency key returns it unchanged."""
    vendor = suite.vendor
    made: MakeSealResult = await suite.call("make seal", lambda: vendor.make_seal(req))
    suite.check("make seal", True, f"key handle {made.key_handle}, {len(made.seal_der)} bytes")
    _check_seal(suite, info, req, made)
    again = await suite.call("make seal is idempotent", lambda: vendor.make_seal(req))
    suite.check(
        "make seal is idempotent",
        again.key_handle == made.key_handle and again.seal_der == made.seal_der,
        "same idempotency key returned " + ("the same seal" if again == made else "ANOTHER seal"),
    )
    return made


def _check_seal(
    suite: _Suite, info: VendorInfo, req: MakeSealRequest, made: MakeSealResult
) -> None:
    check = suite.check
    try:
        seal = parse_seal(made.seal_der)
    except SealHubError as exc:
        check("seal is GB/T 38540 V4", False, f"does not parse: {exc}")
        raise _Stop from None
    check(
        "seal is GB/T 38540 V4",
        seal.version == 4 and not seal.variants,
        f"version {seal.version}" + (f", non-standard: {seal.variants}" if seal.variants else ""),
    )
    check(
        "seal is the one requested",
        seal.esid == req.esid and seal.name == req.name and seal.seal_type == req.seal_type,
        f"esid {seal.esid!r}, name {seal.name!r}, type {seal.seal_type}",
    )
    check(
        "seal carries the signer certificate",
        made.signer_cert in seal.signer_certs,
        f"{len(seal.signer_certs)} certificate(s) in certList",
    )
    check(
        "seal made by the declared maker",
        seal.maker_cert == info.maker_cert,
        "maker certificate in the seal " + ("equals" if seal.maker_cert == info.maker_cert
                                            else "differs from") + " info().maker_cert",
    )  # fmt: skip
    seal_report = verify_seal(made.seal_der, at=req.valid_start)
    check(
        "seal verifies",
        seal_report.intact,
        "all checks pass" if seal_report.intact
        else "; ".join(f"{c.name}: {c.detail}" for c in seal_report.failed),
    )  # fmt: skip


async def _check_signing(
    suite: _Suite, tenant: str, run: str, made: MakeSealResult, texts: Sequence[bytes]
) -> bytes:
    """Every known digest signed verifies, standard-encoded; signing the first again with
    its idempotency key returns the same signature. Returns the first TBS (the refusal
    checks send it with keys that must not sign)."""
    first_tbs = b""
    first_sig = b""
    for i, text in enumerate(texts, 1):
        signed = await _check_sign_known_digest(suite, tenant, run, made, i, text)
        if i == 1 and signed is not None:
            first_tbs, first_sig = signed

    replay = SignRequest(tenant, made.key_handle, first_tbs, f"conformance-sign-{run}-1")
    replayed = await suite.call("sign is idempotent", lambda: suite.vendor.sign(replay))
    suite.check(
        "sign is idempotent",
        replayed.signature == first_sig,
        "same idempotency key returned "
        + ("the same signature" if replayed.signature == first_sig else "a NEW signature"),
    )
    return first_tbs


async def _check_sign_known_digest(
    suite: _Suite, tenant: str, run: str, made: MakeSealResult, i: int, text: bytes
) -> tuple[bytes, bytes] | None:
    """Sign the SM3 of `text` and judge the assembled signature with the hub's verifier;
    returns the TBS and the vendor's signature value (None when they do not assemble)."""
    digest = sm3(text)
    tbs = build_tbs_sign_v4(
        seal_der=made.seal_der,
        time=datetime.now(UTC).replace(microsecond=0),
        data_hash=digest,
        property_info=f"conformance-{i}.txt",
    )
    sign_req = SignRequest(tenant, made.key_handle, tbs, f"conformance-sign-{run}-{i}")
    name = f"sign known digest {i}"
    signed = await suite.call(name, lambda: suite.vendor.sign(sign_req))
    try:
        signature = assemble_signature_v4(
            tbs_sign=tbs, signer_cert=signed.signer_cert, signature=signed.signature
        )
        sig_report = verify_signature(signature, document_digest=digest)
    except SealHubError as exc:
        suite.check(name, False, f"cannot assemble or parse the signature: {exc}")
        return None
    standard = not sig_report.variants and not any(c.variants for c in sig_report.children)
    suite.check(
        name,
        sig_report.intact and standard,
        f"SM3 {digest.hex()[:16]}.. verifies"
        if sig_report.intact and standard
        else "; ".join(f"{c.name}: {c.detail}" for c in sig_report.failed)
        + (f" non-standard: {sig_report.variants}" if not standard else ""),
    )
    return tbs, signed.signature


async def _check_refusals(
    suite: _Suite,
    tenant: str,
    other_tenant: str,
    run: str,
    made: MakeSealResult,
    req: MakeSealRequest,
    first_tbs: bytes,
) -> None:
    """What the vendor must refuse, each with VendorRejected."""
    vendor = suite.vendor
    await suite.expect_rejected(
        "unknown key is rejected",
        lambda: vendor.sign(SignRequest(tenant, f"no-such-key-{run}", first_tbs, f"c-u-{run}")),
    )
    await suite.expect_rejected(
        "another tenant's key is rejected",
        lambda: vendor.sign(SignRequest(other_tenant, made.key_handle, first_tbs, f"c-o-{run}")),
    )
    await suite.expect_rejected(
        "invalid seal request is rejected",
        lambda: vendor.make_seal(
            replace(req, seal_type=99, idempotency_key=f"conformance-bad-{run}")
        ),
    )
    await suite.expect_rejected(
        "idempotency key reuse is rejected",
        lambda: vendor.make_seal(replace(req, esid=f"CONF-{run}-other")),
    )


async def _check_revoke(
    suite: _Suite, tenant: str, run: str, made: MakeSealResult, first_tbs: bytes
) -> None:
    """A revoked key is gone: it can sign nothing more."""
    vendor = suite.vendor
    revoked = await suite.call(
        "revoke",
        lambda: vendor.revoke(RevokeRequest(tenant, made.key_handle, "conformance", f"c-r-{run}")),
    )
    suite.check("revoke", revoked.key_handle == made.key_handle, f"revoked at {revoked.revoked_at}")
    await suite.expect_rejected(
        "revoked key cannot sign",
        lambda: vendor.sign(SignRequest(tenant, made.key_handle, first_tbs, f"c-v-{run}")),
    )
