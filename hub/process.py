"""Run `sealhub serve` as a real child process on 127.0.0.1 (demo, benchmarks, the
multi-replica tests). The child gets its settings through the environment, like
production does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HubProcess:
    def __init__(
        self,
        env: Mapping[str, str],
        *,
        port: int | None = None,
        workers: int = 1,
        log: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.workers = workers
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> HubProcess:
        argv = [sys.executable, "-m", "hub.cli", "serve", "--host", "127.0.0.1",
                "--port", str(self.port), "--workers", str(self.workers)]  # fmt: skip
        # The child keeps the log open for its lifetime; stop() closes our copy.
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode} (log: {self.log})")
            try:
                with urllib.request.urlopen(self.url + "/health/ready", timeout=2):  # noqa: S310
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"hub on {self.url} not ready (log: {self.log})") from None
                time.sleep(0.1)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run another `sealhub` command against the same database and keys."""
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", *args],
            env=self.env, input=stdin, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
