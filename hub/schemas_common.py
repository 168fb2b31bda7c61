"""The constrained types every controller's request schemas use, so a bound is written once.

Each alias carries its maximum into validation (msgspec at the edge, before a service runs)
and into the OpenAPI document (maxLength, pattern, minimum/maximum), so a client and a
fuzzer see the same contract the hub enforces. Violations become 400 problems whose
`field` is a JSON pointer (`/name`, `/fields/0/name`; see hub.problems).

Text that a person reads or that is stored and shown again (names, titles, reasons,
labels) refuses control characters, zero-width characters and bidi overrides: they let
"张三" and "张\u200b三" be two different people on screen, or make a name read backwards
(the Trojan Source trick). Passwords and secrets are bounded but otherwise free.

Lower bounds and finer rules (a name must not be blank, a slug's alphabet) stay in the
services, which answer 422 naming the field; these aliases are the outer bounds (400).

Bounds (documented in the README's "Input limits"):

| alias | what | at most |
|---|---|---|
| Name | a person's, enterprise's, tenant's, vendor's or template's name; a title | 200 chars |
| Label | a short label or display name (may be empty) | 200 chars |
| Reason | a reason, purpose, comment or description (may be empty) | 1,000 chars |
| Key | a machine key (template, step, field, seal code, tenant slug ...) | 64 chars |
| Username | a login name | 64 chars |
| Password | a password or 口令 (any characters) | 256 chars |
| Token | a refresh token or other opaque token | 4,096 chars |
| Hex32 | an SM3 digest in hex | exactly 64 hex digits |
| Url | a URL | 2,048 chars |
| Base64Blob | a base64 file in JSON (photo, certificate, document) | the upload limit |
| Offset | a list's offset | 1,000,000 |
| Limit | a list's page size | 1 to 1,000 |
| LogIndex | an evidence-log index or tree size | 2**53 |
| Millimetres | stamp geometry on a page | finite, 0 to 10,000 mm |
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter
from msgspec import Meta

# C0 and C1 controls, zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, invisible
# operators, BOM) and bidi controls (LRM, RLM, ALM, embeddings/overrides, isolates). The
# characters are in the pattern itself (not regex escapes) so Python's `re`, msgspec and a
# JSON-Schema (ECMA-262) consumer read the same class.
UNSAFE_CHARS = "\x00-\x1f\x7f-\x9f\u200b-\u200f\u2060-\u2064\ufeff\u061c\u202a-\u202e\u2066-\u2069"
# Multi-line text (a template body) may hold newlines and tabs, nothing else from the set.
UNSAFE_CHARS_MULTILINE = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200b-\u200f\u2060-\u2064\ufeff"
    "\u061c\u202a-\u202e\u2066-\u2069"
)
SAFE_TEXT = f"^[^{UNSAFE_CHARS}]*$"
SAFE_MULTILINE_TEXT = f"^[^{UNSAFE_CHARS_MULTILINE}]*$"

MAX_NAME = 200
MAX_REASON = 1000
MAX_KEY = 64
MAX_PASSWORD = 256
MAX_TOKEN = 4096
MAX_URL = 2048
MAX_BODY_TEXT = 100_000
# Base64 of the largest upload (50 MiB by default); the request body limit stops more.
MAX_BASE64 = 70 * 1024 * 1024
MAX_OFFSET = 1_000_000
MAX_LIMIT = 1000
MAX_LOG_INDEX = 2**53  # far beyond any real log; keeps SQL integers and arithmetic safe
MAX_MM = 10_000.0

Name = Annotated[
    str,
    Meta(
        max_length=MAX_NAME,
        pattern=SAFE_TEXT,
        description=f"At most {MAX_NAME} characters, no control, "
        "zero-width or bidi-override characters",
    ),
]
Label = Annotated[
    str, Meta(max_length=MAX_NAME, pattern=SAFE_TEXT, description=f"At most {MAX_NAME} characters")
]
Reason = Annotated[
    str,
    Meta(max_length=MAX_REASON, pattern=SAFE_TEXT, description=f"At most {MAX_REASON} characters"),
]
BodyText = Annotated[
    str,
    Meta(
        max_length=MAX_BODY_TEXT,
        pattern=SAFE_MULTILINE_TEXT,
        description=f"At most {MAX_BODY_TEXT} characters",
    ),
]
Key = Annotated[
    str, Meta(max_length=MAX_KEY, pattern=SAFE_TEXT, description=f"At most {MAX_KEY} characters")
]
Username = Annotated[
    str, Meta(max_length=MAX_KEY, pattern=SAFE_TEXT, description=f"At most {MAX_KEY} characters")
]
Password = Annotated[
    str, Meta(max_length=MAX_PASSWORD, description=f"At most {MAX_PASSWORD} characters")
]
Token = Annotated[str, Meta(max_length=MAX_TOKEN, description=f"At most {MAX_TOKEN} characters")]
Hex32 = Annotated[
    str,
    Meta(
        min_length=64,
        max_length=64,
        pattern="^[0-9a-fA-F]{64}$",
        description="SM3 digest: 64 hex digits",
    ),
]
Url = Annotated[
    str, Meta(max_length=MAX_URL, pattern=SAFE_TEXT, description=f"At most {MAX_URL} characters")
]
Base64Blob = Annotated[str, Meta(max_length=MAX_BASE64, description="Base64 (standard alphabet)")]
# A value typed into a form (a template field value); the field's own max_length is
# checked by the service, this is the outer bound.
FieldValue = Annotated[
    str,
    Meta(max_length=MAX_REASON, pattern=SAFE_TEXT, description=f"At most {MAX_REASON} characters"),
]
# An integer a service checks more narrowly (days, counts, stars): the outer bound keeps
# it inside a 64-bit SQL integer and out of date arithmetic overflow.
Count = Annotated[int, Meta(ge=-(2**31), le=2**31 - 1)]
Page = Annotated[int, Meta(ge=-1, le=100_000, description="Page index from 0; -1 the last")]
Millimetres = Annotated[
    float, Meta(ge=0.0, le=MAX_MM, description="Millimetres on the page (finite, >= 0)")
]

# Query parameters (Litestar's Parameter carries the bound into validation and OpenAPI).
Offset = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="Rows to return")]
LogIndex = Annotated[int, Parameter(ge=0, le=MAX_LOG_INDEX)]
LogIndexOrNone = Annotated[int | None, Parameter(ge=0, le=MAX_LOG_INDEX)]
QueryKey = Annotated[str | None, Parameter(max_length=MAX_KEY)]
