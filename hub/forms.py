"""Reading fields of a multipart form (uploads), with problem details naming the field."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.datastructures import UploadFile

from hub.errors import ValidationFailed


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


def form_number(form: dict[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    raw = form.get(name)
    if raw in (None, ""):
        return None
    try:
        return kind(str(raw))
    except ValueError:
        raise ValidationFailed(f"{name} must be a number", field=name) from None
