"""出证: an evidence package as a readable PDF report, with the package itself attached
(`GET /api/v1/evidence/signatures/{id}/report.pdf`).

Here, not in hub.evidence: documents already depend on the evidence log (through
signing), so the report that needs the PDF writer lives on this side of that edge.

The report is written from a *verification* of the package (hub.evidence.package), never
from its claims alone: every fact printed is followed by whether it was proven, and the
check list closes the report. The machine-readable package rides inside the PDF as an
embedded file (`evidence-package.json`), and the report prints its SM3, so the paper a
court reads and the data a verifier checks are visibly the same thing.

Layout is plain flowed text in the hub's PDF writer (CJK through the standard
STSong-Light font, no font shipped), A4, zh-CN first with English terms in brackets.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import anyio
import pikepdf
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from hub.auth.guards import requires
from hub.auth.openapi import errors
from hub.auth.principal import CurrentPrincipal, Role
from hub.crypto import Certificate, sm3
from hub.documents.pdf_writer import write_text_pdf
from hub.downloads import content_disposition
from hub.errors import SealHubError
from hub.evidence.events import Event
from hub.evidence.note import parse_signature_line
from hub.evidence.package import verify_package
from hub.evidence.service import EvidenceLog
from hub.formats import Check, Report, parse_signature
from hub.signing.evidence_controllers import evidence_package
from hub.signing.services import SigningService
from hub.trust.services import TrustService

ATTACHMENT = "evidence-package.json"
TITLE = "电子签章存证报告 (Evidence report)"


VERDICT_WORDS = {  # ETSI EN 319 102-1 indications, as a court reads them
    "TOTAL_PASSED": "有效 TOTAL_PASSED",
    "TOTAL_FAILED": "无效 TOTAL_FAILED",
    "INDETERMINATE": "无法确定 INDETERMINATE",
}


def _mark(ok: bool) -> str:
    return "[通过 OK]" if ok else "[未通过 FAILED]"


def package_report_text(package: dict[str, Any], **pins: Any) -> str:
    report = verify_package(package, **pins)
    checks = {c.name: c for c in report.checks}
    sections = [
        _verdict(package, report),
        _what_was_signed(package, checks),
        _who_and_why(report, checks),
        _log_entries(package, report, checks),
        _proofs_of_existence(report),
        _witness_cosignatures(package, checks),
        _every_check(report),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def _verdict(package: dict[str, Any], report: Report) -> list[str]:
    """The verdict, when the report was made, and the attached package's SM3."""
    out: list[str] = []
    add = out.append
    raw = json.dumps(package, ensure_ascii=False, sort_keys=True).encode()
    add(
        f"总体结论 (Verdict): {VERDICT_WORDS.get(report.indication, report.indication)}"
        + (f" / {report.verdict()[1]}" if report.verdict()[1] else "")
    )
    add(f"报告生成时间 (Made): {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    add(f"存证包 SM3 (Package digest): {sm3(raw).hex()}")
    add(f"附件 (Attached): {ATTACHMENT}")
    return out


def _what_was_signed(package: dict[str, Any], checks: dict[str, Check]) -> list[str]:
    """一: the document's digest, the seal and signer, and their checks."""
    out: list[str] = []
    add = out.append
    add("一、签署的文件 (What was signed)")
    add(f"  文件摘要 SM3 (Document digest): {package.get('document_sm3', '?')}")
    try:
        info = parse_signature(base64.b64decode(package["ses_signature"]))
        seal = info.seal
        add(f"  印章 (Seal): {seal.name}  编码 (esID): {seal.esid}")
        signer = Certificate.load(info.signer_cert)
        add(f"  签章人证书 (Signer certificate): {signer.subject}")
        add(f"  证书 SM3 (Certificate digest): {sm3(info.signer_cert).hex()}")
        add(f"  签章人声明时间 (Claimed signing time): {info.time:%Y-%m-%d %H:%M:%S} UTC")
    except (SealHubError, KeyError, ValueError, TypeError) as exc:
        add(f"  签名无法读取 (unreadable signature): {exc}")
    add(
        f"  签名核验 (Signature): {_mark(checks.get('ses signature', _No).ok)}"
        f"  文件摘要 (Digest): {_mark(checks.get('document digest', _No).ok)}"
        f"  印章 (Seal): {_mark(checks.get('seal', _No).ok)}"
    )
    return out


def _who_and_why(report: Report, checks: dict[str, Check]) -> list[str]:
    """二: the disclosed signer, approver and purpose, and the approval entry."""
    out: list[str] = []
    add = out.append
    add("二、签署人与审批 (By whom, approved by whom, why)")
    who = report.info.get("who_and_why")
    if who:
        add(f"  签署账户 (Signer account): {who.get('signer_account_id')}")
        if who.get("use_request_id"):
            add(f"  用印申请 (Use request): {who['use_request_id']}")
        if who.get("approver_account_id"):
            add(f"  审批人账户 (Approved by): {who['approver_account_id']}")
        if who.get("purpose"):
            add(f"  用印事由 (Purpose): {who['purpose']}")
        ok = checks.get("who and why", _No).ok
        add(f"  与存证记录一致 (Matches the log's pseudonyms): {_mark(ok)}")
    else:
        add(
            "  本存证包未披露身份信息 (no disclosure in this package; the log holds "
            "pseudonyms only)"
        )
    if "approval entry" in checks:
        add(
            f"  审批记录 (Approval entry): {_mark(checks['approval entry'].ok)}"
            f"  先审批后用印 (Approved before signing): "
            f"{_mark(checks.get('approval before signing', _No).ok)}"
        )
    return out


def _log_entries(package: dict[str, Any], report: Report, checks: dict[str, Check]) -> list[str]:
    """三: the log, its checkpoint and each entry with its inclusion proof."""
    out: list[str] = []
    add = out.append
    add("三、存证日志 (Evidence log entries)")
    add(
        f"  日志 (Log): {package.get('origin')}  日志公钥 SM3 (Log key): "
        f"{report.info.get('log_key_sm3', '?')}"
    )
    add(
        f"  检查点 (Checkpoint): 树大小 (tree size) {report.info.get('tree_size', '?')}  "
        f"签名 (signature) {_mark(checks.get('checkpoint signature', _No).ok)}"
    )
    for entry in package.get("entries", []):
        try:
            event = Event.decode(base64.b64decode(entry["leaf"]))
        except (SealHubError, KeyError, ValueError, TypeError):
            add(f"  条目 (Entry) {entry.get('index')}: 无法读取 (unreadable)")
            continue
        name = f"entry {entry['index']}"
        add(
            f"  条目 (Entry) {entry['index']}: {event.type.value}  "
            f"{event.time:%Y-%m-%d %H:%M:%S} UTC"
        )
        add(f"    叶哈希 (Leaf hash): {event.leaf_hash.hex()}")
        add(
            f"    包含证明 (Inclusion proof, {len(entry.get('inclusion_proof', []))} hashes): "
            f"{_mark(checks.get(name + ' inclusion proof', _No).ok)}"
        )
    return out


def _proofs_of_existence(report: Report) -> list[str]:
    """四: the proven times."""
    out: list[str] = []
    add = out.append
    add("四、时间证明 (Proofs of existence)")
    proofs = report.info.get("proofs_of_existence") or []
    if not proofs:
        add("  无 (none): 签署时间仅为签章人声明 (the signing time is only claimed)")
    for proof in proofs:
        add(f"  {proof['time']}: {proof['source']}")
    return out


def _witness_cosignatures(package: dict[str, Any], checks: dict[str, Check]) -> list[str]:
    """五: the witnesses' cosignatures and the quorum."""
    out: list[str] = []
    add = out.append
    add("五、见证人联署 (Witness cosignatures)")
    lines = package.get("cosignatures") or []
    if not lines:
        add("  无 (none)")
    for line in lines:
        try:
            sig = parse_signature_line(line)
            when = datetime.fromtimestamp(int.from_bytes(sig.blob[4:12], "big"), UTC)
            add(f"  {sig.name}: {when:%Y-%m-%d %H:%M:%S} UTC")
        except (SealHubError, ValueError, OverflowError):
            add("  无法读取的联署 (unreadable cosignature)")
    if "witness quorum" in checks:
        add(
            f"  法定数 (Quorum): {checks['witness quorum'].detail} "
            f"{_mark(checks['witness quorum'].ok)}"
        )
    else:
        add("  未指定可信见证人 (no witness keys pinned: cosignatures shown, not judged)")
    return out


def _every_check(report: Report) -> list[str]:
    """六: every check of the verification."""
    out: list[str] = []
    add = out.append
    add("六、逐项核验 (Every check)")
    for check in report.checks:
        add(f"  {_mark(check.ok)} {check.name}: {check.detail}")
    return out


class _NoCheck:
    ok = False
    detail = "not checked"


_No: Any = _NoCheck()


def package_report_pdf(package: dict[str, Any], **pins: Any) -> bytes:
    """The report as PDF bytes, the package attached as `evidence-package.json`."""
    pdf_bytes = write_text_pdf(package_report_text(package, **pins), title=TITLE)
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    data = json.dumps(package, ensure_ascii=False, sort_keys=True).encode()
    spec = pikepdf.AttachedFileSpec(
        pdf,
        data,
        mime_type="application/json",
        description="SealHub evidence package (machine-readable)",
    )
    pdf.attachments[ATTACHMENT] = spec
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


class EvidenceReportController(Controller):
    path = "/api/v1/evidence/signatures"
    tags = ["evidence"]  # noqa: RUF012

    @get(
        "/{signature_id:uuid}/report.pdf",
        operation_id="getEvidenceReport",
        summary="The evidence package as a readable PDF report (出证), package attached",
        media_type="application/pdf",
        guards=[requires(Role.PERSON, Role.ENTERPRISE_AGENT, Role.CLERK, Role.TENANT_ADMIN)],
        responses=errors(401, 403, 404),
    )
    async def report(
        self,
        evidence: NamedDependency[EvidenceLog],
        signing: NamedDependency[SigningService],
        trust: NamedDependency[TrustService],
        principal: CurrentPrincipal,
        signature_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        package = await evidence_package(evidence, signing, principal, signature_id)
        context = await trust.context(principal.tenant_id)  # the hub's own trust context
        # Verifying and laying out is CPU work: off the event loop.
        pdf = await anyio.to_thread.run_sync(lambda: package_report_pdf(package, context=context))
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition(f"evidence-{signature_id}.pdf")},
        )
