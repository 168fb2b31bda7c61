"""The last lifespan step: settle the heap the startup built.

Startup leaves a few hundred thousand long-lived objects (Litestar's routes and models,
asn1crypto specs, Piccolo tables, the OpenAPI document). Every full collection walked
them all again, and under signing load collections ran several times a second: about 3%
of a worker's CPU (perf, bench/http_sign.py). `gc.freeze()` moves them to a permanent
generation the collector skips; objects made afterwards are collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def settled_heap(app: Any) -> AsyncIterator[None]:
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
