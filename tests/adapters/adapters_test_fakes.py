"""Adapter classes for registry tests, importable by entry-point value strings."""

from __future__ import annotations

from adapters.local import LocalVendor


class GoodVendor(LocalVendor):
    pass


class SyncSignVendor(LocalVendor):
    def sign(self, req):  # type: ignore[override]  # deliberately not async
        return None


class NoRevokeVendor:
    @classmethod
    def from_config(cls, name, config, context):
        return cls()

    async def info(self): ...
    async def health(self): ...
    async def make_seal(self, req): ...
    async def sign(self, req): ...


not_a_class = GoodVendor.from_config
