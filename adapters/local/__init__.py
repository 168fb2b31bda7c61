"""`local`: the reference vendor running inside the hub process.

Keys are SM4-GCM sealed under per-tenant data keys wrapped by the hub master key
(`settings.security.master_key`). Where they are stored is pluggable:

* `context.extras["key_store"]`: any `adapters.reference.KeyStore` (the hub passes its
  database-backed store here once the DB layer has a table for it);
* otherwise `config["key_store"]`: `"memory"` (default; tests, demos) or `"file:<dir>"`.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.errors import VendorMisconfigured
from adapters.protocol import AdapterContext, VendorInfo
from adapters.reference import FileKeyStore, KeyStore, MemoryKeyStore, ReferenceVendorCore


class LocalVendor(ReferenceVendorCore):
    kind = "local"

    @classmethod
    def from_config(
        cls, name: str, config: Mapping[str, str], context: AdapterContext
    ) -> LocalVendor:
        master = context.settings.security.master_key
        if len(master) != 16:
            raise VendorMisconfigured("hub master key is not a 16-byte SM4 key", vendor=name)
        store: KeyStore
        injected = context.extras.get("key_store")
        spec = config.get("key_store", "memory")
        if injected is not None:
            store = injected
        elif spec == "memory":
            store = MemoryKeyStore()
        elif spec.startswith("file:"):
            store = FileKeyStore(spec.removeprefix("file:"))
        else:
            raise VendorMisconfigured(f"unknown key_store {spec!r}", vendor=name)
        vendor = cls(name, store, master)
        # In the hub, every signing is already reserved under the client's key before the
        # vendor is called (hub.signing), so a persisted second record per signature is
        # pure cost on the hot path: sign answers are remembered in memory (idempotent
        # within the process, as the Protocol asks; retries across processes are the
        # hub's job).
        vendor.sign_answers = MemoryKeyStore(max_entries=100_000)
        return vendor

    async def info(self) -> VendorInfo:
        base = await super().info()
        return VendorInfo(
            name=base.name,
            kind=self.kind,
            version=base.version,
            maker_cert=base.maker_cert,
            ca_certs=base.ca_certs,
            product_certificate="SealHub reference (not certified)",
        )


__all__ = ["LocalVendor"]
