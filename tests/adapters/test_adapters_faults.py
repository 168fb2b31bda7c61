"""Vendor faults with real vendor processes: kill -9, timeouts, garbage, error rate,
the circuit breaker, two vendors at once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from adapters_test_helpers import seal_request

from adapters.csc import CscVendor
from adapters.errors import (
    CircuitOpen,
    VendorBadAnswer,
    VendorRejected,
    VendorTimeout,
    VendorUnavailable,
)
from adapters.http import CircuitBreaker, CircuitState, HttpVendor
from adapters.protocol import SignRequest
from adapters.testing import VendorProcess
from hub.crypto import Certificate, sm3
from hub.formats import build_tbs_sign_v4

pytestmark = pytest.mark.slow


def tbs_for(seal_der: bytes, text: bytes = b"doc") -> bytes:
    return build_tbs_sign_v4(
        seal_der=seal_der, time=datetime.now(UTC), data_hash=sm3(text), property_info="f"
    )


async def test_kill_9_mid_request_then_restart_keeps_idempotency(tmp_path, http_client):
    proc = VendorProcess("killed", data_dir=tmp_path, latency_ms=1500).start()
    vendor = HttpVendor("killed", proc.url, http_client, timeout=5, retries=2, backoff=0.01)
    req = seal_request(idem="seal-across-crash")
    call = asyncio.create_task(vendor.make_seal(req))
    await asyncio.sleep(0.4)  # the request is inside the vendor, sleeping on its latency
    proc.kill()
    started = time.perf_counter()
    with pytest.raises(VendorUnavailable) as info:
        await call
    assert info.value.vendor == "killed" and info.value.status == 503
    assert time.perf_counter() - started < 2, "a dead vendor must fail fast, not hang"

    # Same data dir, same idempotency key: the retry makes the seal exactly once.
    proc = VendorProcess("killed", data_dir=tmp_path, port=0).start()
    try:
        vendor.base_url = proc.url
        made = await vendor.make_seal(req)
        again = await vendor.make_seal(req)
        assert made == again
        tbs = tbs_for(made.seal_der)
        signed = await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, "s1"))
        assert Certificate.load(signed.signer_cert).public_key.verify(signed.signature, tbs)
    finally:
        proc.stop()


async def test_slow_vendor_times_out_within_the_deadline(http_client):
    with VendorProcess("slow", latency_ms=800) as proc:
        vendor = HttpVendor("slow", proc.url, http_client, timeout=0.15, deadline=0.5, backoff=0.01)
        started = time.perf_counter()
        with pytest.raises(VendorTimeout) as info:
            await vendor.make_seal(seal_request())
        elapsed = time.perf_counter() - started
        assert info.value.vendor == "slow" and info.value.status == 504
        assert 0.15 <= elapsed < 0.9, elapsed  # retried within the deadline, not beyond
        proc.knobs(latency_ms=0)
        assert (await vendor.make_seal(seal_request())).key_handle


async def test_garbage_der_and_bad_signatures_are_bad_answers(http_client):
    with VendorProcess("junk") as proc:
        # A high threshold keeps the breaker out of the way: here we watch the answers.
        lenient = CircuitBreaker("junk", failure_threshold=1000)
        vendor = HttpVendor("junk", proc.url, http_client, breaker=lenient)
        made = await vendor.make_seal(seal_request())
        proc.knobs(garbage_rate=1.0)
        for i in range(12):  # both kinds: random bytes and a flipped bit of s
            with pytest.raises(VendorBadAnswer) as info:
                await vendor.sign(
                    SignRequest("bureau-a", made.key_handle, tbs_for(made.seal_der), f"g{i}")
                )
            assert info.value.vendor == "junk" and info.value.status == 502
        for _ in range(6):  # truncated DER or a broken maker signature
            with pytest.raises(VendorBadAnswer):
                await vendor.make_seal(seal_request())
        csc = CscVendor("junk", proc.url, http_client, breaker=lenient)
        with pytest.raises(VendorBadAnswer):
            await csc.sign(SignRequest("bureau-a", made.key_handle, tbs_for(made.seal_der), "c1"))


async def test_error_rate_is_absorbed_by_retries_until_it_is_total(http_client):
    with VendorProcess("flaky", error_rate=0.3) as proc:
        vendor = HttpVendor("flaky", proc.url, http_client, retries=4, backoff=0.005)
        made = await vendor.make_seal(seal_request())
        tbs = tbs_for(made.seal_der)
        results = await asyncio.gather(
            *(
                vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, f"f{i}"))
                for i in range(20)
            ),
            return_exceptions=True,
        )
        ok = [r for r in results if not isinstance(r, BaseException)]
        assert len(ok) >= 18, results  # a call fails only if 5 tries in a row fail (0.3^5)
        proc.knobs(error_rate=1.0)
        vendor.breaker = CircuitBreaker("flaky", failure_threshold=100)
        with pytest.raises(VendorUnavailable, match="503"):
            await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, "total"))


async def test_circuit_breaker_opens_fails_fast_half_opens_and_closes(http_client):
    changes: list[CircuitState] = []
    with VendorProcess("breaker", latency_ms=50) as proc:
        breaker = CircuitBreaker(
            "breaker",
            failure_threshold=3,
            reset_timeout=0.6,
            on_change=lambda v, s: changes.append(s),
        )
        vendor = HttpVendor("breaker", proc.url, http_client, retries=0, breaker=breaker)
        made = await vendor.make_seal(seal_request())
        tbs = tbs_for(made.seal_der)
        proc.knobs(error_rate=1.0)
        for i in range(3):
            with pytest.raises(VendorUnavailable):
                await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, f"b{i}"))
        assert breaker.state is CircuitState.OPEN

        started = time.perf_counter()
        with pytest.raises(CircuitOpen) as info:
            await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, "fast"))
        assert time.perf_counter() - started < 0.02, "open circuit must not call the vendor"
        assert info.value.vendor == "breaker" and isinstance(info.value, VendorUnavailable)

        await asyncio.sleep(0.65)  # half-open: one probe goes through; it fails -> open again
        with pytest.raises(VendorUnavailable) as probe:
            await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, "p1"))
        assert not isinstance(probe.value, CircuitOpen)
        assert breaker.state is CircuitState.OPEN

        proc.knobs(error_rate=0.0)
        await asyncio.sleep(0.65)
        # Concurrent callers during the probe fail fast; the probe closes the circuit.
        results = await asyncio.gather(
            *(
                vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, f"h{i}"))
                for i in range(4)
            ),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, BaseException) for r in results) == 1
        assert sum(isinstance(r, CircuitOpen) for r in results) == 3
        assert breaker.state is CircuitState.CLOSED
        await vendor.sign(SignRequest("bureau-a", made.key_handle, tbs, "after"))
    assert changes == [
        CircuitState.CLOSED,  # published at creation
        CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.OPEN,
        CircuitState.HALF_OPEN, CircuitState.CLOSED,
    ]  # fmt: skip


async def test_rejections_do_not_trip_the_breaker(vendor_process, http_client):
    breaker = CircuitBreaker("ref-vendor", failure_threshold=2)
    vendor = HttpVendor("ref-vendor", vendor_process.url, http_client, breaker=breaker)
    for i in range(5):
        with pytest.raises(VendorRejected):
            await vendor.sign(SignRequest("bureau-a", "k-unknown", b"tbs", f"r{i}"))
    assert breaker.state is CircuitState.CLOSED


async def test_two_vendor_processes_serve_at_once_and_fail_independently(http_client):
    with VendorProcess("alpha") as alpha, VendorProcess("beta", latency_ms=20) as beta:
        assert alpha.pid != beta.pid
        va = HttpVendor("alpha", alpha.url, http_client, retries=0,
                        breaker=CircuitBreaker("alpha", failure_threshold=2))  # fmt: skip
        vb = HttpVendor("beta", beta.url, http_client, retries=0,
                        breaker=CircuitBreaker("beta", failure_threshold=2))  # fmt: skip
        sa, sb = await asyncio.gather(va.make_seal(seal_request()), vb.make_seal(seal_request()))
        assert (await va.info()).maker_cert != (await vb.info()).maker_cert
        alpha.kill()
        for i in range(2):
            with pytest.raises(VendorUnavailable):
                await va.sign(SignRequest("bureau-a", sa.key_handle, tbs_for(sa.seal_der), f"a{i}"))
        assert va.breaker.state is CircuitState.OPEN
        tbs = tbs_for(sb.seal_der)
        signed = await vb.sign(SignRequest("bureau-a", sb.key_handle, tbs, "b1"))
        assert Certificate.load(signed.signer_cert).public_key.verify(signed.signature, tbs)
        assert vb.breaker.state is CircuitState.CLOSED
        assert not (await va.health()).up and (await vb.health()).up
