"""The portal's one table: files waiting between two page views (hub/web/store.py)."""

from __future__ import annotations

from piccolo.columns import Bytea, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class PortalFile(Table, tablename="portal_file"):
    """A document waiting to be signed or a report waiting to be downloaded. In the
    database, not on a pod's disk: the next page view may reach another replica."""

    token = Varchar(length=64, primary_key=True)  # random, 128 bits, URL-safe
    kind = Varchar(length=16)  # drafts | reports
    owner = Varchar(length=80)  # "<tenant id>/<account id>", "" for public reports
    meta = Text(default="{}")  # JSON: file name, kind, SM3, page sizes, use request
    data = Bytea()
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
