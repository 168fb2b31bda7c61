"""Storage of the in-process `local` vendor: opaque (namespace, key) -> sealed bytes.

The values are the reference vendor's records; private keys inside them are already
SM4-GCM sealed under per-tenant data keys (adapters.reference.KeyVault), so a database
dump reveals no key.
"""

from __future__ import annotations

from piccolo.columns import Bytea, Varchar
from piccolo.table import Table


class VendorRecord(Table, tablename="vendor_record"):
    vendor = Varchar(length=64)
    namespace = Varchar(length=32)
    key = Varchar(length=200)  # unique with vendor+namespace (raw index in the migration)
    value = Bytea()
