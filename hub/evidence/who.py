"""Who signed, who approved, and why - in the log without personal data.

Leaves are read by anyone holding an evidence package, so they carry no account ids,
names or purposes in clear, only:

    account pseudonym   SM3("sealhub-account/1" | tenant | account id), hex
    purpose commitment  SM3("sealhub-purpose/1" | use request id | purpose text), hex
    signer certificate  SM3 of the signer certificate's DER

(each part length-prefixed, so no choice of strings collides with another). Account ids
are random UUIDs, so a pseudonym names an account only for whoever already knows the id.
An evidence package for those entitled to it (the signer, the tenant's clerks and
admins) carries the clear values as a `disclosure`; the verifier recomputes every hash
and checks it against the proven leaves. A purpose commitment is as strong as the
purpose is hard to guess; it hides the text from monitors, not from a determined guesser
who holds the leaf.
"""

from __future__ import annotations

import uuid

from hub.crypto import sm3


def _hash(label: str, *parts: str) -> str:
    data = bytearray(label.encode())
    for part in parts:
        raw = part.encode("utf-8")
        data += len(raw).to_bytes(4, "big") + raw
    return sm3(bytes(data)).hex()


def account_pseudonym(tenant_id: uuid.UUID | str, account_id: uuid.UUID | str) -> str:
    return _hash("sealhub-account/1", str(tenant_id), str(account_id))


def purpose_commitment(use_request_id: uuid.UUID | str, purpose: str) -> str:
    return _hash("sealhub-purpose/1", str(use_request_id), purpose)
