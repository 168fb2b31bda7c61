"""`sealhub trust add|list|remove|ca`: the hub's trust store from the command line (the
database DATABASE_URL names), as the hub operator or, with --tenant, for a tenant."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

from adapters.local import LocalVendor
from hub.db import open_database
from hub.errors import NotFound, SealHubError
from hub.settings import Settings
from hub.trust.services import HUB_CA_VENDOR, TrustService
from hub.vendors.store import DbKeyStore
from tenants.queries import tenant_id_by_slug


async def _with_service(work: Callable[[Any, uuid.UUID | None], Awaitable[Any]],
                        tenant: str | None) -> Any:  # fmt: skip

    settings = Settings.from_env()
    db = await open_database(settings)
    try:
        local = LocalVendor(HUB_CA_VENDOR, DbKeyStore(HUB_CA_VENDOR), settings.security.master_key)

        async def no_vendor(name: str) -> None:
            return None

        service = TrustService(
            hub_ca=local.ca,
            hub_ca_name=HUB_CA_VENDOR,
            origin=settings.server.origin,
            vendor_certs=no_vendor,
        )
        tenant_id = None
        if tenant:
            tenant_id = await tenant_id_by_slug(tenant)
            if tenant_id is None:
                raise NotFound(f"no tenant '{tenant}'")
        return await work(service, tenant_id)
    finally:
        await db.close()


def _run(work: Callable[[Any, uuid.UUID | None], Awaitable[Any]], tenant: str | None) -> int:
    try:
        out = asyncio.run(_with_service(work, tenant))
    except SealHubError as exc:
        field = getattr(exc, "extra", {}).get("field")
        print(f"sealhub trust: {exc.detail}" + (f" ({field})" if field else ""),
              file=sys.stderr)  # fmt: skip
        return 1
    if isinstance(out, bytes):
        sys.stdout.buffer.write(out)
    elif out is not None:
        print(json.dumps(msgspec.to_builtins(out), ensure_ascii=False, indent=1))
    return 0


def _add(args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"sealhub trust: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return _run(lambda s, t: s.add(t, data, actor="cli", label=args.label or "",
                                   kind=args.kind), args.tenant)  # fmt: skip


def _list(args: argparse.Namespace) -> int:
    return _run(lambda s, t: s.entries(t), args.tenant)


def _remove(args: argparse.Namespace) -> int:
    try:
        entry = uuid.UUID(args.id)
    except ValueError:
        print("sealhub trust: id must be an entry id from `sealhub trust list`", file=sys.stderr)
        return 2

    async def work(service: Any, tenant_id: uuid.UUID | None) -> dict[str, str]:
        await service.remove(tenant_id, entry)
        return {"removed": str(entry)}

    return _run(work, args.tenant)


def _ca(args: argparse.Namespace) -> int:
    async def work(service: Any, _: uuid.UUID | None) -> bytes:
        ca = await service.hub_ca()
        return bytes(ca.root_cert.to_pem())

    return _run(work, None)


def add_trust_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trust = sub.add_parser("trust", help="the hub's trust store: CA certificates, pinned "
                                         "maker certificates, CRLs")  # fmt: skip
    trust_sub = trust.add_subparsers(dest="trust_command", required=True)
    add = trust_sub.add_parser("add", help="add a certificate (PEM/DER) or a CRL")
    add.add_argument("file")
    add.add_argument(
        "--kind",
        choices=["ca", "maker", "crl"],
        help="default: a CA certificate is a CA, any other one is pinned",
    )
    add.add_argument("--label", help="a note shown in lists and reports")
    add.add_argument("--tenant", help="tenant slug (default: hub-wide)")
    add.set_defaults(func=_add)
    lst = trust_sub.add_parser("list", help="list entries (JSON)")
    lst.add_argument("--tenant", help="tenant slug (default: hub-wide)")
    lst.set_defaults(func=_list)
    rm = trust_sub.add_parser("remove", help="remove an entry by id")
    rm.add_argument("id")
    rm.add_argument("--tenant", help="tenant slug (default: hub-wide)")
    rm.set_defaults(func=_remove)
    ca = trust_sub.add_parser("ca", help="print the hub CA certificate (PEM), for --trust")
    ca.set_defaults(func=_ca)
