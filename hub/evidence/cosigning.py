"""The hub's side of witnessing: send each new checkpoint to the policy's witnesses
(c2sp.org/tlog-witness add-checkpoint, with a consistency proof from the size each
witness last cosigned), keep the cosignatures they return, serve them to monitors and
put them in evidence packages.

A witness's last cosigned size is remembered per process; a process that does not know
it (a restart, another replica got there first) learns it from the witness's 409
`text/x.tlog.size` answer and retries once with the right proof, as the spec intends.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from hub.errors import SealHubError
from hub.evidence.checkpoint import Checkpoint, SignedCheckpoint
from hub.evidence.note import (
    KeyKind,
    Note,
    NoteSignature,
    NoteVerifier,
    note_signature_from_der,
    parse_signature_line,
    verify_cosignature,
)
from hub.evidence.tables import EvidenceCheckpoint, EvidenceCosignature
from hub.evidence.witness import SIZE_TYPE, add_checkpoint_body
from monitoring import metrics

if TYPE_CHECKING:
    from hub.evidence.service import EvidenceLog

log = logging.getLogger("sealhub.evidence.cosigning")


@dataclass(frozen=True)
class WitnessEndpoint:
    url: str  # submission prefix; POST <url>/add-checkpoint
    verifier: NoteVerifier

    @classmethod
    def parse(cls, spec: str) -> WitnessEndpoint:
        """`<url> <verifier key>` (settings: SEALHUB_WITNESSES, comma-separated)."""
        url, _, vkey = spec.strip().partition(" ")
        return cls(url.rstrip("/"), NoteVerifier.parse(vkey, KeyKind.WITNESS))


@dataclass(frozen=True)
class WitnessPolicy:
    witnesses: tuple[WitnessEndpoint, ...]
    quorum: int

    def __post_init__(self) -> None:
        if not 0 <= self.quorum <= len(self.witnesses):
            raise ValueError("witness quorum must be between 0 and the number of witnesses")


@dataclass(frozen=True)
class CosignedCheckpoint:
    checkpoint: SignedCheckpoint
    cosignatures: tuple[str, ...]  # note signature lines, one per witness

    def note(self, log_verifier: NoteVerifier) -> str:
        """The checkpoint as a C2SP signed note: the log's signature, then the witnesses'."""
        log_sig = note_signature_from_der(log_verifier, base64.b64decode(self.checkpoint.signature))
        sigs = (log_sig, *(parse_signature_line(line) for line in self.cosignatures))
        return Note(self.checkpoint.text, sigs).render()


class Cosigner:
    def __init__(
        self,
        log_: EvidenceLog,
        policy: WitnessPolicy,
        client: httpx.AsyncClient,
        *,
        timeout: float = 5.0,
    ) -> None:
        self.log = log_
        self.policy = policy
        self.client = client
        self.timeout = timeout
        self._known: dict[str, int] = {}  # witness name -> size it last cosigned
        self._round = asyncio.Lock()

    @property
    def log_verifier(self) -> NoteVerifier:
        return self.log.note_verifier

    async def cosign_latest(self) -> CosignedCheckpoint:
        """Sign the current tree head and collect the witnesses' cosignatures (all at
        once, each bounded by the timeout); stored before returning."""
        async with self._round:
            started = time.perf_counter()
            signed = await self.log.checkpoint()
            checkpoint = Checkpoint.parse(signed.text)
            stored = await self.stored(checkpoint.size)
            have = {parse_signature_line(line).name for line in stored.cosignatures}
            note = CosignedCheckpoint(signed, ()).note(self.log_verifier)
            wanted = [w for w in self.policy.witnesses if w.verifier.name not in have]
            results = await asyncio.gather(*(self._submit(w, checkpoint, note) for w in wanted))
            lines = [sig.line for sig in results if sig is not None]
            if lines:
                now = datetime.now(UTC)
                for sig in results:
                    if sig is not None:
                        await EvidenceCosignature.raw(
                            "INSERT INTO evidence_cosignature (size, witness, line, created_at)"
                            " VALUES ({}, {}, {}, {}) ON CONFLICT (size, witness) DO NOTHING",
                            checkpoint.size,
                            sig.name,
                            sig.line,
                            now,
                        )
            result = CosignedCheckpoint(signed, (*stored.cosignatures, *lines))
            if len(result.cosignatures) >= self.policy.quorum:
                metrics.checkpoint_cosigned(time.perf_counter() - started)
            return result

    async def _submit(
        self, witness: WitnessEndpoint, checkpoint: Checkpoint, note: str
    ) -> NoteSignature | None:
        name = witness.verifier.name
        old = self._known.get(name, 0)
        for _ in range(2):
            if old > checkpoint.size:
                metrics.cosignature_request("refused")
                log.warning(
                    "witness %s has cosigned size %d, past our checkpoint %d",
                    name,
                    old,
                    checkpoint.size,
                )
                return None
            proof = await self.log.consistency_proof(old, checkpoint.size) if old else []
            try:
                r = await self.client.post(
                    witness.url + "/add-checkpoint",
                    content=add_checkpoint_body(old, proof, note).encode(),
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                metrics.cosignature_request("failed")
                log.warning("witness %s unreachable: %s", name, type(exc).__name__)
                return None
            if r.status_code == 409 and r.headers.get("content-type", "").startswith(SIZE_TYPE):
                with contextlib.suppress(ValueError):
                    old = int(r.text.strip())
                    self._known[name] = old
                    continue
            if r.status_code != 200:
                metrics.cosignature_request("refused")
                log.warning(
                    "witness %s refused checkpoint size %d: %d %s",
                    name,
                    checkpoint.size,
                    r.status_code,
                    r.text.strip()[:200],
                )
                return None
            for line in r.text.splitlines(keepends=True):
                try:
                    sig = parse_signature_line(line)
                except SealHubError:
                    continue
                if verify_cosignature(sig, checkpoint.text, witness.verifier) is not None:
                    self._known[name] = checkpoint.size
                    metrics.cosignature_request("cosigned")
                    return sig
            metrics.cosignature_request("refused")
            log.warning("witness %s answered without a valid cosignature", name)
            return None
        metrics.cosignature_request("refused")
        return None

    async def stored(self, size: int) -> CosignedCheckpoint:
        rows = await EvidenceCheckpoint.raw(
            "SELECT text, signature FROM evidence_checkpoint WHERE size = {}", size
        )
        lines = await EvidenceCosignature.raw(
            "SELECT line FROM evidence_cosignature WHERE size = {} ORDER BY witness", size
        )
        signed = SignedCheckpoint(rows[0]["text"], rows[0]["signature"]) if rows else None
        return CosignedCheckpoint(
            signed or SignedCheckpoint("", ""), tuple(r["line"] for r in lines)
        )

    async def latest_cosigned(self, min_size: int = 0) -> CosignedCheckpoint | None:
        """The newest stored checkpoint of at least `min_size` that has reached quorum."""
        rows = await EvidenceCosignature.raw(
            "SELECT size, count(*) AS n FROM evidence_cosignature WHERE size >= {} "
            "GROUP BY size ORDER BY size DESC LIMIT 16",
            min_size,
        )
        for row in rows:
            if int(row["n"]) >= self.policy.quorum:
                return await self.stored(int(row["size"]))
        return None

    async def covering(self, min_size: int) -> CosignedCheckpoint:
        """A cosigned checkpoint that includes entry `min_size - 1`: a stored one that
        reached quorum, else a round now (which may itself miss quorum: the package then
        says so, and a verifier demanding the quorum refuses it)."""
        found = await self.latest_cosigned(min_size)
        return found if found is not None else await self.cosign_latest()

    async def run(self, interval: float) -> None:
        """Background: a round whenever the log has grown since the last cosigned size."""
        last = -1
        while True:
            try:
                size = await self.log.size()
                # Another replica may have had this size cosigned already: then nothing
                # to do (replicas racing for one size cost the witnesses a 409 and a retry).
                # A round that missed the quorum (a witness down) is retried next tick.
                if size != last:
                    done = await self.latest_cosigned(size) or await self.cosign_latest()
                    if len(done.cosignatures) >= self.policy.quorum:
                        last = size
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is retried on the next tick
                log.exception("cosigning round failed")
            await asyncio.sleep(interval)


def witness_policy(specs: Sequence[str], quorum: int) -> WitnessPolicy:
    return WitnessPolicy(tuple(WitnessEndpoint.parse(s) for s in specs), quorum)
