"""Reading fields of a multipart form (uploads), with problem details naming the field."""

from __future__ import annotations

import math
import uuid
from typing import Any

from litestar.datastructures import UploadFile

from hub.errors import ValidationFailed
from hub.schemas_common import MAX_MM, MAX_PASSWORD


def form_file(form: dict[str, Any], name: str = "file") -> UploadFile:
    upload = form.get(name)
    if not isinstance(upload, UploadFile):
        raise ValidationFailed(f"upload the document as the multipart field '{name}'", field=name)
    return upload


def form_uuid(form: dict[str, Any], name: str, *, required: bool) -> uuid.UUID | None:
    raw = form.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationFailed(f"{name} is required", field=name)
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationFailed(f"{name} must be a UUID", field=name) from None


def form_number(
    form: dict[str, Any],
    name: str,
    kind: type[int] | type[float],
    *,
    low: float = -1,
    high: float = MAX_MM,
) -> Any:
    """A finite number in [low, high] (stamp geometry: never NaN, infinite or negative;
    a page may be -1, the last one)."""
    raw = form.get(name)
    if raw in (None, ""):
        return None
    text = str(raw)
    if len(text) > 32:
        raise ValidationFailed(f"{name} must be a number", field=name)
    try:
        value = kind(text)
    except ValueError:
        raise ValidationFailed(f"{name} must be a number", field=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationFailed(
            f"{name} must be a finite number from {low:g} to {high:g}", field=name
        )
    return value


def form_text(form: dict[str, Any], name: str, *, max_length: int = MAX_PASSWORD) -> str:
    """A text field of a multipart form, bounded like its JSON twin (a password: 256)."""
    raw = form.get(name)
    text = "" if raw is None else str(raw)
    if len(text) > max_length:
        raise ValidationFailed(f"{name} is at most {max_length} characters", field=name)
    return text
