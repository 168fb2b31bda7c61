"""`sealhub admin ...`: bootstrap hub operators (and regulators) without editing the DB."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path


def _read_password(path: str | None) -> str:
    if path == "-":
        return sys.stdin.readline().rstrip("\n")
    if path:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("passwords differ")
    return first


async def _create_operator(username: str, password: str, role: str) -> dict[str, str]:
    from hub.db import open_database
    from hub.settings import Settings
    from tenants.services import create_account, ensure_hub_tenant

    settings = Settings.from_env()
    db = await open_database(settings)
    try:
        hub_id = await ensure_hub_tenant(db, settings.security.master_key)
        account = await create_account(db, hub_id, username=username, password=password,
                                       roles=[role], display_name=username)
    finally:
        await db.close()
    return {"tenant": "hub", "username": account.username, "account_id": str(account.id),
            "role": role}


def _admin_create_operator(args: argparse.Namespace) -> int:
    from hub.errors import SealHubError

    password = _read_password(args.password_file)
    try:
        out = asyncio.run(_create_operator(args.username, password, args.role))
    except SealHubError as exc:
        field = getattr(exc, "extra", {}).get("field")
        print(f"error: {exc.detail}" + (f" ({field})" if field else ""), file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


def add_admin_command(sub: argparse._SubParsersAction) -> None:
    admin = sub.add_parser("admin", help="hub administration (bootstrap operators)")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser(
        "create-operator",
        help="create a hub operator (or regulator) account in the hub tenant; log in with "
             "tenant 'hub'",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--password-file", help="file holding the password ('-' = stdin); "
                                                "prompted for if omitted")
    create.add_argument("--role", choices=["hub_operator", "regulator"], default="hub_operator")
    create.set_defaults(func=_admin_create_operator)
