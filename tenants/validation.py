"""Real-name field checks: resident ID (GB 11643), credit code (GB 32100), mobile, region.

Each check raises `ValidationFailed(field=...)` naming the request field, so the client
sees which input is wrong (422).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from hub.errors import ValidationFailed

# GB/T 2260 province-level codes (first two digits of every region code).
PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)

_REGION = re.compile(r"^\d{6}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")

# GB 11643-1999: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 -> "X".
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB 32100-2015: 31 characters (no I, O, Z, S, V), weights 3^i mod 31.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")

# A birth date is a date in China (UTC+8, no daylight saving), not on the server's clock.
_CHINA = timezone(timedelta(hours=8))


def check_region_code(code: str, field: str = "region_code") -> str:
    code = (code or "").strip()
    if not _REGION.match(code):
        raise ValidationFailed("a region code is 6 digits (GB/T 2260)", field=field)
    if code[:2] not in PROVINCES:
        raise ValidationFailed(f"{code[:2]} is not a province code (GB/T 2260)", field=field)
    return code


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: date

    @property
    def masked(self) -> str:
        return mask_resident_id(self.number)


def parse_resident_id(
    value: str, field: str = "id_number", *, today: date | None = None
) -> ResidentId:
    """Validate an 18-digit resident ID: format, region, real date of birth, check digit."""
    number = (value or "").strip().upper()
    if not _RESIDENT_ID.match(number):
        raise ValidationFailed(
            "a resident ID is 17 digits and a check character (0-9 or X)", field=field
        )
    region = number[:6]
    if region[:2] not in PROVINCES:
        raise ValidationFailed(
            "the ID number's region code is not a province (GB/T 2260)", field=field
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationFailed(
            "the ID number's date of birth is not a real date", field=field
        ) from exc
    today = today or datetime.now(_CHINA).date()
    if born > today or born.year < 1900:
        raise ValidationFailed("the ID number's date of birth is out of range", field=field)
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationFailed("the ID number's check digit is wrong (GB 11643)", field=field)
    return ResidentId(number=number, region_code=region, birth_date=born)


def mask_resident_id(number: str) -> str:
    """`150102199003071234` -> `1501**********1234`."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def check_mobile(value: str, field: str = "mobile") -> str:
    mobile = (value or "").strip()
    if not _MOBILE.match(mobile):
        raise ValidationFailed("a mobile number is 11 digits starting 13-19", field=field)
    return mobile


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:]


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def parse_credit_code(value: str, field: str = "credit_code") -> str:
    """Validate an 18-character unified social credit code (GB 32100)."""
    code = (value or "").strip().upper()
    if not _USCC.match(code):
        raise ValidationFailed(
            "a unified social credit code is 18 characters (GB 32100)", field=field
        )
    if code[2:4] not in PROVINCES:
        raise ValidationFailed("the credit code's region code is not a province", field=field)
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationFailed("the credit code's check character is wrong (GB 32100)", field=field)
    return code


def check_name(value: str, field: str = "name", *, max_len: int = 100) -> str:
    name = (value or "").strip()
    if not name or len(name) > max_len:
        raise ValidationFailed(f"must be 1 to {max_len} characters", field=field)
    if any(ord(c) < 32 for c in name):
        raise ValidationFailed("must not contain control characters", field=field)
    return name
