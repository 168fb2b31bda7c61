"""A transparency-log witness (c2sp.org/tlog-witness) with an SM2 key.

`sealhub witness serve` runs one as its own process, so another bureau, a court or a
notary office can: it knows the logs it witnesses (origin -> pinned log key), keeps the
latest checkpoint it cosigned per origin in a state file, and cosigns a new checkpoint
only if a consistency proof shows it extends that one. A fork - a checkpoint of the same
size with another root, or a larger one whose proof fails - is refused, logged as a
warning with both roots, and counted in sealhub_witness_checkpoints_total{outcome=...}.

HTTP (submission and monitoring prefix are the root)::

    POST /add-checkpoint            tlog-witness add-checkpoint; 200 cosignature lines
    GET  /checkpoint?origin=<o>     the latest cosigned checkpoint, as a signed note with
                                    the log's signature and this witness's cosignature
    GET  /key                       this witness's verifier key (to pin)
    GET  /metrics                   Prometheus text format

Status codes are the spec's: 404 unknown origin, 403 no valid log signature, 400 old size
above the checkpoint size (or a malformed body), 409 old size not the last cosigned size
(body: that size, text/x.tlog.size) or same size with another root, 422 the consistency
proof does not verify.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get, post

from hub.crypto import SM2PrivateKey
from hub.errors import SealHubError
from hub.evidence.checkpoint import Checkpoint
from hub.evidence.merkle import verify_consistency
from hub.evidence.note import KeyKind, Note, NoteSigner, NoteVerifier, cosign, verify_note
from monitoring import metrics

log = logging.getLogger("sealhub.witness")
SIZE_TYPE = "text/x.tlog.size"
MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63


@dataclass(frozen=True)
class WitnessAnswer:
    status: int
    body: str
    media_type: str = "text/plain"


@dataclass(frozen=True)
class _Latest:
    size: int
    root_hash: bytes
    note: str  # the checkpoint note as cosigned (log signature + our cosignature)


class WitnessState:
    """origin -> latest cosigned checkpoint, persisted with write-to-temp, fsync, rename
    before any cosignature leaves the process (the spec's "persist before responding")."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._latest: dict[str, _Latest] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text())
            for origin, rec in data.items():
                self._latest[origin] = _Latest(
                    int(rec["size"]), base64.b64decode(rec["root"]), rec["note"]
                )

    def get(self, origin: str) -> _Latest | None:
        return self._latest.get(origin)

    def put(self, origin: str, latest: _Latest) -> None:
        records = dict(self._latest)
        records[origin] = latest
        data = {
            o: {"size": r.size, "root": base64.b64encode(r.root_hash).decode(), "note": r.note}
            for o, r in records.items()
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._latest = records


class Witness:
    def __init__(
        self, signer: NoteSigner, logs: Mapping[str, NoteVerifier], state: WitnessState
    ) -> None:
        self.signer = signer
        self.logs = dict(logs)  # origin -> the log's pinned key
        self.state = state
        # Check-then-persist is one critical section (the spec's race: a slow request for
        # size N must not roll back a faster one for N+K).
        self._lock = asyncio.Lock()

    def _refuse(
        self, outcome: str, status: int, body: str, media_type: str = "text/plain"
    ) -> WitnessAnswer:
        metrics.witness_checkpoint(outcome)
        return WitnessAnswer(status, body, media_type)

    async def add_checkpoint(self, body: str) -> WitnessAnswer:
        try:
            old_size, proof, note = _parse_request(body)
            checkpoint = Checkpoint.parse(note.text)
        except (SealHubError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, SealHubError) else str(exc)
            return self._refuse("bad_request", 400, f"malformed add-checkpoint: {detail}\n")
        log_key = self.logs.get(checkpoint.origin)
        if log_key is None:
            return self._refuse("unknown_log", 404, "unknown log origin\n")
        if not verify_note(note, log_key):
            log.warning(
                "witness: checkpoint for %s size %d without a valid log signature",
                checkpoint.origin,
                checkpoint.size,
            )
            return self._refuse("bad_signature", 403, "no valid signature by the log's key\n")
        if old_size > checkpoint.size:
            return self._refuse("bad_request", 400, "old size is above the checkpoint size\n")
        async with self._lock:
            latest = self.state.get(checkpoint.origin)
            latest_size = latest.size if latest else 0
            if old_size != latest_size:
                return self._refuse("stale", 409, f"{latest_size}\n", SIZE_TYPE)
            if latest is not None and checkpoint.size == latest.size:
                if checkpoint.root_hash != latest.root_hash:
                    # Two different signed trees of one size: proof the log forked.
                    log.warning(
                        "witness: FORK refused for %s at size %d: cosigned root %s, "
                        "submitted root %s",
                        checkpoint.origin,
                        checkpoint.size,
                        base64.b64encode(latest.root_hash).decode(),
                        base64.b64encode(checkpoint.root_hash).decode(),
                    )
                    return self._refuse("fork", 409, "same size, different root hash: fork\n")
            elif latest is not None and not verify_consistency(
                latest.size, checkpoint.size, latest.root_hash, checkpoint.root_hash, proof
            ):
                log.warning(
                    "witness: FORK refused for %s: size %d root %s is not consistent with "
                    "cosigned size %d root %s",
                    checkpoint.origin,
                    checkpoint.size,
                    base64.b64encode(checkpoint.root_hash).decode(),
                    latest.size,
                    base64.b64encode(latest.root_hash).decode(),
                )
                return self._refuse("inconsistent", 422, "consistency proof does not verify\n")
            elif latest is None and proof:
                return self._refuse("bad_request", 400, "old size 0 takes an empty proof\n")
            cosignature = cosign(self.signer, note.text, int(time.time()))
            log_lines = [
                s for s in note.signatures if s.name == log_key.name and s.key_id == log_key.key_id
            ]
            kept = Note(note.text, (*log_lines[:1], cosignature)).render()
            self.state.put(checkpoint.origin, _Latest(checkpoint.size, checkpoint.root_hash, kept))
        metrics.witness_checkpoint("cosigned")
        return WitnessAnswer(200, cosignature.line)

    def latest_note(self, origin: str) -> str | None:
        latest = self.state.get(origin)
        return latest.note if latest else None


def _parse_request(body: str) -> tuple[int, list[bytes], Note]:
    head, sep, rest = body.partition("\n\n")
    if not sep:
        raise ValueError("no blank line after the proof")
    lines = head.split("\n")
    first = lines[0]
    if (
        not first.startswith("old ")
        or not first[4:].isdigit()
        or (first[4:] != "0" and first[4:].startswith("0"))
    ):
        raise ValueError("the first line must be 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"more than {MAX_PROOF_LINES} proof lines")
    proof = []
    for line in lines[1:]:
        try:
            raw = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("a proof line is not base64") from exc
        if len(raw) != 32:
            raise ValueError("a proof hash is not 32 bytes")
        proof.append(raw)
    return int(first[4:]), proof, Note.parse(rest)


def add_checkpoint_body(old_size: int, proof: list[bytes], note: str) -> str:
    return (
        f"old {old_size}\n"
        + "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        + "\n"
        + note
    )


# --- the witness's own key (a PEM file, created 0600 on first use) -------------------------


def load_or_create_key(path: str | Path) -> SM2PrivateKey:
    path = Path(path)
    if path.exists():
        return SM2PrivateKey.from_pem(path.read_bytes())
    key = SM2PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.to_pem())
    return key


# --- the HTTP service -----------------------------------------------------------------


def create_witness_app(witness: Witness) -> Litestar:
    @post("/add-checkpoint", status_code=200, request_max_body_size=MAX_BODY)
    async def add_checkpoint(request: Request[Any, Any, Any]) -> Response[str]:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            metrics.witness_checkpoint("bad_request")
            return Response("body is not UTF-8\n", status_code=400, media_type="text/plain")
        answer = await witness.add_checkpoint(text)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    @get("/checkpoint")
    async def checkpoint(origin: str) -> Response[str]:
        note = witness.latest_note(origin)
        if note is None:
            return Response(
                "no checkpoint cosigned for that origin\n", status_code=404, media_type="text/plain"
            )
        return Response(note, media_type="text/plain")

    @get("/key")
    async def key() -> Response[str]:
        return Response(witness.signer.verifier.vkey + "\n", media_type="text/plain")

    @get("/metrics")
    async def scrape() -> Response[bytes]:
        body, content_type = metrics.render(None)
        return Response(body, media_type=content_type.removesuffix("; charset=utf-8"))

    return Litestar(route_handlers=[add_checkpoint, checkpoint, key, scrape], debug=False)


def build_witness(name: str, key_file: str, state_file: str, log_keys: list[str]) -> Witness:
    signer = NoteSigner(name, KeyKind.WITNESS, load_or_create_key(key_file))
    logs = {}
    for vkey in log_keys:
        verifier = NoteVerifier.parse(vkey, KeyKind.LOG)
        logs[verifier.name] = verifier  # a log's key name is its origin (tlog-checkpoint)
    return Witness(signer, logs, WitnessState(state_file))
