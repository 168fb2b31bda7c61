"""The one place the portal reads a verification report's verdict.

The verifier's report is moving to ETSI EN 319 102-1 indications (`indication`:
TOTAL_PASSED / TOTAL_FAILED / INDETERMINATE, with `sub_indication`). Until every report
carries one, the indication is derived from the older `valid` flag; nothing else in the
portal looks at `valid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"


@dataclass(frozen=True)
class CheckLine:
    name: str
    ok: bool
    detail: str
    where: str  # which signature of a document ("" for the top level)


@dataclass(frozen=True)
class Verdict:
    indication: str
    sub_indication: str | None
    kind: str
    checks: list[CheckLine]
    warnings: list[CheckLine]
    signatures: int

    @property
    def failed(self) -> list[CheckLine]:
        return [c for c in self.checks if not c.ok]


def indication_of(report: dict[str, Any]) -> tuple[str, str | None]:
    if report.get("indication"):
        return str(report["indication"]), report.get("sub_indication")
    return (TOTAL_PASSED if report.get("valid") else TOTAL_FAILED), None


def _label(report: dict[str, Any], n: int) -> str:
    info = report.get("info") or {}
    return str(info.get("path") or info.get("name") or info.get("field") or f"#{n}")


def _lines(
    report: dict[str, Any], where: str, out: list[CheckLine], warnings: list[CheckLine]
) -> None:
    for c in report.get("checks") or []:
        out.append(
            CheckLine(str(c.get("name", "")), bool(c.get("ok")), str(c.get("detail", "")), where)
        )
    for w in report.get("warnings") or []:
        warnings.append(CheckLine(str(w.get("name", "")), False, str(w.get("detail", "")), where))
    if isinstance(report.get("seal"), dict):
        _lines(report["seal"], (where + " " if where else "") + "seal", out, warnings)
    for n, child in enumerate(report.get("signatures") or [], start=1):
        _lines(child, _label(child, n), out, warnings)


def verdict_of(report: dict[str, Any]) -> Verdict:
    indication, sub = indication_of(report)
    checks: list[CheckLine] = []
    warnings: list[CheckLine] = []
    _lines(report, "", checks, warnings)
    return Verdict(
        indication=indication,
        sub_indication=sub,
        kind=str(report.get("kind", "")),
        checks=checks,
        warnings=warnings,
        signatures=len(report.get("signatures") or []),
    )
