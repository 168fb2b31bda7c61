"""Fuzz the hub's OpenAPI contract with Schemathesis against a real hub process.

    .venv/bin/python tests/fuzz/run_schemathesis.py --seconds 300

starts `sealhub serve` on 127.0.0.1 (a scratch SQLite database in a temporary directory),
creates through the API a tenant with its admin, a clerk and a real-name verified citizen,
plus a hub regulator (`sealhub admin create-operator --role regulator`), then runs
`schemathesis run` once per role with that role's bearer token, splitting the time budget
between them. Checks: no server error (5xx), responses (4xx problem+json bodies included)
match the documented schema, status codes and content types are documented. Exit status
0 only if every run found nothing. `--report DIR` keeps Schemathesis' JUnit reports.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
SESSION_ENDERS = r"^/api/v1/(auth/(logout|password)|tenants?/(\{tenant_id\}/)?token-key)$"
ROLES = ("tenant_admin", "clerk", "citizen", "regulator")
PASSWORD = "fuzz-password-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Hub:
    url: str
    env: dict[str, str]
    workdir: Path


@contextlib.contextmanager
def running_hub() -> Iterator[Hub]:
    workdir = Path(tempfile.mkdtemp(prefix="sealhub-fuzz-"))
    port = free_port()
    env = {
        **os.environ,
        "SEALHUB_SQLITE_PATH": str(workdir / "sealhub.db"),
        "SEALHUB_DATA_DIR": str(workdir),
        "SEALHUB_MASTER_KEY": base64.b64encode(secrets.token_bytes(16)).decode(),
        "SEALHUB_HOST": "127.0.0.1",
        "SEALHUB_PORT": str(port),
        "SEALHUB_WORKERS": "1",
        # The fuzzer logs in wrongly thousands of times from one address.
        "SEALHUB_LOGIN_FAILURES_PER_CLIENT": "0",
        "SEALHUB_ACCESS_TOKEN_SECONDS": "3600",
        "SEALHUB_ADMISSION_INTERVAL_SECONDS": "0",
        "SEALHUB_METRICS_TOKEN": secrets.token_urlsafe(24),
    }
    env.pop("DATABASE_URL", None)
    log = (workdir / "hub.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "sealhub"), "serve"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("hub did not start:\n" + (workdir / "hub.log").read_text())
            time.sleep(0.3)
        yield Hub(url, env, workdir)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if os.environ.get("SEALHUB_FUZZ_KEEP"):
            print("hub log:", workdir / "hub.log")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _login(c: httpx.Client, tenant: str, username: str) -> str:
    r = c.post(
        "/api/v1/auth/login", json={"tenant": tenant, "username": username, "password": PASSWORD}
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _resident_id() -> str:
    from tenants.validation import resident_id_check_char

    first17 = (
        "150102" + f"19{50 + secrets.randbelow(40)}0{1 + secrets.randbelow(9)}1"
        f"{secrets.randbelow(10)}{secrets.randbelow(1000):03d}"
    )
    return first17 + resident_id_check_char(first17)


def role_tokens(hub: Hub) -> dict[str, str]:
    """One access token per role, every account made the way a bureau makes it."""
    for username, role in (("fuzz-operator", "hub_operator"), ("fuzz-regulator", "regulator")):
        subprocess.run(
            [
                str(BIN / "sealhub"),
                "admin",
                "create-operator",
                "--username",
                username,
                "--role",
                role,
                "--password-file",
                "-",
            ],
            input=PASSWORD.encode(),
            env=hub.env,
            cwd=hub.workdir,
            check=True,
            capture_output=True,
        )
    with httpx.Client(base_url=hub.url, timeout=30) as c:
        operator = {"Authorization": "Bearer " + _login(c, "hub", "fuzz-operator")}
        r = c.post(
            "/api/v1/tenants",
            headers=operator,
            json={
                "name": "模糊测试公安局",
                "slug": "fuzz-bureau",
                "region_code": "150102",
                "admin": {"username": "fuzz-admin", "password": PASSWORD},
            },
        )
        r.raise_for_status()
        admin = {"Authorization": "Bearer " + _login(c, "fuzz-bureau", "fuzz-admin")}
        r = c.post(
            "/api/v1/accounts",
            headers=admin,
            json={"username": "fuzz-clerk", "password": PASSWORD, "roles": ["clerk"]},
        )
        r.raise_for_status()
        id_number = _resident_id()
        r = c.post(
            "/api/v1/identity/persons",
            headers=admin,
            json={
                "name": "张三",
                "id_number": id_number,
                "mobile": "13800138000",
                "face_image": base64.b64encode(b"face-photo-" + id_number.encode()).decode(),
                "username": "fuzz-citizen",
                "password": PASSWORD,
            },
        )
        r.raise_for_status()
        return {
            "tenant_admin": admin["Authorization"].split()[1],
            "clerk": _login(c, "fuzz-bureau", "fuzz-clerk"),
            "citizen": _login(c, "fuzz-bureau", "fuzz-citizen"),
            "regulator": _login(c, "hub", "fuzz-regulator"),
        }


def run(
    seconds: float,
    roles: tuple[str, ...] = ROLES,
    report: Path | None = None,
    extra: tuple[str, ...] = (),
) -> int:
    """Fuzz for `seconds` in all, split between `roles`; the number of failed runs."""
    failed = 0
    with running_hub() as hub:
        tokens = role_tokens(hub)
        for role in roles:
            cmd = [
                str(BIN / "schemathesis"),
                "run",
                hub.url + "/schema/openapi.json",
                "--url",
                hub.url,
                "-H",
                f"Authorization: Bearer {tokens[role]}",
                "--checks",
                CHECKS,
                "--max-time",
                str(int(seconds / len(roles))),
                "--continue-on-failure",
                "--no-color",
                "--seed",
                "2026",
                # What ends this role's own session would end its run early: logging
                # out, changing the password, rotating the tenant's token key (with
                # revoke_previous the fuzzer revokes its own token; it found that).
                "--exclude-path-regex",
                SESSION_ENDERS,
                *extra,
            ]
            if report:
                report.mkdir(parents=True, exist_ok=True)
                cmd += [
                    "--report",
                    "junit",
                    "--report-junit-path",
                    str(report / f"schemathesis-{role}.xml"),
                ]
            print(f"== {role}: {' '.join(cmd[:3])} ...", flush=True)
            done = subprocess.run(cmd, env=hub.env, cwd=hub.workdir)  # its cache stays there
            failed += done.returncode != 0
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=300,
        help="time budget for all roles together (default 300)",
    )
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--report", type=Path, help="directory for JUnit reports")
    args, extra = parser.parse_known_args()
    failed = run(args.seconds, tuple(args.roles.split(",")), args.report, tuple(extra))
    print("schemathesis:", "no failures" if not failed else f"{failed} run(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
