"""Several processes write into one PROMETHEUS_MULTIPROC_DIR; one scrape adds them up.

prometheus-client chooses multiprocess mode at import time from the environment, so the
writers and the reader are real child processes started with the variable set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from monitoring import metrics
assert metrics.multiprocess_enabled()
n, log_size = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    metrics.seal_issued("bureau-a", "refa")
    metrics.record_vendor_call("refa", "sign", "ok", 0.03)
metrics.record_vendor_call("refa", "sign", "timeout", 7.0)
metrics.evidence_log_size(log_size)
metrics.set_circuit_state("refa", sys.argv[3])
"""

READER = """
import sys
from monitoring import metrics
sys.stdout.write(metrics.render(sys.argv[1])[0].decode())
"""


def _run(code: str, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_three_writer_processes_add_up_in_one_scrape(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    plan = [(120, 10, "closed"), (75, 250, "open"), (33, 40, "half_open")]
    writers = [_run(WRITER, env, str(n), str(size), state) for n, size, state in plan]
    for w in writers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    assert len(list(tmp_path.glob("*.db"))) >= 3  # one file set per process

    reader = _run(READER, env, str(tmp_path))
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    samples = _samples(out)
    total = sum(n for n, _, _ in plan)
    assert _value(samples, "sealhub_seals_issued_total", tenant="bureau-a", vendor="refa") == total
    assert (
        _value(
            samples, "sealhub_vendor_requests_total", vendor="refa", operation="sign", outcome="ok"
        )
        == total
    )
    assert _value(
        samples, "sealhub_vendor_requests_total", vendor="refa", operation="sign", outcome="timeout"
    ) == len(plan)
    assert _value(
        samples, "sealhub_vendor_request_duration_seconds_count", vendor="refa", operation="sign"
    ) == total + len(plan)
    assert (
        _value(
            samples,
            "sealhub_vendor_request_duration_seconds_bucket",
            vendor="refa",
            operation="sign",
            le="0.05",
        )
        == total
    )
    # Gauges combine as declared: the log size is the max any process saw; the circuit
    # state is the worst state among live processes (none was marked dead here).
    assert _value(samples, "sealhub_evidence_log_size") == 250
    assert _value(samples, "sealhub_vendor_circuit_state", vendor="refa") == 2


def _stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGTERM, and SIGKILL if a loaded machine makes graceful shutdown slow."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_sealhub_serve_with_two_workers_scrapes_the_sum(tmp_path: Path) -> None:
    """`sealhub serve --workers 2`: whichever worker answers /metrics reports all requests."""
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "SEALHUB_DATA_DIR": str(tmp_path / "data"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        pids: set[str] = set()
        with httpx.Client(base_url=base, timeout=5) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get("/health/live").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail("hub did not start: " + (server.stderr.read() if server.stderr else ""))
            # Fresh connections spread requests over both workers.
            sent = 1  # the readiness probe above
            for _ in range(59):
                with httpx.Client(base_url=base, timeout=5) as one_shot:
                    assert one_shot.get("/health/live").status_code == 200
                sent += 1
            totals = set()
            for _ in range(6):
                with httpx.Client(base_url=base, timeout=5) as one_shot:
                    text = one_shot.get("/metrics").text
                samples = _samples(text)
                totals.add(
                    _value(
                        samples,
                        "sealhub_http_requests_total",
                        route="/health/live",
                        method="GET",
                        status_class="2xx",
                    )
                )
        pids = {p.name.split("_")[-1] for p in metrics_dir.glob("*.db")}
        assert len(pids) >= 2, "both workers wrote metrics"
        assert totals == {float(sent)}, totals
    finally:
        _stop(server)


DYING_WRITER = """
import os, sys
from monitoring import metrics
metrics.set_circuit_state("refa", sys.argv[1])
metrics.seal_issued("bureau-a", "refa")
if sys.argv[2] == "exit":
    metrics.mark_process_dead(os.getpid(), sys.argv[3])
"""


def test_a_finished_worker_no_longer_holds_the_circuit_open(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for args in (("open", "exit", str(tmp_path)), ("closed", "stay", str(tmp_path))):
        w = _run(DYING_WRITER, env, *args)
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    reader = _run(READER, env, str(tmp_path))
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    samples = _samples(out)
    assert _value(samples, "sealhub_vendor_circuit_state", vendor="refa") == 0
    # Its counters still count: a finished worker's work happened.
    assert _value(samples, "sealhub_seals_issued_total", tenant="bureau-a", vendor="refa") == 2


def test_serve_environment_for_one_and_many_workers(tmp_path: Path) -> None:
    from monitoring.multiproc import configure_environment

    # An empty variable would still switch prometheus-client to multiprocess mode (files
    # in the working directory): one worker without a directory clears it.
    env = {"PROMETHEUS_MULTIPROC_DIR": ""}
    assert configure_environment(env, None, 1) is None
    assert "PROMETHEUS_MULTIPROC_DIR" not in env
    # Several workers get a fresh directory of their own.
    env = {}
    made = configure_environment(env, None, 3)
    assert made and env["PROMETHEUS_MULTIPROC_DIR"] == made and Path(made).is_dir()
    # A configured directory is used and emptied of a previous run's files.
    (tmp_path / "counter_1.db").write_bytes(b"stale")
    (tmp_path / "keep.txt").write_text("not ours")
    env = {}
    assert configure_environment(env, str(tmp_path), 1) == str(tmp_path)
    assert not list(tmp_path.glob("*.db")) and (tmp_path / "keep.txt").exists()
