"""What an offline verifier trusts: certificate and CRL files or folders, and the hub's
signed provider status list when one of those anchors signed it (`sealhub verify --trust
--status-list`, and the demo's offline checks)."""

from __future__ import annotations

from pathlib import Path

from hub.pki.statuslist import read_status_list, trusted_by
from hub.pki.store import NO_TRUST, TrustStore, ValidationContext, load_trust_path


def offline_context(
    trust: list[str], status_list: str | None
) -> tuple[ValidationContext, list[str]]:
    """The context, and notes for the user (a status list that no anchor signed)."""
    notes: list[str] = []
    store = TrustStore()
    for path in trust:
        store = store.merged(load_trust_path(path))
    if not store and not status_list:
        return NO_TRUST, notes
    source = f"--trust ({len(store.anchors)} anchors, {len(store.crls)} CRLs)"
    hub = None
    log_keys: frozenset[bytes] = frozenset()
    if status_list:
        listed = read_status_list(Path(status_list).read_bytes())
        if trusted_by(listed, store):
            listed_store, hub, log_keys = listed.trust()
            store = store.merged(listed_store)
            source += f", status list #{listed.sequence}"
        else:
            notes.append(f"status list signed by '{listed.signer.subject}', which is not a "
                         "--trust anchor: not used")  # fmt: skip
    return ValidationContext(trust=store, hub=hub, log_keys=log_keys, trust_source=source), notes
