"""A loopback reference SMS provider speaking `HttpSmsGateway`'s format, for tests and
the demo: POST /send takes a message and answers {"id"}; GET /messages lists them.

    python -m hub.sms.server --port 8025
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MESSAGES: list[dict[str, Any]] = []
_LOCK = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    token = ""

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/send":
            return self._answer(404, {"error": "not found"})
        if self.token and self.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(401, {"error": "unauthorized"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            message = {
                "id": "http-" + secrets.token_hex(6),
                "to": str(body["to"]),
                "template": str(body["template"]),
                "text": str(body["text"]),
                "params": dict(body.get("params") or {}),
            }
        except (ValueError, KeyError, TypeError):
            return self._answer(400, {"error": "bad message"})
        with _LOCK:
            _MESSAGES.append(message)
        return self._answer(200, {"id": message["id"]})

    def do_GET(self) -> None:
        if self.path != "/messages":
            return self._answer(404, {"error": "not found"})
        with _LOCK:
            return self._answer(200, list(_MESSAGES))

    def log_message(self, format: str, *args: Any) -> None:
        pass  # messages hold codes: nothing of them in logs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--token", default="")
    args = parser.parse_args()
    _Handler.token = args.token
    server = ThreadingHTTPServer((args.host, args.port), _Handler)
    print(json.dumps({"listening": f"http://{args.host}:{server.server_port}"}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
