"""Tenant scope helpers: one way to answer "not yours" that is indistinguishable from
"does not exist", and still counted.
"""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.table import Table

from hub.errors import NotFound
from monitoring.metrics import cross_tenant_denied


async def not_found(
    table: type[Table], row_id: Any, tenant_id: uuid.UUID, tenant_slug: str, what: str
) -> NotFound:
    """The NotFound to raise when `row_id` is not in the caller's tenant.

    If the row exists in another tenant the attempt is counted
    (`sealhub_cross_tenant_denied_total`), but the answer is the same 404 either way.
    Usage: `raise await not_found(Seal, seal_id, p.tenant_id, p.tenant_slug, "seal")`.
    """
    try:
        exists_elsewhere = (
            await table.exists()
            .where(
                (table._meta.primary_key == row_id) & (table.tenant_id != tenant_id)  # type: ignore[attr-defined]
            )
            .run()
        )
    except Exception:  # noqa: BLE001 (a malformed id must still be a plain 404)
        exists_elsewhere = False
    if exists_elsewhere:
        cross_tenant_denied(tenant_slug)
    return NotFound(f"{what} not found")
