"""Where the reference vendor keeps its records, and how private keys are protected.

`KeyStore` is a tiny async key-value interface (namespace, key) -> bytes with an atomic
put-if-absent, so idempotency holds across concurrent requests. Two implementations ship:
`MemoryKeyStore` (tests, ephemeral vendor servers) and `FileKeyStore` (one file per
record, atomic rename/link; survives restarts). A database-backed store for the hub's
`local` vendor only has to implement these three methods over a table.

`KeyVault` never stores a private key in clear: each tenant gets a random SM4 data key,
wrapped by the vendor's master key; each private key is sealed with SM4-GCM under its
tenant's data key, with the vendor, tenant and key handle as associated data, so a blob
copied to another row or tenant does not open. A dump of the store reveals no key.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from hub.crypto import SM2PrivateKey, sm3, sm4
from hub.errors import CryptoError


class KeyStore(Protocol):
    async def get(self, namespace: str, key: str) -> bytes | None: ...

    async def put(self, namespace: str, key: str, value: bytes) -> None: ...

    async def put_if_absent(self, namespace: str, key: str, value: bytes) -> bytes | None:
        """Store `value` unless present. Returns None if stored, else the existing value."""
        ...


class MemoryKeyStore:
    """In memory; with `max_entries`, the oldest records are forgotten (a bounded cache)."""

    def __init__(self, max_entries: int | None = None) -> None:
        self._data: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._max = max_entries

    async def get(self, namespace: str, key: str) -> bytes | None:
        return self._data.get((namespace, key))

    async def put(self, namespace: str, key: str, value: bytes) -> None:
        self._data[(namespace, key)] = value
        self._trim()

    async def put_if_absent(self, namespace: str, key: str, value: bytes) -> bytes | None:
        existing = self._data.setdefault((namespace, key), value)
        self._trim()
        return None if existing is value else existing

    def _trim(self) -> None:
        while self._max is not None and len(self._data) > self._max:
            self._data.popitem(last=False)


class FileKeyStore:
    """One file per record under `root/namespace/`; file names are SM3 of the key, so
    client-chosen idempotency keys never become paths."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, namespace: str, key: str) -> Path:
        return self.root / namespace / sm3(key.encode()).hex()

    def _tmp(self, path: Path, value: bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(value)
            fh.flush()
            os.fsync(fh.fileno())
        return tmp

    def _get(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def _put(self, path: Path, value: bytes) -> None:
        os.replace(self._tmp(path, value), path)

    def _put_if_absent(self, path: Path, value: bytes) -> bytes | None:
        tmp = self._tmp(path, value)
        try:
            os.link(tmp, path)  # atomic, fails if another writer got there first
            return None
        except FileExistsError:
            return path.read_bytes()
        finally:
            tmp.unlink()

    async def get(self, namespace: str, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, self._path(namespace, key))

    async def put(self, namespace: str, key: str, value: bytes) -> None:
        await asyncio.to_thread(self._put, self._path(namespace, key), value)

    async def put_if_absent(self, namespace: str, key: str, value: bytes) -> bytes | None:
        return await asyncio.to_thread(self._put_if_absent, self._path(namespace, key), value)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def dumps(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()


class KeyVault:
    """Seals private keys under per-tenant data keys wrapped by a master key."""

    _DEK = "dek"

    def __init__(self, store: KeyStore, master_key: bytes, vendor: str) -> None:
        if len(master_key) != sm4.KEY_SIZE:
            raise CryptoError("vendor master key must be a 16-byte SM4 key")
        self.store = store
        self._master = master_key
        self._vendor = vendor
        self._deks: dict[str, bytes] = {}

    async def _data_key(self, tenant: str) -> bytes:
        if tenant in self._deks:
            return self._deks[tenant]
        aad = f"sealhub-dek|{self._vendor}|{tenant}".encode()
        wrapped = sm4.seal(self._master, sm4.new_key(), aad)
        existing = await self.store.put_if_absent(self._DEK, tenant, wrapped)
        dek = sm4.open_(self._master, existing or wrapped, aad)
        self._deks[tenant] = dek
        return dek

    def _aad(self, tenant: str, handle: str) -> bytes:
        return f"sealhub-key|{self._vendor}|{tenant}|{handle}".encode()

    async def seal_key(self, tenant: str, handle: str, key: SM2PrivateKey) -> bytes:
        return sm4.seal(await self._data_key(tenant), key.to_der(), self._aad(tenant, handle))

    async def open_key(self, tenant: str, handle: str, blob: bytes) -> SM2PrivateKey:
        der = sm4.open_(await self._data_key(tenant), blob, self._aad(tenant, handle))
        return SM2PrivateKey.from_der(der)
