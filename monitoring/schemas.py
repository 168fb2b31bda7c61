"""Request and response schemas of the monitoring API."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from hub.schemas_common import Count, Key, Reason


class RateIn(msgspec.Struct, forbid_unknown_fields=True):
    operation: Key  # "seal" | "signature"
    operation_id: uuid.UUID
    stars: Count
    comment: Reason = ""


class RatingOut(msgspec.Struct):
    id: uuid.UUID
    operation: str
    operation_id: uuid.UUID
    vendor: str
    stars: int
    comment: str
    created_at: datetime
