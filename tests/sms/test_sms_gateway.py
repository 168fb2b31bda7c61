"""The SmsGateway conformance suite: the simulator and the HTTP client (against the
reference provider running as a real process on 127.0.0.1) pass the same tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from hub.errors import SmsFailed, ValidationFailed
from hub.sms.gateway import DEFAULT_TEMPLATES, HttpSmsGateway, SimulatedSms, SmsGateway

TOKEN = "provider-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.sms.server", "--port", str(port), "--token", TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
        url = line["listening"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/messages", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _Read:
    """Reads back what a gateway delivered: the simulator's list or the provider's."""

    def __init__(self, gateway: SmsGateway, url: str | None) -> None:
        self.gateway, self.url = gateway, url

    async def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.gateway, SimulatedSms):
            return [m.__dict__ for m in self.gateway.messages]
        async with httpx.AsyncClient() as c:
            return list((await c.get(f"{self.url}/messages")).json())


@pytest.fixture(params=["simulated", "http"])
async def gateway(request: pytest.FixtureRequest, provider: str) -> AsyncIterator[_Read]:
    templates = {**DEFAULT_TEMPLATES, "hello": "您好 {name}"}
    if request.param == "simulated":
        yield _Read(SimulatedSms(templates), None)
        return
    async with httpx.AsyncClient(timeout=5) as client:
        yield _Read(
            HttpSmsGateway(client, provider + "/send", token=TOKEN, templates=templates), provider
        )


async def test_a_message_is_delivered_rendered_from_its_template(gateway: _Read) -> None:
    assert isinstance(gateway.gateway, SmsGateway)
    to = "139" + str(time.time_ns())[-8:]
    message_id = await gateway.gateway.send(to, "hello", {"name": "张三"})
    assert message_id
    got = [m for m in await gateway.messages() if m["to"] == to]
    assert len(got) == 1
    assert got[0]["id"] == message_id and got[0]["text"] == "您好 张三"
    assert got[0]["template"] == "hello"


async def test_an_unknown_template_or_parameter_is_refused(gateway: _Read) -> None:
    with pytest.raises(ValidationFailed):
        await gateway.gateway.send("13900000000", "nope", {})
    with pytest.raises(ValidationFailed):
        await gateway.gateway.send("13900000000", "hello", {})


async def test_the_http_gateway_reports_a_refusing_or_absent_provider(provider: str) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        wrong_token = HttpSmsGateway(client, provider + "/send", token="wrong")
        with pytest.raises(SmsFailed, match="401"):
            await wrong_token.send("13900000000", "seal-notice", {"text": "x"})
        gone = HttpSmsGateway(client, f"http://127.0.0.1:{_free_port()}/send")
        with pytest.raises(SmsFailed, match="did not answer"):
            await gone.send("13900000000", "seal-notice", {"text": "x"})
