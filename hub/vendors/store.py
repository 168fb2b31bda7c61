"""`adapters.reference.KeyStore` over the hub database, for the `local` vendor."""

from __future__ import annotations

from hub.vendors.tables import VendorRecord


class DbKeyStore:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor

    async def get(self, namespace: str, key: str) -> bytes | None:
        row = (
            await VendorRecord.select(VendorRecord.value)
            .where(
                (VendorRecord.vendor == self.vendor)
                & (VendorRecord.namespace == namespace)
                & (VendorRecord.key == key)
            )
            .first()
        )
        return None if row is None else bytes(row["value"])

    async def put(self, namespace: str, key: str, value: bytes) -> None:
        if await self.put_if_absent(namespace, key, value) is not None:
            await VendorRecord.update({VendorRecord.value: value}).where(
                (VendorRecord.vendor == self.vendor)
                & (VendorRecord.namespace == namespace)
                & (VendorRecord.key == key)
            )

    async def put_if_absent(self, namespace: str, key: str, value: bytes) -> bytes | None:
        # ON CONFLICT DO NOTHING is atomic on both engines against the unique index.
        await VendorRecord.raw(
            "INSERT INTO vendor_record (vendor, namespace, key, value) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (vendor, namespace, key) DO NOTHING",
            self.vendor,
            namespace,
            key,
            value,
        )
        stored = await self.get(namespace, key)
        return None if stored == value else stored
