"""Verification reports: one line per check, never a bare boolean."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Report:
    kind: str  # "seal" | "signature" | "ofd" | "evidence"
    version: int | None = None
    checks: list[Check] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # non-standard encodings seen
    children: list[Report] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    # Findings that do not decide the verdict (see hub.formats.verify on claimed times).
    warnings: list[Check] = field(default_factory=list)

    def warn(self, name: str, detail: str) -> None:
        self.warnings.append(Check(name, False, detail))

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    def variant(self, name: str) -> None:
        if name not in self.variants:
            self.variants.append(name)

    @property
    def valid(self) -> bool:
        if not self.checks and not self.children:
            return False  # nothing was verified: never call that valid
        return all(c.ok for c in self.checks) and all(r.valid for r in self.children)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "version": self.version,
            "valid": self.valid,
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
        lines = [f"{head}: {'VALID' if self.valid else 'INVALID'}"]
        for c in self.checks:
            lines.append(f"{indent}  [{'ok' if c.ok else 'FAIL'}] {c.name}: {c.detail}")
        for w in self.warnings:
            lines.append(f"{indent}  [warn] {w.name}: {w.detail}")
        for v in self.variants:
            lines.append(f"{indent}  [variant] {v}")
        for child in self.children:
            lines.append(child.to_text(indent + "  "))
        return "\n".join(lines)
