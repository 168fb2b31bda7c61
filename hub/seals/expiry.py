"""Seal expiry: past `valid_end` a seal becomes `expired` (its history and the evidence
log say so), and its owner is told 30 and 7 days ahead and when it happens.

`run_expiry` is one pass over every tenant; `ExpiryScheduler` runs it every
`interval_seconds` on whichever replica holds the `job_lease` row, so however many
replicas there are, one pass runs at a time (SQLite and PostgreSQL alike: the lease is
taken by a conditional UPDATE, not an engine-specific lock). A pass is safe to repeat:
status changes are conditional and expiry notices are once per seal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hub.ports import OwnerChannel
from hub.seals.moves import move_unless_changed
from hub.seals.notices import tell_owner
from hub.seals.tables import JobLease, Seal
from monitoring import metrics

if TYPE_CHECKING:
    from hub.seals.services import SealService

log = logging.getLogger(__name__)

#: Days before the end of validity at which the owner is told (notice kind expiry-<d>).
NOTICE_DAYS = (30, 7)
JOB = "seal-expiry"


@dataclass(frozen=True)
class ExpiryPass:
    expired: int
    notices: int


async def run_expiry(
    service: SealService, now: datetime | None = None, channel: OwnerChannel | None = None
) -> ExpiryPass:
    """Expire what is due and send the coming-expiry notices, for every tenant."""
    now = now or datetime.now(UTC)
    expired = await _expire_due(service, now, channel)
    metrics.seals_expired(expired)
    notices = await _tell_coming_expiry(now, channel)
    return ExpiryPass(expired, notices)


async def _expire_due(service: SealService, now: datetime, channel: OwnerChannel | None) -> int:
    """Every live seal past its `valid_end` becomes expired; returns how many did here."""
    expired = 0
    due = (
        await Seal.select(Seal.id, Seal.tenant_id, Seal.status, Seal.owner_account_id, Seal.name)
        .where(Seal.status.is_in(["active", "suspended"]) & (Seal.valid_end < now))
        .run()
    )
    for r in due:
        if not await move_unless_changed(
            service.db, r["tenant_id"], r["id"], r["status"], "expired", "validity ended", at=now
        ):
            continue  # another replica (or a revocation) got there first
        expired += 1
        await service.events.record(r["tenant_id"], "seal.expired", {"seal": str(r["id"])})
        await tell_owner(
            r["tenant_id"],
            r["id"],
            r["owner_account_id"],
            "expired",
            f"您的印章「{r['name']}」已过有效期，不能再用于签章。",
            channel,
        )
    return expired


async def _tell_coming_expiry(now: datetime, channel: OwnerChannel | None) -> int:
    """Tell each owner NOTICE_DAYS ahead (once per seal and kind); returns notices sent."""
    notices = 0
    for days in NOTICE_DAYS:
        coming = (
            await Seal.select(
                Seal.id, Seal.tenant_id, Seal.owner_account_id, Seal.name, Seal.valid_end
            )
            .where(
                Seal.status.is_in(["active", "suspended"])
                & (Seal.valid_end >= now)
                & (Seal.valid_end < now + timedelta(days=days))
            )
            .run()
        )
        for r in coming:
            end = r["valid_end"].astimezone(UTC).date().isoformat()
            if await tell_owner(
                r["tenant_id"],
                r["id"],
                r["owner_account_id"],
                f"expiry-{days}",
                f"您的印章「{r['name']}」将于 {end} 到期，请及时申请新印章。",
                channel,
            ):
                notices += 1
    return notices


class Lease:
    """A named lease in `job_lease`: held by one holder until it lapses or is renewed."""

    def __init__(self, name: str, holder: str | None = None) -> None:
        self.name = name
        self.holder = holder or secrets.token_hex(8)

    async def acquire(self, ttl_seconds: float, now: datetime | None = None) -> bool:
        """Take or renew the lease; False while another holder's lease is still valid."""
        now = now or datetime.now(UTC)
        until = now + timedelta(seconds=ttl_seconds)
        await (
            JobLease.insert(JobLease(name=self.name, holder="", until=None))
            .on_conflict(action="DO NOTHING")
            .run()
        )
        taken = (
            await JobLease.update({JobLease.holder: self.holder, JobLease.until: until})
            .where(
                (JobLease.name == self.name)
                & (
                    (JobLease.holder == self.holder)
                    | JobLease.until.is_null()
                    | (JobLease.until < now)
                )
            )
            .returning(JobLease.name)
            .run()
        )
        return bool(taken)

    async def release(self) -> None:
        await (
            JobLease.update({JobLease.until: None})
            .where((JobLease.name == self.name) & (JobLease.holder == self.holder))
            .run()
        )


class ExpiryScheduler:
    """Runs `run_expiry` every `interval_seconds` while this replica holds the lease."""

    def __init__(
        self,
        service: SealService,
        *,
        interval_seconds: float = 3600.0,
        channel: OwnerChannel | None = None,
        holder: str | None = None,
    ) -> None:
        self.service = service
        self.interval = interval_seconds
        self.channel = channel
        self.lease = Lease(JOB, holder)
        self._task: asyncio.Task[None] | None = None

    async def tick(self, now: datetime | None = None) -> ExpiryPass | None:
        """One scheduled turn: a pass if this replica holds the lease, else None."""
        # The lease outlives one interval so a slow pass is not run twice, and lapses
        # when its holder stops, so another replica takes over.
        if not await self.lease.acquire(self.interval * 2, now):
            return None
        return await run_expiry(self.service, now, self.channel)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="seal-expiry")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.lease.release()

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a failed pass is retried next interval, never fatal
                log.exception("seal expiry pass failed")
            await asyncio.sleep(self.interval)
