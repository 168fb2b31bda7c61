"""Witnessed checkpoints: two witnesses as separate processes on loopback cosign the log's
checkpoints, both refuse a forged fork (and say so in their logs and metrics), and an
evidence package carries the cosignatures that `sealhub verify` checks against pinned
witness keys and a quorum."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from evidence_support import sign_with_log

from hub.crypto import sm3
from hub.evidence.checkpoint import Checkpoint, sign_checkpoint
from hub.evidence.cosigning import CosignedCheckpoint, Cosigner, witness_policy
from hub.evidence.events import Event, EventType
from hub.evidence.merkle import verify_consistency
from hub.evidence.note import KeyKind, Note, NoteVerifier, verify_cosignature, verify_note
from hub.evidence.package import verify_package
from hub.evidence.service import EvidenceLog
from hub.evidence.witness import add_checkpoint_body
from hub.formats import assemble_signature_v4, build_tbs_sign_v4

REPO = Path(__file__).resolve().parents[2]
ORIGIN = "sealhub.test/witnessed"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sealhub(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        cwd=REPO,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
        **kw,
    )


@dataclass
class RunningWitness:
    name: str
    url: str
    vkey: str
    proc: subprocess.Popen[str]
    log_path: Path

    @property
    def spec(self) -> str:
        return f"{self.url} {self.vkey}"

    def logs(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="module")
async def log(evidence_db, master_key):
    log = await EvidenceLog.open(evidence_db, origin=ORIGIN, master_key=master_key)
    yield log
    await log.close()


@pytest.fixture(scope="module")
def witnesses(log, tmp_path_factory) -> Iterator[list[RunningWitness]]:
    root = tmp_path_factory.mktemp("witnesses")
    running = []
    try:
        for n in (1, 2):
            name = f"witness{n}.test/w"
            key_file = root / f"w{n}.pem"
            key = _sealhub("witness", "key", "--name", name, "--key-file", str(key_file))
            assert key.returncode == 0, key.stderr
            port = _free_port()
            log_path = root / f"w{n}.log"
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hub.cli",
                    "witness",
                    "serve",
                    "--name",
                    name,
                    "--key-file",
                    str(key_file),
                    "--state-file",
                    str(root / f"w{n}.json"),
                    "--log-key",
                    log.note_verifier.vkey,
                    "--port",
                    str(port),
                ],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=log_path.open("w"),
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            running.append(
                RunningWitness(name, f"http://127.0.0.1:{port}", key.stdout.strip(), proc, log_path)
            )
        for w in running:
            for _ in range(200):
                try:
                    if httpx.get(w.url + "/key", timeout=1).text.strip() == w.vkey:
                        break
                except httpx.HTTPError:
                    pass
                assert w.proc.poll() is None, w.logs()
                time.sleep(0.05)
            else:
                pytest.fail(f"witness {w.name} did not start: {w.logs()}")
        yield running
    finally:
        for w in running:
            w.proc.terminate()
            w.proc.wait(timeout=10)


async def _grow(log: EvidenceLog, n: int, tag: str) -> None:
    for i in range(n):
        await log.append(
            Event(
                EventType.SEAL_MADE,
                "tenant-w",
                datetime.now(UTC),
                subject={"seal_id": f"{tag}-{i}"},
            )
        )


async def _witness_view(w: RunningWitness) -> str:
    async with httpx.AsyncClient() as client:
        r = await client.get(w.url + "/checkpoint", params={"origin": ORIGIN}, timeout=5)
    assert r.status_code == 200, r.text
    return r.text


def _metric(w: RunningWitness, outcome: str) -> float:
    body = httpx.get(w.url + "/metrics", timeout=5).text
    needle = f'sealhub_witness_checkpoints_total{{outcome="{outcome}"}} '
    lines = [line for line in body.splitlines() if line.startswith(needle)]
    return float(lines[0].split()[-1]) if lines else 0.0


async def test_checkpoints_reach_quorum_and_stay_consistent(log, witnesses):
    async with httpx.AsyncClient() as client:
        cosigner = Cosigner(log, witness_policy([w.spec for w in witnesses], 2), client)
        await _grow(log, 5, "a")
        first = await cosigner.cosign_latest()
        assert len(first.cosignatures) == 2
        await _grow(log, 7, "b")
        second = await cosigner.cosign_latest()  # sent with a consistency proof from 5
        assert len(second.cosignatures) == 2
    for w in witnesses:
        verifier = NoteVerifier.parse(w.vkey, KeyKind.WITNESS)
        note = Note.parse(second.note(log.note_verifier))
        assert verify_note(note, log.note_verifier)
        stamps = [verify_cosignature(s, note.text, verifier) for s in note.signatures]
        assert any(t is not None and abs(t - time.time()) < 60 for t in stamps)
        # Monitors read the witness's view: the same checkpoint, cosigned.
        seen = await _witness_view(w)
        assert Note.parse(seen).text == second.checkpoint.text
    a, b = Checkpoint.parse(first.checkpoint.text), Checkpoint.parse(second.checkpoint.text)
    proof = await log.consistency_proof(a.size, b.size)
    assert verify_consistency(a.size, b.size, a.root_hash, b.root_hash, proof)


async def test_a_forged_fork_is_refused_by_both_witnesses(log, witnesses):
    async with httpx.AsyncClient() as client:
        cosigner = Cosigner(log, witness_policy([w.spec for w in witnesses], 2), client)
        await _grow(log, 3, "c")
        honest = Checkpoint.parse((await cosigner.cosign_latest()).checkpoint.text)
        before = [_metric(w, "fork") for w in witnesses]
        # Someone holding the log key signs another tree of the same size: a fork.
        forged = sign_checkpoint(
            Checkpoint(ORIGIN, honest.size, sm3(b"another history")), log.log_key
        )
        note = CosignedCheckpoint(forged, ()).note(log.note_verifier)
        for w in witnesses:
            r = await client.post(
                w.url + "/add-checkpoint", content=add_checkpoint_body(honest.size, [], note)
            )
            assert r.status_code == 409, r.text
            assert "fork" in r.text
        # And a larger forged tree whose "consistency proof" cannot hold: 422.
        bigger = sign_checkpoint(
            Checkpoint(ORIGIN, honest.size + 4, sm3(b"elsewhere")), log.log_key
        )
        note = CosignedCheckpoint(bigger, ()).note(log.note_verifier)
        proof = [sm3(b"p%d" % i) for i in range(3)]
        for w in witnesses:
            r = await client.post(
                w.url + "/add-checkpoint", content=add_checkpoint_body(honest.size, proof, note)
            )
            assert r.status_code == 422, r.text
        # A checkpoint not signed by the pinned log key: 403.
        from hub.crypto import SM2PrivateKey

        stranger = sign_checkpoint(
            Checkpoint(ORIGIN, honest.size + 1, sm3(b"x")), SM2PrivateKey.generate()
        )
        note = CosignedCheckpoint(stranger, ()).note(log.note_verifier)
        r = await client.post(
            witnesses[0].url + "/add-checkpoint", content=add_checkpoint_body(honest.size, [], note)
        )
        assert r.status_code == 403
    for w, was in zip(witnesses, before, strict=True):
        assert _metric(w, "fork") == was + 1
        assert _metric(w, "inconsistent") >= 1
        assert f"FORK refused for {ORIGIN} at size {honest.size}" in w.logs()
        # The witness still stands by the honest checkpoint.
        seen = await _witness_view(w)
        assert Checkpoint.parse(Note.parse(seen).text) == honest


async def _package(log: EvidenceLog) -> tuple[dict, bytes]:
    base = sign_with_log(approved=False)
    document = "见证测试".encode()
    tbs = build_tbs_sign_v4(
        seal_der=base.seal,
        time=datetime.now(UTC) - timedelta(seconds=1),
        data_hash=sm3(document),
        property_info="doc.pdf",
    )
    ses = assemble_signature_v4(
        tbs_sign=tbs, signer_cert=base.signer_cert.der, signature=base.signer_key.sign(tbs)
    )
    await log.record(
        "tenant-w",
        "signature.made",
        {
            "signature": "sig-w",
            "seal": "seal-w",
            "document_sm3": sm3(document).hex(),
            "signature_sm3": sm3(ses).hex(),
        },
    )
    return await log.package(ses, sm3(document)), ses


async def test_package_carries_cosignatures_and_verify_demands_the_quorum(log, witnesses, tmp_path):
    async with httpx.AsyncClient() as client:
        log.cosigner = Cosigner(log, witness_policy([w.spec for w in witnesses], 2), client)
        try:
            package, _ses = await _package(log)
        finally:
            log.cosigner = None
    assert len(package["cosignatures"]) == 2
    pins = [NoteVerifier.parse(w.vkey, KeyKind.WITNESS) for w in witnesses]
    report = verify_package(
        package, log_public_key=log.log_key.public_key, witness_keys=pins, quorum=2
    )
    assert report.intact, report.to_text()
    existence = report.info["proofs_of_existence"]
    assert {e["source"].split("witness ")[1].split(":")[0] for e in existence} == {
        w.name for w in witnesses
    }

    path = tmp_path / "package.json"
    path.write_text(json.dumps(package))
    args = ["verify", str(path), "--json", "--log-key", log.note_verifier.vkey]
    for w in witnesses:
        args += ["--witness-key", w.vkey]
    ok = _sealhub(*args, "--quorum", "2", "--report", str(tmp_path / "report.pdf"))
    # Exit 3: everything checks out, but this test PKI's maker is no trust anchor here.
    assert ok.returncode == 3, ok.stdout + ok.stderr
    passed = {c["name"]: c["status"] for c in json.loads(ok.stdout)["checks"]}
    assert passed["witness quorum"] == "passed" and "failed" not in passed.values()
    import pypdfium2

    doc = pypdfium2.PdfDocument((tmp_path / "report.pdf").read_bytes())
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "2 of 2 pinned witnesses cosigned" in text.replace("\r", "").replace("\n", " ")
    assert all(w.name in text for w in witnesses)
    # One cosignature dropped: 1 of 2 pinned witnesses, quorum 2 -> refused.
    short = dict(package, cosignatures=package["cosignatures"][:1])
    path.write_text(json.dumps(short))
    refused = _sealhub(*args, "--quorum", "2")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    checks = {c["name"]: c for c in json.loads(refused.stdout)["checks"]}
    assert checks["witness quorum"]["ok"] is False
    # A cosignature from a witness nobody pinned does not count towards the quorum.
    path.write_text(json.dumps(package))
    one_pinned = _sealhub(
        "verify", str(path), "--json", "--witness-key", witnesses[0].vkey, "--quorum", "2"
    )
    assert one_pinned.returncode == 1
    # The wrong log key pinned: refused.
    other = sign_with_log(approved=False).log.log_key.public_key
    (tmp_path / "other.pem").write_bytes(other.to_pem())
    wrong_log = _sealhub("verify", str(path), "--log-key", str(tmp_path / "other.pem"))
    assert wrong_log.returncode == 1


async def test_background_rounds_cosign_each_new_size(log, witnesses):
    import asyncio

    async with httpx.AsyncClient() as client:
        cosigner = Cosigner(log, witness_policy([w.spec for w in witnesses], 2), client)
        task = asyncio.create_task(cosigner.run(0.05))
        try:
            for tag in ("d", "e"):
                await _grow(log, 4, tag)
                size = await log.size()
                for _ in range(200):
                    found = await cosigner.latest_cosigned(size)
                    if found is not None:
                        break
                    await asyncio.sleep(0.05)
                assert found is not None and len(found.cosignatures) == 2
                assert Checkpoint.parse(found.checkpoint.text).size == size
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
