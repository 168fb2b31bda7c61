"""A separate process appending to the evidence log (run by the service tests).

    python evidence_writer.py DATABASE_URL MASTER_KEY_B64 COUNT TAG

COUNT > 0: append COUNT events (20 in flight at a time), then exit.
COUNT = 0: append until killed, printing "ack INDEX LEAF_HASH" for every append that
returned (i.e. was acknowledged as durable).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import sys
from datetime import UTC, datetime

from hub.db import open_database
from hub.evidence.events import Event, EventType
from hub.evidence.service import EvidenceLog
from hub.settings import DatabaseSettings


async def main(url: str, master_b64: str, count: int, tag: str) -> None:
    db = await open_database(DatabaseSettings(url=url), migrate_now=False)
    log = await EvidenceLog.open(db, origin="sealhub.test", master_key=base64.b64decode(master_b64))
    counter = itertools.count()

    async def one() -> None:
        n = next(counter)
        event = Event(
            EventType.SIGNATURE_MADE,
            "tenant-" + tag,
            datetime.now(UTC),
            subject={"signature_id": f"{tag}-{n}"},
        )
        appended = await log.append(event)
        if count == 0:
            sys.stdout.write(f"ack {appended.index} {appended.leaf_hash.hex()}\n")
            sys.stdout.flush()

    try:
        if count:
            for start in range(0, count, 20):
                await asyncio.gather(*(one() for _ in range(min(20, count - start))))
        else:
            while True:
                await asyncio.gather(*(one() for _ in range(20)))
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
