"""Demo stage: evidence (出证). Fetch each signing's evidence package, write it as
`evidence-<seal type>.json`, verify it offline, and show the log's consistency."""

from __future__ import annotations

import base64
import json
from typing import Any

from hub.crypto import SM2PublicKey
from hub.demo.client import DemoClient
from hub.evidence.checkpoint import Checkpoint, verify_checkpoint
from hub.evidence.merkle import verify_consistency
from hub.evidence.package import verify_package
from hub.pki.offline import offline_context


def evidence_step(demo: DemoClient, ctx: dict[str, Any]) -> None:
    with demo.step("evidence packages for the signatures (出证), verified offline"):
        log = demo.call("GET", "/api/v1/evidence/log")
        key = SM2PublicKey.from_pem(log["public_key_pem"].encode())
        first = demo.call("GET", "/api/v1/evidence/log/checkpoint")
        results = [
            _verify_package_offline(demo, ctx["admin"], sig, key) for sig in ctx["signatures"]
        ]
        old, new, consistent = _log_only_grew(demo, first, key)
    demo.summary["evidence"] = {
        "log_size": new.size,
        "log_key_sm3": log["public_key_sm3"],
        "packages": results,
        "consistent": consistent,
    }
    demo.say(
        f"Evidence log: {new.size} entries, checkpoint signed by the SM2 log key "
        f"(SM3 {log['public_key_sm3'][:16]}...); consistency {old.size} -> {new.size}: "
        + ("proved" if consistent else "FAILED")
    )


def _verify_package_offline(
    demo: DemoClient, admin: dict[str, str], sig: dict[str, Any], key: SM2PublicKey
) -> dict[str, Any]:
    """Write one signature's evidence package and verify it as `sealhub verify` would;
    returns its line of the summary."""
    package = demo.call("GET", f"/api/v1/evidence/signatures/{sig['id']}", headers=admin)
    kind = sig["name"].removeprefix("signature-").removesuffix(".dat")
    name = f"evidence-{kind}.json"
    demo.write(name, json.dumps(package, ensure_ascii=False, indent=2).encode())
    # Offline, trusting what the hub publishes: its CA certificate and CRL, and the
    # signed status list (the vendors each tenant admits), as `sealhub verify` does.
    demo.trust_args()
    context, _notes = offline_context([str(demo.out / "trust")], str(demo.out / "status-list.json"))
    report = verify_package(package, log_public_key=key, context=context)
    failed = [c.name for c in report.checks if c.status == "failed"]
    entries = ", ".join(f"#{e['index']} {e['event']['type']}" for e in package["entries"])
    demo.say(
        f"{name}: {report.indication} offline "
        f"({len(report.checks)} checks; entries {entries}"
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + ")"
    )
    return {"file": name, "valid": report.valid, "indication": report.indication, "failed": failed}


def _log_only_grew(
    demo: DemoClient, first: dict[str, Any], key: SM2PublicKey
) -> tuple[Checkpoint, Checkpoint, bool]:
    """The checkpoint before the packages is a prefix of the last one (consistency proof)."""
    old = verify_checkpoint(first["text"], first["signature"], key)
    last_signed = demo.call("GET", "/api/v1/evidence/log/checkpoint")
    new = verify_checkpoint(last_signed["text"], last_signed["signature"], key)
    proof = demo.call(
        "GET",
        "/api/v1/evidence/log/proof/consistency",
        params={"first": old.size, "second": new.size},
    )
    consistent = verify_consistency(
        old.size,
        new.size,
        old.root_hash,
        new.root_hash,
        [base64.b64decode(h) for h in proof["consistency_proof"]],
    )
    return old, new, consistent
