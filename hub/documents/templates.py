"""Application center (应用中心): document templates, filling, and the signing order.

Pure: no database, no vendor. A tenant defines a `DocumentTemplate` (fields, body text
with `{placeholders}`, which seals sign in which order and whether each signing needs
approval); `fill` checks the values and produces the text; `render` writes it as OFD or
PDF; `SigningPlan` says who may sign next, so the hub's signing service can refuse a
wrong-order signing and show every party its status.

Signing order: steps with the same `order` form a parallel group; a group may start
only when every step of all lower groups is signed. A step with `needs_approval` may
sign only once a clerk approved it (用印审批).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import pikepdf

from hub.documents.ofd_sign import StampPosition, sign_ofd
from hub.documents.ofd_writer import DocInfo, write_text_ofd
from hub.documents.pdf_sign import PdfStamp, sign_pdf
from hub.documents.pdf_writer import write_text_pdf
from hub.documents.signer import SignDigest, SignTbs
from hub.errors import PolicyDenied, ValidationFailed
from tenants.validation import check_mobile, parse_resident_id

_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class FieldKind(StrEnum):
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    ID_NUMBER = "id_number"  # 18-digit resident ID (GB 11643 check digit)
    PHONE = "phone"  # mainland mobile number


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    max_length: int = 200


@dataclass(frozen=True)
class SignerStep:
    """One signature on the document: who signs, with which kind of seal, where."""

    key: str  # "applicant", "employer", "committee" ...
    label: str
    seal_kind: str  # "personal" | "official" | "contract" ... (adapters.protocol.SEAL_TYPES)
    order: int = 1  # equal orders sign in parallel
    needs_approval: bool = False
    page: int = -1  # -1: the last page
    x_mm: float = 130.0
    y_mm: float = 230.0

    def page_index(self, page_count: int) -> int:
        return self.page if self.page >= 0 else page_count + self.page


@dataclass(frozen=True)
class DocumentTemplate:
    key: str
    title: str
    body: str
    fields: Sequence[TemplateField]
    signers: Sequence[SignerStep]
    output: str = "ofd"  # "ofd" | "pdf"

    def __post_init__(self) -> None:
        names = {f.name for f in self.fields}
        if len(names) != len(self.fields):
            raise ValidationFailed("field names must be unique", field="fields")
        unknown = set(_PLACEHOLDER.findall(self.body)) - names
        if unknown:
            raise ValidationFailed(f"placeholders without a field: {sorted(unknown)}", field="body")
        keys = [s.key for s in self.signers]
        if not keys or len(set(keys)) != len(keys):
            raise ValidationFailed("signer keys must be unique and non-empty", field="signers")
        if self.output not in ("ofd", "pdf"):
            raise ValidationFailed("output must be ofd or pdf", field="output")


@dataclass(frozen=True)
class FilledDocument:
    template: DocumentTemplate
    values: Mapping[str, str]
    title: str
    text: str


def half_width(text: str) -> str:
    """Full-width ASCII forms (１２３ＡＢＣ) as ASCII: numbers and codes in a document
    are half width, as the layout places them."""
    return "".join(
        chr(ord(c) - 0xFEE0)
        if 0xFF01 <= ord(c) <= 0xFF5E and (c.isalnum() or c in "－．／＠")
        else c
        for c in text
    )


def _check(field_def: TemplateField, raw: str) -> str:
    value = half_width(raw.strip())
    if len(value) > field_def.max_length:
        raise ValidationFailed(
            f"{field_def.label} is longer than {field_def.max_length}", field=field_def.name
        )
    if field_def.kind is FieldKind.DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(
                f"{field_def.label} must be a date YYYY-MM-DD", field=field_def.name
            ) from None
    elif field_def.kind is FieldKind.ID_NUMBER:
        value = parse_resident_id(value, field=field_def.name).number
    elif field_def.kind is FieldKind.PHONE:
        value = check_mobile(value, field=field_def.name)
    if any(ord(c) < 32 and c != "\n" for c in value):
        raise ValidationFailed(f"{field_def.label} has control characters", field=field_def.name)
    return value


def fill(template: DocumentTemplate, values: Mapping[str, str]) -> FilledDocument:
    """Check `values` against the template's fields and substitute the placeholders."""
    known = {f.name: f for f in template.fields}
    extra = set(values) - set(known)
    if extra:
        raise ValidationFailed(f"unknown fields: {sorted(extra)}", field=min(extra))
    clean: dict[str, str] = {}
    for f in template.fields:
        raw = values.get(f.name, "")
        if not raw.strip():
            if f.required:
                raise ValidationFailed(f"{f.label} is required", field=f.name)
            clean[f.name] = ""
            continue
        clean[f.name] = _check(f, raw)
    # One pass over the template body: values are never themselves scanned for
    # placeholders, so user input cannot pull in other fields.
    text = _PLACEHOLDER.sub(lambda m: clean[m.group(1)], template.body)
    return FilledDocument(template, clean, template.title, text)


