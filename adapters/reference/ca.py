"""The reference vendor's own CA: an SM2 root that issues the maker certificate (whose
key signs seals) and the signer certificates (one per seal). Created on first use and
kept in the vendor's key store, private keys sealed like every other key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from adapters.reference.keystore import KeyVault, b64, dumps, unb64
from hub.crypto import Certificate, Name, SM2PrivateKey, build_certificate

_NS = "ca"
_SCOPE = "_vendor"  # the data-key scope for the vendor's own keys (not a tenant)
ROOT_DAYS = 20 * 365
MAKER_DAYS = 10 * 365


@dataclass(frozen=True)
class VendorCA:
    root_cert: Certificate
    root_key: SM2PrivateKey
    maker_cert: Certificate
    maker_key: SM2PrivateKey

    def issue_signer(
        self, subject: Name, key: SM2PrivateKey, not_before: datetime, not_after: datetime
    ) -> Certificate:
        days = max(1, (not_after - not_before + timedelta(days=1)).days)
        return build_certificate(
            subject=subject,
            subject_key=key.public_key,
            issuer=self.root_cert,
            issuer_key=self.root_key,
            not_before=not_before,
            days=days,
        )


async def load_or_create_ca(vault: KeyVault, vendor: str) -> VendorCA:
    stored = await vault.store.get(_NS, "ca")
    if stored is None:
        now = datetime.now(UTC) - timedelta(days=1)  # tolerate small clock skew at verifiers
        root_key, maker_key = SM2PrivateKey.generate(), SM2PrivateKey.generate()
        root = build_certificate(
            subject=Name(common_name=f"{vendor} Root CA", organization=vendor),
            subject_key=root_key.public_key,
            issuer=Name(common_name=f"{vendor} Root CA", organization=vendor),
            issuer_key=root_key,
            not_before=now,
            days=ROOT_DAYS,
            is_ca=True,
        )
        maker = build_certificate(
            subject=Name(common_name=f"{vendor} Seal Maker", organization=vendor),
            subject_key=maker_key.public_key,
            issuer=root,
            issuer_key=root_key,
            not_before=now,
            days=MAKER_DAYS,
        )
        record = dumps(
            {
                "root_cert": b64(root.der),
                "root_key": b64(await vault.seal_key(_SCOPE, "ca-root", root_key)),
                "maker_cert": b64(maker.der),
                "maker_key": b64(await vault.seal_key(_SCOPE, "ca-maker", maker_key)),
            }
        )
        # Two starting workers may race: the first record wins, the loser reads it back.
        stored = await vault.store.put_if_absent(_NS, "ca", record) or record
    data = json.loads(stored)
    return VendorCA(
        root_cert=Certificate.load(unb64(data["root_cert"])),
        root_key=await vault.open_key(_SCOPE, "ca-root", unb64(data["root_key"])),
        maker_cert=Certificate.load(unb64(data["maker_cert"])),
        maker_key=await vault.open_key(_SCOPE, "ca-maker", unb64(data["maker_key"])),
    )
