"""Documents' tables: signed documents, application-center templates and their filled
instances, and each instance's signings. Every row carries `tenant_id`."""

from __future__ import annotations

from piccolo.columns import UUID, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class SignedDocument(Table, tablename="signed_document"):
    """The output of one document signing, keyed by its signature record id, so a retry
    with the same Idempotency-Key returns these exact bytes."""

    id = UUID(primary_key=True)  # = SignatureRecord.id
    tenant_id = UUID(index=True)
    account_id = UUID()
    seal_id = UUID()
    kind = Varchar(length=8)  # ofd | pdf
    subject_sm3 = Varchar(length=64)  # SM3 of the document submitted for signing
    document_sm3 = Varchar(length=64)  # SM3 of the signed output
    property_info = Varchar(length=255)  # Signature.xml path / pdf:<field>
    filename = Varchar(length=255, default="")
    data = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class DocumentTemplateRow(Table, tablename="document_template"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    key = Varchar(length=64)  # unique per tenant (raw index in the migration)
    title = Varchar(length=200)
    body = Text()
    fields_json = Text()  # [TemplateField as dict]
    signers_json = Text()  # [SignerStep as dict]
    output = Varchar(length=8, default="ofd")
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class DocumentInstance(Table, tablename="document_instance"):
    """A filled template travelling through its signers; `data` is the current document."""

    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    template_id = UUID()
    template_key = Varchar(length=64)
    title = Varchar(length=200)
    kind = Varchar(length=8)  # ofd | pdf
    values_json = Text()
    parties_json = Text()  # {step key: account id}
    data = Bytea()
    document_sm3 = Varchar(length=64)
    status = Varchar(length=16, default="signing")  # signing | completed
    version = Integer(default=0)  # optimistic lock: one signature per version
    created_by = UUID()
    created_at = Timestamptz(default=TimestamptzNow())
    completed_at = Timestamptz(null=True, default=None)


class InstanceSigning(Table, tablename="document_instance_signing"):
    id = UUID(primary_key=True)
    tenant_id = UUID(index=True)
    instance_id = UUID(index=True)
    step_key = Varchar(length=64)
    account_id = UUID()
    seal_id = UUID()
    signature_id = UUID()  # SignatureRecord.id
    idempotency_key = Varchar(length=128)
    use_request_id = UUID(null=True, default=None)
    signed_at = Timestamptz(default=TimestamptzNow())
