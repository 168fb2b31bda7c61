"""Helpers for the webhook tests: a real HTTP receiver on 127.0.0.1, seals, signings."""

from __future__ import annotations

import asyncio
import inspect
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from hub.crypto import sm3

SEAL_PASSWORD = "seal-pass-2026"


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops SYNs under concurrent deliveries
    daemon_threads = True


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that answers POSTs with scripted status codes
    (then 200) and records every request."""

    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sealhub"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.script.pop(0) if receiver.script else 200
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, status)
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


async def wait_for(predicate: Callable[[], Any], within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def personal_seal(t: Any, name: str = "王五") -> tuple[Any, dict[str, Any]]:
    person = await t.add_person(name)
    r = await t.client.post("/api/v1/seals", headers=person.headers, json={"seal_type": "personal"})
    assert r.status_code == 201, r.text
    seal = r.json()
    r = await t.client.put(
        f"/api/v1/seals/{seal['id']}/password",
        headers=person.headers,
        json={"password": SEAL_PASSWORD},
    )
    assert r.status_code == 204, r.text
    return person, seal


async def sign(
    client: httpx.AsyncClient, headers: dict[str, str], seal_id: str, doc: bytes
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/signatures",
        headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        json={"seal_id": seal_id, "password": SEAL_PASSWORD, "document_sm3": sm3(doc).hex()},
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
