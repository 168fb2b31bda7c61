"""What the demo's stages share: its throwaway credentials, identity numbers with valid
check characters, and the failure of a step. (In its own module so that the stages,
e.g. hub.demo.domain, and the runner that calls them import it, not each other.)"""

from __future__ import annotations

from tenants.identity.validation import credit_code_check_char, resident_id_check_char

PERSON_PASSWORD = "Demo-person-2026"  # noqa: S105 (the demo's own throwaway accounts)
SEAL_PASSWORD = "Seal-pass-2026"  # noqa: S105


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def _credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


class StepFailed(Exception):
    pass
