"""One suite every `TimeStampAuthority` passes: the in-hub TSA, and the external-TSA client
talking to a second real hub process on 127.0.0.1 (with a dead URL and a URL that answers
junk before it, so failover is exercised on every call)."""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from asn1crypto import cms

from hub.errors import VendorError
from hub.tsa.authority import HubTimeStampAuthority, TimeStampAuthority, create_hub_keys
from hub.tsa.client import ExternalTimeStampAuthority
from hub.tsa.verify import check_timestamp_token

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hub_process(tmp_path_factory) -> Iterator[str]:
    """`sealhub serve` on SQLite in a scratch directory: the remote TSA."""
    root = tmp_path_factory.mktemp("tsa-hub")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{root / 'hub.db'}",
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_DATA_DIR": str(root),
        "SEALHUB_METRICS": "0",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    errors = (root / "hub.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (root / "hub.log").read_text()
            time.sleep(0.05)
        else:
            pytest.fail("the hub process did not start: " + (root / "hub.log").read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(params=["hub", "external"])
async def authority(request, hub_process) -> AsyncIterator[TimeStampAuthority]:
    if request.param == "hub":
        yield HubTimeStampAuthority(create_hub_keys())
        return
    dead = f"http://127.0.0.1:{_free_port()}/tsa"  # nothing listens there
    junk = hub_process + "/health/live"  # answers, but not a TimeStampResp
    async with httpx.AsyncClient() as client:
        yield ExternalTimeStampAuthority([dead, junk, hub_process + "/tsa"], client, timeout=2)


def _nonce(token: bytes) -> int | None:
    return (
        cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"]
        .parsed["nonce"]
        .native
    )


async def test_is_a_time_stamp_authority(authority):
    assert isinstance(authority, TimeStampAuthority)
    assert authority.name in ("hub", "external")


async def test_token_checks_out_over_the_message(authority):
    message = secrets.token_bytes(72)  # like a DER SM2 signature value
    token = await authority.timestamp(message)
    check = check_timestamp_token(token, message)
    assert check.problems == []
    assert check.tsa_cert is not None
    assert abs((datetime.now(UTC) - check.gen_time).total_seconds()) < 60
    assert check_timestamp_token(token, message + b"x").problems


async def test_nonce_is_echoed_and_serials_are_unique(authority):
    tokens = [await authority.timestamp(b"m", nonce=1000 + i) for i in range(3)]
    assert [_nonce(t) for t in tokens] == [1000, 1001, 1002]
    serials = {check_timestamp_token(t, b"m").serial for t in tokens}
    assert len(serials) == 3


async def test_no_reachable_tsa_is_a_vendor_error_not_a_crash():
    async with httpx.AsyncClient() as client:
        nowhere = ExternalTimeStampAuthority(
            [f"http://127.0.0.1:{_free_port()}/tsa"], client, timeout=1
        )
        with pytest.raises(VendorError) as caught:
            await nowhere.timestamp(b"m")
    assert caught.value.vendor == "tsa"
