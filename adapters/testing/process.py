"""Run `sealhub vendor-server` as a real child process on 127.0.0.1 (tests, bench, demo).

The server binds port 0 and prints its port, so there is no race for a free port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


class VendorProcess:
    def __init__(
        self,
        name: str,
        *,
        latency_ms: float = 0,
        error_rate: float = 0,
        garbage_rate: float = 0,
        garbage_ops: str = "seal,sign",
        data_dir: str | Path | None = None,
        token: str | None = None,
        control: bool = True,
        port: int = 0,
    ) -> None:
        self.name = name
        self.argv = [
            sys.executable, "-m", "hub.cli", "vendor-server",
            "--name", name, "--port", str(port),
            "--latency-ms", str(latency_ms),
            "--error-rate", str(error_rate),
            "--garbage-rate", str(garbage_rate),
            "--garbage-ops", garbage_ops,
        ]  # fmt: skip
        if data_dir is not None:
            self.argv += ["--data-dir", str(data_dir)]
        if token is not None:
            self.argv += ["--token", token]
        if control:
            self.argv.append("--control")
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 20.0) -> VendorProcess:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "vendor NAME listening on http://127.0.0.1:PORT"
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"vendor server {self.name} did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_ready", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"vendor server {self.name} is not answering") from None
                time.sleep(0.05)
        return self

    def knobs(self, **values: float | str) -> dict[str, Any]:
        """Change latency_ms / error_rate / garbage_rate / garbage_ops of the running server."""
        req = urllib.request.Request(  # noqa: S310 - loopback URL we built
            self.url + "/_control/knobs",
            data=json.dumps(values).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=5) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    def kill(self) -> None:
        """kill -9: no goodbye, connections die mid-request."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> VendorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
