"""Slow password hashing (Argon2id), off the event loop.

Parameters are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane): about 20 ms per
hash here, slow enough to make offline guessing expensive and fast enough for logins.
Hashes carry their parameters, so raising them later rehashes on the next login.
Seal protection passwords (口令) use the same functions.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the account does not exist, so "no such user" costs as much as
# "wrong password" and timing tells nothing.
_DUMMY_HASH = _HASHER.hash("sealhub-dummy-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True if `password` matches `stored`; `stored=None` burns the same time and fails."""
    if stored is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password)
        return False
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
