"""One-time codes sent by SMS (短信验证码): proving a mobile number, confirming intent to
sign (意愿认证, bound to the document digest), resetting a forgotten password.

* random: 6 digits from `secrets`;
* stored hashed: HMAC-SM3 under a key derived from the hub master key, over (challenge,
  code, binding), so a database dump gives neither the code nor a cheap guess table, and
  a code for one document does not confirm another;
* short-lived (`ttl_seconds`), single use (a conditional update marks it used), at most
  `max_attempts` wrong tries per challenge;
* limited per number and per client (`per_number` / `per_client` codes per hour), counted
  in the database so every replica sees the same counts;
* wrong codes are counted in metrics (sealhub_otp_wrong_codes_total{purpose}).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.crypto import sm3
from hub.errors import Forbidden, TooManyRequests, ValidationFailed
from hub.sms.gateway import SmsGateway
from hub.sms.tables import OtpCode
from monitoring import metrics

PURPOSES: Mapping[str, str] = {
    "registration": "验证手机号",
    "intent": "确认签署文件",
    "reset": "重置口令",
}


@dataclass(frozen=True)
class Challenge:
    id: uuid.UUID
    expires_at: datetime
    mobile_masked: str


class OtpService:
    def __init__(
        self,
        gateway: SmsGateway,
        master_key: bytes,
        *,
        ttl_seconds: int = 300,
        max_attempts: int = 5,
        per_number: int = 5,
        per_client: int = 20,
    ) -> None:
        self.gateway = gateway
        self._key = hmac.new(master_key or b"\0" * 16, b"sealhub otp v1", "sm3").digest()
        self.ttl = ttl_seconds
        self.max_attempts = max_attempts
        self.per_number = per_number
        self.per_client = per_client

    def _hash(self, challenge: uuid.UUID, code: str, binding: str) -> str:
        msg = b"|".join([challenge.bytes, code.encode(), binding.encode()])
        return hmac.new(self._key, msg, "sm3").hexdigest()

    def _number_tag(self, mobile: str) -> str:
        return hmac.new(self._key, b"number|" + mobile.encode(), "sm3").hexdigest()

    async def send(
        self,
        tenant_id: uuid.UUID,
        purpose: str,
        mobile: str,
        *,
        binding: str = "",
        client: str = "",
        subject: str = "",
    ) -> Challenge:
        """Send a fresh code to `mobile` for `purpose`, bound to `binding` (a document
        digest for intent, the seal for a reset); returns the challenge to answer."""
        if purpose not in PURPOSES:
            raise ValidationFailed(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose")
        now = datetime.now(UTC)
        hour = now - timedelta(hours=1)
        number = self._number_tag(mobile)
        sent_to_number = (
            await OtpCode.count()
            .where((OtpCode.number_tag == number) & (OtpCode.created_at > hour))
            .run()
        )
        if sent_to_number >= self.per_number:
            raise TooManyRequests(
                "too many codes sent to this number; try again later", retry_after=3600
            )
        if client:
            sent_to_client = (
                await OtpCode.count()
                .where((OtpCode.client == client[:64]) & (OtpCode.created_at > hour))
                .run()
            )
            if sent_to_client >= self.per_client:
                raise TooManyRequests("too many codes asked for from this client", retry_after=3600)
        challenge = uuid.uuid4()
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires = now + timedelta(seconds=self.ttl)
        await OtpCode.insert(
            OtpCode(
                id=challenge,
                tenant_id=tenant_id,
                purpose=purpose,
                subject=subject[:64],
                number_tag=number,
                client=client[:64],
                code_hash=self._hash(challenge, code, binding),
                expires_at=expires,
                created_at=now,
            )
        ).run()
        await self.gateway.send(
            mobile,
            "otp",
            {"code": code, "minutes": str(self.ttl // 60), "purpose": PURPOSES[purpose]},
        )
        return Challenge(challenge, expires, mobile[:3] + "****" + mobile[-4:])

    async def verify(
        self,
        tenant_id: uuid.UUID,
        purpose: str,
        challenge: uuid.UUID,
        code: str,
        *,
        binding: str = "",
        subject: str = "",
    ) -> None:
        """Raise unless `code` answers `challenge` (same purpose, binding, subject), in
        time, for the first time."""
        row = (
            await OtpCode.select()
            .where(
                (OtpCode.tenant_id == tenant_id)
                & (OtpCode.id == challenge)
                & (OtpCode.purpose == purpose)
            )
            .first()
            .run()
        )
        if row is None or (subject and row["subject"] != subject[:64]):
            raise ValidationFailed("unknown code challenge", field="challenge_id")
        if row["used_at"] is not None:
            raise Forbidden("this code was used already: ask for a new one")
        if row["expires_at"] < datetime.now(UTC):
            raise Forbidden("the code has expired: ask for a new one")
        if row["attempts"] >= self.max_attempts:
            raise Forbidden("too many wrong codes: ask for a new one")
        expected = self._hash(challenge, code.strip(), binding)
        if not hmac.compare_digest(expected, row["code_hash"]):
            await (
                OtpCode.update({OtpCode.attempts: OtpCode.attempts + 1})
                .where(OtpCode.id == challenge)
                .run()
            )
            metrics.otp_wrong(purpose)
            raise ValidationFailed("wrong code", field="code")
        used = (
            await OtpCode.update({OtpCode.used_at: datetime.now(UTC)})
            .where((OtpCode.id == challenge) & OtpCode.used_at.is_null())
            .returning(OtpCode.id)
            .run()
        )
        if not used:  # a concurrent answer on another replica won
            raise Forbidden("this code was used already: ask for a new one")


def document_binding(document_sm3_hex: str) -> str:
    """What an intent code is bound to: the document's SM3 digest."""
    return "doc:" + document_sm3_hex.lower()


def seal_binding(seal_id: uuid.UUID) -> str:
    return "seal:" + sm3(seal_id.bytes).hex()[:32]
