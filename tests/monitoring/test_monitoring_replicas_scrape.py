"""Issue 8: metrics from each replica add up in a Prometheus scrape of all of them.

Three `sealhub serve --workers 2` processes share one database and each aggregates its
own workers (prometheus-client multiprocess mode); a real Prometheus scrapes all three
and `sum()` over the replicas equals exactly the requests sent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_support import free_port, query, stop

ROOT = Path(__file__).resolve().parents[2]
SENT = (11, 17, 23)  # requests to replica 1, 2, 3


def _wait_live(base: str, proc: subprocess.Popen[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("hub exited: " + (proc.stderr.read() if proc.stderr else ""))
        try:
            if httpx.get(base + "/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"{base} did not start")


@pytest.mark.slow
def test_three_replicas_add_up_in_one_prometheus(tmp_path: Path) -> None:
    prometheus_bin = shutil.which("prometheus")
    if prometheus_bin is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus missing in CI (.ci/run installs it)")
        pytest.skip("prometheus not installed (apt-get install prometheus)")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "SEALHUB_MASTER_KEY": "MDEyMzQ1Njc4OWFiY2RlZg==",
        "SEALHUB_ORIGIN": "replicas.test",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each replica makes its own
    ports = [free_port() for _ in SENT]
    replicas = []
    prometheus = None
    try:
        for i, port in enumerate(ports):
            replicas.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "hub.cli",
                        "serve",
                        "--port",
                        str(port),
                        "--workers",
                        "2",
                    ],
                    cwd=ROOT,
                    env={**env, "SEALHUB_DATA_DIR": str(tmp_path / f"data{i}")},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, proc in zip(bases, replicas, strict=True):
            _wait_live(base, proc)
        warmup = 1  # the readiness poll above hit /health/live once on each (at least)
        for base, count in zip(bases, SENT, strict=True):
            for _ in range(count):  # fresh connections: spread over the replica's workers
                assert httpx.get(base + "/health/live", timeout=5).status_code == 200

        # What each replica reports on its own (any worker answers for both workers).
        own = []
        for base in bases:
            text = httpx.get(base + "/metrics", timeout=5).text
            line = next(
                ln
                for ln in text.splitlines()
                if ln.startswith(
                    'sealhub_http_requests_total{method="GET",route="/health/live",status_class="2xx"}'
                )
            )
            own.append(float(line.rsplit(" ", 1)[1]))
        for count, seen in zip(SENT, own, strict=True):
            assert count + warmup <= seen <= count + 5 * warmup, own  # retries while starting

        prom_port = free_port()
        config = tmp_path / "prometheus.yml"
        targets = ", ".join(f"'127.0.0.1:{p}'" for p in ports)
        config.write_text(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n"
            "  - job_name: sealhub\n    static_configs:\n"
            f"      - targets: [{targets}]\n"
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
        prom = f"http://127.0.0.1:{prom_port}"
        expr = 'sum(sealhub_http_requests_total{route="/health/live",status_class="2xx"})'
        deadline = time.monotonic() + 60
        total, instances = None, 0
        while time.monotonic() < deadline:
            try:
                up = query(prom, 'up{job="sealhub"} == 1')
                result = query(prom, expr)
            except OSError:
                time.sleep(0.5)
                continue
            instances = len(up)
            total = float(result[0]["value"][1]) if result else None
            if instances == 3 and total == sum(own):
                break
            time.sleep(0.5)
        assert instances == 3
        assert total == sum(own), (total, own)
        per_instance = query(
            prom, 'sum by (instance) (sealhub_http_requests_total{route="/health/live"})'
        )
        assert sorted(float(r["value"][1]) for r in per_instance) == sorted(own)
    finally:
        if prometheus is not None:
            stop(prometheus)
        for proc in replicas:
            proc.terminate()
        for proc in replicas:
            stop(proc)
