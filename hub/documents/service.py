"""Document signing and the application center (应用中心) over the hub's signing service.

Every signature placed in a document goes through `SigningService.sign` (password,
lockout, use approval, idempotency, vendor verification, evidence) via a `SignDigest`
adapter: the document code computes the dataHash (SM3 of Signature.xml / of the PDF
ByteRange), the signing service signs it with `subject_sm3` = SM3 of the submitted
document, which is what approvals name and retries are recognised by.

Because the dataHash changes on every attempt (it covers the signing time), a retry
cannot rebuild the document: when the signing service answers "replayed", the adapter
stops the build and the stored output of the first attempt (keyed by the signature
record id) is returned instead.

Every method takes the caller's scope first; every query filters on its tenant, so
another tenant's ids are simply not found.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.protocol import SEAL_TYPES
from hub.crypto import sm3
from hub.db import Database
from hub.documents import personal
from hub.documents.ofd_sign import Placement, RidingSeal, StampPosition, sign_ofd
from hub.documents.pdf_sign import PdfStamp, sign_pdf
from hub.documents.records import (
    DocumentFile,
    InstanceSummary,
    InstanceView,
    SignedDocumentRecord,
    StepView,
    TemplateView,
)
from hub.documents.signer import SignDigest
from hub.documents.tables import (
    DocumentInstance,
    DocumentTemplateRow,
    InstanceSigning,
    SignedDocument,
)
from hub.documents.templates import (
    BUILTIN_TEMPLATES,
    DocumentTemplate,
    FieldKind,
    SignerStep,
    SigningPlan,
    TemplateField,
    fill,
    page_count,
    render,
    sign_step,
)
from hub.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hub.ports import Scope, is_staff
from hub.seals.records import SealRecord
from hub.seals.services import SealService
from hub.settings import LimitsSettings
from hub.signing.services import SignCommand, SigningService, SignOutcome
from tenants.keys import TenantKeyring
from tenants.policy.stats import register_counter
from tenants.queries import accounts_of_tenant

MEDIA_TYPES = {"ofd": "application/ofd", "pdf": "application/pdf"}


def document_kind(data: bytes) -> str:
    """ "ofd" (a ZIP package) or "pdf" (a %PDF- header); anything else is refused."""
    if data[:4] == b"PK\x03\x04":
        return "ofd"
    # ISO 32000 allows junk before the header; readers look in the first 1024 bytes.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    raise ValidationFailed("the file is neither an OFD (ZIP) nor a PDF", field="file")


class _Replayed(Exception):
    """The signing service recognised the Idempotency-Key: the work was done before."""

    def __init__(self, outcome: SignOutcome) -> None:
        super().__init__(str(outcome.record_id))
        self.outcome = outcome


@dataclass
class _Signing:
    """What one document signing asks of the signing service."""

    seal_id: uuid.UUID
    password: str
    idempotency_key: str
    subject_sm3: bytes
    use_request_id: uuid.UUID | None = None
    outcome: SignOutcome | None = None


def hub_sign_digest(signing: SigningService, scope: Scope, job: _Signing) -> SignDigest:
    """A `SignDigest` that signs through the hub's signing service (all its rules)."""

    async def sign_digest(data_hash: bytes, property_info: str) -> bytes:
        outcome = await signing.sign(
            scope,
            SignCommand(
                seal_id=job.seal_id,
                password=job.password,
                document_sm3=data_hash,
                idempotency_key=job.idempotency_key,
                property_info=property_info,
                use_request_id=job.use_request_id,
                subject_sm3=job.subject_sm3,
            ),
        )
        if outcome.replayed:
            raise _Replayed(outcome)
        job.outcome = outcome
        return outcome.signature_der

    return sign_digest


@dataclass(frozen=True)
class SignDocumentRequest:
    data: bytes
    filename: str
    seal_id: uuid.UUID
    password: str
    idempotency_key: str
    page: int | None = None
    x_mm: float | None = None
    y_mm: float | None = None
    riding: bool = False
    width_mm: float | None = None
    height_mm: float | None = None
    use_request_id: uuid.UUID | None = None


