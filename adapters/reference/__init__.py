"""The reference vendor core: maker CA, encrypted key store, V4 seal making, SM2 signing.

Shared by the in-process `local` adapter and the `sealhub vendor-server` process.
"""

from adapters.reference.core import ReferenceVendorCore
from adapters.reference.keystore import FileKeyStore, KeyStore, KeyVault, MemoryKeyStore

__all__ = ["FileKeyStore", "KeyStore", "KeyVault", "MemoryKeyStore", "ReferenceVendorCore"]
