"""Issue 6, done-when: a real Prometheus server (Debian package) on loopback scrapes a hub
that served two reference vendors of different quality, and PromQL on
`sealhub_vendor_rank` returns the better vendor first."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from prometheus_support import free_port, query, stop

from adapters.testing.process import VendorProcess

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "helm/sealhub/files/rules/sealhub-rules.yaml"


@pytest.mark.slow
def test_prometheus_ranks_the_better_vendor_first(tmp_path: Path) -> None:
    prometheus_bin = shutil.which("prometheus")
    if prometheus_bin is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus missing in CI (.ci/run installs it)")
        pytest.skip("prometheus not installed (apt-get install prometheus)")

    hub_port, prom_port = free_port(), free_port()
    with (
        VendorProcess("goodvendor") as good,
        VendorProcess("poorvendor", latency_ms=200, error_rate=0.4) as poor,
    ):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
            "SEALHUB_DATA_DIR": str(tmp_path / "data"),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        hub = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).parent / "prometheus_hub.py"),
                str(hub_port),
                f"goodvendor={good.url}",
                f"poorvendor={poor.url}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: ['{RULES}']\n"
            "scrape_configs:\n  - job_name: sealhub\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{hub_port}']\n"
        )
        prometheus = subprocess.Popen(
            [
                prometheus_bin,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{prom_port}"
        try:
            assert hub.stdout is not None
            ranking_lines = []
            for line in hub.stdout:
                if line.startswith("serving"):
                    break
                ranking_lines.append(line.strip())
            else:
                pytest.fail("hub exited: " + (hub.stderr.read() if hub.stderr else ""))
            assert ranking_lines[0].startswith("1 goodvendor"), ranking_lines

            deadline = time.monotonic() + 60
            ranks: list[dict] = []
            while time.monotonic() < deadline:
                try:
                    ranks = query(base, "sort(sealhub_vendor_rank)")
                except OSError:
                    ranks = []
                if len(ranks) == 2:
                    break
                time.sleep(0.5)
            assert [r["metric"]["vendor"] for r in ranks] == ["goodvendor", "poorvendor"], ranks
            assert [float(r["value"][1]) for r in ranks] == [1.0, 2.0]
            assert ranks[0]["metric"]["job"] == "sealhub"

            scores = {
                r["metric"]["vendor"]: float(r["value"][1])
                for r in query(base, "sealhub_vendor_quality_score")
            }
            assert scores["goodvendor"] > scores["poorvendor"], (scores, ranking_lines)
            best = query(base, "topk(1, sealhub_vendor_quality_score)")
            assert best[0]["metric"]["vendor"] == "goodvendor"
            ratings = {r["metric"]["vendor"] for r in query(base, "sealhub_vendor_rating")}
            assert ratings == {"goodvendor", "poorvendor"}
            # The shipped rules load into this real Prometheus.
            with urllib.request.urlopen(f"{base}/api/v1/rules", timeout=5) as answer:
                groups = json.loads(answer.read())["data"]["groups"]
            assert {g["name"] for g in groups} == {"sealhub.recording", "sealhub.alerts"}
        finally:
            prometheus.terminate()
            hub.terminate()
            stop(prometheus)
            stop(hub)
