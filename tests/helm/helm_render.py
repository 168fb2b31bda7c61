"""Chart rendering for the helm tests: helm-python-sdk (Helm's Go SDK through a bundled
C library), so no helm binary and no cluster are needed. A plain, uniquely named module
rather than conftest.py, so it cannot collide with other areas' helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "helm" / "sealhub"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))

helm = pytest.importorskip("helm_python", reason="pip install -e '.[dev]' (helm-python-sdk)")


def render(
    values: dict[str, Any], *, name: str = "sealhub", namespace: str = "sealhub"
) -> dict[str, str]:
    """Template path -> rendered text, like `helm template`."""
    with helm.Chart.load(CHART) as chart:
        return chart.render(values, name=name, namespace=namespace, is_install=True)


def manifests(rendered: dict[str, str]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def load_values(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


VARIANTS = pytest.mark.parametrize("variant", CI_VALUES, ids=[p.name for p in CI_VALUES])