def render(doc: FilledDocument, *, output: str | None = None) -> bytes:
    """The filled document as OFD (default of most templates) or PDF."""
    kind = output or doc.template.output
    if kind == "ofd":
        return write_text_ofd(
            doc.text,
            title=doc.title,
            info=DocInfo(title=doc.title, custom=[("template", doc.template.key)]),
        )
    if kind == "pdf":
        return write_text_pdf(doc.text, title=doc.title)
    raise ValidationFailed("output must be ofd or pdf", field="output")


class StepState(StrEnum):
    WAITING = "waiting"  # an earlier group has not finished
    NEEDS_APPROVAL = "needs_approval"  # its turn, but the clerk has not approved yet
    READY = "ready"
    SIGNED = "signed"


@dataclass(frozen=True)
class SigningPlan:
    steps: Sequence[SignerStep]

    @classmethod
    def of(cls, template: DocumentTemplate) -> SigningPlan:
        return cls(tuple(template.signers))

    def _step(self, key: str) -> SignerStep:
        for step in self.steps:
            if step.key == key:
                return step
        raise ValidationFailed(f"no signer {key!r} in this template", field="signer")

    def states(self, signed: Iterable[str], approved: Iterable[str] = ()) -> dict[str, StepState]:
        done, ok = set(signed), set(approved)
        open_orders = [s.order for s in self.steps if s.key not in done]
        current = min(open_orders) if open_orders else None
        out: dict[str, StepState] = {}
        for s in self.steps:
            if s.key in done:
                out[s.key] = StepState.SIGNED
            elif s.order != current:
                out[s.key] = StepState.WAITING
            elif s.needs_approval and s.key not in ok:
                out[s.key] = StepState.NEEDS_APPROVAL
            else:
                out[s.key] = StepState.READY
        return out

    def require_can_sign(
        self, key: str, signed: Iterable[str], approved: Iterable[str] = ()
    ) -> SignerStep:
        """The step, or PolicyDenied saying why it may not sign now."""
        step = self._step(key)
        done = set(signed)
        state = self.states(done, approved)[key]
        if state is StepState.SIGNED:
            raise PolicyDenied(f"{step.label} has already signed")
        if state is StepState.WAITING:
            pending = [s.label for s in self.steps if s.order < step.order and s.key not in done]
            raise PolicyDenied(f"{step.label} signs after {', '.join(pending)}")
        if state is StepState.NEEDS_APPROVAL:
            raise PolicyDenied(f"{step.label}'s signing needs approval first")
        return step

    def complete(self, signed: Iterable[str]) -> bool:
        done = set(signed)
        return all(s.key in done for s in self.steps)


async def sign_step(
    plan: SigningPlan,
    key: str,
    document: bytes,
    *,
    kind: str,
    page_count: int,
    signed: Iterable[str],
    approved: Iterable[str],
    seal_der: bytes,
    sign_tbs: SignTbs | None = None,
    sign_digest: SignDigest | None = None,
) -> bytes:
    """Sign `document` (OFD or PDF bytes) as step `key`, if the plan allows it now."""
    step = plan.require_can_sign(key, signed, approved)
    page = step.page_index(page_count)
    if kind == "ofd":
        result = await sign_ofd(
            document,
            seal_der=seal_der,
            sign_tbs=sign_tbs,
            sign_digest=sign_digest,
            placements=[StampPosition(page, step.x_mm, step.y_mm)],
        )
        return result.data
    if kind == "pdf":
        signed_pdf = await sign_pdf(
            document,
            seal_der=seal_der,
            sign_tbs=sign_tbs,
            sign_digest=sign_digest,
            stamp=PdfStamp(page, step.x_mm, step.y_mm),
            reason=step.label,
        )
        return signed_pdf.data
    raise ValidationFailed("document kind must be ofd or pdf", field="kind")


