"""A short Schemathesis run against a real hub process (the five-minute run, all four
roles, is `python tests/fuzz/run_schemathesis.py`, see the README): no server error, no
response outside the documented schema, status codes and content types."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from run_schemathesis import BIN, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("schemathesis", path=str(BIN)) is None,
        reason="pip install -e '.[dev]' (schemathesis)",
    ),
]


def test_schemathesis_finds_nothing_as_admin_and_citizen(tmp_path: Path) -> None:
    assert run(30, ("tenant_admin", "citizen"), report=tmp_path) == 0, (
        "schemathesis failures; see the output above"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "schemathesis-citizen.xml",
        "schemathesis-tenant_admin.xml",
    ]
