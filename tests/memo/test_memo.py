"""hub.memo.Memo: concurrent misses share one load; failures and forget() behave."""

from __future__ import annotations

import asyncio

import pytest

from hub.memo import Memo


async def test_concurrent_misses_share_one_load():
    memo: Memo[str, int] = Memo(60)
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return 42

    values = await asyncio.gather(*(memo.get("k", load) for _ in range(50)))
    assert values == [42] * 50
    assert loads == 1
    assert await memo.get("k", load) == 42 and loads == 1  # still fresh


async def test_expired_value_is_loaded_again():
    memo: Memo[str, int] = Memo(0)  # expires at once
    calls = iter(range(10))

    async def load() -> int:
        return next(calls)

    assert await memo.get("k", load) == 0
    assert await memo.get("k", load) == 1


async def test_a_failed_load_is_not_kept_and_waiters_load_themselves():
    memo: Memo[str, int] = Memo(60)
    attempts = 0

    async def flaky() -> int:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.01)
        if attempts == 1:
            raise RuntimeError("database down")
        return 7

    results = await asyncio.gather(*(memo.get("k", flaky) for _ in range(3)),
                                   return_exceptions=True)  # fmt: skip
    assert isinstance(results[0], RuntimeError)
    assert results[1:] == [7, 7]
    assert await memo.get("k", flaky) == 7


async def test_forget_during_a_load_discards_what_it_read():
    memo: Memo[str, str] = Memo(60)
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow_old() -> str:
        started.set()
        await release.wait()
        return "old"

    task = asyncio.create_task(memo.get("k", slow_old))
    await started.wait()
    memo.forget()  # this process changed the value while the old one was being read
    release.set()
    assert await task == "old"  # its caller gets what it read ...

    async def fresh() -> str:
        return "new"

    assert await memo.get("k", fresh) == "new"  # ... but it was not kept


@pytest.mark.parametrize("key", ["a", ("tenant", "vendor")])
async def test_forget_one_key(key):
    memo: Memo[object, int] = Memo(60)

    async def one() -> int:
        return 1

    async def two() -> int:
        return 2

    assert await memo.get(key, one) == 1
    memo.forget(key)
    assert await memo.get(key, two) == 2


def test_peek_and_put_keep_a_value_until_it_expires():
    memo: Memo[str, int] = Memo(60)
    assert memo.peek("k") is None and memo.peek("k", -1) == -1
    memo.put("k", 7)
    assert memo.peek("k") == 7
    stale: Memo[str, int] = Memo(0)  # expires at once
    stale.put("k", 7)
    assert stale.peek("k") is None


def test_the_least_recently_used_goes_first_past_the_bound():
    memo: Memo[str, int] = Memo(max_entries=2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.peek("a") == 1  # "a" is now the most recently used
    memo.put("c", 3)
    assert (memo.peek("a"), memo.peek("b"), memo.peek("c")) == (1, None, 3)
    assert len(memo) == 2


def test_unbounded_keeps_everything():
    memo: Memo[int, int] = Memo(max_entries=None)
    for i in range(20_000):
        memo.put(i, i)
    assert len(memo) == 20_000 and memo.peek(0) == 0


def test_remember_computes_once_and_keeps_no_error():
    memo: Memo[str, int] = Memo()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return 5

    assert memo.remember("k", compute) == 5 and memo.remember("k", compute) == 5
    assert len(calls) == 1

    def fail() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):
        memo.remember("e", fail)
    assert memo.peek("e") is None
