"""C2SP signed notes (c2sp.org/signed-note) and witness cosignatures
(c2sp.org/tlog-cosignature) with SM2 keys.

signed-note assigns signature type bytes to Ed25519 (0x01), ECDSA P-256 (0x02), the
timestamped Ed25519 cosignature (0x04) and RFC 6962 tree heads (0x05); SM2 has none.
The spec reserves 0xff "for signature types without an identifier byte assigned by this
specification ... followed by a longer identifier that is unlikely to collide", so:

    checkpoint signature   type = 0xff || "sealhub/sm2-sm3/v1"
        key ID    = SHA-256(name || 0x0A || type || SPKI DER)[:4]
        signature = key ID || DER SM2-with-SM3 (ID 1234567812345678) over the note text
    witness cosignature    type = 0xff || "sealhub/cosignature-sm2-sm3/v1"
        key ID    = SHA-256(name || 0x0A || type || SPKI DER)[:4]
        signed    = "cosignature/v1\\ntime <t>\\n" || checkpoint text   (tlog-cosignature)
        signature = key ID || t (8 bytes, big-endian, Unix seconds) || DER SM2 signature

(The SPKI DER as in type 0x02, whose key ID also hashes the DER SubjectPublicKeyInfo.)
The checkpoint signature is the one hub.evidence.checkpoint has always made (SM2 over
the text's exact bytes), so a note is only another rendering of a stored checkpoint.

A verifier key is written `<name>+<key ID, 8 hex>+<base64 SPKI DER>` (the shape of Go's
note verifier keys), e.g. for `--witness-key` and `--log-key` on the command line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from enum import Enum

from hub.crypto import SM2PrivateKey, SM2PublicKey
from hub.errors import CryptoError, FormatError

NOTE_TYPE = b"\xffsealhub/sm2-sm3/v1"
COSIGNATURE_TYPE = b"\xffsealhub/cosignature-sm2-sm3/v1"
DASH = "\u2014 "
MAX_SIGNATURES = 64


class KeyKind(Enum):
    LOG = NOTE_TYPE
    WITNESS = COSIGNATURE_TYPE


def key_id(name: str, kind: KeyKind, key: SM2PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + kind.value + key.to_der()).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise FormatError("a note key name must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class NoteVerifier:
    name: str
    kind: KeyKind
    key: SM2PublicKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(self.key.to_der()).decode()}"

    @classmethod
    def parse(cls, vkey: str, kind: KeyKind) -> NoteVerifier:
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)
            key = SM2PublicKey.from_der(base64.b64decode(b64, validate=True))
            claimed = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error, CryptoError) as exc:
            raise FormatError("a verifier key is <name>+<8 hex key ID>+<base64 SPKI DER>") from exc
        verifier = cls(name, kind, key)
        if claimed != verifier.key_id:
            raise FormatError(f"verifier key {name}: key ID does not match the key")
        return verifier


@dataclass(frozen=True)
class NoteSigner:
    name: str
    kind: KeyKind
    key: SM2PrivateKey

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.kind, self.key.public_key)


@dataclass(frozen=True)
class NoteSignature:
    name: str
    blob: bytes  # key ID || signature bytes

    @property
    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.blob).decode()}\n"

    @property
    def key_id(self) -> bytes:
        return self.blob[:4]


def parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(DASH) or not line.endswith("\n"):
        raise FormatError("a note signature line is '\u2014 <name> <base64>\\n'")
    parts = line[len(DASH) : -1].split(" ")
    if len(parts) != 2:
        raise FormatError("a note signature line has a name and one base64 signature")
    name, b64 = parts
    _check_name(name)
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError("note signature is not standard base64") from exc
    if len(blob) < 5:
        raise FormatError("note signature is shorter than a key ID and a signature")
    return NoteSignature(name, blob)


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    @classmethod
    def parse(cls, data: str) -> Note:
        if "\n\n" not in data or not data.endswith("\n"):
            raise FormatError("a signed note is text, a blank line, then signature lines")
        if any(ord(c) < 0x20 and c != "\n" for c in data):
            raise FormatError("a signed note holds no control characters but newline")
        cut = data.rindex("\n\n")
        text, sigs = data[: cut + 1], data[cut + 2 :]
        lines = sigs.splitlines(keepends=True)
        if not lines or len(lines) > MAX_SIGNATURES:
            raise FormatError(f"a signed note needs 1..{MAX_SIGNATURES} signature lines")
        return cls(text, tuple(parse_signature_line(line) for line in lines))


# --- checkpoint signatures (type 0xff sealhub/sm2-sm3/v1) ----------------------------------


def sign_note_text(signer: NoteSigner, text: str) -> NoteSignature:
    return NoteSignature(signer.name, signer.verifier.key_id + signer.key.sign(text.encode()))


def note_signature_from_der(verifier: NoteVerifier, der_signature: bytes) -> NoteSignature:
    """A stored checkpoint signature (DER SM2 over the text) as a note signature line."""
    return NoteSignature(verifier.name, verifier.key_id + der_signature)


def verify_note(note: Note, verifier: NoteVerifier) -> bool:
    """True if one signature line is the verifier's and verifies; unknown lines ignored."""
    for sig in note.signatures:
        if sig.name == verifier.name and sig.key_id == verifier.key_id:
            # A known key whose signature fails: the note is bad.
            return verifier.key.verify(sig.blob[4:], note.text.encode())
    return False


# --- cosignatures (type 0xff sealhub/cosignature-sm2-sm3/v1) -----------------------------


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(signer: NoteSigner, checkpoint_text: str, timestamp: int) -> NoteSignature:
    sig = signer.key.sign(cosigned_message(checkpoint_text, timestamp))
    return NoteSignature(signer.name, signer.verifier.key_id + timestamp.to_bytes(8, "big") + sig)


def verify_cosignature(
    sig: NoteSignature, checkpoint_text: str, verifier: NoteVerifier
) -> int | None:
    """The cosignature's timestamp if it is the verifier's and verifies, else None."""
    if sig.name != verifier.name or sig.key_id != verifier.key_id or len(sig.blob) < 13:
        return None
    timestamp = int.from_bytes(sig.blob[4:12], "big")
    if verifier.key.verify(sig.blob[12:], cosigned_message(checkpoint_text, timestamp)):
        return timestamp
    return None
