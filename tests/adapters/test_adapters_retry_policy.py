"""Retry policy of the http and csc adapters, counted at the transport (httpx.MockTransport)."""

from __future__ import annotations

import base64

import httpx
import pytest
from adapters_test_helpers import seal_request

from adapters.csc import CscVendor
from adapters.errors import VendorBadAnswer, VendorMisconfigured, VendorRejected, VendorUnavailable
from adapters.http import CircuitBreaker, CircuitState, HttpVendor
from adapters.local import LocalVendor
from adapters.protocol import SignRequest
from adapters.reference import MemoryKeyStore


def transport(answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0) if answers else httpx.Response(503, json={"detail": "down"})

    return httpx.MockTransport(handle)


def vendor(seen, answers, cls=HttpVendor, **kw):
    client = httpx.AsyncClient(transport=transport(answers, seen))
    return cls("mock", "http://vendor.test", client, **kw)


async def test_idempotent_post_is_retried_with_the_same_idempotency_key():
    seen: list[httpx.Request] = []
    v = vendor(seen, [httpx.Response(503), httpx.Response(502)], retries=2, backoff=0.001)
    with pytest.raises(VendorUnavailable):
        await v.make_seal(seal_request(idem="idem-1"))
    assert len(seen) == 3
    assert {r.headers["Idempotency-Key"] for r in seen} == {"idem-1"}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, VendorRejected),
        (404, VendorRejected),
        (422, VendorRejected),
        (401, VendorMisconfigured),
    ],
)
async def test_refusals_are_not_retried(status, error):
    seen: list[httpx.Request] = []
    v = vendor(seen, [httpx.Response(status, json={"detail": "no"})], retries=3)
    with pytest.raises(error):
        await v.sign(SignRequest("t", "k", b"tbs", "i"))
    assert len(seen) == 1


async def test_bad_answers_are_not_retried():
    seen: list[httpx.Request] = []
    v = vendor(seen, [httpx.Response(200, content=b"<html>")], retries=3)
    with pytest.raises(VendorBadAnswer):
        await v.sign(SignRequest("t", "k", b"tbs", "i"))
    assert len(seen) == 1


async def test_csc_authorize_and_sign_hash_are_never_retried():
    seen: list[httpx.Request] = []

    local = LocalVendor("l", MemoryKeyStore(), b"m" * 16)
    made = await local.make_seal(seal_request(tenant="t"))
    cert = base64.b64encode(made.signer_cert).decode()
    answers = [
        httpx.Response(200, json={"credentialIDs": [made.key_handle]}),
        httpx.Response(200, json={"key": {"status": "enabled"}, "cert": {"certificates": [cert]}}),
        httpx.Response(503, json={"error": "temporarily_unavailable"}),
    ]
    v = vendor(seen, answers, cls=CscVendor, retries=3)
    with pytest.raises(VendorUnavailable):
        await v.sign(SignRequest("t", made.key_handle, b"tbs", "i"))
    assert [r.url.path for r in seen] == [
        "/csc/v2/credentials/list",
        "/csc/v2/credentials/info",
        "/csc/v2/credentials/authorize",
    ]


def test_breaker_state_machine_with_a_fake_clock():
    now = [0.0]
    b = CircuitBreaker("v", failure_threshold=2, reset_timeout=5, clock=lambda: now[0])
    b.record_failure()
    assert b.state is CircuitState.CLOSED
    b.record_success()  # success resets the count: failures must be consecutive
    b.record_failure()
    assert b.state is CircuitState.CLOSED
    b.record_failure()
    assert b.state is CircuitState.OPEN
    now[0] = 4.9
    with pytest.raises(VendorUnavailable):
        b._admit()
    now[0] = 5.0
    assert b._admit() is True and b.state is CircuitState.HALF_OPEN
