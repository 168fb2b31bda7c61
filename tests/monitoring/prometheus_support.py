"""Helpers of the tests that run a real Prometheus against real hub processes."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from typing import Any

from hub.process import free_port

__all__ = ["free_port", "query", "stop"]


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGTERM, and SIGKILL if a loaded machine makes graceful shutdown slow."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    """An instant PromQL query; the result vector."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as answer:
        body = json.loads(answer.read())
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result
