"""Preparing prometheus-client's multiprocess directory before workers start.

Kept apart from `monitoring.metrics` on purpose: importing that module creates metric
files, and the supervising process must not do so before the directory exists.
"""

from __future__ import annotations

import tempfile
from collections.abc import MutableMapping
from pathlib import Path


def prepare_multiprocess_dir(configured: str | None, workers: int) -> str | None:
    """The directory `sealhub serve` hands its workers, emptied of a previous run's files.

    None for one worker with nothing configured (the in-memory registry is exact then).
    Several workers without a configured directory get a fresh temporary one, because
    per-worker registries would make every scrape show one random worker's numbers.
    """
    if configured is None and workers <= 1:
        return None
    directory = Path(configured or tempfile.mkdtemp(prefix="sealhub-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # prometheus-client requires a clean start
        stale.unlink()
    return str(directory)


ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"


def configure_environment(
    environ: MutableMapping[str, str], configured: str | None, workers: int
) -> str | None:
    """Set or clear PROMETHEUS_MULTIPROC_DIR in `environ` (the serving process's, which
    its workers inherit) before anything imports prometheus-client.

    prometheus-client switches to multiprocess mode when the variable merely exists, so an
    empty value would scatter `*.db` files into the working directory: it is removed.
    """
    directory = prepare_multiprocess_dir(configured, workers)
    if directory:
        environ[ENV_VAR] = directory
    else:
        environ.pop(ENV_VAR, None)
    return directory