def page_count(document: bytes, kind: str) -> int:
    """Pages of a rendered document (to place "last page" stamps)."""
    if kind == "ofd":
        names = zipfile.ZipFile(io.BytesIO(document)).namelist()
        return sum(1 for n in names if re.fullmatch(r"Doc_0/Pages/Page_\d+/Content\.xml", n))
    with pikepdf.open(io.BytesIO(document)) as pdf:
        return len(pdf.pages)


# --- the application center's starter templates ------------------------------------------

_PERSON = [
    TemplateField("name", "姓名"),
    TemplateField("id_number", "身份证号", FieldKind.ID_NUMBER),
    TemplateField("phone", "联系电话", FieldKind.PHONE),
]

BUILTIN_TEMPLATES: dict[str, DocumentTemplate] = {
    t.key: t
    for t in (
        DocumentTemplate(
            key="epidemic-commitment",
            title="疫情防控承诺书",
            body=(
                "本人{name}（身份证号：{id_number}，联系电话：{phone}）郑重承诺：\n"
                "一、本人近14天内未到过中高风险地区，未接触确诊或疑似病例；\n"
                "二、如实申报个人健康状况，配合做好体温检测、健康码查验等防控工作；\n"
                "三、如出现发热、咳嗽等症状，立即报告并主动就医。\n"
                "以上承诺如有不实，本人愿承担相应法律责任。\n\n"
                "承诺单位：{employer}\n承诺日期：{date}"
            ),
            fields=[
                *_PERSON,
                TemplateField("employer", "所在单位"),
                TemplateField("date", "日期", FieldKind.DATE),
            ],
            signers=[
                SignerStep("applicant", "承诺人", "personal", order=1, x_mm=30, y_mm=200),
                SignerStep(
                    "employer",
                    "所在单位",
                    "official",
                    order=2,
                    needs_approval=True,
                    x_mm=130,
                    y_mm=190,
                ),
            ],
        ),
        DocumentTemplate(
            key="residence-certificate",
            title="居住证明",
            body=(
                "兹证明{name}（身份证号：{id_number}）自{since}起居住在{address}。\n"
                "特此证明。\n\n出具单位：{committee}\n日期：{date}"
            ),
            fields=[
                *_PERSON[:2],
                TemplateField("since", "起始日期", FieldKind.DATE),
                TemplateField("address", "居住地址"),
                TemplateField("committee", "居委会"),
                TemplateField("date", "日期", FieldKind.DATE),
            ],
            signers=[SignerStep("committee", "居委会", "official", needs_approval=True)],
        ),
        DocumentTemplate(
            key="home-quarantine-notice",
            title="居家隔离医学观察通知书",
            body=(
                "{name}（身份证号：{id_number}）：\n"
                "根据疫情防控要求，请您自{start}起居家隔离医学观察至{end}，期间不得外出。\n\n"
                "通知单位：{office}\n日期：{date}"
            ),
            fields=[
                *_PERSON[:2],
                TemplateField("start", "开始日期", FieldKind.DATE),
                TemplateField("end", "结束日期", FieldKind.DATE),
                TemplateField("office", "通知单位"),
                TemplateField("date", "日期", FieldKind.DATE),
            ],
            signers=[
                SignerStep("office", "通知单位", "official", order=1, needs_approval=True),
                SignerStep("recipient", "被通知人", "personal", order=2, x_mm=30, y_mm=200),
            ],
        ),
        DocumentTemplate(
            key="return-to-work",
            title="复工证明",
            body=(
                "兹证明{name}（身份证号：{id_number}）系我单位员工，"
                "经健康监测符合复工条件，准予于{date}返岗复工。\n\n单位：{employer}"
            ),
            fields=[
                *_PERSON[:2],
                TemplateField("employer", "单位名称"),
                TemplateField("date", "复工日期", FieldKind.DATE),
            ],
            signers=[
                SignerStep("employer", "单位", "official", order=1, x_mm=130, y_mm=200),
                SignerStep(
                    "legal-rep", "法定代表人", "legal-representative", order=1, x_mm=60, y_mm=205
                ),
            ],
            output="pdf",
        ),
    )
}
