"""Log checkpoints in the C2SP tlog-checkpoint text form, signed with the SM2 log key.

Text (https://c2sp.org/tlog-checkpoint)::

    <origin>\\n
    <tree size, decimal, no leading zeros>\\n
    <root hash, standard base64 with padding>\\n
    [extension lines, each ending in \\n]

The signature is SM2-with-SM3 (ID 1234567812345678) over the exact UTF-8 bytes of that
text, DER-encoded, then standard base64. It is carried next to the text (in evidence
packages and the API) rather than as a C2SP signed-note line: signed-note has no
signature type for SM2, and a made-up one would mislead note verifiers.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from hub.crypto import SM2PrivateKey, SM2PublicKey
from hub.errors import CryptoError, FormatError
from hub.evidence.merkle import HASH_SIZE

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or self.origin != self.origin.strip():
            raise FormatError("checkpoint origin must be one non-empty line without padding")
        if self.size < 0:
            raise FormatError("checkpoint size must not be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise FormatError("checkpoint root hash must be 32 bytes")
        if any(not e or "\n" in e for e in self.extensions):
            raise FormatError("checkpoint extension lines must be non-empty single lines")

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "".join(line + "\n" for line in [*lines, *self.extensions])

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Strict parse: exactly the bytes `text` would produce, so none can be altered."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise FormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise FormatError("checkpoint needs origin, size and root hash lines")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise FormatError(f"checkpoint size {size!r} is not a canonical decimal")
        try:
            root_hash = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FormatError("checkpoint root hash is not standard base64") from exc
        checkpoint = cls(origin, int(size), root_hash, tuple(extensions))
        if checkpoint.text != text:  # e.g. non-canonical base64 padding bits
            raise FormatError("checkpoint text is not in canonical form")
        return checkpoint


@dataclass(frozen=True)
class SignedCheckpoint:
    text: str
    signature: str  # base64 of the DER SM2 signature over text.encode()

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "signature": self.signature}


def sign_checkpoint(checkpoint: Checkpoint, log_key: SM2PrivateKey) -> SignedCheckpoint:
    text = checkpoint.text
    signature = log_key.sign(text.encode("utf-8"))
    return SignedCheckpoint(text, base64.b64encode(signature).decode())


def verify_checkpoint(text: str, signature: str, log_public_key: SM2PublicKey) -> Checkpoint:
    """The parsed checkpoint if `signature` is the log key's over `text`.

    Raises FormatError for malformed text or signature encoding, CryptoError for a
    signature that does not verify.
    """
    checkpoint = Checkpoint.parse(text)
    if not isinstance(signature, str):
        raise FormatError("checkpoint signature must be a base64 string")
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError("checkpoint signature is not standard base64") from exc
    if base64.b64encode(der).decode() != signature:
        raise FormatError("checkpoint signature is not canonical base64")
    if not log_public_key.verify(der, text.encode("utf-8")):
        raise CryptoError("checkpoint signature does not verify with the log key")
    return checkpoint
