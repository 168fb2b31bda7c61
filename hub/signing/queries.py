"""What other packages ask of signatures without a signing service at hand (ratings, the
regulator's statistics): answered here, so that signing tables are read only by
`hub.signing`. Each answer is one query, as when the callers read the table themselves."""

from __future__ import annotations

import uuid

from piccolo.query.functions.aggregate import Count

from hub.auth.scope import not_found
from hub.signing.records import SignatureDone, SignatureOutcome
from hub.signing.tables import SignatureRecord


async def signature_outcome(
    signature_id: uuid.UUID, tenant_id: uuid.UUID, tenant_slug: str
) -> SignatureOutcome:
    """Who signed, with which vendor, its status and when; NotFound outside the tenant."""
    row = (
        await SignatureRecord.select(
            SignatureRecord.vendor,
            SignatureRecord.account_id,
            SignatureRecord.status,
            SignatureRecord.signed_at,
        )
        .where((SignatureRecord.id == signature_id) & (SignatureRecord.tenant_id == tenant_id))
        .first()
        .run()
    )
    if row is None:
        raise await not_found(SignatureRecord, signature_id, tenant_id, tenant_slug, "signature")
    return SignatureOutcome(**row)


async def done_by_tenant() -> list[SignatureDone]:
    """Completed signatures per tenant and vendor, counted by the database (GROUP BY)."""
    rows = (
        await SignatureRecord.select(
            SignatureRecord.tenant_id, SignatureRecord.vendor, Count(alias="n")
        )
        .where(SignatureRecord.status == "done")
        .group_by(SignatureRecord.tenant_id, SignatureRecord.vendor)
        .run()
    )
    return [SignatureDone(**r) for r in rows]
