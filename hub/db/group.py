"""Group commit: callers queue an item and wait; one flush task per queue commits
everything queued so far together, then tells each caller its own outcome.

The one implementation behind both group commits of the hub: the SQLite engine's
autocommit writes (`hub.db.sqlite`) and the evidence log's appends
(`hub.evidence.service`). Why group at all: the cost of a commit is the hop to the
database (a thread switch, a round trip, a WAL flush), not the statement, so N callers
who wait for one commit pay one hop, not N, and each still resumes only after the commit
that made its item durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 (the queued item)
R = TypeVar("R")

#: One outcome per item of a group: its result, or the error that undid only that item.
Commit = Callable[[list[I]], Awaitable[Sequence[R | BaseException]]]


class GroupCommit(Generic[I, R]):
    """A queue of items that commit in groups of at most `max_group`.

    `commit(items)` runs one group (in one transaction) and returns one outcome per item:
    a result, or an exception that failed only that item. If it raises, the whole group
    failed and every caller of the group hears that error.

    `gate`, when given, is entered around taking a group and committing it (the SQLite
    writer lock): items queued while the gate was held join the group taken after it.

    The flush task runs in a fresh context, so a commit never joins whatever transaction
    the context of the caller that started the task happens to carry. A caller that is
    cancelled while waiting does not withdraw its item: it commits with its group.
    """

    def __init__(
        self,
        commit: Commit[I, R],
        *,
        max_group: int,
        gate: Callable[[], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        self._commit = commit
        self.max_group = max_group
        self._gate = gate or contextlib.nullcontext
        self._queue: list[tuple[I, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: I) -> R:
        """Queue `item`; return its outcome once its group committed (or raise its error)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), context=contextvars.Context())
        return await future

    async def drain(self) -> None:
        """Wait for everything queued to commit (a shutdown must not drop acknowledged work)."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher

    async def _flush(self) -> None:
        while self._queue:
            async with self._gate():
                group = self._queue[: self.max_group]
                del self._queue[: self.max_group]
                failure: BaseException | None = None
                outcomes: Sequence[R | BaseException]
                try:
                    outcomes = await self._commit([item for item, _ in group])
                except BaseException as exc:  # noqa: BLE001 (every caller of the group hears it)
                    failure = exc
                    outcomes = [exc] * len(group)
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():  # its caller was cancelled; the item stands
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            if failure is not None and not isinstance(failure, Exception):
                raise failure  # the loop is shutting down (cancelled): its waiters have heard
