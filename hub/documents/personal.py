"""Personal data in application-center documents, sealed at rest like identity data.

A filled template's values may hold a resident ID number or a mobile number (fields of
kind `id_number` / `phone`), and the rendered document prints them. At rest:

* `values_json` is an envelope: the values with those fields masked (`1101**********002X`,
  `138****8000`) for everyone but the person who filled the document, and the full values
  sealed (SM4-GCM under the tenant's data key, bound to the instance id);
* the document bytes are sealed the same way (`SHE1` + the sealed blob).

A database dump alone shows neither. Rows written before this (plain JSON values, clear
document bytes) still read.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping

from hub.crypto import keystore
from hub.documents.templates import DocumentTemplate, FieldKind
from tenants.validation import mask_mobile, mask_resident_id

_SEALED_DOCUMENT = b"SHE1"
_MASKS = {FieldKind.ID_NUMBER: mask_resident_id, FieldKind.PHONE: mask_mobile}


def masked_values(template: DocumentTemplate, values: Mapping[str, str]) -> dict[str, str]:
    kinds = {f.name: f.kind for f in template.fields}
    out = {}
    for name, value in values.items():
        mask = _MASKS.get(kinds.get(name))  # type: ignore[arg-type]
        out[name] = mask(value) if mask and value else value
    return out


def seal_values(
    data_key: bytes,
    tenant_id: uuid.UUID,
    instance_id: uuid.UUID,
    template: DocumentTemplate,
    values: Mapping[str, str],
) -> str:
    sealed = keystore.seal_secret(
        data_key,
        str(tenant_id),
        json.dumps(dict(values), ensure_ascii=False).encode(),
        context=f"document-values:{instance_id}",
    )
    return json.dumps(
        {"masked": masked_values(template, values), "sealed": base64.b64encode(sealed).decode()},
        ensure_ascii=False,
    )


def stored_values(values_json: str) -> tuple[dict[str, str], bytes | None]:
    """(masked values, sealed full values or None for a row from before sealing)."""
    stored = json.loads(values_json)
    if isinstance(stored, dict) and set(stored) == {"masked", "sealed"}:
        return dict(stored["masked"]), base64.b64decode(stored["sealed"])
    return dict(stored), None


def open_values(
    data_key: bytes, tenant_id: uuid.UUID, instance_id: uuid.UUID, values_json: str
) -> dict[str, str]:
    masked, sealed = stored_values(values_json)
    if sealed is None:
        return masked
    raw = keystore.open_secret(
        data_key, str(tenant_id), sealed, context=f"document-values:{instance_id}"
    )
    return dict(json.loads(raw))


def seal_document(
    data_key: bytes, tenant_id: uuid.UUID, instance_id: uuid.UUID, document: bytes
) -> bytes:
    return _SEALED_DOCUMENT + keystore.seal_secret(
        data_key, str(tenant_id), document, context=f"document:{instance_id}"
    )


def open_document(
    data_key: bytes, tenant_id: uuid.UUID, instance_id: uuid.UUID, stored: bytes
) -> bytes:
    if not stored.startswith(_SEALED_DOCUMENT):
        return stored  # written before documents were sealed
    return keystore.open_secret(
        data_key, str(tenant_id), stored[len(_SEALED_DOCUMENT) :], context=f"document:{instance_id}"
    )
