"""One-time codes: only their HMAC is stored (see hub/sms/codes.py)."""

from __future__ import annotations

from piccolo.columns import UUID, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OtpCode(Table, tablename="otp_code"):
    id = UUID(primary_key=True)  # the challenge id
    tenant_id = UUID(index=True)
    purpose = Varchar(length=16)
    subject = Varchar(length=64, default="")  # whose code (account id), if anyone's
    number_tag = Varchar(length=64, index=True)  # HMAC of the mobile number: rate limits
    client = Varchar(length=64, default="", index=True)  # the asking client's address
    code_hash = Varchar(length=64, secret=True)
    attempts = Integer(default=0)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
