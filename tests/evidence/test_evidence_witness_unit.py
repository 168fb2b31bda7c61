"""The witness's rules without processes: signed-note round trips, every refusal's status
code (C2SP tlog-witness), and a restarted witness that still remembers what it cosigned."""

from __future__ import annotations

import base64

import pytest

from hub.crypto import SM2PrivateKey, sm3
from hub.errors import FormatError
from hub.evidence.checkpoint import Checkpoint, sign_checkpoint
from hub.evidence.cosigning import CosignedCheckpoint
from hub.evidence.merkle import MemoryHashStore, consistency_proof, root_hash
from hub.evidence.note import (
    KeyKind,
    Note,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    key_id,
    parse_signature_line,
    sign_note_text,
    verify_cosignature,
    verify_note,
)
from hub.evidence.witness import SIZE_TYPE, Witness, WitnessState, add_checkpoint_body

ORIGIN = "sealhub.test/unit"


class Log:
    def __init__(self) -> None:
        self.key = SM2PrivateKey.generate()
        self.store = MemoryHashStore()
        self.verifier = NoteVerifier(ORIGIN, KeyKind.LOG, self.key.public_key)

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.store.append(b"leaf %d" % self.store.size())

    def note(self, size: int | None = None, root: bytes | None = None) -> str:
        size = self.store.size() if size is None else size
        cp = Checkpoint(ORIGIN, size, root or root_hash(self.store, size))
        return CosignedCheckpoint(sign_checkpoint(cp, self.key), ()).note(self.verifier)


def _witness(log: Log, state_path, key: SM2PrivateKey | None = None) -> Witness:
    signer = NoteSigner("witness.test/w1", KeyKind.WITNESS, key or SM2PrivateKey.generate())
    return Witness(signer, {ORIGIN: log.verifier}, WitnessState(state_path))


def test_note_round_trip_and_key_ids():
    log = Log()
    log.grow(3)
    text = log.note()
    note = Note.parse(text)
    assert note.render() == text and verify_note(note, log.verifier)
    assert note.signatures[0].key_id == key_id(ORIGIN, KeyKind.LOG, log.key.public_key)
    # The same key under the witness type has another key ID (domain separation).
    assert key_id(ORIGIN, KeyKind.WITNESS, log.key.public_key) != note.signatures[0].key_id
    assert NoteVerifier.parse(log.verifier.vkey, KeyKind.LOG) == log.verifier
    with pytest.raises(FormatError):
        NoteVerifier.parse(log.verifier.vkey.replace("+", "+0", 1), KeyKind.LOG)
    other = NoteVerifier(ORIGIN, KeyKind.LOG, SM2PrivateKey.generate().public_key)
    assert not verify_note(note, other)


async def test_statuses_follow_the_spec(tmp_path):
    log = Log()
    w = _witness(log, tmp_path / "state.json")
    log.grow(4)
    assert (await w.add_checkpoint("junk")).status == 400
    unknown = log.note().replace(ORIGIN, "elsewhere.test/log", 1)
    assert (await w.add_checkpoint(add_checkpoint_body(0, [], unknown))).status == 404
    text = Note.parse(log.note()).text
    impostor = NoteSigner(ORIGIN, KeyKind.LOG, SM2PrivateKey.generate())  # same name
    forged = Note(text, (sign_note_text(impostor, text),)).render()
    assert (await w.add_checkpoint(add_checkpoint_body(0, [], forged))).status == 403
    real = Note.parse(log.note()).signatures[0]
    broken = Note(text, (NoteSignature(real.name, real.blob[:-1] + bytes([real.blob[-1] ^ 1])),))
    assert (await w.add_checkpoint(add_checkpoint_body(0, [], broken.render()))).status == 403
    assert (await w.add_checkpoint(add_checkpoint_body(5, [], log.note()))).status == 400
    ok = await w.add_checkpoint(add_checkpoint_body(0, [], log.note()))
    assert ok.status == 200
    sig = parse_signature_line(ok.body)
    assert verify_cosignature(sig, Note.parse(log.note()).text, w.signer.verifier) is not None
    # Old size not the one it cosigned: 409 with that size, text/x.tlog.size.
    log.grow(3)
    stale = await w.add_checkpoint(add_checkpoint_body(0, [], log.note()))
    assert (stale.status, stale.body, stale.media_type) == (409, "4\n", SIZE_TYPE)
    proof = consistency_proof(log.store, 4, 7)
    bad = [sm3(b"x"), *proof[1:]]
    assert (await w.add_checkpoint(add_checkpoint_body(4, bad, log.note()))).status == 422
    assert (await w.add_checkpoint(add_checkpoint_body(4, proof, log.note()))).status == 200
    # The same checkpoint again is fine; another root at that size is a fork.
    assert (await w.add_checkpoint(add_checkpoint_body(7, [], log.note()))).status == 200
    fork = log.note(7, sm3(b"another root"))
    assert (await w.add_checkpoint(add_checkpoint_body(7, [], fork))).status == 409


async def test_a_restarted_witness_still_refuses_the_fork(tmp_path):
    log = Log()
    log.grow(5)
    key = SM2PrivateKey.generate()
    first = _witness(log, tmp_path / "state.json", key)
    assert (await first.add_checkpoint(add_checkpoint_body(0, [], log.note()))).status == 200
    again = _witness(log, tmp_path / "state.json", key)  # a new process, same state file
    fork = log.note(5, sm3(b"rewritten"))
    assert (await again.add_checkpoint(add_checkpoint_body(5, [], fork))).status == 409
    kept = Note.parse(again.latest_note(ORIGIN) or "")
    assert Checkpoint.parse(kept.text).root_hash == root_hash(log.store, 5)
    assert (
        base64.b64decode(kept.signatures[-1].line.split()[-1])[:4] == again.signer.verifier.key_id
    )
