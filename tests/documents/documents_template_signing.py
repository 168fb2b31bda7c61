"""Fill a built-in template, sign it as OFD and PDF with a person's and an enterprise's
seal in the template's order, write `signed-*.ofd` / `signed-*.pdf` (test helper; the
demo does the same over the HTTP application center, `hub/demo/documents.py`).

The caller supplies each party's seal and a `SignTbs` that reaches that seal's vendor,
so the test exercises the same path as the hub's signing service.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub.documents.pdf_verify import verify_pdf
from hub.documents.signer import SignTbs
from hub.documents.templates import (
    BUILTIN_TEMPLATES,
    SigningPlan,
    fill,
    page_count,
    render,
    sign_step,
)
from hub.errors import SealHubError
from hub.formats import verify_ofd

DEMO_VALUES = {
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "employer": "杭州市某某科技有限公司",
    "date": "2020-02-10",
}


async def write_signed_documents(
    out_dir: Path,
    *,
    person: tuple[bytes, SignTbs],
    company: tuple[bytes, SignTbs],
    template_key: str = "epidemic-commitment",
) -> list[Path]:
    """`signed_documents`, written to `out_dir`. Returns the written paths."""
    documents = await signed_documents(person=person, company=company, template_key=template_key)

    def write() -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in documents.items():
            (out_dir / name).write_bytes(data)
            paths.append(out_dir / name)
        return paths

    return await asyncio.to_thread(write)


async def signed_documents(
    *,
    person: tuple[bytes, SignTbs],
    company: tuple[bytes, SignTbs],
    template_key: str = "epidemic-commitment",
) -> dict[str, bytes]:
    """Sign the template's document as OFD and PDF (in the template's order), verify
    both, and return {"signed-<template>.ofd": ..., "signed-<template>.pdf": ...}."""
    template = BUILTIN_TEMPLATES[template_key]
    values = {f.name: DEMO_VALUES[f.name] for f in template.fields if f.name in DEMO_VALUES}
    filled = fill(template, values)
    plan = SigningPlan.of(template)
    parties = {"personal": person, "official": company}
    written: dict[str, bytes] = {}
    for kind in ("ofd", "pdf"):
        document = render(filled, output=kind)
        pages = page_count(document, kind)
        signed: list[str] = []
        for step in sorted(plan.steps, key=lambda s: s.order):
            seal_der, sign_tbs = parties.get(step.seal_kind, company)
            document = await sign_step(
                plan,
                step.key,
                document,
                kind=kind,
                page_count=pages,
                signed=signed,
                approved=[s.key for s in plan.steps],  # the demo's clerk approves everything
                seal_der=seal_der,
                sign_tbs=sign_tbs,
            )
            signed.append(step.key)
        report = (
            verify_ofd(document, max_uncompressed=50 * 1024 * 1024, max_entries=1000)
            if kind == "ofd"
            else verify_pdf(document)
        )
        if not report.intact:  # the demo PKI has no trusted root here
            raise SealHubError(f"demo {kind} does not verify: {report.to_text()}")
        written[f"signed-{template_key}.{kind}"] = document
    return written