# A signed document's columns but its file (SignedDocumentRecord's fields).
_SIGNED_COLUMNS = (
    SignedDocument.id,
    SignedDocument.account_id,
    SignedDocument.seal_id,
    SignedDocument.kind,
    SignedDocument.subject_sm3,
    SignedDocument.document_sm3,
    SignedDocument.property_info,
    SignedDocument.filename,
    SignedDocument.created_at,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _is_unique_violation(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "unique" in text or "duplicate key" in text


async def documents_completed(tenant_id: uuid.UUID) -> int:
    return int(
        await DocumentInstance.count().where(
            (DocumentInstance.tenant_id == tenant_id) & (DocumentInstance.status == "completed")
        )
    )


def register_counters() -> None:
    register_counter("documents_completed", documents_completed)


class DocumentService:
    def __init__(
        self,
        db: Database,
        seals: SealService,
        signing: SigningService,
        limits: LimitsSettings,
        keyring: TenantKeyring,
    ) -> None:
        self.db = db
        self.keyring = keyring  # seals the documents' personal data (hub.documents.personal)
        self.seals = seals
        self.signing = signing
        self.limits = limits
        # One signing at a time per instance in this process; the version column catches
        # a racing replica.
        self._locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    # --- signing an uploaded document ---------------------------------------------------

    async def sign_document(self, scope: Scope, req: SignDocumentRequest) -> SignedDocumentRecord:
        kind = document_kind(req.data)
        seal_der = await self._own_seal(scope, req.seal_id)
        job = _Signing(
            req.seal_id, req.password, req.idempotency_key, sm3(req.data), req.use_request_id
        )
        sign_digest = hub_sign_digest(self.signing, scope, job)
        try:
            if kind == "ofd":
                ofd = await sign_ofd(
                    req.data,
                    seal_der=seal_der,
                    sign_digest=sign_digest,
                    placements=[self._ofd_placement(req)],
                    max_uncompressed=self.limits.ofd_max_uncompressed_bytes,
                    max_entries=self.limits.ofd_max_entries,
                )
                out, property_info = ofd.data, ofd.sign_path
            else:
                if req.riding:
                    raise ValidationFailed(
                        "a riding seal (骑缝章) is for OFD documents", field="riding"
                    )
                page, x, y = self._position(req)
                pdf = await sign_pdf(
                    req.data,
                    seal_der=seal_der,
                    sign_digest=sign_digest,
                    stamp=PdfStamp(page, x, y, req.width_mm, req.height_mm),
                )
                out, property_info = pdf.data, f"pdf:{pdf.field_name}"
        except _Replayed as replay:
            return await self._stored(scope, replay.outcome.record_id, replayed=True)
        assert job.outcome is not None
        await SignedDocument(
            id=job.outcome.record_id,
            tenant_id=scope.tenant_id,
            account_id=scope.account_id,
            seal_id=req.seal_id,
            kind=kind,
            subject_sm3=job.subject_sm3.hex(),
            document_sm3=sm3(out).hex(),
            property_info=property_info[:255],
            filename=_signed_name(req.filename, kind),
            data=out,
        ).save()
        return await self._stored(scope, job.outcome.record_id, replayed=False)

    async def _stored(
        self, scope: Scope, doc_id: uuid.UUID, *, replayed: bool
    ) -> SignedDocumentRecord:
        row = await self._signed_row(scope, doc_id, with_data=False)
        if row is None:
            # The signature was made but its document was not stored (a crash between the
            # two): the key cannot produce the same document again.
            raise Conflict(
                "this Idempotency-Key signed before but its document was not kept; use a new key"
            )
        return msgspec.structs.replace(row, replayed=replayed)

    async def _signed_row(
        self, scope: Scope, doc_id: uuid.UUID, *, with_data: bool
    ) -> SignedDocumentRecord | None:
        cols = list(_SIGNED_COLUMNS)
        if with_data:
            cols.append(SignedDocument.data)
        row = (
            await SignedDocument.select(*cols)
            .where((SignedDocument.tenant_id == scope.tenant_id) & (SignedDocument.id == doc_id))
            .first()
        )
        if row is None or not (row["account_id"] == scope.account_id or is_staff(scope)):
            return None
        return SignedDocumentRecord(**row)

    async def my_signed_documents(
        self, scope: Scope, *, limit: int = 200
    ) -> list[SignedDocumentRecord]:
        """The caller's own signed documents, newest first (without their files)."""
        rows = (
            await SignedDocument.select(*_SIGNED_COLUMNS)
            .where(
                (SignedDocument.tenant_id == scope.tenant_id)
                & (SignedDocument.account_id == scope.account_id)
            )
            .order_by(SignedDocument.created_at, ascending=False)
            .limit(limit)
        )
        return [SignedDocumentRecord(**row) for row in rows]

    async def signed_document(self, scope: Scope, doc_id: uuid.UUID) -> SignedDocumentRecord:
        row = await self._signed_row(scope, doc_id, with_data=True)
        if row is None:
            raise NotFound("document not found")
        return row

    async def _own_seal(self, scope: Scope, seal_id: uuid.UUID) -> bytes:
        seal = await self.seals.get(scope, seal_id)
        if seal.owner_account_id != scope.account_id:
            raise NotFound("seal not found")
        if seal.seal_der is None:
            raise Conflict(f"the seal is {seal.status}; it has not been made yet")
        return seal.seal_der

    @staticmethod
    def _position(req: SignDocumentRequest) -> tuple[int, float, float]:
        for name in ("page", "x_mm", "y_mm"):
            if getattr(req, name) is None:
                raise ValidationFailed(f"give {name} (or riding=true for an OFD)", field=name)
        assert req.page is not None and req.x_mm is not None and req.y_mm is not None
        return req.page, req.x_mm, req.y_mm

    def _ofd_placement(self, req: SignDocumentRequest) -> Placement:
        if req.riding:
            if req.y_mm is None:
                raise ValidationFailed("a riding seal needs y_mm", field="y_mm")
            return RidingSeal(req.y_mm, None, req.width_mm, req.height_mm)
        page, x, y = self._position(req)
        return StampPosition(page, x, y, req.width_mm, req.height_mm)

    # --- templates ----------------------------------------------------------------------

    # Defining and seeding templates needs a tenant admin: the routes' guard says so.
    async def define_template(self, scope: Scope, spec: Mapping[str, Any]) -> TemplateView:
        return await self._insert_template(scope, template_from_spec(spec))

    async def seed_builtin(self, scope: Scope) -> list[TemplateView]:
        """Add the four starter templates the tenant does not have yet (by key)."""
        have = {
            r["key"]
            for r in await DocumentTemplateRow.select(DocumentTemplateRow.key).where(
                DocumentTemplateRow.tenant_id == scope.tenant_id
            )
        }
        for template in BUILTIN_TEMPLATES.values():
            if template.key not in have:
                with contextlib.suppress(Conflict):  # seeded concurrently
                    await self._insert_template(scope, template)
        return await self.list_templates(scope)

    async def _insert_template(self, scope: Scope, t: DocumentTemplate) -> TemplateView:
        row_id = uuid.uuid4()
        try:
            await DocumentTemplateRow(
                id=row_id,
                tenant_id=scope.tenant_id,
                key=t.key,
                title=t.title,
                body=t.body,
                fields_json=json.dumps([asdict(f) for f in t.fields], ensure_ascii=False),
                signers_json=json.dumps([asdict(s) for s in t.signers], ensure_ascii=False),
                output=t.output,
                created_by=scope.account_id,
            ).save()
        except Exception as exc:
            if _is_unique_violation(exc):
                raise Conflict(f"a template with key {t.key!r} exists", field="key") from exc
            raise
        return await self.get_template(scope, row_id)

    async def list_templates(self, scope: Scope) -> list[TemplateView]:
        rows = (
            await DocumentTemplateRow.select()
            .where(DocumentTemplateRow.tenant_id == scope.tenant_id)
            .order_by(DocumentTemplateRow.key)
        )
        return [_template_view(r) for r in rows]

    async def get_template(self, scope: Scope, template_id: uuid.UUID) -> TemplateView:
        return _template_view(await self._template_row(scope, template_id))

    async def _template_row(self, scope: Scope, template_id: uuid.UUID) -> dict[str, Any]:
        row = (
            await DocumentTemplateRow.select()
            .where(
                (DocumentTemplateRow.tenant_id == scope.tenant_id)
                & (DocumentTemplateRow.id == template_id)
            )
            .first()
        )
        if row is None:
            raise NotFound("template not found")
        return row

    # --- instances: fill, see, sign, download -------------------------------------------

    async def fill(
        self,
        scope: Scope,
        template_id: uuid.UUID,
        values: Mapping[str, str],
        parties: Mapping[str, uuid.UUID],
        output: str | None = None,
    ) -> InstanceView:
        """Fill a template into a document; `parties` assigns each signer step to an
        account of the tenant (steps left out are the caller's own)."""
        row = await self._template_row(scope, template_id)
        template = template_from_row(row)
        keys = [s.key for s in template.signers]
        unknown = sorted(set(parties) - set(keys))
        if unknown:
            raise ValidationFailed(
                f"no signer step {unknown[0]!r} in this template", field="parties"
            )
        assigned = {k: parties.get(k, scope.account_id) for k in keys}
        known = await accounts_of_tenant(scope.tenant_id, assigned.values())
        for key, account in assigned.items():
            if account not in known:
                raise ValidationFailed(
                    f"the party of step {key!r} is not an account of this tenant", field="parties"
                )
        filled = fill(template, values)
        kind = output or template.output
        if kind not in MEDIA_TYPES:
            raise ValidationFailed("output must be ofd or pdf", field="output")
        data = await asyncio.to_thread(render, filled, output=kind)
        instance_id = uuid.uuid4()
        data_key = await self.keyring.data_key(scope.tenant_id)
        await DocumentInstance(
            id=instance_id,
            tenant_id=scope.tenant_id,
            template_id=template_id,
            template_key=template.key,
            title=template.title,
            kind=kind,
            values_json=personal.seal_values(
                data_key, scope.tenant_id, instance_id, template, filled.values
            ),
            parties_json=json.dumps({k: str(v) for k, v in assigned.items()}),
            data=personal.seal_document(data_key, scope.tenant_id, instance_id, data),
            document_sm3=sm3(data).hex(),
            status="signing",
            version=0,
            created_by=scope.account_id,
        ).save()
        return await self.instance(scope, instance_id)

    async def _instance_row(
        self, scope: Scope, instance_id: uuid.UUID, *, with_data: bool = False
    ) -> dict[str, Any]:
        cols = [c for c in DocumentInstance._meta.columns if with_data or c._meta.name != "data"]
        row = (
            await DocumentInstance.select(*cols)
            .where(
                (DocumentInstance.tenant_id == scope.tenant_id)
                & (DocumentInstance.id == instance_id)
            )
            .first()
        )
        if row is None or not _may_see(scope, row):
            raise NotFound("document not found")
        return row

    async def instance(
        self, scope: Scope, instance_id: uuid.UUID, *, replayed: bool = False
    ) -> InstanceView:
        """The instance and every party's status, as each party sees it."""
        row = await self._instance_row(scope, instance_id)
        template = template_from_row(await self._template_row(scope, row["template_id"]))
        signings = await InstanceSigning.select().where(
            (InstanceSigning.tenant_id == scope.tenant_id)
            & (InstanceSigning.instance_id == instance_id)
        )
        view = _instance_view(row, template, signings, replayed=replayed)
        # Personal data in the values: the person who filled the document sees it whole;
        # the other parties and staff see it masked.
        if row["created_by"] == scope.account_id:
            values = personal.open_values(
                await self.keyring.data_key(scope.tenant_id),
                scope.tenant_id,
                instance_id,
                row["values_json"],
            )
            view = msgspec.structs.replace(view, values=values)
        return view

    async def list_instances(self, scope: Scope) -> list[InstanceSummary]:
        rows = (
            await DocumentInstance.select(
                DocumentInstance.id,
                DocumentInstance.template_key,
                DocumentInstance.title,
                DocumentInstance.kind,
                DocumentInstance.status,
                DocumentInstance.created_by,
                DocumentInstance.parties_json,
                DocumentInstance.created_at,
                DocumentInstance.completed_at,
            )
            .where(DocumentInstance.tenant_id == scope.tenant_id)
            .order_by(DocumentInstance.created_at)
        )
        return [
            InstanceSummary(
                id=r["id"],
                template_key=r["template_key"],
                title=r["title"],
                kind=r["kind"],
                status=r["status"],
                created_at=r["created_at"],
                completed_at=r["completed_at"],
            )
            for r in rows
            if _may_see(scope, r)
        ]

    async def download(self, scope: Scope, instance_id: uuid.UUID) -> DocumentFile:
        row = await self._instance_row(scope, instance_id, with_data=True)
        return DocumentFile(
            data=await self._document(scope, instance_id, row),
            kind=row["kind"],
            status=row["status"],
            filename=f"{row['template_key']}-{instance_id.hex[:8]}.{row['kind']}",
        )

    async def _document(
        self, scope: Scope, instance_id: uuid.UUID, row: Mapping[str, Any]
    ) -> bytes:
        return personal.open_document(
            await self.keyring.data_key(scope.tenant_id),
            scope.tenant_id,
            instance_id,
            bytes(row["data"]),
        )

    async def sign_instance(
        self,
        scope: Scope,
        instance_id: uuid.UUID,
        *,
        step_key: str,
        seal_id: uuid.UUID,
        password: str,
        idempotency_key: str,
        use_request_id: uuid.UUID | None = None,
    ) -> InstanceView:
        """Sign one step, if it is the caller's step and its turn (order, approval)."""
        lock = self._locks.setdefault(instance_id, asyncio.Lock())
        async with lock:
            return await self._sign_instance(
                scope, instance_id, step_key, seal_id, password, idempotency_key, use_request_id
            )

    async def _sign_instance(
        self,
        scope: Scope,
        instance_id: uuid.UUID,
        step_key: str,
        seal_id: uuid.UUID,
        password: str,
        idempotency_key: str,
        use_request_id: uuid.UUID | None,
    ) -> InstanceView:
        row = await self._instance_row(scope, instance_id, with_data=True)
        done = await InstanceSigning.select().where(
            (InstanceSigning.tenant_id == scope.tenant_id)
            & (InstanceSigning.instance_id == instance_id)
        )
        if _signed_before(scope, done, step_key, idempotency_key):
            return await self.instance(scope, instance_id, replayed=True)
        template = template_from_row(await self._template_row(scope, row["template_id"]))
        plan = SigningPlan.of(template)
        step = _callers_step(scope, template, row, step_key)
        signed = [s["step_key"] for s in done]
        # A step that needs approval signs with an approved use request (用印审批); the
        # signing service checks it names this seal and this document.
        approved = [step_key] if use_request_id is not None else []
        plan.require_can_sign(step_key, signed, approved)
        seal = _seal_for_step(scope, await self.seals.get(scope, seal_id), step)
        document = await self._document(scope, instance_id, row)
        job = _Signing(seal_id, password, idempotency_key, sm3(document), use_request_id)
        try:
            new = await sign_step(
                plan,
                step_key,
                document,
                kind=row["kind"],
                page_count=await asyncio.to_thread(page_count, document, row["kind"]),
                signed=signed,
                approved=approved,
                seal_der=seal,
                sign_digest=hub_sign_digest(self.signing, scope, job),
            )
        except _Replayed:
            raise Conflict(
                "this Idempotency-Key signed this document before but the signing "
                "was not recorded; use a new key"
            ) from None
        now = _now()
        signing = _step_signing(scope, instance_id, step_key, job, now)
        complete = plan.complete([*signed, step_key])
        await self._store_step(scope, row, new, signing, now if complete else None, step.label)
        return await self.instance(scope, instance_id)

    async def _store_step(
        self,
        scope: Scope,
        row: Mapping[str, Any],
        new: bytes,
        signing: InstanceSigning,
        completed_at: datetime | None,
        label: str,
    ) -> None:
        """The signed document replaces the instance's (if no other party signed in
        between: the version column) and the step's signing is recorded, in one commit.
        `completed_at` is set when this was the last step."""
        instance_id = row["id"]
        try:
            async with self.db.transaction():
                updated = (
                    await DocumentInstance.update(
                        {
                            DocumentInstance.data: personal.seal_document(
                                await self.keyring.data_key(scope.tenant_id),
                                scope.tenant_id,
                                instance_id,
                                new,
                            ),
                            DocumentInstance.document_sm3: sm3(new).hex(),
                            DocumentInstance.version: row["version"] + 1,
                            DocumentInstance.status: "completed" if completed_at else "signing",
                            DocumentInstance.completed_at: completed_at,
                        }
                    )
                    .where(
                        (DocumentInstance.tenant_id == scope.tenant_id)
                        & (DocumentInstance.id == instance_id)
                        & (DocumentInstance.version == row["version"])
                    )
                    .returning(DocumentInstance.id)
                )
                if not updated:
                    raise Conflict(
                        "another party signed this document at the same moment; "
                        "sign again with a new Idempotency-Key"
                    )
                await signing.save()
        except Exception as exc:
            if _is_unique_violation(exc):
                raise Conflict(f"{label} has already signed") from exc
            raise


def _step_signing(
    scope: Scope, instance_id: uuid.UUID, step_key: str, job: _Signing, now: datetime
) -> InstanceSigning:
    """The record of the caller's signing of one step (to be saved with the document)."""
    assert job.outcome is not None
    return InstanceSigning(
        id=uuid.uuid4(),
        tenant_id=scope.tenant_id,
        instance_id=instance_id,
        step_key=step_key,
        account_id=scope.account_id,
        seal_id=job.seal_id,
        signature_id=job.outcome.record_id,
        idempotency_key=job.idempotency_key,
        use_request_id=job.use_request_id,
        signed_at=now,
    )


def _signed_before(
    scope: Scope, done: list[dict[str, Any]], step_key: str, idempotency_key: str
) -> bool:
    """This is a retry of a step the caller already signed with this key (the same
    key for another step is refused)."""
    for s in done:
        if s["account_id"] == scope.account_id and s["idempotency_key"] == idempotency_key:
            if s["step_key"] != step_key:
                raise Conflict("Idempotency-Key was already used for a different request")
            return True
    return False


def _callers_step(
    scope: Scope, template: DocumentTemplate, row: Mapping[str, Any], step_key: str
) -> SignerStep:
    """The template's step `step_key`, if the instance assigns it to the caller."""
    parties = json.loads(row["parties_json"])
    if step_key not in parties:
        raise ValidationFailed(f"no signer {step_key!r} in this template", field="step")
    step = next(s for s in template.signers if s.key == step_key)
    if parties[step_key] != str(scope.account_id):
        raise Forbidden(f"{step.label} ({step_key}) is another party's step")
    return step


def _seal_for_step(scope: Scope, seal: SealRecord, step: SignerStep) -> bytes:
    """The made seal (DER) of the caller's that the step signs with, or why not."""
    if seal.owner_account_id != scope.account_id:
        raise NotFound("seal not found")
    if seal.seal_type != step.seal_kind:
        raise ValidationFailed(
            f"{step.label} signs with a {step.seal_kind} seal, not {seal.seal_type}",
            field="seal_id",
        )
    if seal.seal_der is None:
        raise Conflict(f"the seal is {seal.status}; it has not been made yet")
    return seal.seal_der


def _may_see(scope: Scope, row: Mapping[str, Any]) -> bool:
    if is_staff(scope) or row["created_by"] == scope.account_id:
        return True
    return str(scope.account_id) in json.loads(row["parties_json"]).values()


def _signed_name(filename: str, kind: str) -> str:
    stem = (filename or "document").rsplit("/", 1)[-1].rsplit(".", 1)[0][:200] or "document"
    return f"signed-{stem}.{kind}"


def template_from_spec(spec: Mapping[str, Any]) -> DocumentTemplate:
    """A template from its JSON form (the API body / the stored row); names bad fields."""
    try:
        fields = [
            TemplateField(
                name=str(f["name"]),
                label=str(f.get("label") or f["name"]),
                kind=FieldKind(f.get("kind", "text")),
                required=bool(f.get("required", True)),
                max_length=int(f.get("max_length", 200)),
            )
            for f in spec.get("fields", [])
        ]
    except (KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed(f"a field definition is invalid: {exc}", field="fields") from None
    try:
        signers = [
            SignerStep(
                key=str(s["key"]),
                label=str(s.get("label") or s["key"]),
                seal_kind=str(s["seal_kind"]),
                order=int(s.get("order", 1)),
                needs_approval=bool(s.get("needs_approval", False)),
                page=int(s.get("page", -1)),
                x_mm=float(s.get("x_mm", 130.0)),
                y_mm=float(s.get("y_mm", 230.0)),
            )
            for s in spec.get("signers", [])
        ]
    except (KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed(f"a signer definition is invalid: {exc}", field="signers") from None
    for s in signers:
        if s.seal_kind not in SEAL_TYPES:
            raise ValidationFailed(
                f"seal_kind must be one of {', '.join(SEAL_TYPES)}", field="signers"
            )
    key = str(spec.get("key", "")).strip()
    if not 1 <= len(key) <= 64:
        raise ValidationFailed("key must be 1-64 characters", field="key")
    title = str(spec.get("title", "")).strip()
    if not 1 <= len(title) <= 200:
        raise ValidationFailed("title must be 1-200 characters", field="title")
    return DocumentTemplate(
        key=key,
        title=title,
        body=str(spec.get("body", "")),
        fields=fields,
        signers=signers,
        output=str(spec.get("output", "ofd")),
    )


def template_from_row(row: Mapping[str, Any]) -> DocumentTemplate:
    return template_from_spec(
        {
            "key": row["key"],
            "title": row["title"],
            "body": row["body"],
            "fields": json.loads(row["fields_json"]),
            "signers": json.loads(row["signers_json"]),
            "output": row["output"],
        }
    )


def _template_view(row: Mapping[str, Any]) -> TemplateView:
    return TemplateView(
        id=row["id"],
        key=row["key"],
        title=row["title"],
        body=row["body"],
        fields=json.loads(row["fields_json"]),
        signers=json.loads(row["signers_json"]),
        output=row["output"],
        created_at=row["created_at"],
    )


def _instance_view(
    row: Mapping[str, Any],
    template: DocumentTemplate,
    signings: list[dict[str, Any]],
    *,
    replayed: bool,
) -> InstanceView:
    by_step = {s["step_key"]: s for s in signings}
    plan = SigningPlan.of(template)
    states = plan.states(by_step)
    parties = json.loads(row["parties_json"])
    steps = []
    for s in template.signers:
        done = by_step.get(s.key)
        steps.append(
            StepView(
                key=s.key,
                label=s.label,
                seal_kind=s.seal_kind,
                order=s.order,
                needs_approval=s.needs_approval,
                party_account_id=parties.get(s.key),
                state=states[s.key].value,
                signed_at=done["signed_at"] if done else None,
                signature_id=done["signature_id"] if done else None,
                seal_id=done["seal_id"] if done else None,
            )
        )
    return InstanceView(
        id=row["id"],
        template_id=row["template_id"],
        template_key=row["template_key"],
        title=row["title"],
        kind=row["kind"],
        status=row["status"],
        document_sm3=row["document_sm3"],
        values=personal.stored_values(row["values_json"])[0],
        created_by=row["created_by"],
        created_at=row["created_at"],
        completed_at=row["completed_at"],
        steps=steps,
        replayed=replayed,
    )
