"""Identity verification (实名核验 + 人脸比对) behind one interface.

A real deployment points `SEALHUB_IDENTITY_VERIFIER` at a client of the government
identity service (name + ID number + live face photo -> match score) registered with
`register_verifier`. The hub ships only the deterministic simulator below, and it says
so in its name and in every result (`verifier = "simulated"`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hub.crypto import sm3
from hub.errors import ValidationFailed


@dataclass(frozen=True)
class PersonClaim:
    name: str
    id_number: str  # already format/check-digit validated
    face_image: bytes  # the live photo to compare with the register's photo


@dataclass(frozen=True)
class VerificationResult:
    verifier: str  # which provider answered
    identity_matched: bool  # name and ID number belong together in the register
    face_score: float  # 0.0 .. 1.0 similarity of the live photo to the register photo
    reference: str  # the provider's transaction reference, kept for audit


@runtime_checkable
class IdentityVerifier(Protocol):
    name: str

    async def verify_person(self, claim: PersonClaim) -> VerificationResult: ...


class SimulatedIdentityVerifier:
    """A deterministic stand-in for the government identity service. NOT a real check.

    Rules (so tests and the demo can drive every outcome):
    * the name/ID pair matches unless the name is "查无此人" (not in the register);
    * the face score is 0.90-0.99, derived from SM3(id_number || photo), unless the photo
      bytes start with b"MISMATCH", which scores 0.10-0.19;
    * an empty photo is refused as invalid input.
    """

    name = "simulated"

    async def verify_person(self, claim: PersonClaim) -> VerificationResult:
        if not claim.face_image:
            raise ValidationFailed("a face photo is required", field="face_image")
        digest = sm3(claim.id_number.encode() + claim.face_image)
        base = 0.10 if claim.face_image.startswith(b"MISMATCH") else 0.90
        score = round(base + digest[0] / 255 * 0.09, 4)
        return VerificationResult(
            verifier=self.name,
            identity_matched=claim.name != "查无此人",
            face_score=score,
            reference="sim-" + digest[:8].hex(),
        )


_FACTORIES: dict[str, Callable[[], IdentityVerifier]] = {"simulated": SimulatedIdentityVerifier}


def register_verifier(name: str, factory: Callable[[], IdentityVerifier]) -> None:
    """Make a provider selectable with SEALHUB_IDENTITY_VERIFIER=name."""
    _FACTORIES[name] = factory


def make_verifier(name: str) -> IdentityVerifier:
    try:
        verifier = _FACTORIES[name]()
    except KeyError:
        known = sorted(_FACTORIES)
        raise ValueError(f"unknown identity verifier {name!r}; known: {known}") from None
    if not isinstance(verifier, IdentityVerifier):
        raise TypeError(f"identity verifier {name!r} does not implement IdentityVerifier")
    return verifier
