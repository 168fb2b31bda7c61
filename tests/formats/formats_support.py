"""Helpers shared by the formats tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO.parent / "shared" / "samples" / "real-vendors"


def run_cli(path: Path | str, *extra: str) -> tuple[int, dict[str, Any] | None, str, str]:
    """`sealhub verify PATH --json` in a subprocess: (exit code, JSON or None, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "hub.cli", "verify", str(path), *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    out = None
    if "--json" in extra and proc.stdout.strip():
        out = json.loads(proc.stdout)
    return proc.returncode, out, proc.stdout, proc.stderr


def failing(report: dict[str, Any], prefix: str = "") -> set[str]:
    """Every failing check in a report dict, nested ones prefixed by where they are."""
    names = {prefix + c["name"] for c in report["checks"] if not c["ok"]}
    if report.get("seal"):
        names |= failing(report["seal"], prefix + "seal: ")
    for sig in report.get("signatures", []):
        names |= failing(sig, prefix + sig["info"].get("path", "?") + ": ")
    return names
