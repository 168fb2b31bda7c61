from __future__ import annotations

import os

import pytest


@pytest.fixture
def master_key() -> bytes:
    return os.urandom(16)


@pytest.fixture(scope="session")
def vendor_process():
    """One well-behaved reference vendor process for the whole session."""
    from adapters.testing import VendorProcess

    with VendorProcess("ref-vendor") as proc:
        yield proc


@pytest.fixture
async def http_client():
    import httpx

    async with httpx.AsyncClient() as client:
        yield client
