"""One-time codes on every engine: random, hashed at rest, short-lived, single use,
bound to what they confirm, limited per number and per client, wrong ones counted."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hub.errors import Forbidden, TooManyRequests, ValidationFailed
from hub.sms.codes import OtpService, document_binding
from hub.sms.gateway import SimulatedSms
from hub.sms.tables import OtpCode


def _number() -> str:
    return "138" + f"{secrets.randbelow(10**8):08d}"


def _code(sms: SimulatedSms, to: str) -> str:
    last = sms.last_to(to)
    assert last is not None
    found = re.search(r"\b(\d{6})\b", last.text)
    assert found
    return found.group(1)


@pytest.fixture
def otp(db: Any) -> tuple[OtpService, SimulatedSms]:
    sms = SimulatedSms()
    return OtpService(
        sms, secrets.token_bytes(16), ttl_seconds=300, per_number=3, per_client=4
    ), sms


def _wrong(purpose: str) -> float:
    return REGISTRY.get_sample_value("sealhub_otp_wrong_codes_total", {"operation": purpose}) or 0.0


async def test_a_code_is_hashed_single_use_and_bound(otp: Any, engine: str) -> None:
    service, sms = otp
    tenant, to = uuid.uuid4(), _number()
    binding = document_binding("ab" * 32)
    challenge = await service.send(tenant, "intent", to, binding=binding)
    code = _code(sms, to)
    row = await OtpCode.select().where(OtpCode.id == challenge.id).first().run()
    assert code not in str(row) and to not in str(row)  # neither the code nor the number
    # Bound to the document: the right code for another document is wrong.
    before = _wrong("intent")
    with pytest.raises(ValidationFailed):
        await service.verify(
            tenant, "intent", challenge.id, code, binding=document_binding("cd" * 32)
        )
    assert _wrong("intent") == before + 1
    await service.verify(tenant, "intent", challenge.id, code, binding=binding)
    with pytest.raises(Forbidden, match="used already"):
        await service.verify(tenant, "intent", challenge.id, code, binding=binding)


async def test_codes_expire_and_wrong_tries_are_limited(otp: Any, engine: str) -> None:
    service, sms = otp
    tenant, to = uuid.uuid4(), _number()
    challenge = await service.send(tenant, "reset", to)
    code = _code(sms, to)
    for _ in range(service.max_attempts):
        with pytest.raises(ValidationFailed):
            await service.verify(
                tenant, "reset", challenge.id, "000000" if code != "000000" else "111111"
            )
    with pytest.raises(Forbidden, match="too many wrong"):
        await service.verify(tenant, "reset", challenge.id, code)
    late = await service.send(tenant, "reset", to)
    await (
        OtpCode.update({OtpCode.expires_at: datetime.now(UTC) - timedelta(seconds=1)})
        .where(OtpCode.id == late.id)
        .run()
    )
    with pytest.raises(Forbidden, match="expired"):
        await service.verify(tenant, "reset", late.id, _code(sms, to))


async def test_codes_are_limited_per_number_and_per_client(otp: Any, engine: str) -> None:
    service, _ = otp
    tenant, to = uuid.uuid4(), _number()
    for _ in range(3):
        await service.send(tenant, "registration", to)
    with pytest.raises(TooManyRequests):
        await service.send(tenant, "registration", to)
    client = "10.0.0." + str(secrets.randbelow(250))
    for _ in range(4):
        await service.send(tenant, "registration", _number(), client=client)
    with pytest.raises(TooManyRequests):
        await service.send(tenant, "registration", _number(), client=client)


async def test_codes_are_random(otp: Any, engine: str) -> None:
    service, sms = otp
    tenant = uuid.uuid4()
    codes = set()
    for _ in range(3):
        to = _number()
        await service.send(tenant, "registration", to)
        codes.add(_code(sms, to))
    assert len(codes) > 1
