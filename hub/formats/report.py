"""Verification reports: one line per check, and an ETSI EN 319 102-1 verdict.

Each check is passed, failed or indeterminate (it could not be decided: no trusted chain,
no proof of existence, the document was not given). A failed or indeterminate check
carries its sub-indication. The verdict of a report (the document, each signature, each
seal) is, as EU DSS reports it:

* TOTAL_FAILED when any check of it or of a part of it failed (the first one names the
  sub-indication): the bytes prove something is wrong;
* INDETERMINATE when nothing failed but something could not be decided;
* TOTAL_PASSED otherwise. `valid` is true for TOTAL_PASSED only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.pki.verdicts import (
    CHAIN_CONSTRAINTS_FAILURE,
    EXPIRED,
    FAILED,
    FORMAT_FAILURE,
    HASH_FAILURE,
    INDETERMINATE,
    NO_CERTIFICATE_CHAIN_FOUND,
    NOT_MADE_BY_THIS_HUB,
    NOT_YET_VALID,
    OUT_OF_BOUNDS_NO_POE,
    PASSED,
    REVOCATION_UNKNOWN,
    REVOKED,
    REVOKED_NO_POE,
    SIG_CONSTRAINTS_FAILURE,
    SIG_CRYPTO_FAILURE,
    SIGNED_DATA_NOT_FOUND,
    TOTAL_FAILED,
    TOTAL_PASSED,
    UNDECIDED,
)


def _failure_class(name: str) -> str:
    """The sub-indication of a failed check that did not name one: digests are hash
    failures, signatures crypto failures, everything else a format failure."""
    lowered = name.lower()
    if "digest" in lowered or lowered.startswith("reference"):
        return HASH_FAILURE
    if "signature" in lowered and "status" not in lowered:
        return SIG_CRYPTO_FAILURE
    return FORMAT_FAILURE


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    undecided: bool = False  # not ok, but not proven wrong either
    sub_indication: str | None = None

    @property
    def status(self) -> str:
        return PASSED if self.ok else UNDECIDED if self.undecided else FAILED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "ok": self.ok, "status": self.status, "detail": self.detail,
        }  # fmt: skip
        if not self.ok:
            out["sub_indication"] = self.sub_indication
        return out


@dataclass
class Report:
    kind: str  # "seal" | "signature" | "ofd" | "pdf" | "evidence"
    version: int | None = None
    checks: list[Check] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # non-standard encodings seen
    children: list[Report] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    # Findings that do not decide the verdict (e.g. a claimed time outside a validity).
    warnings: list[Check] = field(default_factory=list)

    def warn(self, name: str, detail: str) -> None:
        self.warnings.append(Check(name, False, detail))

    def check(self, name: str, ok: bool, detail: str, *, sub: str | None = None) -> bool:
        """A decided check; a failed one gets `sub` or the sub-indication of its kind."""
        failure = None if ok else sub or _failure_class(name)
        self.checks.append(Check(name, bool(ok), detail, sub_indication=failure))
        return bool(ok)

    def undecided(self, name: str, detail: str, sub: str) -> None:
        """A check that could not be decided (INDETERMINATE with `sub`)."""
        self.checks.append(Check(name, False, detail, undecided=True, sub_indication=sub))

    def variant(self, name: str) -> None:
        if name not in self.variants:
            self.variants.append(name)

    def verdict(self) -> tuple[str, str | None]:
        """(indication, sub_indication) of this report and everything inside it."""
        failed = self._first(FAILED)
        if failed is not None:
            return TOTAL_FAILED, failed
        undecided = self._first(UNDECIDED)
        if undecided is not None:
            return INDETERMINATE, undecided
        if not self.checks and not self.children:
            return INDETERMINATE, FORMAT_FAILURE  # nothing was verified: never call it valid
        return TOTAL_PASSED, None

    def _first(self, status: str) -> str | None:
        for c in self.checks:
            if c.status == status:
                return c.sub_indication or FORMAT_FAILURE
        for child in self.children:
            found = child._first(status)
            if found is not None:
                return found
        return None

    @property
    def indication(self) -> str:
        return self.verdict()[0]

    @property
    def valid(self) -> bool:
        return self.indication == TOTAL_PASSED

    @property
    def intact(self) -> bool:
        """No check failed anywhere (trust may be undecided): what the hub asks of a
        vendor's answer before it accepts it, where the vendor's chain is not the point."""
        return self.indication != TOTAL_FAILED and bool(self.checks or self.children)

    @property
    def failed(self) -> list[Check]:
        """Checks proven wrong (TOTAL_FAILED material)."""
        return [c for c in self.checks if c.status == FAILED]

    @property
    def undecided_checks(self) -> list[Check]:
        """Checks that could not be decided (INDETERMINATE material)."""
        return [c for c in self.checks if c.status == UNDECIDED]

    def to_dict(self) -> dict[str, Any]:
        indication, sub = self.verdict()
        out: dict[str, Any] = {
            "kind": self.kind,
            "version": self.version,
            "indication": indication,
            "sub_indication": sub,
            "valid": indication == TOTAL_PASSED,
            "checks": [c.to_dict() for c in self.checks],
            "variants": list(self.variants),
            "warnings": [{"name": w.name, "detail": w.detail} for w in self.warnings],
            "info": dict(self.info),
        }
        if self.kind == "signature":
            seals = [c for c in self.children if c.kind == "seal"]
            if seals:
                out["seal"] = seals[0].to_dict()
        others = [c for c in self.children if not (self.kind == "signature" and c.kind == "seal")]
        if others or self.kind == "ofd":
            out["signatures"] = [c.to_dict() for c in others]
        return out

    def to_text(self, indent: str = "") -> str:
        head = f"{indent}{self.kind}"
        if self.version is not None:
            head += f" v{self.version}"
        label = self.info.get("path") or self.info.get("name") or self.info.get("esid")
        if label:
            head += f" ({label})"
        indication, sub = self.verdict()
        lines = [f"{head}: {indication}" + (f" / {sub}" if sub else "")]
        marks = {PASSED: "ok", FAILED: "FAIL", UNDECIDED: "????"}
        for c in self.checks:
            lines.append(f"{indent}  [{marks[c.status]}] {c.name}: {c.detail}")
        for w in self.warnings:
            lines.append(f"{indent}  [warn] {w.name}: {w.detail}")
        for v in self.variants:
            lines.append(f"{indent}  [variant] {v}")
        for child in self.children:
            lines.append(child.to_text(indent + "  "))
        return "\n".join(lines)


# The words of a verdict are re-exported: formats code speaks them through this module.
__all__ = [
    "CHAIN_CONSTRAINTS_FAILURE",
    "EXPIRED",
    "FAILED",
    "FORMAT_FAILURE",
    "HASH_FAILURE",
    "INDETERMINATE",
    "NOT_MADE_BY_THIS_HUB",
    "NOT_YET_VALID",
    "NO_CERTIFICATE_CHAIN_FOUND",
    "OUT_OF_BOUNDS_NO_POE",
    "PASSED",
    "REVOCATION_UNKNOWN",
    "REVOKED",
    "REVOKED_NO_POE",
    "SIGNED_DATA_NOT_FOUND",
    "SIG_CONSTRAINTS_FAILURE",
    "SIG_CRYPTO_FAILURE",
    "TOTAL_FAILED",
    "TOTAL_PASSED",
    "UNDECIDED",
    "Check",
    "Report",
]
