"""Accessor of the hub's evidence log for controllers (built in hub.services)."""

from __future__ import annotations

from typing import Any

from hub.evidence.service import EvidenceLog


def evidence_log(state: Any) -> EvidenceLog:
    log: EvidenceLog = state.evidence
    return log
