"""Application center templates: filling, rendering, and the signing order."""

from __future__ import annotations

import pytest
from documents_template_signing import write_signed_documents

from hub.documents.pdf_verify import verify_pdf
from hub.documents.templates import (
    BUILTIN_TEMPLATES,
    DocumentTemplate,
    SignerStep,
    SigningPlan,
    StepState,
    TemplateField,
    fill,
    page_count,
    render,
    sign_step,
)
from hub.errors import PolicyDenied, ValidationFailed
from hub.formats import verify_ofd

LIMITS = {"max_uncompressed": 50 * 1024 * 1024, "max_entries": 1000}
VALUES = {
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "employer": "杭州市某某科技有限公司",
    "date": "2020-02-10",
}


def test_fill_substitutes_and_validates() -> None:
    doc = fill(BUILTIN_TEMPLATES["epidemic-commitment"], VALUES)
    assert doc.title == "疫情防控承诺书"
    assert "本人张三（身份证号：11010519491231002X" in doc.text
    assert "{" not in doc.text
    bad = [
        ({**VALUES, "id_number": "110105194912310021"}, "id_number"),  # wrong check digit
        ({**VALUES, "phone": "12345"}, "phone"),
        ({**VALUES, "date": "2020-13-01"}, "date"),
        ({k: v for k, v in VALUES.items() if k != "name"}, "name"),
        ({**VALUES, "salary": "1"}, "salary"),
    ]
    for values, field in bad:
        with pytest.raises(ValidationFailed) as err:
            fill(BUILTIN_TEMPLATES["epidemic-commitment"], values)
        assert err.value.field == field


def test_values_cannot_inject_other_placeholders() -> None:
    doc = fill(BUILTIN_TEMPLATES["epidemic-commitment"], {**VALUES, "name": "{phone}"})
    assert "本人{phone}（" in doc.text


def test_template_definitions_are_checked() -> None:
    with pytest.raises(ValidationFailed) as err:
        DocumentTemplate(
            "t", "T", "{missing}", [TemplateField("a", "A")], [SignerStep("s", "S", "personal")]
        )
    assert err.value.field == "body"
    with pytest.raises(ValidationFailed):
        DocumentTemplate("t", "T", "x", [], [SignerStep("s", "S", "personal")] * 2)


def test_signing_plan_order_groups_and_approval() -> None:
    plan = SigningPlan(
        [
            SignerStep("a", "甲", "personal", order=1),
            SignerStep("b", "乙", "official", order=2, needs_approval=True),
            SignerStep("c", "丙", "official", order=2),
        ]
    )
    assert plan.states([]) == {"a": StepState.READY, "b": StepState.WAITING, "c": StepState.WAITING}
    with pytest.raises(PolicyDenied, match="after 甲"):
        plan.require_can_sign("c", [])
    plan.require_can_sign("a", [])
    assert plan.states(["a"]) == {
        "a": StepState.SIGNED,
        "b": StepState.NEEDS_APPROVAL,
        "c": StepState.READY,
    }
    with pytest.raises(PolicyDenied, match="approval"):
        plan.require_can_sign("b", ["a"])
    plan.require_can_sign("b", ["a"], approved=["b"])
    with pytest.raises(PolicyDenied, match="already signed"):
        plan.require_can_sign("a", ["a"])
    assert not plan.complete(["a", "c"]) and plan.complete(["a", "b", "c"])


async def test_two_signers_in_order_complete_and_wrong_order_is_refused(company, person) -> None:
    template = BUILTIN_TEMPLATES["epidemic-commitment"]
    plan = SigningPlan.of(template)
    document = render(fill(template, VALUES))
    pages = page_count(document, "ofd")
    signed: list[str] = []

    # The employer may not sign before the applicant.
    with pytest.raises(PolicyDenied):
        await sign_step(
            plan,
            "employer",
            document,
            kind="ofd",
            page_count=pages,
            signed=signed,
            approved=["employer"],
            seal_der=company.seal,
            sign_tbs=company.sign_tbs,
        )
    document = await sign_step(
        plan,
        "applicant",
        document,
        kind="ofd",
        page_count=pages,
        signed=signed,
        approved=[],
        seal_der=person.seal,
        sign_tbs=person.sign_tbs,
    )
    signed.append("applicant")
    assert plan.states(signed)["employer"] is StepState.NEEDS_APPROVAL
    document = await sign_step(
        plan,
        "employer",
        document,
        kind="ofd",
        page_count=pages,
        signed=signed,
        approved=["employer"],
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
    )
    signed.append("employer")
    assert plan.complete(signed)

    report = verify_ofd(document, **LIMITS)
    assert report.intact, report.to_dict()
    seals = [parse_signature_seal_name(c) for c in report.children]
    assert seals == ["张三", "杭州市某某科技有限公司"]


def parse_signature_seal_name(child) -> str:
    return next(c for c in child.children if c.kind == "seal").info["name"]


async def test_pdf_template_signed_in_parallel_group(company, person) -> None:
    template = BUILTIN_TEMPLATES["return-to-work"]
    document = render(
        fill(template, {k: VALUES[k] for k in ("name", "id_number", "employer", "date")})
    )
    plan = SigningPlan.of(template)
    pages = page_count(document, "pdf")
    # Both are in group 1: either may go first.
    document = await sign_step(
        plan,
        "legal-rep",
        document,
        kind="pdf",
        page_count=pages,
        signed=[],
        approved=[],
        seal_der=person.seal,
        sign_tbs=person.sign_tbs,
    )
    document = await sign_step(
        plan,
        "employer",
        document,
        kind="pdf",
        page_count=pages,
        signed=["legal-rep"],
        approved=[],
        seal_der=company.seal,
        sign_tbs=company.sign_tbs,
    )
    report = verify_pdf(document)
    assert report.intact, report.to_text()
    assert len(report.children) == 2


async def test_a_template_signed_in_order_writes_ofd_and_pdf(tmp_path, company, person) -> None:
    paths = await write_signed_documents(
        tmp_path, person=(person.seal, person.sign_tbs), company=(company.seal, company.sign_tbs)
    )
    assert [p.name for p in paths] == [
        "signed-epidemic-commitment.ofd",
        "signed-epidemic-commitment.pdf",
    ]
    assert len(verify_ofd(paths[0].read_bytes(), **LIMITS).children) == 2
    assert len(verify_pdf(paths[1].read_bytes()).children) == 2
