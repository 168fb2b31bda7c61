"""`sealhub admin ...`: bootstrap hub operators (and regulators) and rotate a tenant's token
key without editing the database (or without any account that still works).

It lives with the accounts it creates (`tenants`), not in `hub.auth`: auth provides the
password and token primitives that tenants use, so it must not import tenants back."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from hub.auth.principal import Role
from hub.auth.tokens import longest_token_lifetime
from hub.db import open_database
from hub.errors import SealHubError
from hub.settings import Settings
from tenants.keys import TenantKeyring
from tenants.services import create_account, ensure_hub_tenant
from tenants.token_keys import rotate_token_key, tenant_id_by_slug


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
    settings = Settings.from_env()
    db = await open_database(settings)
    try:
        hub_id = await ensure_hub_tenant(db, settings.security.master_key)
        account = await create_account(
            db, hub_id, username=username, password=password, roles=[role], display_name=username
        )
    finally:
        await db.close()
    return {
        "tenant": "hub",
        "username": account.username,
        "account_id": str(account.id),
        "role": role,
    }


def _admin_create_operator(args: argparse.Namespace) -> int:
    password = _read_password(args.password_file)
    return _report(lambda: _create_operator(args.username, password, args.role))


async def _rotate_token_key(slug: str, revoke_previous: bool) -> dict[str, str | None]:
    settings = Settings.from_env()
    sec = settings.security
    db = await open_database(settings)
    try:
        done = await rotate_token_key(
            TenantKeyring(sec.master_key),
            await tenant_id_by_slug(slug),
            keep_previous_seconds=longest_token_lifetime(
                sec.access_token_seconds, sec.refresh_token_seconds
            ),
            revoke_previous=revoke_previous,
            by="cli",
        )
    finally:
        await db.close()
    until = done.previous_valid_until
    return {
        "tenant": slug,
        "kid": done.kid,
        "previous_kid": done.previous_kid,
        "previous_valid_until": until.isoformat() if until else None,
    }


def _admin_rotate_token_key(args: argparse.Namespace) -> int:
    return _report(lambda: _rotate_token_key(args.tenant, args.revoke_previous))


def _report(run: Any) -> int:
    """Run an admin coroutine; print its JSON result, or the error (exit 1)."""
    try:
        out = asyncio.run(run())
    except SealHubError as exc:
        field = getattr(exc, "extra", {}).get("field")
        print(f"error: {exc.detail}" + (f" ({field})" if field else ""), file=sys.stderr)
        return 1
    print(json.dumps(out))
    return 0


def add_admin_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser(
        "admin", help="hub administration (bootstrap operators, rotate token keys)"
    )
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser(
        "create-operator",
        help="create a hub operator (or regulator) account in the hub tenant; log in with "
        "tenant 'hub'",
    )
    create.add_argument("--username", required=True)
    create.add_argument(
        "--password-file", help="file holding the password ('-' = stdin); prompted for if omitted"
    )
    create.add_argument(
        "--role",
        choices=[Role.HUB_OPERATOR.value, Role.REGULATOR.value],
        default=Role.HUB_OPERATOR.value,
    )
    create.set_defaults(func=_admin_create_operator)
    rotate = admin_sub.add_parser(
        "rotate-token-key",
        help="give a tenant a new token-signing key; the old one verifies its tokens until "
        "they expire, or not at all with --revoke-previous (a leaked key)",
    )
    rotate.add_argument("--tenant", required=True, help="tenant slug ('hub' for the hub)")
    rotate.add_argument(
        "--revoke-previous", action="store_true", help="refuse every token the old key signed, now"
    )
    rotate.set_defaults(func=_admin_rotate_token_key)
